// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: subpmd
 * Title: final + an s390-style vmemmap_free() that remembers unused sub-PMD
 *   ranges, in arm64's order (clear, invalidate, then free)
 * Posted: none: NEW code of this project, not a transcription.
 *   arm64's vmemmap_populate()/vmemmap_free() rewritten the way David
 *   Hildenbrand's series "s390: implement and optimize vmemmap_free()"
 *   (<20200703133917.39045-1-david@redhat.com>, 2020-07, in v5.9) does it on s390: a PMD block the
 *   removed range covers only in part is marked unused (PAGE_UNUSED) and
 *   torn down only when wholly unused; empty page tables are freed.  Unlike
 *   s390 ("a single range flush at the end is sufficient", see
 *   hotremove_s390style.c), every cleared entry is invalidated before its
 *   page goes back, as Mark Rutland asked of arm64 hot-remove (review of V2,
 *   2019-04-15: "1) clear the pointer to a table 2) invalidate any
 *   corresponding TLB entries 3) free the table page").  The linear map's
 *   teardown, arch_add_memory(), arch_remove_memory() and the boot-memory
 *   notifier are final's (hotremove_final.c, included).
 * Pass API: final (how benchmarks call the two passes: final's, linear map)
 * Add side: subpmd
 * Functions: vmemmap_remove_pmd_table, vmemmap_try_free_pmd_table,
 *   vmemmap_remove_pud_table, vmemmap_try_free_pud_table,
 *   vmemmap_remove_p4d_table, vmemmap_remove_range, vmemmap_free; the
 *   sub-PMD helpers are the add side's (vmemmap_subpmd.c).
 */

/* final's routines; its vmemmap_free() is renamed out of the way and unused */
#undef vmemmap_free
#define vmemmap_free HR_SYM(final_vmemmap_free)
void vmemmap_free(unsigned long start, unsigned long end, struct vmem_altmap *altmap);
#include "mmu/hotremove_final.c"
#undef vmemmap_free
#define vmemmap_free HR_SYM(vmemmap_free)

#ifdef CONFIG_MEMORY_HOTPLUG
/*
 * Follows s390's modify_pmd_table(!add, !direct) of "s390/vmemmap: remember
 * unused sub-pmd ranges": a block goes when the range covers it whole, or
 * when marking the range unused leaves the whole block unused
 * (vmemmap_unuse_sub_pmd()); otherwise it stays mapped for the struct pages
 * still in it.  A PTE table is walked as final walks it (its entries
 * cleared, each invalidated, then its page freed), then freed if empty as
 * s390's try_free_pte_table() ("s390/vmem: cleanup empty page tables") does,
 * with final's free_empty_pte_table() (floor/ceiling, walk-cache TLBI).
 */
static void vmemmap_remove_pmd_table(pud_t *pudp, unsigned long addr,
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

		WARN_ON(!pmd_present(pmd));
		if (pmd_sect(pmd)) {
			if ((!IS_ALIGNED(addr, PMD_SIZE) ||
			     !IS_ALIGNED(next, PMD_SIZE)) &&
			    !vmemmap_unuse_sub_pmd(addr, next))
				continue;

			/* arm64: clear, one TLBI for the block, then free */
			pmd_clear(pmdp);
			flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
			free_hotplug_page_range(pmd_page(pmd), PMD_SIZE);
			continue;
		}
		WARN_ON(!pmd_table(pmd));
		unmap_hotplug_pte_range(pmdp, addr, next, true);
		free_empty_pte_table(pmdp, addr, next, VMEMMAP_START, VMEMMAP_END);
	} while (addr = next, addr < end);
}

/*
 * Follows s390's try_free_pmd_table() ("s390/vmem: cleanup empty page
 * tables"): the PMD table goes when all its entries are none.  In place of
 * s390's "Don't mess with any tables not fully in 1:1 mapping & vmemmap
 * area" (end > VMALLOC_START), arm64's pgtable_range_aligned() against
 * [VMEMMAP_START, VMEMMAP_END), as final's free_empty_pmd_table(); arm64's
 * order: clear, walk-cache TLBI, free.
 */
static void vmemmap_try_free_pmd_table(pud_t *pudp, unsigned long addr,
				       unsigned long end)
{
	pmd_t *pmdp;
	unsigned long i;

	if (CONFIG_PGTABLE_LEVELS <= 2)
		return;

	if (!pgtable_range_aligned(addr, end, VMEMMAP_START, VMEMMAP_END,
				   PUD_MASK))
		return;

	pmdp = pmd_offset(pudp, 0UL);
	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(READ_ONCE(pmdp[i])))
			return;
	}

	pud_clear(pudp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(virt_to_page(pmdp));
}

/*
 * Follows s390's modify_pud_table(!add, !direct): the vmemmap is never
 * mapped with PUD blocks (vmemmap_populate() maps PMD blocks at most).
 */
static void vmemmap_remove_pud_table(p4d_t *p4dp, unsigned long addr,
				     unsigned long end)
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
		if (WARN_ON(pud_sect(pud)))
			continue;
		vmemmap_remove_pmd_table(pudp, addr, next);
		vmemmap_try_free_pmd_table(pudp, addr, next);
	} while (addr = next, addr < end);
}

/* Follows s390's try_free_pud_table(), as vmemmap_try_free_pmd_table(). */
static void vmemmap_try_free_pud_table(p4d_t *p4dp, unsigned long addr,
				       unsigned long end)
{
	pud_t *pudp;
	unsigned long i;

	if (CONFIG_PGTABLE_LEVELS <= 3)
		return;

	if (!pgtable_range_aligned(addr, end, VMEMMAP_START, VMEMMAP_END,
				   PGDIR_MASK))
		return;

	pudp = pud_offset(p4dp, 0UL);
	for (i = 0; i < PTRS_PER_PUD; i++) {
		if (!pud_none(READ_ONCE(pudp[i])))
			return;
	}

	p4d_clear(p4dp);
	__flush_tlb_kernel_pgtable(addr);
	free_hotplug_pgtable_page(virt_to_page(pudp));
}

/*
 * Follows s390's modify_p4d_table(!add, !direct); at v5.7 arm64's p4d is the
 * 5level-fixup fold, so the PUD table hangs off the PGD entry.
 */
static void vmemmap_remove_p4d_table(pgd_t *pgdp, unsigned long addr,
				     unsigned long end)
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
		vmemmap_remove_pud_table(p4dp, addr, next);
		vmemmap_try_free_pud_table(p4dp, addr, next);
	} while (addr = next, addr < end);
}

/*
 * Follows s390's modify_pagetable(start, end, false, false): one walk that
 * unmaps and frees empty tables level by level.  No flush at the end: every
 * entry was invalidated when it was cleared.
 */
static void vmemmap_remove_range(unsigned long addr, unsigned long end)
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
		vmemmap_remove_p4d_table(pgdp, addr, next);
	} while (addr = next, addr < end);
}
#endif

/* Follows s390's vmemmap_free() ("s390/vmemmap: implement vmemmap_free()"). */
void vmemmap_free(unsigned long start, unsigned long end,
		struct vmem_altmap *altmap)
{
#ifdef CONFIG_MEMORY_HOTPLUG
	WARN_ON((start < VMEMMAP_START) || (end > VMEMMAP_END));

	vmemmap_remove_range(start, end);
#endif
}
