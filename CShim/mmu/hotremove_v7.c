// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: v7
 * Title: [PATCH V7 3/3] arm64/mm: Enable memory hot remove
 * Posted: 2019-09-03, Anshuman Khandual (against v5.3-rc, pre-p4d API)
 * Source: message <1567503958-25831-4-git-send-email-anshuman.khandual@arm.com>
 *   https://lore.kernel.org/r/1567503958-25831-4-git-send-email-anshuman.khandual@arm.com
 * Gist: remove_pagetable() in two passes as in V6 (unmap leaves, flush each
 *   one, free vmemmap backing; then free empty tables, without floor or
 *   ceiling); vmemmap_free() now also frees empty tables unless the
 *   vmalloc and vmemmap ranges share a PGD entry (vmalloc_vmemmap_overlap,
 *   computed by an early_initcall).  Block entries are flushed over the
 *   walked range (addr, next).
 * Pass API: v6 (how benchmarks call the two passes)
 * Add side: v5.7
 * Functions: vmalloc_vmemmap_overlap, free_hotplug_page_range,
 *   free_hotplug_pgtable_page, free_pte_table, free_pmd_table,
 *   free_pud_table, unmap_hotplug_pte_range, unmap_hotplug_pmd_range,
 *   unmap_hotplug_pud_range, unmap_hotplug_range, free_empty_pte_table,
 *   free_empty_pmd_table, free_empty_pud_table, free_empty_tables,
 *   remove_pagetable, vmemmap_free, __remove_pgd_mapping, arch_add_memory,
 *   arch_remove_memory, find_vmalloc_vmemmap_overlap and its registration
 *   (arch/arm64/mm/mmu.c).
 */

/*
 * This represents if vmalloc and vmemmap address range overlap with
 * each other on an intermediate level kernel page table entry which
 * in turn helps in deciding whether empty kernel page table pages
 * if any can be freed during memory hotplug operation.
 */
static bool vmalloc_vmemmap_overlap;

#ifdef CONFIG_MEMORY_HOTPLUG
static void free_hotplug_page_range(struct page *page, size_t size)
{
	WARN_ON(!page || PageReserved(page));
	free_pages((unsigned long)page_address(page), get_order(size));
}

static void free_hotplug_pgtable_page(struct page *page)
{
	free_hotplug_page_range(page, PAGE_SIZE);
}

static void free_pte_table(pmd_t *pmdp, unsigned long addr)
{
	struct page *page;
	pte_t *ptep;
	int i;

	ptep = pte_offset_kernel(pmdp, 0UL);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		if (!pte_none(READ_ONCE(ptep[i])))
			return;
	}

	page = pmd_page(READ_ONCE(*pmdp));
	pmd_clear(pmdp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}

static void free_pmd_table(pud_t *pudp, unsigned long addr)
{
	struct page *page;
	pmd_t *pmdp;
	int i;

	if (CONFIG_PGTABLE_LEVELS <= 2)
		return;

	pmdp = pmd_offset(pudp, 0UL);
	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(READ_ONCE(pmdp[i])))
			return;
	}

	page = pud_page(READ_ONCE(*pudp));
	pud_clear(pudp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}

static void free_pud_table(pgd_t *pgdp, unsigned long addr)
{
	struct page *page;
	pud_t *pudp;
	int i;

	if (CONFIG_PGTABLE_LEVELS <= 3)
		return;

	pudp = pud_offset(pgdp, 0UL);
	for (i = 0; i < PTRS_PER_PUD; i++) {
		if (!pud_none(READ_ONCE(pudp[i])))
			return;
	}

	page = pgd_page(READ_ONCE(*pgdp));
	pgd_clear(pgdp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}

static void unmap_hotplug_pte_range(pmd_t *pmdp, unsigned long addr,
				    unsigned long end, bool sparse_vmap)
{
	struct page *page;
	pte_t *ptep, pte;

	do {
		ptep = pte_offset_kernel(pmdp, addr);
		pte = READ_ONCE(*ptep);
		if (pte_none(pte))
			continue;

		WARN_ON(!pte_present(pte));
		page = sparse_vmap ? pte_page(pte) : NULL;
		pte_clear(&init_mm, addr, ptep);
		flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
		if (sparse_vmap)
			free_hotplug_page_range(page, PAGE_SIZE);
	} while (addr += PAGE_SIZE, addr < end);
}

static void unmap_hotplug_pmd_range(pud_t *pudp, unsigned long addr,
				    unsigned long end, bool sparse_vmap)
{
	unsigned long next;
	struct page *page;
	pmd_t *pmdp, pmd;

	do {
		next = pmd_addr_end(addr, end);
		pmdp = pmd_offset(pudp, addr);
		pmd = READ_ONCE(*pmdp);
		if (pmd_none(pmd))
			continue;

		WARN_ON(!pmd_present(pmd));
		if (pmd_sect(pmd)) {
			page = sparse_vmap ? pmd_page(pmd) : NULL;
			pmd_clear(pmdp);
			flush_tlb_kernel_range(addr, next);
			if (sparse_vmap)
				free_hotplug_page_range(page, PMD_SIZE);
			continue;
		}
		WARN_ON(!pmd_table(pmd));
		unmap_hotplug_pte_range(pmdp, addr, next, sparse_vmap);
	} while (addr = next, addr < end);
}

static void unmap_hotplug_pud_range(pgd_t *pgdp, unsigned long addr,
				    unsigned long end, bool sparse_vmap)
{
	unsigned long next;
	struct page *page;
	pud_t *pudp, pud;

	do {
		next = pud_addr_end(addr, end);
		pudp = pud_offset(pgdp, addr);
		pud = READ_ONCE(*pudp);
		if (pud_none(pud))
			continue;

		WARN_ON(!pud_present(pud));
		if (pud_sect(pud)) {
			page = sparse_vmap ? pud_page(pud) : NULL;
			pud_clear(pudp);
			flush_tlb_kernel_range(addr, next);
			if (sparse_vmap)
				free_hotplug_page_range(page, PUD_SIZE);
			continue;
		}
		WARN_ON(!pud_table(pud));
		unmap_hotplug_pmd_range(pudp, addr, next, sparse_vmap);
	} while (addr = next, addr < end);
}

static void unmap_hotplug_range(unsigned long addr, unsigned long end,
				bool sparse_vmap)
{
	unsigned long next;
	pgd_t *pgdp, pgd;

	do {
		next = pgd_addr_end(addr, end);
		pgdp = pgd_offset_k(addr);
		pgd = READ_ONCE(*pgdp);
		if (pgd_none(pgd))
			continue;

		WARN_ON(!pgd_present(pgd));
		unmap_hotplug_pud_range(pgdp, addr, next, sparse_vmap);
	} while (addr = next, addr < end);
}

static void free_empty_pte_table(pmd_t *pmdp, unsigned long addr,
				 unsigned long end)
{
	pte_t *ptep, pte;

	do {
		ptep = pte_offset_kernel(pmdp, addr);
		pte = READ_ONCE(*ptep);
		WARN_ON(!pte_none(pte));
	} while (addr += PAGE_SIZE, addr < end);
}

static void free_empty_pmd_table(pud_t *pudp, unsigned long addr,
				 unsigned long end)
{
	unsigned long next;
	pmd_t *pmdp, pmd;

	do {
		next = pmd_addr_end(addr, end);
		pmdp = pmd_offset(pudp, addr);
		pmd = READ_ONCE(*pmdp);
		if (pmd_none(pmd))
			continue;

		WARN_ON(!pmd_present(pmd) || !pmd_table(pmd) || pmd_sect(pmd));
		free_empty_pte_table(pmdp, addr, next);
		free_pte_table(pmdp, addr);
	} while (addr = next, addr < end);
}

static void free_empty_pud_table(pgd_t *pgdp, unsigned long addr,
				 unsigned long end)
{
	unsigned long next;
	pud_t *pudp, pud;

	do {
		next = pud_addr_end(addr, end);
		pudp = pud_offset(pgdp, addr);
		pud = READ_ONCE(*pudp);
		if (pud_none(pud))
			continue;

		WARN_ON(!pud_present(pud) || !pud_table(pud) || pud_sect(pud));
		free_empty_pmd_table(pudp, addr, next);
		free_pmd_table(pudp, addr);
	} while (addr = next, addr < end);
}

static void free_empty_tables(unsigned long addr, unsigned long end)
{
	unsigned long next;
	pgd_t *pgdp, pgd;

	do {
		next = pgd_addr_end(addr, end);
		pgdp = pgd_offset_k(addr);
		pgd = READ_ONCE(*pgdp);
		if (pgd_none(pgd))
			continue;

		WARN_ON(!pgd_present(pgd));
		free_empty_pud_table(pgdp, addr, next);
		free_pud_table(pgdp, addr);
	} while (addr = next, addr < end);
}

static void remove_pagetable(unsigned long start, unsigned long end,
			     bool sparse_vmap)
{
	unmap_hotplug_range(start, end, sparse_vmap);
	free_empty_tables(start, end);
}
#endif

void vmemmap_free(unsigned long start, unsigned long end,
		struct vmem_altmap *altmap)
{
#ifdef CONFIG_MEMORY_HOTPLUG
	/*
	 * FIXME: We should have called remove_pagetable(start, end, true).
	 * vmemmap and vmalloc virtual range might share intermediate kernel
	 * page table entries. Removing vmemmap range page table pages here
	 * can potentially conflict with a concurrent vmalloc() allocation.
	 *
	 * This is primarily because vmalloc() does not take init_mm ptl for
	 * the entire page table walk and it's modification. Instead it just
	 * takes the lock while allocating and installing page table pages
	 * via [p4d|pud|pmd|pte]_alloc(). A concurrently vanishing page table
	 * entry via memory hot remove can cause vmalloc() kernel page table
	 * walk pointers to be invalid on the fly which can cause corruption
	 * or worst, a crash.
	 *
	 * So free_empty_tables() gets called where vmalloc and vmemmap range
	 * do not overlap at any intermediate level kernel page table entry.
	 */
	unmap_hotplug_range(start, end, true);
	if (!vmalloc_vmemmap_overlap)
		free_empty_tables(start, end);
#endif
}

#ifdef CONFIG_MEMORY_HOTPLUG
static void __remove_pgd_mapping(pgd_t *pgdir, unsigned long start, u64 size)
{
	unsigned long end = start + size;

	WARN_ON(pgdir != init_mm.pgd);
	remove_pagetable(start, end, false);
}

int arch_add_memory(int nid, u64 start, u64 size,
			struct mhp_restrictions *restrictions)
{
	int ret, flags = 0;

	if (rodata_full || debug_pagealloc_enabled())
		flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;

	__create_pgd_mapping(swapper_pg_dir, start, __phys_to_virt(start),
			     size, PAGE_KERNEL, __pgd_pgtable_alloc, flags);

	ret = __add_pages(nid, start >> PAGE_SHIFT, size >> PAGE_SHIFT,
			   restrictions);
	if (ret)
		__remove_pgd_mapping(swapper_pg_dir,
				     __phys_to_virt(start), size);
	return ret;
}

void arch_remove_memory(int nid, u64 start, u64 size,
			struct vmem_altmap *altmap)
{
	unsigned long start_pfn = start >> PAGE_SHIFT;
	unsigned long nr_pages = size >> PAGE_SHIFT;
	struct zone *zone;

	zone = page_zone(pfn_to_page(start_pfn));
	__remove_pages(zone, start_pfn, nr_pages, altmap);
	__remove_pgd_mapping(swapper_pg_dir, __phys_to_virt(start), size);
}

static int __init find_vmalloc_vmemmap_overlap(void)
{
	unsigned long gap_start, gap_end;

	/*
	 * vmalloc and vmemmap address ranges should be linearly
	 * increasing and non-overlapping before the gap between
	 * them can be measured.
	 */
	BUILD_BUG_ON(VMALLOC_END <= VMALLOC_START);
	BUILD_BUG_ON(VMEMMAP_END <= VMEMMAP_START);
	BUILD_BUG_ON((VMEMMAP_START >= VMALLOC_START)
			&& (VMEMMAP_START <= VMALLOC_END));
	BUILD_BUG_ON((VMEMMAP_END >= VMALLOC_START)
			&& (VMEMMAP_END <= VMALLOC_END));

	/*
	 * vmalloc and vmemmap can only be non-overlapping disjoint
	 * ranges. So [gap_start..gap_end] is determined which will
	 * represent the gap between the above mentioned ranges.
	 */
	if (VMEMMAP_START > VMALLOC_END) {
		gap_start = VMALLOC_END;
		gap_end = VMEMMAP_START;
	} else {
		gap_start = VMEMMAP_END;
		gap_end = VMALLOC_START;
	}

	/*
	 * Race condition during memory hot-remove exists when the
	 * gap edges share same PGD entry in kernel page table.
	 */
	if ((gap_start & PGDIR_MASK) == (gap_end & PGDIR_MASK))
		vmalloc_vmemmap_overlap = true;
	return 0;
}

early_initcall(find_vmalloc_vmemmap_overlap);
#endif
