// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: v2
 * Title: [PATCH V2 2/2] arm64/mm: Enable memory hot remove
 * Posted: 2019-04-14, Anshuman Khandual (against v5.1-rc, pre-p4d API)
 * Source: message <1555221553-18845-3-git-send-email-anshuman.khandual@arm.com>
 *   (as on lore.kernel.org); with its pgtable.h hunk (pmd_index() and
 *   pud_index() of 0 on folded levels, in kshim/older_eras.h)
 * Gist: after x86's remove_pagetable(): 'direct' marks the linear map;
 *   free_pagetable() gives PageReserved (boot) pages back with
 *   free_reserved_page(), others with free_pages(); leaves are freed before
 *   they are cleared, tables freed before their entry is cleared, and the
 *   only TLBI is one flush_tlb_kernel_range(start, end) after the whole walk;
 *   no table is freed on folded levels (PTE tables only with > 2 levels).
 *   V1's pgtable_page_dtor() calls and pmd_large()/pud_large() are gone
 *   (pmd_sect()/pud_sect()).
 * Pass API: none (one walk: remove_pagetable() unmaps and frees tables together)
 * Add side: v5.7
 * Era API: v5.1 (arch_add_memory(nid, start, size, altmap, want_memblock))
 * Functions: free_pagetable, free_pte_table, free_pmd_table, free_pud_table (each
 *   level's two variants), remove_pte_table, remove_pmd_table,
 *   remove_pud_table, remove_pagetable, vmemmap_free, __remove_pgd_mapping,
 *   arch_add_memory, arch_remove_memory (arch/arm64/mm/mmu.c).
 */

#ifdef CONFIG_MEMORY_HOTPLUG
static void free_pagetable(struct page *page, int order)
{
	unsigned long magic;
	unsigned int nr_pages = 1 << order;

	if (PageReserved(page)) {
		__ClearPageReserved(page);

		magic = (unsigned long)page->freelist;
		if (magic == SECTION_INFO || magic == MIX_SECTION_INFO) {
			while (nr_pages--)
				put_page_bootmem(page++);
		} else {
			while (nr_pages--)
				free_reserved_page(page++);
		}
	} else {
		free_pages((unsigned long)page_address(page), order);
	}
}

#if (CONFIG_PGTABLE_LEVELS > 2)
static void free_pte_table(pte_t *pte_start, pmd_t *pmd)
{
	pte_t *pte;
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		pte = pte_start + i;
		if (!pte_none(*pte))
			return;
	}

	free_pagetable(pmd_page(*pmd), 0);
	spin_lock(&init_mm.page_table_lock);
	pmd_clear(pmd);
	spin_unlock(&init_mm.page_table_lock);
}
#else
static void free_pte_table(pte_t *pte_start, pmd_t *pmd)
{
}
#endif

#if (CONFIG_PGTABLE_LEVELS > 3)
static void free_pmd_table(pmd_t *pmd_start, pud_t *pud)
{
	pmd_t *pmd;
	int i;

	for (i = 0; i < PTRS_PER_PMD; i++) {
		pmd = pmd_start + i;
		if (!pmd_none(*pmd))
			return;
	}

	free_pagetable(pud_page(*pud), 0);
	spin_lock(&init_mm.page_table_lock);
	pud_clear(pud);
	spin_unlock(&init_mm.page_table_lock);
}

static void free_pud_table(pud_t *pud_start, pgd_t *pgd)
{
	pud_t *pud;
	int i;

	for (i = 0; i < PTRS_PER_PUD; i++) {
		pud = pud_start + i;
		if (!pud_none(*pud))
			return;
	}

	free_pagetable(pgd_page(*pgd), 0);
	spin_lock(&init_mm.page_table_lock);
	pgd_clear(pgd);
	spin_unlock(&init_mm.page_table_lock);
}
#else
static void free_pmd_table(pmd_t *pmd_start, pud_t *pud)
{
}

static void free_pud_table(pud_t *pud_start, pgd_t *pgd)
{
}
#endif

static void
remove_pte_table(pte_t *pte_start, unsigned long addr,
			unsigned long end, bool direct)
{
	pte_t *pte;

	pte = pte_start + pte_index(addr);
	for (; addr < end; addr += PAGE_SIZE, pte++) {
		if (!pte_present(*pte))
			continue;

		if (!direct)
			free_pagetable(pte_page(*pte), 0);
		spin_lock(&init_mm.page_table_lock);
		pte_clear(&init_mm, addr, pte);
		spin_unlock(&init_mm.page_table_lock);
	}
}

static void
remove_pmd_table(pmd_t *pmd_start, unsigned long addr,
			unsigned long end, bool direct)
{
	unsigned long next;
	pte_t *pte_base;
	pmd_t *pmd;

	pmd = pmd_start + pmd_index(addr);
	for (; addr < end; addr = next, pmd++) {
		next = pmd_addr_end(addr, end);
		if (!pmd_present(*pmd))
			continue;

		if (pmd_sect(*pmd)) {
			if (!direct)
				free_pagetable(pmd_page(*pmd),
						get_order(PMD_SIZE));
			spin_lock(&init_mm.page_table_lock);
			pmd_clear(pmd);
			spin_unlock(&init_mm.page_table_lock);
			continue;
		}
		pte_base = pte_offset_kernel(pmd, 0UL);
		remove_pte_table(pte_base, addr, next, direct);
		free_pte_table(pte_base, pmd);
	}
}

static void
remove_pud_table(pud_t *pud_start, unsigned long addr,
			unsigned long end, bool direct)
{
	unsigned long next;
	pmd_t *pmd_base;
	pud_t *pud;

	pud = pud_start + pud_index(addr);
	for (; addr < end; addr = next, pud++) {
		next = pud_addr_end(addr, end);
		if (!pud_present(*pud))
			continue;

		if (pud_sect(*pud)) {
			if (!direct)
				free_pagetable(pud_page(*pud),
						get_order(PUD_SIZE));
			spin_lock(&init_mm.page_table_lock);
			pud_clear(pud);
			spin_unlock(&init_mm.page_table_lock);
			continue;
		}
		pmd_base = pmd_offset(pud, 0UL);
		remove_pmd_table(pmd_base, addr, next, direct);
		free_pmd_table(pmd_base, pud);
	}
}

static void
remove_pagetable(unsigned long start, unsigned long end, bool direct)
{
	unsigned long addr, next;
	pud_t *pud_base;
	pgd_t *pgd;

	for (addr = start; addr < end; addr = next) {
		next = pgd_addr_end(addr, end);
		pgd = pgd_offset_k(addr);
		if (!pgd_present(*pgd))
			continue;

		pud_base = pud_offset(pgd, 0UL);
		remove_pud_table(pud_base, addr, next, direct);
		free_pud_table(pud_base, pgd);
	}
	flush_tlb_kernel_range(start, end);
}
#endif

void vmemmap_free(unsigned long start, unsigned long end,
		struct vmem_altmap *altmap)
{
#ifdef CONFIG_MEMORY_HOTPLUG
	remove_pagetable(start, end, false);
#endif
}

#ifdef CONFIG_MEMORY_HOTPLUG
static void __remove_pgd_mapping(pgd_t *pgdir, unsigned long start, u64 size)
{
	WARN_ON(pgdir != init_mm.pgd);
	remove_pagetable(start, start + size, true);
}

int arch_add_memory(int nid, u64 start, u64 size, struct vmem_altmap *altmap,
		    bool want_memblock)
{
	int ret, flags = 0;

	if (rodata_full || debug_pagealloc_enabled())
		flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;

	__create_pgd_mapping(swapper_pg_dir, start, __phys_to_virt(start),
			     size, PAGE_KERNEL, __pgd_pgtable_alloc, flags);

	ret = __add_pages(nid, start >> PAGE_SHIFT, size >> PAGE_SHIFT,
			   altmap, want_memblock);
	if (ret)
		__remove_pgd_mapping(swapper_pg_dir,
					__phys_to_virt(start), size);
	return ret;
}

#ifdef CONFIG_MEMORY_HOTREMOVE
int arch_remove_memory(int nid, u64 start, u64 size, struct vmem_altmap *altmap)
{
	unsigned long start_pfn = start >> PAGE_SHIFT;
	unsigned long nr_pages = size >> PAGE_SHIFT;
	struct zone *zone = page_zone(pfn_to_page(start_pfn));
	int ret;

	ret = __remove_pages(zone, start_pfn, nr_pages, altmap);
	if (!ret)
		__remove_pgd_mapping(swapper_pg_dir,
					__phys_to_virt(start), size);
	return ret;
}
#endif
#endif
