// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: fix2026
 * Title: fix2025 + "arm64/mm: Enable batched TLB flush in unmap_hotplug_range()"
 *   + "arm64/mm: Reject memory removal that splits a kernel leaf mapping"
 * Posted: 2026, Anshuman Khandual (Fixes: bbd6ec605c0f "arm64/mm: Enable
 *   memory hot remove"; suggested and reviewed by Ryan Roberts, reviewed by
 *   David Hildenbrand): V1 <20260202042617.504183-1-anshuman.khandual@arm.com>,
 *   V2 <20260203130348.612150-1-anshuman.khandual@arm.com>, the last posting
 *   of 2026-03-09 (its 2/2 <20260309025725.455004-3-anshuman.khandual@arm.com>)
 *   merged as 95a58852b0e5 (reject split) and 48478b9f7913 (batched flush).
 * Gist: batched: the linear map (!free_mapped) is no longer flushed entry by
 *   entry; unmap_hotplug_range() flushes [start, end) once at the end, after
 *   every entry, CONT blocks included, is cleared (speculative refills of a
 *   half-cleared contiguous range could leave stale TLB entries).  The
 *   vmemmap (free_mapped) still flushes each leaf before freeing it,
 *   WARN_ON() a CONT leaf, and flushes a block over its whole size.
 *   Reject split: the memory notifier (renamed prevent_memory_remove_notifier)
 *   also returns NOTIFY_BAD when a block's linear-map or vmemmap edges fall
 *   inside a leaf entry (block, CONT range), because arm64 cannot split a
 *   live kernel leaf without BBML2_NOABORT.
 * Bodies: each a token run of its source (tools/history/fingerprints.tsv);
 *   the newer API they call is the shim's (kshim/later_eras.h), no body is
 *   edited.
 *   - unmap_hotplug_pte_range, unmap_hotplug_pmd_range,
 *     unmap_hotplug_pud_range, unmap_hotplug_range: 48478b9f7913 as merged
 *     (the commit as Linus's tree has it, quoted whole in
 *     <2026042727-detonate-paging-829b@gregkh>); the lines outside its hunks
 *     (pte = __ptep_get(ptep), mainline's since 6.9) from the 2026 mainline
 *     mmu.c.  Its 6.1.y backport ("[PATCH 6.1 337/522]",
 *     <20260616145141.584613180@linuxfoundation.org>) is the same text with
 *     pte_clear() for __pte_clear() and 6.1's READ_ONCE(*ptep).  Changed
 *     afterwards in mainline: the follow-up below (the PMD and PUD block
 *     flushes), and pmd_sect()/pud_sect() became pmd_leaf()/pud_leaf()
 *     (1d37713fa837).
 *   - addr_splits_kernel_leaf, can_unmap_without_split,
 *     prevent_memory_remove_notifier, prevent_memory_remove_nb,
 *     prevent_memory_remove_init and its early_initcall: 95a58852b0e5 as
 *     merged, read from the 2026 mainline mmu.c (the commit's own text is
 *     not among the sources); validate_bootmem_online(), which it leaves
 *     alone, from the same tree.  The merged form differs from V2:
 *     IS_ALIGNED() for ALIGN_DOWN(x, a) == x, the per-level comments folded
 *     into one, BUILD_BUG_ON(!IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP)) and
 *     pfn_to_page(pfn + nr_pages) for start + nr_pages * sizeof(struct page).
 *     Changed afterwards: by v7.2 the notifier calls
 *     can_unmap_without_split(arg->start_pfn, arg->nr_pages) (Debian's
 *     7.2.13; the commit is not identified), which the model's
 *     inv.split-check-* findings name.
 *   - free_hotplug_page_range, free_hotplug_pgtable_page,
 *     pgtable_range_aligned, unmap_hotplug_p4d_range,
 *     free_empty_{pte,pmd,pud,p4d}_table, free_empty_tables, vmemmap_free,
 *     __remove_pgd_mapping, arch_add_memory, arch_remove_memory: untouched
 *     by both commits; the altmap (v5.9) revision's, as fix2025 runs them.
 *     Mainline had moved on in these before 2026 (not taken: the shim is
 *     v5.7's): __free_pages() and pagetable_dtor() in the free helpers,
 *     __ptep_get() in free_empty_pte_table(), no pmd_sect() in
 *     free_empty_pmd_table()'s WARN_ON(), pgtable_l4_enabled()/P4D_MASK and
 *     a freeing free_empty_p4d_table() (run-time levels), arch_add_memory()'s
 *     error path and max_pfn, arch_remove_memory()'s pgmap.
 * After the merge: Ben Hutchings's review of the 6.1 backport (2026-06-21,
 *   <b0d5836032ce3135bfc473f6bff791306d086925.camel@decadent.org.uk>) saw
 *   that flush_tlb_kernel_range(addr, addr + PMD_SIZE) invalidates a vmemmap
 *   block at page stride (PTRS_PER_PTE vaale1is: v5.7..6.12 take the range
 *   loop for exactly MAX_TLBI_OPS pages; 6.13+, a923705c69f7, without
 *   FEAT_TLBIRANGE, a full flush) where one overlapping TLBI suffices; Will
 *   Deacon <ajqXWqiAol6Shdd6@willie-the-truck> and Ryan Roberts
 *   <d2a633c8-496e-48e1-bfa0-a0fc75bd0a08@arm.com> agreed, and ff4c5a0de1f2
 *   ("arm64/mm: Optimize TLB flush in unmap_hotplug_[pmd|pud]_range()",
 *   <20260626012845.475959-1-anshuman.khandual@arm.com>; v7.2, 6.1.178,
 *   6.12.97) restored flush_tlb_kernel_range(addr, addr + PAGE_SIZE) for PMD
 *   and PUD blocks.  Not taken here (a later
 *   revision's); CShim/mmu/README.md gives its exact change, and
 *   `hotremove diff` its cost (invalidations per removed vmemmap block).
 * Pass API: altmap (how benchmarks call the two passes)
 * Add side: fix2025
 * Functions: free_hotplug_page_range, free_hotplug_pgtable_page,
 *   pgtable_range_aligned, unmap_hotplug_{pte,pmd,pud,p4d}_range,
 *   unmap_hotplug_range, free_empty_{pte,pmd,pud,p4d}_table,
 *   free_empty_tables, vmemmap_free, __remove_pgd_mapping, arch_add_memory,
 *   arch_remove_memory, addr_splits_kernel_leaf, can_unmap_without_split,
 *   prevent_memory_remove_notifier, validate_bootmem_online and the
 *   notifier's registration (arch/arm64/mm/mmu.c).
 */

#ifdef CONFIG_MEMORY_HOTPLUG
static void free_hotplug_page_range(struct page *page, size_t size,
				    struct vmem_altmap *altmap)
{
	if (altmap) {
		vmem_altmap_free(altmap, size >> PAGE_SHIFT);
	} else {
		WARN_ON(PageReserved(page));
		free_pages((unsigned long)page_address(page), get_order(size));
	}
}

static void free_hotplug_pgtable_page(struct page *page)
{
	free_hotplug_page_range(page, PAGE_SIZE, NULL);
}

static bool pgtable_range_aligned(unsigned long start, unsigned long end,
				  unsigned long floor, unsigned long ceiling,
				  unsigned long mask)
{
	start &= mask;
	if (start < floor)
		return false;

	if (ceiling) {
		ceiling &= mask;
		if (!ceiling)
			return false;
	}

	if (end - 1 > ceiling - 1)
		return false;
	return true;
}

static void unmap_hotplug_pte_range(pmd_t *pmdp, unsigned long addr,
				    unsigned long end, bool free_mapped,
				    struct vmem_altmap *altmap)
{
	pte_t *ptep, pte;

	do {
		ptep = pte_offset_kernel(pmdp, addr);
		pte = __ptep_get(ptep);
		if (pte_none(pte))
			continue;

		WARN_ON(!pte_present(pte));
		__pte_clear(&init_mm, addr, ptep);
		if (free_mapped) {
			/* CONT blocks are not supported in the vmemmap */
			WARN_ON(pte_cont(pte));
			flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
			free_hotplug_page_range(pte_page(pte),
						PAGE_SIZE, altmap);
		}
		/* unmap_hotplug_range() flushes TLB for !free_mapped */
	} while (addr += PAGE_SIZE, addr < end);
}

static void unmap_hotplug_pmd_range(pud_t *pudp, unsigned long addr,
				    unsigned long end, bool free_mapped,
				    struct vmem_altmap *altmap)
{
	unsigned long next;
	pmd_t *pmdp, pmd;

	do {
		next = pmd_addr_end(addr, end);
		pmdp = pmd_offset(pudp, addr);
		pmd = READ_ONCE(*pmdp);
		if (pmd_none(pmd))
			continue;

		WARN_ON(!pmd_present(pmd));
		if (pmd_sect(pmd)) {
			pmd_clear(pmdp);
			if (free_mapped) {
				/* CONT blocks are not supported in the vmemmap */
				WARN_ON(pmd_cont(pmd));
				flush_tlb_kernel_range(addr, addr + PMD_SIZE);
				free_hotplug_page_range(pmd_page(pmd),
							PMD_SIZE, altmap);
			}
			/* unmap_hotplug_range() flushes TLB for !free_mapped */
			continue;
		}
		WARN_ON(!pmd_table(pmd));
		unmap_hotplug_pte_range(pmdp, addr, next, free_mapped, altmap);
	} while (addr = next, addr < end);
}

static void unmap_hotplug_pud_range(p4d_t *p4dp, unsigned long addr,
				    unsigned long end, bool free_mapped,
				    struct vmem_altmap *altmap)
{
	unsigned long next;
	pud_t *pudp, pud;

	do {
		next = pud_addr_end(addr, end);
		pudp = pud_offset(p4dp, addr);
		pud = READ_ONCE(*pudp);
		if (pud_none(pud))
			continue;

		WARN_ON(!pud_present(pud));
		if (pud_sect(pud)) {
			pud_clear(pudp);
			if (free_mapped) {
				flush_tlb_kernel_range(addr, addr + PUD_SIZE);
				free_hotplug_page_range(pud_page(pud),
							PUD_SIZE, altmap);
			}
			/* unmap_hotplug_range() flushes TLB for !free_mapped */
			continue;
		}
		WARN_ON(!pud_table(pud));
		unmap_hotplug_pmd_range(pudp, addr, next, free_mapped, altmap);
	} while (addr = next, addr < end);
}

static void unmap_hotplug_p4d_range(pgd_t *pgdp, unsigned long addr,
				    unsigned long end, bool free_mapped,
				    struct vmem_altmap *altmap)
{
	unsigned long next;
	p4d_t *p4dp, p4d;

	do {
		next = p4d_addr_end(addr, end);
		p4dp = p4d_offset(pgdp, addr);
		p4d = READ_ONCE(*p4dp);
		if (p4d_none(p4d))
			continue;

		WARN_ON(!p4d_present(p4d));
		unmap_hotplug_pud_range(p4dp, addr, next, free_mapped, altmap);
	} while (addr = next, addr < end);
}

static void unmap_hotplug_range(unsigned long addr, unsigned long end,
				bool free_mapped, struct vmem_altmap *altmap)
{
	unsigned long start = addr;
	unsigned long next;
	pgd_t *pgdp, pgd;

	/*
	 * altmap can only be used as vmemmap mapping backing memory.
	 * In case the backing memory itself is not being freed, then
	 * altmap is irrelevant. Warn about this inconsistency when
	 * encountered.
	 */
	WARN_ON(!free_mapped && altmap);

	do {
		next = pgd_addr_end(addr, end);
		pgdp = pgd_offset_k(addr);
		pgd = READ_ONCE(*pgdp);
		if (pgd_none(pgd))
			continue;

		WARN_ON(!pgd_present(pgd));
		unmap_hotplug_p4d_range(pgdp, addr, next, free_mapped, altmap);
	} while (addr = next, addr < end);

	if (!free_mapped)
		flush_tlb_kernel_range(start, end);
}

static void free_empty_pte_table(pmd_t *pmdp, unsigned long addr,
				 unsigned long end, unsigned long floor,
				 unsigned long ceiling)
{
	pte_t *ptep, pte;
	unsigned long i, start = addr;

	do {
		ptep = pte_offset_kernel(pmdp, addr);
		pte = READ_ONCE(*ptep);

		/*
		 * This is just a sanity check here which verifies that
		 * pte clearing has been done by earlier unmap loops.
		 */
		WARN_ON(!pte_none(pte));
	} while (addr += PAGE_SIZE, addr < end);

	if (!pgtable_range_aligned(start, end, floor, ceiling, PMD_MASK))
		return;

	/*
	 * Check whether we can free the pte page if the rest of the
	 * entries are empty. Overlap with other regions have been
	 * handled by the floor/ceiling check.
	 */
	ptep = pte_offset_kernel(pmdp, 0UL);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		if (!pte_none(READ_ONCE(ptep[i])))
			return;
	}

	pmd_clear(pmdp);
	__flush_tlb_kernel_pgtable(start);
	free_hotplug_pgtable_page(virt_to_page(ptep));
}

static void free_empty_pmd_table(pud_t *pudp, unsigned long addr,
				 unsigned long end, unsigned long floor,
				 unsigned long ceiling)
{
	pmd_t *pmdp, pmd;
	unsigned long i, next, start = addr;

	do {
		next = pmd_addr_end(addr, end);
		pmdp = pmd_offset(pudp, addr);
		pmd = READ_ONCE(*pmdp);
		if (pmd_none(pmd))
			continue;

		WARN_ON(!pmd_present(pmd) || !pmd_table(pmd) || pmd_sect(pmd));
		free_empty_pte_table(pmdp, addr, next, floor, ceiling);
	} while (addr = next, addr < end);

	if (CONFIG_PGTABLE_LEVELS <= 2)
		return;

	if (!pgtable_range_aligned(start, end, floor, ceiling, PUD_MASK))
		return;

	/*
	 * Check whether we can free the pmd page if the rest of the
	 * entries are empty. Overlap with other regions have been
	 * handled by the floor/ceiling check.
	 */
	pmdp = pmd_offset(pudp, 0UL);
	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(READ_ONCE(pmdp[i])))
			return;
	}

	pud_clear(pudp);
	__flush_tlb_kernel_pgtable(start);
	free_hotplug_pgtable_page(virt_to_page(pmdp));
}

static void free_empty_pud_table(p4d_t *p4dp, unsigned long addr,
				 unsigned long end, unsigned long floor,
				 unsigned long ceiling)
{
	pud_t *pudp, pud;
	unsigned long i, next, start = addr;

	do {
		next = pud_addr_end(addr, end);
		pudp = pud_offset(p4dp, addr);
		pud = READ_ONCE(*pudp);
		if (pud_none(pud))
			continue;

		WARN_ON(!pud_present(pud) || !pud_table(pud) || pud_sect(pud));
		free_empty_pmd_table(pudp, addr, next, floor, ceiling);
	} while (addr = next, addr < end);

	if (CONFIG_PGTABLE_LEVELS <= 3)
		return;

	if (!pgtable_range_aligned(start, end, floor, ceiling, PGDIR_MASK))
		return;

	/*
	 * Check whether we can free the pud page if the rest of the
	 * entries are empty. Overlap with other regions have been
	 * handled by the floor/ceiling check.
	 */
	pudp = pud_offset(p4dp, 0UL);
	for (i = 0; i < PTRS_PER_PUD; i++) {
		if (!pud_none(READ_ONCE(pudp[i])))
			return;
	}

	p4d_clear(p4dp);
	__flush_tlb_kernel_pgtable(start);
	free_hotplug_pgtable_page(virt_to_page(pudp));
}

static void free_empty_p4d_table(pgd_t *pgdp, unsigned long addr,
				 unsigned long end, unsigned long floor,
				 unsigned long ceiling)
{
	unsigned long next;
	p4d_t *p4dp, p4d;

	do {
		next = p4d_addr_end(addr, end);
		p4dp = p4d_offset(pgdp, addr);
		p4d = READ_ONCE(*p4dp);
		if (p4d_none(p4d))
			continue;

		WARN_ON(!p4d_present(p4d));
		free_empty_pud_table(p4dp, addr, next, floor, ceiling);
	} while (addr = next, addr < end);
}

static void free_empty_tables(unsigned long addr, unsigned long end,
			      unsigned long floor, unsigned long ceiling)
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
		free_empty_p4d_table(pgdp, addr, next, floor, ceiling);
	} while (addr = next, addr < end);
}
#endif

void vmemmap_free(unsigned long start, unsigned long end,
		struct vmem_altmap *altmap)
{
#ifdef CONFIG_MEMORY_HOTPLUG
	WARN_ON((start < VMEMMAP_START) || (end > VMEMMAP_END));

	unmap_hotplug_range(start, end, true, altmap);
	free_empty_tables(start, end, VMEMMAP_START, VMEMMAP_END);
#endif
}

#ifdef CONFIG_MEMORY_HOTPLUG
static void __remove_pgd_mapping(pgd_t *pgdir, unsigned long start, u64 size)
{
	unsigned long end = start + size;

	WARN_ON(pgdir != init_mm.pgd);
	WARN_ON((start < PAGE_OFFSET) || (end > PAGE_END));

	unmap_hotplug_range(start, end, false, NULL);
	free_empty_tables(start, end, PAGE_OFFSET, PAGE_END);
}

int arch_add_memory(int nid, u64 start, u64 size,
		    struct mhp_params *params)
{
	int ret, flags = 0;

	if (rodata_full || debug_pagealloc_enabled())
		flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;

	__create_pgd_mapping(swapper_pg_dir, start, __phys_to_virt(start),
			     size, params->pgprot, __pgd_pgtable_alloc,
			     flags);

	memblock_clear_nomap(start, size);

	ret = __add_pages(nid, start >> PAGE_SHIFT, size >> PAGE_SHIFT,
			   params);
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

	__remove_pages(start_pfn, nr_pages, altmap);
	__remove_pgd_mapping(swapper_pg_dir, __phys_to_virt(start), size);
}

static bool addr_splits_kernel_leaf(unsigned long addr)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;

	/*
	 * If the given address points at a the start address of
	 * a possible leaf, we certainly won't split. Otherwise,
	 * check if we would actually split a leaf by traversing
	 * the page tables further.
	 */
	if (IS_ALIGNED(addr, PGDIR_SIZE))
		return false;

	pgdp = pgd_offset_k(addr);
	pgd = pgdp_get(pgdp);
	if (!pgd_present(pgd))
		return false;

	if (IS_ALIGNED(addr, P4D_SIZE))
		return false;

	p4dp = p4d_offset(pgdp, addr);
	p4d = p4dp_get(p4dp);
	if (!p4d_present(p4d))
		return false;

	if (IS_ALIGNED(addr, PUD_SIZE))
		return false;

	pudp = pud_offset(p4dp, addr);
	pud = pudp_get(pudp);
	if (!pud_present(pud))
		return false;

	if (pud_leaf(pud))
		return true;

	if (IS_ALIGNED(addr, CONT_PMD_SIZE))
		return false;

	pmdp = pmd_offset(pudp, addr);
	pmd = pmdp_get(pmdp);
	if (!pmd_present(pmd))
		return false;

	if (pmd_cont(pmd))
		return true;

	if (IS_ALIGNED(addr, PMD_SIZE))
		return false;

	if (pmd_leaf(pmd))
		return true;

	if (IS_ALIGNED(addr, CONT_PTE_SIZE))
		return false;

	ptep = pte_offset_kernel(pmdp, addr);
	pte = __ptep_get(ptep);
	if (!pte_present(pte))
		return false;

	if (pte_cont(pte))
		return true;

	return !IS_ALIGNED(addr, PAGE_SIZE);
}

/*
 * HR: the body takes pfn_to_page() as the vmemmap address of the struct
 * page, as the kernel's (vmemmap + pfn) is; the shim's pfn_to_page() is its
 * bookkeeping struct, so inside this function it is the vmemmap VA.
 */
#pragma push_macro("pfn_to_page")
#undef pfn_to_page
#define pfn_to_page(pfn)	((struct page *)hr_vmemmap_va(pfn))
static bool can_unmap_without_split(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long phys_start, phys_end, start, end;

	phys_start = PFN_PHYS(pfn);
	phys_end = phys_start + nr_pages * PAGE_SIZE;

	/* PFN range's linear map edges are leaf entry aligned */
	start = __phys_to_virt(phys_start);
	end =  __phys_to_virt(phys_end);
	if (addr_splits_kernel_leaf(start) || addr_splits_kernel_leaf(end)) {
		pr_warn("[%lx %lx] splits a leaf entry in linear map\n",
			phys_start, phys_end);
		return false;
	}

	/* PFN range's vmemmap edges are leaf entry aligned */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP));
	start = (unsigned long)pfn_to_page(pfn);
	end = (unsigned long)pfn_to_page(pfn + nr_pages);
	if (addr_splits_kernel_leaf(start) || addr_splits_kernel_leaf(end)) {
		pr_warn("[%lx %lx] splits a leaf entry in vmemmap\n",
			phys_start, phys_end);
		return false;
	}
	return true;
}
#pragma pop_macro("pfn_to_page")

/*
 * This memory hotplug notifier helps prevent boot memory from being
 * inadvertently removed as it blocks pfn range offlining process in
 * __offline_pages(). Hence this prevents both offlining as well as
 * removal process for boot memory which is initially always online.
 * In future if and when boot memory could be removed, this notifier
 * should be dropped and free_hotplug_page_range() should handle any
 * reserved pages allocated during boot.
 *
 * This also blocks any memory remove that would have caused a split
 * in leaf entry in kernel linear or vmemmap mapping.
 */
static int prevent_memory_remove_notifier(struct notifier_block *nb,
					   unsigned long action, void *data)
{
	struct mem_section *ms;
	struct memory_notify *arg = data;
	unsigned long end_pfn = arg->start_pfn + arg->nr_pages;
	unsigned long pfn = arg->start_pfn;

	if ((action != MEM_GOING_OFFLINE) && (action != MEM_OFFLINE))
		return NOTIFY_OK;

	for (; pfn < end_pfn; pfn += PAGES_PER_SECTION) {
		unsigned long start = PFN_PHYS(pfn);
		unsigned long end = start + (1UL << PA_SECTION_SHIFT);

		ms = __pfn_to_section(pfn);
		if (!early_section(ms))
			continue;

		if (action == MEM_GOING_OFFLINE) {
			/*
			 * Boot memory removal is not supported. Prevent
			 * it via blocking any attempted offline request
			 * for the boot memory and just report it.
			 */
			pr_warn("Boot memory [%lx %lx] offlining attempted\n", start, end);
			return NOTIFY_BAD;
		} else if (action == MEM_OFFLINE) {
			/*
			 * This should have never happened. Boot memory
			 * offlining should have been prevented by this
			 * very notifier. Probably some memory removal
			 * procedure might have changed which would then
			 * require further debug.
			 */
			pr_err("Boot memory [%lx %lx] offlined\n", start, end);

			/*
			 * Core memory hotplug does not process a return
			 * code from the notifier for MEM_OFFLINE events.
			 * The error condition has been reported. Return
			 * from here as if ignored.
			 */
			return NOTIFY_DONE;
		}
	}

	if (!can_unmap_without_split(pfn, arg->nr_pages))
		return NOTIFY_BAD;

	return NOTIFY_OK;
}

static struct notifier_block prevent_memory_remove_nb = {
	.notifier_call = prevent_memory_remove_notifier,
};

/*
 * This ensures that boot memory sections on the platform are online
 * from early boot. Memory sections could not be prevented from being
 * offlined, unless for some reason they are not online to begin with.
 * This helps validate the basic assumption on which the above memory
 * event notifier works to prevent boot memory section offlining and
 * its possible removal.
 */
static void validate_bootmem_online(void)
{
	phys_addr_t start, end, addr;
	struct mem_section *ms;
	u64 i;

	/*
	 * Scanning across all memblock might be expensive
	 * on some big memory systems. Hence enable this
	 * validation only with DEBUG_VM.
	 */
	if (!IS_ENABLED(CONFIG_DEBUG_VM))
		return;

	for_each_mem_range(i, &start, &end) {
		for (addr = start; addr < end; addr += (1UL << PA_SECTION_SHIFT)) {
			ms = __pfn_to_section(PHYS_PFN(addr));

			/*
			 * All memory ranges in the system at this point
			 * should have been marked as early sections.
			 */
			WARN_ON(!early_section(ms));

			/*
			 * Memory notifier mechanism here to prevent boot
			 * memory offlining depends on the fact that each
			 * early section memory on the system is initially
			 * online. Otherwise a given memory section which
			 * is already offline will be overlooked and can
			 * be removed completely. Call out such sections.
			 */
			if (!online_section(ms))
				pr_err("Boot memory [%llx %llx] is offline, can be removed\n",
					addr, addr + (1UL << PA_SECTION_SHIFT));
		}
	}
}

static int __init prevent_memory_remove_init(void)
{
	int ret = 0;

	if (!IS_ENABLED(CONFIG_MEMORY_HOTREMOVE))
		return ret;

	validate_bootmem_online();
	ret = register_memory_notifier(&prevent_memory_remove_nb);
	if (ret)
		pr_err("%s: Notifier registration failed %d\n", __func__, ret);

	return ret;
}
early_initcall(prevent_memory_remove_init);
#endif
