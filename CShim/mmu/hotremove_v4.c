// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: v4
 * Title: [PATCH V4 4/4] arm64/mm: Enable memory hot remove
 * Posted: 2019-05-20, Anshuman Khandual (against v5.2-rc1, pre-p4d API); its
 *   text survives quoted in David Hildenbrand's reply of 2019-05-27,
 *   "Re: [PATCH V4 4/4] arm64/mm: Enable memory hot remove"
 * Source: <f122457b-b87d-7717-d983-b1a734ee037e@redhat.com>, the ">>>" lines (quote markers
 *   stripped; David's ">>" remarks inside the quote are not posting text).
 *   The quote ends inside arch_remove_memory(); its closing "}" and the two
 *   "#endif" are in the context of Anshuman's incremental diff in the same
 *   message (the ">" lines).
 * Gist: Mark Rutland's review: READ_ONCE() on every entry, p?d_none()
 *   to skip and WARN_ON(!p?d_present()), CONFIG_PGTABLE_LEVELS checks moved
 *   inside free_[pud|pmd]_table(); rebased on v5.2-rc1 with
 *   struct mhp_restrictions.  Otherwise the V5 walk (V5 only re-indents).
 * Pass API: none (one walk: remove_pagetable() unmaps and frees tables together)
 * Add side: v5.7
 * Functions: 
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

	page = pmd_page(READ_ONCE(*pmdp));
	pmd_clear(pmdp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}

static void free_pmd_table(pmd_t *pmdp, pud_t *pudp, unsigned long addr)
{
	struct page *page;
	int i;

	if (CONFIG_PGTABLE_LEVELS <= 2)
		return;

	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(pmdp[i]))
			return;
	}

	page = pud_page(READ_ONCE(*pudp));
	pud_clear(pudp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}

static void free_pud_table(pud_t *pudp, pgd_t *pgdp, unsigned long addr)
{
	struct page *page;
	int i;

	if (CONFIG_PGTABLE_LEVELS <= 3)
		return;

	for (i = 0; i < PTRS_PER_PUD; i++) {
		if (!pud_none(pudp[i]))
			return;
	}

	page = pgd_page(READ_ONCE(*pgdp));
	pgd_clear(pgdp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(page);
}

static void
remove_pte_table(pmd_t *pmdp, unsigned long addr,
			unsigned long end, bool sparse_vmap)
{
	struct page *page;
	pte_t *ptep, pte;
	unsigned long start = addr;

	for (; addr < end; addr += PAGE_SIZE) {
		ptep = pte_offset_kernel(pmdp, addr);
		pte = READ_ONCE(*ptep);

		if (pte_none(pte))
			continue;

		WARN_ON(!pte_present(pte));
		if (sparse_vmap) {
			page = pte_page(pte);
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
	pmd_t *pmdp, pmd;

	for (; addr < end; addr = next) {
		next = pmd_addr_end(addr, end);
		pmdp = pmd_offset(pudp, addr);
		pmd = READ_ONCE(*pmdp);

		if (pmd_none(pmd))
			continue;

		WARN_ON(!pmd_present(pmd));
		if (pmd_sect(pmd)) {
			if (sparse_vmap) {
				page = pmd_page(pmd);
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
	pud_t *pudp, pud;

	for (; addr < end; addr = next) {
		next = pud_addr_end(addr, end);
		pudp = pud_offset(pgdp, addr);
		pud = READ_ONCE(*pudp);

		if (pud_none(pud))
			continue;

		WARN_ON(!pud_present(pud));
		if (pud_sect(pud)) {
			if (sparse_vmap) {
				page = pud_page(pud);
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
	pgd_t *pgdp, pgd;

	spin_lock(&init_mm.page_table_lock);
	for (addr = start; addr < end; addr = next) {
		next = pgd_addr_end(addr, end);
		pgdp = pgd_offset_k(addr);
		pgd = READ_ONCE(*pgdp);

		if (pgd_none(pgd))
			continue;

		WARN_ON(!pgd_present(pgd));
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

#ifdef CONFIG_MEMORY_HOTREMOVE
void arch_remove_memory(int nid, u64 start, u64 size,
				struct vmem_altmap *altmap)
{
	unsigned long start_pfn = start >> PAGE_SHIFT;
	unsigned long nr_pages = size >> PAGE_SHIFT;
	struct zone *zone = page_zone(pfn_to_page(start_pfn));

	__remove_pages(zone, start_pfn, nr_pages, altmap);
	__remove_pgd_mapping(swapper_pg_dir,
					__phys_to_virt(start), size);
}
#endif
#endif
