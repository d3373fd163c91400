// SPDX-License-Identifier: GPL-2.0-only
/*
 * The add side of the s390style and subpmd revisions: NEW code of this
 * project, not a transcription.
 *  - mm/sparse-vmemmap.c as of v5.7 (the generic part of vmemmap_v5.7.c);
 *  - arm64's vmemmap_populate() (v5.7, arch/arm64/mm/mmu.c) with the sub-PMD
 *    tracking of the s390 series "s390: implement and optimize
 *    vmemmap_free()" (David Hildenbrand, <20200703133917.39045-1-david@redhat.com>, v5.9),
 *    patch "s390/vmemmap: remember unused sub-pmd ranges" and its follow-up
 *    "s390/vmemmap: avoid memset(PAGE_UNUSED) when adding consecutive
 *    sections" (arch/s390/mm/vmem.c v5.9: vmemmap_flush_unused_pmd,
 *    __vmemmap_use_sub_pmd, vmemmap_use_sub_pmd, vmemmap_use_new_sub_pmd,
 *    vmemmap_unuse_sub_pmd).
 *
 * When a section's memmap does not fill the 2 MiB PMD block mapping it (a
 * 56- or 72-byte struct page with 128 MiB sections, a 2 MiB device
 * sub-section), the parts of the block no memmap uses hold the byte pattern
 * PAGE_UNUSED; vmemmap_free() marks the range it removes unused and tears the
 * block down only when the whole block reads PAGE_UNUSED.
 *
 * arm64 differences, each a choice of this project:
 *  - s390 writes the vmemmap through its VA ((void *)start; __va() is the
 *    identity there).  On arm64 the kernel could do the same; the harness
 *    does not map the vmemmap into the host, so vmemmap_sub_pmd_bytes()
 *    reaches the same bytes through the PMD block's output address.
 *  - s390's __vmemmap_use_sub_pmd() zeroes one struct page, "as we expect to
 *    add in the same granularity as we remove" and trusting the memmap's
 *    initialisation (memmap_init_zone() at online) to overwrite any stale
 *    PAGE_UNUSED.  The harness never writes struct pages into the vmemmap
 *    backing, a reallocated PMD block can still read PAGE_UNUSED from its
 *    previous life, and arm64 removes device memory by 2 MiB sub-section,
 *    finer than it was added.  So here the whole used range is marked used
 *    (zeroed), in the consecutive case too, and a block wholly covered by a
 *    new range gets the first struct page of each sub-section's memmap
 *    zeroed (the granularity arm64 may remove it in).
 *  - unused_pmd_start is per simulated machine (HR_M), not a global.
 */

#define HR_VMEMMAP_GENERIC_ONLY
#include "mmu/vmemmap_v5.7.c"
#undef HR_VMEMMAP_GENERIC_ONLY

#define PAGE_UNUSED 0xFD

#ifndef ALIGN_DOWN	/* include/linux/kernel.h (v5.7) */
#define ALIGN_DOWN(x, a)	ALIGN((x) - ((a) - 1), (a))
#endif

/*
 * The unused vmemmap range, which was not yet memset(PAGE_UNUSED), ranges
 * from unused_pmd_start to the next PMD_SIZE boundary (s390's comment).
 */
#define unused_pmd_start	(HR_M->vmemmap_unused_pmd_start)

/* the era's sizeof(struct page): the memmap's layout (scenario structPageSize) */
#define HR_STRUCT_PAGE_SIZE	((unsigned long)HR_M->cfg.struct_page_size)
/* the memmap of one 2 MiB sub-section (SUBSECTION_SHIFT 21, v5.3 on) */
#define HR_SUBSECTION_MEMMAP	(((1UL << 21) >> PAGE_SHIFT) * HR_STRUCT_PAGE_SIZE)

/* lib/string.c memchr_inv(): the first byte not equal to c, or NULL */
static void *hr_memchr_inv(const void *start, int c, size_t bytes)
{
	const unsigned char *p = start;

	for (; bytes; p++, bytes--)
		if (*p != (unsigned char)c)
			return (void *)p;
	return NULL;
}

/*
 * The bytes of the vmemmap at addr, inside a PMD block (see above: the kernel
 * writes (void *)addr; the harness goes through the block's output address).
 */
static unsigned char *vmemmap_sub_pmd_bytes(unsigned long addr)
{
	pgd_t *pgdp = pgd_offset_k(addr);
	p4d_t *p4dp = p4d_offset(pgdp, addr);
	pud_t *pudp = pud_offset(p4dp, addr);
	pmd_t pmd = READ_ONCE(*pmd_offset(pudp, addr));

	BUG_ON(!pmd_sect(pmd));
	return (unsigned char *)page_address(pmd_page(pmd)) + (addr & ~PMD_MASK);
}

/* Follows s390's vmemmap_flush_unused_pmd(). */
static void vmemmap_flush_unused_pmd(void)
{
	if (!unused_pmd_start)
		return;
	memset(vmemmap_sub_pmd_bytes(unused_pmd_start), PAGE_UNUSED,
	       ALIGN(unused_pmd_start, PMD_SIZE) - unused_pmd_start);
	unused_pmd_start = 0;
}

/*
 * Follows s390's __vmemmap_use_sub_pmd(), marking the whole range used
 * rather than its first struct page (see the head of this file).
 */
static void __vmemmap_use_sub_pmd(unsigned long start, unsigned long end)
{
	memset(vmemmap_sub_pmd_bytes(start), 0, end - start);
}

/* Follows s390's vmemmap_use_sub_pmd(): a range in a block already mapped. */
static void vmemmap_use_sub_pmd(unsigned long start, unsigned long end)
{
	/*
	 * We only optimize if the new used range directly follows the
	 * previously unused range (esp., when populating consecutive sections).
	 */
	if (unused_pmd_start == start) {
		unused_pmd_start = end;
		if (likely(IS_ALIGNED(unused_pmd_start, PMD_SIZE)))
			unused_pmd_start = 0;
		/* HR: marked used all the same (stale PAGE_UNUSED, above) */
		__vmemmap_use_sub_pmd(start, end);
		return;
	}
	vmemmap_flush_unused_pmd();
	__vmemmap_use_sub_pmd(start, end);
}

/* Follows s390's vmemmap_use_new_sub_pmd(): a range in a block just mapped. */
static void vmemmap_use_new_sub_pmd(unsigned long start, unsigned long end)
{
	unsigned char *page = vmemmap_sub_pmd_bytes(ALIGN_DOWN(start, PMD_SIZE));

	vmemmap_flush_unused_pmd();

	/* Could be our memmap page is filled with PAGE_UNUSED already ... */
	__vmemmap_use_sub_pmd(start, end);

	/* Mark the unused parts of the new memmap page PAGE_UNUSED. */
	if (!IS_ALIGNED(start, PMD_SIZE))
		memset(page, PAGE_UNUSED, start - ALIGN_DOWN(start, PMD_SIZE));
	/*
	 * We want to avoid memset(PAGE_UNUSED) when populating the vmemmap of
	 * consecutive sections. Remember for the last added PMD the last
	 * unused range in the populated PMD.
	 */
	if (!IS_ALIGNED(end, PMD_SIZE))
		unused_pmd_start = end;
}

/*
 * A new block wholly used by the range: mark the first struct page of each
 * sub-section's memmap used, so that removing the range by sub-section leaves
 * a used mark in every part still present (see the head of this file).
 */
static void vmemmap_use_new_pmd(unsigned long start)
{
	unsigned char *page = vmemmap_sub_pmd_bytes(start);
	/* sub-section memmaps start at VMEMMAP_START + k * HR_SUBSECTION_MEMMAP */
	unsigned long rel = start - VMEMMAP_START;
	unsigned long off = 0;

	/* offset 0 too: the sub-section whose memmap began in the block before */
	do {
		memset(page + off, 0, min(HR_STRUCT_PAGE_SIZE, PMD_SIZE - off));
		off = (rel + off) / HR_SUBSECTION_MEMMAP * HR_SUBSECTION_MEMMAP +
		      HR_SUBSECTION_MEMMAP - rel;
	} while (off < PMD_SIZE);
}

/*
 * Follows s390's vmemmap_unuse_sub_pmd(): returns true if the PMD is
 * completely unused and can be freed.
 */
static bool vmemmap_unuse_sub_pmd(unsigned long start, unsigned long end)
{
	unsigned char *page = vmemmap_sub_pmd_bytes(ALIGN_DOWN(start, PMD_SIZE));

	vmemmap_flush_unused_pmd();
	memset(vmemmap_sub_pmd_bytes(start), PAGE_UNUSED, end - start);
	return !hr_memchr_inv(page, PAGE_UNUSED, PMD_SIZE);
}

/* arch/arm64/mm/mmu.c, v5.7, with the sub-PMD tracking */
#if !ARM64_SWAPPER_USES_SECTION_MAPS
int __meminit vmemmap_populate(unsigned long start, unsigned long end, int node,
		struct vmem_altmap *altmap)
{
	/* base pages: no PMD block to share (16K and 64K granules) */
	return vmemmap_populate_basepages(start, end, node);
}
#else	/* !ARM64_SWAPPER_USES_SECTION_MAPS */
/*
 * v5.7's loop; where it maps a new block or finds one mapped, it records the
 * range used as s390's modify_pmd_table(add, !direct) does ("s390/vmemmap:
 * remember unused sub-pmd ranges").
 */
int __meminit vmemmap_populate(unsigned long start, unsigned long end, int node,
		struct vmem_altmap *altmap)
{
	unsigned long addr = start;
	unsigned long next;
	pgd_t *pgdp;
	pud_t *pudp;
	pmd_t *pmdp;

	do {
		next = pmd_addr_end(addr, end);

		pgdp = vmemmap_pgd_populate(addr, node);
		if (!pgdp)
			return -ENOMEM;

		pudp = vmemmap_pud_populate(pgdp, addr, node);
		if (!pudp)
			return -ENOMEM;

		pmdp = pmd_offset(pudp, addr);
		if (pmd_none(READ_ONCE(*pmdp))) {
			void *p = NULL;

			p = vmemmap_alloc_block_buf(PMD_SIZE, node);
			if (!p)
				return -ENOMEM;

			pmd_set_huge(pmdp, __pa(p), __pgprot(PROT_SECT_NORMAL));
			if (!IS_ALIGNED(addr, PMD_SIZE) ||
			    !IS_ALIGNED(next, PMD_SIZE))
				vmemmap_use_new_sub_pmd(addr, next);
			else
				vmemmap_use_new_pmd(addr);
		} else {
			vmemmap_verify((pte_t *)pmdp, node, addr, next);
			vmemmap_use_sub_pmd(addr, next);
		}
	} while (addr = next, addr != end);

	return 0;
}
#endif	/* !ARM64_SWAPPER_USES_SECTION_MAPS */
