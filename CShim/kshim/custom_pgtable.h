/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * custom: shim pieces that need the page-table types.  Descriptor-write
 * recorder, page-table page bookkeeping, the fixmap, swapper_pg_dir.
 */
#ifndef HR_KSHIM_CUSTOM_PGTABLE_H
#define HR_KSHIM_CUSTOM_PGTABLE_H

#define init_mm			(HR_M->init_mm)
#define swapper_pg_dir		((pgd_t *)HR_M->swapper_pg_dir)

/*
 * Level of the table an entry written through set_<accessor>() lives in:
 * with folding, a pmd or pud entry is really an entry of the PGD page.
 */
#define HR_TABLE_OF_PTE		HR_LEVEL_PTE
#if CONFIG_PGTABLE_LEVELS > 2
#define HR_TABLE_OF_PMD		HR_LEVEL_PMD
#else
#define HR_TABLE_OF_PMD		HR_LEVEL_PGD
#endif
#if CONFIG_PGTABLE_LEVELS > 3
#define HR_TABLE_OF_PUD		HR_LEVEL_PUD
#else
#define HR_TABLE_OF_PUD		HR_LEVEL_PGD
#endif

/* Counted always; traced (with the old value of a cleared entry) on request. */
static inline void hr_rec_desc_write(int level, const void *entry, u64 newval)
{
	struct hr_machine *m = HR_M;

	if (newval)
		m->counters.sets[level]++;
	else
		m->counters.clears[level]++;
	if (unlikely(m->trace_on))
		hr_rec_event(newval ? HR_EV_SET : HR_EV_CLEAR, level, __pa(entry),
			     newval ? newval : *(const volatile u64 *)entry);
}


/* arch/arm64/mm/mmu.c set_swapper_pgd(): the fixmap write, done directly. */
static inline bool in_swapper_pgdir(void *addr)
{
	return ((unsigned long)addr & PAGE_MASK) ==
		((unsigned long)swapper_pg_dir & PAGE_MASK);
}
static inline void set_swapper_pgd(pgd_t *pgdp, pgd_t pgd)
{
	hr_rec_desc_write(HR_LEVEL_PGD, pgdp, pgd_val(pgd));
	WRITE_ONCE(*pgdp, pgd);
}

/* The fixmap: tables are already addressable, so a slot is the host pointer. */
enum fixed_addresses { FIX_HOLE, FIX_PTE, FIX_PMD, FIX_PUD, FIX_PGD };
#define set_fixmap_offset(idx, phys)	__va(phys)
#define clear_fixmap(idx)		((void)(HR_M->counters.fixmap_clears++))

/* include/linux/memory_hotplug.h: V6 and V14 pass struct mhp_restrictions,
 * v5.9 struct mhp_params; one struct serves both names. */
#define mhp_restrictions mhp_params
struct mhp_params {
	unsigned long flags;
	struct vmem_altmap *altmap;
	pgprot_t pgprot;
};

/* mm/memblock.c, for the boot-time vmemmap */
#define MEMBLOCK_ALLOC_ACCESSIBLE	0
#define memblock_alloc_try_nid_raw(size, align, min_addr, max_addr, nid) \
	__va(hr_memblock_phys_alloc(size))

/* include/linux/bitops.h */
#define find_first_bit(addr, size)	((unsigned long)__builtin_ctzl(*(addr)))

/* include/linux/gfp.h allocation calls, onto the shim allocator */
/* include/asm-generic/getorder.h: fls64((size - 1) >> PAGE_SHIFT) */
static inline int get_order(unsigned long size)
{
	size--;
	size >>= PAGE_SHIFT;
	return size ? 64 - __builtin_clzl(size) : 0;
}
static inline unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	struct page *page = hr_alloc_pages(order, (gfp_mask & __GFP_ZERO) != 0);

	return page ? (unsigned long)page_address(page) : 0;
}
#define __get_free_page(gfp_mask)	__get_free_pages((gfp_mask), 0)
static inline struct page *alloc_pages_node(int nid, gfp_t gfp_mask, unsigned int order)
{
	return hr_alloc_pages(order, (gfp_mask & __GFP_ZERO) != 0);
}
static inline void free_pages(unsigned long addr, unsigned int order)
{
	if (addr != 0)
		hr_free_pages_pfn(__pa(addr) >> PAGE_SHIFT, order);
}
#endif
