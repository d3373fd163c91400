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
static inline __attribute__((always_inline)) void hr_rec_desc_write(int level, const void *entry, u64 newval)
{
	struct hr_machine *m = HR_M;

	hr_sched_point(HR_SP_WRITE, entry, 0);	/* before the write that follows the call */
	if (newval)
		m->counters.sets[level]++;
	else
		m->counters.clears[level]++;
	if (unlikely(m->trace_on)) {
		u64 old = *(const volatile u64 *)entry;

		if (newval && old && old != newval)
			hr_rec_replace(level, __pa(entry), newval, old);
		else
			hr_rec_event(newval ? HR_EV_SET : HR_EV_CLEAR, level, __pa(entry),
				     newval ? newval : old);
	}
}


/* The fixmap: tables are already addressable, so a slot is the host pointer.
 * clear_fixmap() is counted, not executed: in v5.7 it is __set_fixmap(idx, 0, ..),
 * a pte_clear() of the slot in bm_pte plus flush_tlb_kernel_range() of its one page
 * (dsb(ishst), one vaale1is, dsb(ish), isb).  The slot lies in the kernel image's
 * tables, outside what the harness models, so that traffic is reported as the
 * fixmap_clears counter and not as events (CShim/mmu/README.md). */
enum fixed_addresses { FIX_HOLE, FIX_PTE, FIX_PMD, FIX_PUD, FIX_PGD };
#define set_fixmap_offset(idx, phys)	__va(phys)
#define clear_fixmap(idx)		((void)(HR_M->counters.fixmap_clears++))
#define pgd_set_fixmap(addr)		((pgd_t *)set_fixmap_offset(FIX_PGD, addr))
#define pgd_clear_fixmap()		clear_fixmap(FIX_PGD)

/* include/linux/spinlock.h: one CPU per machine (the same no-op as older_eras.h's) */
#define spin_lock(lock)		do { } while (0)
#define spin_unlock(lock)	do { } while (0)

/* arch/arm64/mm/mmu.c (v5.7): writes to swapper_pg_dir go through the FIX_PGD slot. */
static int swapper_pgdir_lock;

static inline bool in_swapper_pgdir(void *addr)
{
	return ((unsigned long)addr & PAGE_MASK) ==
		((unsigned long)swapper_pg_dir & PAGE_MASK);
}

static inline void set_swapper_pgd(pgd_t *pgdp, pgd_t pgd)
{
	pgd_t *fixmap_pgdp;

	spin_lock(&swapper_pgdir_lock);
	fixmap_pgdp = pgd_set_fixmap(__pa_symbol(pgdp));
	hr_rec_desc_write(HR_LEVEL_PGD, fixmap_pgdp, pgd_val(pgd));	/* HR: recorder */
	WRITE_ONCE(*fixmap_pgdp, pgd);
	/*
	 * We need dsb(ishst) here to ensure the page-table-walker sees
	 * our new entry before set_p?d() returns. The fixmap's
	 * flush_tlb_kernel_range() via clear_fixmap() does this for us.
	 */
	pgd_clear_fixmap();
	spin_unlock(&swapper_pgdir_lock);
}

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
	hr_memblock_alloc_raw(size)

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
#define free_page(addr)		free_pages((addr), 0)

/*
 * include/linux/memory_hotplug.h: the read side of mem_hotplug_lock, and
 * init_mm.page_table_lock as the walkers take it (mmu/walkers.c): locks of
 * the explorer's scheduler, no-ops without one.  The transcribed routines'
 * own spin_lock() stays the no-op above.
 */
#define get_online_mems()	hr_sched_lock(HR_LOCK_HOTPLUG, false)
#define put_online_mems()	hr_sched_unlock(HR_LOCK_HOTPLUG, false)
#define hr_ptl_lock()		hr_sched_lock(HR_LOCK_PTL, true)
#define hr_ptl_unlock()		hr_sched_unlock(HR_LOCK_PTL, true)
#endif
