// SPDX-License-Identifier: GPL-2.0-only
/*
 * The add side of the fix2025 and fix2026 revisions:
 *  - mm/sparse-vmemmap.c as of v5.9 (vmemmap_v5.9.c, its generic part);
 *  - arch/arm64/mm/mmu.c vmemmap_populate() with "arm64: mm: Populate
 *    vmemmap at the page level if not section aligned" (Zhenhua Huang,
 *    2025-03-04, merged as d4234d131b0a, Cc stable v5.4+), in its form in
 *    the 6.1.y stable tree: mainline's is written against
 *    vmemmap_populate_hugepages() (6.9+); 6.1.y keeps the open-coded PMD
 *    loop and adds the fix's two lines to it (with 6.1's
 *    ARM64_KERNEL_USES_PMD_MAPS and its basepages fallback on a failed
 *    block allocation).  Source: 6.1.y arch/arm64/mm/mmu.c, d4234d131b0a
 *    backported; the mainline patch is <20250304072700.3405036-1-quic_zhenhuah@quicinc.com>.
 *
 * The fix: a hot-added range smaller than one section's memmap (a
 * sub-section, 2 MiB of memory) is populated with base pages, so that the
 * PMD block of a neighbouring sub-section is never torn down with it.
 */

#define HR_VMEMMAP_GENERIC_ONLY
#include "mmu/vmemmap_v5.9.c"
#undef HR_VMEMMAP_GENERIC_ONLY

/*
 * HR: sizeof(struct page) is the shim's bookkeeping struct, while the memmap
 * that vmemmap_populate() maps is laid out with the era's struct page size
 * (scenario structPageSize).  Its comparisons mean "more / less than one
 * section's memmap"; so that they keep that meaning, PAGES_PER_SECTION is
 * scaled by (era size / sizeof(struct page)) inside this function only.
 * Exact: the era size is a multiple of 8 and PAGES_PER_SECTION >= 2^11.
 */
#pragma push_macro("PAGES_PER_SECTION")
#undef PAGES_PER_SECTION
#define PAGES_PER_SECTION \
	((1UL << PFN_SECTION_SHIFT) * HR_M->cfg.struct_page_size / sizeof(struct page))

int __meminit vmemmap_populate(unsigned long start, unsigned long end, int node,
		struct vmem_altmap *altmap)
{
	unsigned long addr = start;
	unsigned long next;
	pgd_t *pgdp;
	p4d_t *p4dp;
	pud_t *pudp;
	pmd_t *pmdp;

	WARN_ON((start < VMEMMAP_START) || (end > VMEMMAP_END));
	/* [start, end] should be within one section */
	WARN_ON_ONCE(end - start > PAGES_PER_SECTION * sizeof(struct page));

	if (!ARM64_KERNEL_USES_PMD_MAPS ||
	    (end - start < PAGES_PER_SECTION * sizeof(struct page)))
		return vmemmap_populate_basepages(start, end, node, altmap);

	do {
		next = pmd_addr_end(addr, end);

		pgdp = vmemmap_pgd_populate(addr, node);
		if (!pgdp)
			return -ENOMEM;

		p4dp = vmemmap_p4d_populate(pgdp, addr, node);
		if (!p4dp)
			return -ENOMEM;

		pudp = vmemmap_pud_populate(p4dp, addr, node);
		if (!pudp)
			return -ENOMEM;

		pmdp = pmd_offset(pudp, addr);
		if (pmd_none(READ_ONCE(*pmdp))) {
			void *p = NULL;

			p = vmemmap_alloc_block_buf(PMD_SIZE, node, altmap);
			if (!p) {
				if (vmemmap_populate_basepages(addr, next, node, altmap))
					return -ENOMEM;
				continue;
			}

			pmd_set_huge(pmdp, __pa(p), __pgprot(PROT_SECT_NORMAL));
		} else
			vmemmap_verify((pte_t *)pmdp, node, addr, next);
	} while (addr = next, addr != end);

	return 0;
}

#pragma pop_macro("PAGES_PER_SECTION")
