// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: v3
 * Title: [PATCH V3 4/4] arm64/mm: Enable memory hot remove
 * Posted: 2019-05-14, Anshuman Khandual (against v5.1, pre-p4d API)
 * Source: message <1557824407-19092-5-git-send-email-anshuman.khandual@arm.com>
 *   https://lore.kernel.org/r/1557824407-19092-5-git-send-email-anshuman.khandual@arm.com
 * Gist: Mark Rutland's first review: 'direct' becomes 'sparse_vmap',
 *   TLB invalidation while clearing (one flush_tlb_kernel_range() per
 *   walked PTE range, __flush_tlb_kernel_pgtable() per freed table), pages
 *   freed by size, no PageReserved() handling, p?d_offset() walks, whole
 *   walk under init_mm.page_table_lock.  Entries are tested with
 *   p?d_present() (no READ_ONCE() yet); free_pmd_table()/free_pud_table() are
 *   empty functions on folded levels.  v5.1 API: arch_add_memory() takes
 *   (altmap, want_memblock), arch_remove_memory() returns int.
 * Pass API: none (one walk: remove_pagetable() unmaps and frees tables together)
 * Add side: v5.7
 * Era API: v5.1 (arch_add_memory(nid, start, size, altmap, want_memblock))
 * Functions: free_hotplug_page_range, free_hotplug_pgtable_page, free_pte_table,
 *   free_pmd_table, free_pud_table (each level's two variants),
 *   remove_pte_table, remove_pmd_table, remove_pud_table, remove_pagetable,
 *   vmemmap_free, __remove_pgd_mapping, arch_add_memory, arch_remove_memory
 *   (arch/arm64/mm/mmu.c).
 */

#ifdef CONFIG_MEMORY_HOTPLUG
static void free_hotplug_page_range(struct page *page, ssize_t size)
{
	WARN_ON(PageReserved(page));
	free_pages((unsigned long)page_address(page), get_order(size));
}

static void free_hotplug_pgtable_page(struct page *page)
{
	free_hotplug_page_range(page, PAGE_SIZE);
}

static void free_pte_table(pte_t *ptep, pmd_t *pmdp, unsigned long addr)
{
	struct page *page;
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		if (!pte_none(ptep[i]))
			return;
	}

	page = pmd_page(*pmdp);
	pmd_clear(pmdp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}

#if (CONFIG_PGTABLE_LEVELS > 2)
static void free_pmd_table(pmd_t *pmdp, pud_t *pudp, unsigned long addr)
{
	struct page *page;
	int i;

	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(pmdp[i]))
			return;
	}

	page = pud_page(*pudp);
	pud_clear(pudp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}
#else
static void free_pmd_table(pmd_t *pmdp, pud_t *pudp, unsigned long addr) { }
#endif

#if (CONFIG_PGTABLE_LEVELS > 3)
static void free_pud_table(pud_t *pudp, pgd_t *pgdp, unsigned long addr)
{
	struct page *page;
	int i;

	for (i = 0; i < PTRS_PER_PUD; i++) {
		if (!pud_none(pudp[i]))
			return;
	}

	page = pgd_page(*pgdp);
	pgd_clear(pgdp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}
#else
static void free_pud_table(pud_t *pudp, pgd_t *pgdp, unsigned long addr) { }
#endif

static void
remove_pte_table(pmd_t *pmdp, unsigned long addr,
			unsigned long end, bool sparse_vmap)
{
	struct page *page;
	pte_t *ptep;
	unsigned long start = addr;

	for (; addr < end; addr += PAGE_SIZE) {
		ptep = pte_offset_kernel(pmdp, addr);
		if (!pte_present(*ptep))
			continue;

		if (sparse_vmap) {
			page = pte_page(READ_ONCE(*ptep));
			free_hotplug_page_range(page, PAGE_SIZE);
		}
		pte_clear(&init_mm, addr, ptep);
	}
	flush_tlb_kernel_range(start, end);
}

static void
remove_pmd_table(pud_t *pudp, unsigned long addr,
			unsigned long end, bool sparse_vmap)
{
	unsigned long next;
	struct page *page;
	pte_t *ptep_base;
	pmd_t *pmdp;

	for (; addr < end; addr = next) {
		next = pmd_addr_end(addr, end);
		pmdp = pmd_offset(pudp, addr);
		if (!pmd_present(*pmdp))
			continue;

		if (pmd_sect(*pmdp)) {
			if (sparse_vmap) {
				page = pmd_page(READ_ONCE(*pmdp));
				free_hotplug_page_range(page, PMD_SIZE);
			}
			pmd_clear(pmdp);
			continue;
		}
		ptep_base = pte_offset_kernel(pmdp, 0UL);
		remove_pte_table(pmdp, addr, next, sparse_vmap);
		free_pte_table(ptep_base, pmdp, addr);
	}
}

static void
remove_pud_table(pgd_t *pgdp, unsigned long addr,
			unsigned long end, bool sparse_vmap)
{
	unsigned long next;
	struct page *page;
	pmd_t *pmdp_base;
	pud_t *pudp;

	for (; addr < end; addr = next) {
		next = pud_addr_end(addr, end);
		pudp = pud_offset(pgdp, addr);
		if (!pud_present(*pudp))
			continue;

		if (pud_sect(*pudp)) {
			if (sparse_vmap) {
				page = pud_page(READ_ONCE(*pudp));
				free_hotplug_page_range(page, PUD_SIZE);
			}
			pud_clear(pudp);
			continue;
		}
		pmdp_base = pmd_offset(pudp, 0UL);
		remove_pmd_table(pudp, addr, next, sparse_vmap);
		free_pmd_table(pmdp_base, pudp, addr);
	}
}

static void
remove_pagetable(unsigned long start, unsigned long end, bool sparse_vmap)
{
	unsigned long addr, next;
	pud_t *pudp_base;
	pgd_t *pgdp;

	spin_lock(&init_mm.page_table_lock);
	for (addr = start; addr < end; addr = next) {
		next = pgd_addr_end(addr, end);
		pgdp = pgd_offset_k(addr);
		if (!pgd_present(*pgdp))
			continue;

		pudp_base = pud_offset(pgdp, 0UL);
		remove_pud_table(pgdp, addr, next, sparse_vmap);
		free_pud_table(pudp_base, pgdp, addr);
	}
	spin_unlock(&init_mm.page_table_lock);
}
#endif

void vmemmap_free(unsigned long start, unsigned long end,
		struct vmem_altmap *altmap)
{
#ifdef CONFIG_MEMORY_HOTPLUG
	remove_pagetable(start, end, true);
#endif
}

#ifdef CONFIG_MEMORY_HOTPLUG
static void __remove_pgd_mapping(pgd_t *pgdir, unsigned long start, u64 size)
{
	WARN_ON(pgdir != init_mm.pgd);
	remove_pagetable(start, start + size, false);
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
	int ret = 0;

	ret = __remove_pages(zone, start_pfn, nr_pages, altmap);
	if (!ret)
		__remove_pgd_mapping(swapper_pg_dir,
					__phys_to_virt(start), size);
	return ret;
}
#endif
#endif
