// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: v1
 * Title: [PATCH 2/6] arm64/mm: Enable memory hot remove
 * Posted: 2019-04-03, Anshuman Khandual (against v5.1-rc, pre-p4d API)
 * Source: message <1554265806-11501-3-git-send-email-anshuman.khandual@arm.com>
 *   (as on lore.kernel.org); with its pgtable.h hunk (pmd_large(),
 *   pud_large(), pmd_index()/pud_index() of 0 on folded levels, in
 *   kshim/older_eras.h)
 * Gist: V2's walk (see hotremove_v2.c), plus pgtable_page_dtor() on linear-map
 *   table pages, and pmd_large()/pud_large() to recognise blocks, which are
 *   0 on folded levels (so a 2-level PMD block is walked as a table).
 * Pass API: none (one walk: remove_pagetable() unmaps and frees tables together)
 * Add side: v5.7
 * Era API: v5.1 (arch_add_memory(nid, start, size, altmap, want_memblock))
 * Functions: as v2 (arch/arm64/mm/mmu.c).
 */

#ifdef CONFIG_MEMORY_HOTPLUG
static void __meminit free_pagetable(struct page *page, int order)
{
	unsigned long magic;
	unsigned int nr_pages = 1 << order;

	if (PageReserved(page)) {
		__ClearPageReserved(page);

		magic = (unsigned long)page->freelist;
		if (magic == SECTION_INFO || magic == MIX_SECTION_INFO) {
			while (nr_pages--)
				put_page_bootmem(page++);
		} else
			while (nr_pages--)
				free_reserved_page(page++);
	} else
		free_pages((unsigned long)page_address(page), order);
}

#if (CONFIG_PGTABLE_LEVELS > 2)
static void __meminit free_pte_table(pte_t *pte_start, pmd_t *pmd, bool direct)
{
	pte_t *pte;
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		pte = pte_start + i;
		if (!pte_none(*pte))
			return;
	}

	if (direct)
		pgtable_page_dtor(pmd_page(*pmd));
	free_pagetable(pmd_page(*pmd), 0);
	spin_lock(&init_mm.page_table_lock);
	pmd_clear(pmd);
	spin_unlock(&init_mm.page_table_lock);
}
#else
static void __meminit free_pte_table(pte_t *pte_start, pmd_t *pmd, bool direct)
{
}
#endif

#if (CONFIG_PGTABLE_LEVELS > 3)
static void __meminit free_pmd_table(pmd_t *pmd_start, pud_t *pud, bool direct)
{
	pmd_t *pmd;
	int i;

	for (i = 0; i < PTRS_PER_PMD; i++) {
		pmd = pmd_start + i;
		if (!pmd_none(*pmd))
			return;
	}

	if (direct)
		pgtable_page_dtor(pud_page(*pud));
	free_pagetable(pud_page(*pud), 0);
	spin_lock(&init_mm.page_table_lock);
	pud_clear(pud);
	spin_unlock(&init_mm.page_table_lock);
}

static void __meminit free_pud_table(pud_t *pud_start, pgd_t *pgd, bool direct)
{
	pud_t *pud;
	int i;

	for (i = 0; i < PTRS_PER_PUD; i++) {
		pud = pud_start + i;
		if (!pud_none(*pud))
			return;
	}

	if (direct)
		pgtable_page_dtor(pgd_page(*pgd));
	free_pagetable(pgd_page(*pgd), 0);
	spin_lock(&init_mm.page_table_lock);
	pgd_clear(pgd);
	spin_unlock(&init_mm.page_table_lock);
}
#else
static void __meminit free_pmd_table(pmd_t *pmd_start, pud_t *pud, bool direct)
{
}

static void __meminit free_pud_table(pud_t *pud_start, pgd_t *pgd, bool direct)
{
}
#endif

static void __meminit
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

static void __meminit
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

		if (pmd_large(*pmd)) {
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
		free_pte_table(pte_base, pmd, direct);
	}
}

static void __meminit
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

		if (pud_large(*pud)) {
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
		free_pmd_table(pmd_base, pud, direct);
	}
}

static void __meminit
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
		free_pud_table(pud_base, pgd, direct);
	}
	flush_tlb_kernel_range(start, end);
}
#endif

void __ref vmemmap_free(unsigned long start, unsigned long end,
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
	int flags = 0, ret = 0;

	if (rodata_full || debug_pagealloc_enabled())
		flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;

	__create_pgd_mapping(swapper_pg_dir, start, __phys_to_virt(start),
			     size, PAGE_KERNEL, pgd_pgtable_alloc, flags);

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
