// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: s390style
 * Title: final + vmemmap_free() as s390 does it: sub-PMD ranges remembered
 *   unused, empty tables freed, "a single range flush at the end"
 * Posted: none: NEW code of this project, not a transcription.
 *   arm64's vmemmap_populate()/vmemmap_free() rewritten the way David
 *   Hildenbrand's series "s390: implement and optimize vmemmap_free()"
 *   (<20200703133917.39045-1-david@redhat.com>, 2020-07, in v5.9) does it on s390, in s390's order:
 *   each page (data or table) is freed, then the entry pointing at it is
 *   cleared, and the cover letter's "AFAIKS, as there are no valid accesses,
 *   doing a single range flush at the end is sufficient": one
 *   flush after the walk.  Written to show what
 *   that order means on arm64, where a page must not be reachable through
 *   the TLB (leaf or walk cache) when it is freed; subpmd
 *   (hotremove_subpmd.c) is the same walk in arm64's order.  The linear map's
 *   teardown, arch_add_memory(), arch_remove_memory() and the boot-memory
 *   notifier are final's (hotremove_final.c, included).
 *   The single flush at the end is s390's flush_tlb_kernel_range(), which on
 *   s390 is __tlb_flush_kernel(): a full flush that ignores the range
 *   (arch/s390/include/asm/tlbflush.h); arm64's counterpart is
 *   flush_tlb_all() (vmalle1is), which also reaches the walk caches, not
 *   arm64's per-page flush_tlb_kernel_range().  modify_pagetable()'s
 *   WARN_ON_ONCE(!PAGE_ALIGNED(start | end)) refusal is kept (a 2 MiB
 *   sub-section's memmap is 8 KiB on 16K and 2 KiB on 64K: s390 leaves it
 *   mapped, with a WARN).  Not taken: vmem_free_pages()'s silent return on
 *   PageReserved (final's free_hotplug_page_range() is used: WARN, then
 *   free_pages()).
 * Pass API: final (how benchmarks call the two passes: final's, linear map)
 * Add side: subpmd
 * Functions: vmemmap_remove_pte_table, vmemmap_try_free_pte_table,
 *   vmemmap_remove_pmd_table, vmemmap_try_free_pmd_table,
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
 * Follows s390's modify_pte_table(!add, !direct) ("s390/vmemmap: implement
 * vmemmap_free()"): vmem_free_pages() of the page, then pte_clear(); no TLBI.
 */
static void vmemmap_remove_pte_table(pmd_t *pmdp, unsigned long addr,
				     unsigned long end)
{
	pte_t *ptep, pte;

	do {
		ptep = pte_offset_kernel(pmdp, addr);
		pte = READ_ONCE(*ptep);
		if (pte_none(pte))
			continue;

		WARN_ON(!pte_present(pte));
		free_hotplug_page_range(pte_page(pte), PAGE_SIZE);
		pte_clear(&init_mm, addr, ptep);
	} while (addr += PAGE_SIZE, addr < end);
}

/*
 * Follows s390's try_free_pte_table() ("s390/vmem: cleanup empty page
 * tables"): vmem_pte_free() of the empty table, then pmd_clear(); no TLBI.
 * s390 assumes the table lies "fully in 1:1 mapping & vmemmap area"; arm64
 * checks it with final's pgtable_range_aligned() against the vmemmap.
 */
static void vmemmap_try_free_pte_table(pmd_t *pmdp, unsigned long addr,
				       unsigned long end)
{
	pte_t *ptep;
	unsigned long i;

	if (!pgtable_range_aligned(addr, end, VMEMMAP_START, VMEMMAP_END,
				   PMD_MASK))
		return;

	ptep = pte_offset_kernel(pmdp, 0UL);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		if (!pte_none(READ_ONCE(ptep[i])))
			return;
	}

	free_hotplug_pgtable_page(virt_to_page(ptep));
	pmd_clear(pmdp);
}

/*
 * Follows s390's modify_pmd_table(!add, !direct) of "s390/vmemmap: remember
 * unused sub-pmd ranges": a block the range covers whole, or one left wholly
 * unused by vmemmap_unuse_sub_pmd(), is freed, then its entry cleared; any
 * other block stays mapped for the struct pages still in it.
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
			if (IS_ALIGNED(addr, PMD_SIZE) &&
			    IS_ALIGNED(next, PMD_SIZE)) {
				free_hotplug_page_range(pmd_page(pmd), PMD_SIZE);
				pmd_clear(pmdp);
			} else if (vmemmap_unuse_sub_pmd(addr, next)) {
				free_hotplug_page_range(pmd_page(pmd), PMD_SIZE);
				pmd_clear(pmdp);
			}
			continue;
		}
		WARN_ON(!pmd_table(pmd));
		vmemmap_remove_pte_table(pmdp, addr, next);
		vmemmap_try_free_pte_table(pmdp, addr, next);
	} while (addr = next, addr < end);
}

/* Follows s390's try_free_pmd_table(), as vmemmap_try_free_pte_table(). */
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

	free_hotplug_pgtable_page(virt_to_page(pmdp));
	pud_clear(pudp);
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

/* Follows s390's try_free_pud_table(), as vmemmap_try_free_pte_table(). */
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

	free_hotplug_pgtable_page(virt_to_page(pudp));
	p4d_clear(p4dp);
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
 * Follows s390's modify_pagetable(start, end, false, false): a range that is
 * not page aligned is refused with a WARN, as s390 refuses it (-EINVAL,
 * which vmemmap_free() ignores); otherwise one walk, then "if (!add)
 * flush_tlb_kernel_range(start, end);", which on s390 flushes the whole TLB:
 * flush_tlb_all() here, after every free.
 */
static void vmemmap_remove_range(unsigned long start, unsigned long end)
{
	unsigned long addr = start, next;
	pgd_t *pgdp, pgd;

	if (WARN_ON_ONCE(!PAGE_ALIGNED(start | end)))
		return;

	do {
		next = pgd_addr_end(addr, end);
		pgdp = pgd_offset_k(addr);
		pgd = READ_ONCE(*pgdp);
		if (pgd_none(pgd))
			continue;

		WARN_ON(!pgd_present(pgd));
		vmemmap_remove_p4d_table(pgdp, addr, next);
	} while (addr = next, addr < end);

	flush_tlb_all();
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
