/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API that older postings (2019, v5.1 to v5.5 era) call and that the
 * v5.7 shim does not otherwise provide.  Additive: kernel names, the same
 * conventions as the rest of the shim (custom: recorded; stubs: no-ops).
 */
#ifndef HR_KSHIM_OLDER_ERAS_H
#define HR_KSHIM_OLDER_ERAS_H

/*
 * include/linux/build_bug.h: BUILD_BUG_ON() is a compile-time assertion.
 * Like BUILD_BUG(), it is checked at run time here: the conditions V7 states
 * (VMALLOC_END, VMEMMAP_START, ...) are constant in the kernel but not all
 * are integer constant expressions in the shim.
 */
#define BUILD_BUG_ON(condition)	BUG_ON(condition)

/*
 * include/linux/init.h: an early_initcall() runs before device initcalls;
 * an instance has one initcall slot (no revision registers both kinds).
 */
#define early_initcall(fn)	device_initcall(fn)

/* include/linux/types.h (V3..V5's free_hotplug_page_range(struct page *, ssize_t)) */
typedef long ssize_t;

/*
 * include/linux/spinlock.h: V1..V5 take init_mm.page_table_lock.  The
 * harness runs one thread per machine and the routines never nest the lock,
 * so it is a no-op (its argument is not evaluated: the shim's init_mm has
 * no page_table_lock).
 */
#define spin_lock(lock)		do { } while (0)
#define spin_unlock(lock)	do { } while (0)

/* include/linux/mm.h (v5.1): V1's pgtable_page_dtor() undoes the ctor's
 * accounting and ptl, neither of which the shim keeps. */
#define pgtable_page_dtor(page)	do { (void)(page); } while (0)

/* arch/arm64/mm/mmu.c (v5.1): pgd_pgtable_alloc() is v5.7's __pgd_pgtable_alloc()
 * (V1's arch_add_memory(); the v5.1 one also ran pgtable_page_ctor()). */
#define pgd_pgtable_alloc	__pgd_pgtable_alloc

/*
 * V1/V2 free_pagetable(), after x86's: boot pages (PageReserved) are given
 * back with put_page_bootmem() when register_page_bootmem_info() tagged them
 * (page->freelist == SECTION_INFO / MIX_SECTION_INFO), else with
 * free_reserved_page().  arm64 never calls register_page_bootmem_info(), so
 * the magic is never set: page->freelist reads the shim struct page's pad,
 * which is always 0.
 */
enum { SECTION_INFO = 12, MIX_SECTION_INFO, NODE_INFO };	/* include/linux/memory_hotplug.h */
#define freelist		pad
#define __ClearPageReserved(page)	((page)->flags &= ~HR_PG_reserved)
/*
 * mm/page_alloc.c free_reserved_page(): ClearPageReserved(), init_page_count(),
 * __free_page(): a boot page joins the buddy lists.  The shim allocator
 * frees only what it handed out, so the page is made an order-0 allocation
 * first and then freed through it (counted as a data page freed).
 */
static inline void free_reserved_page(struct page *page)
{
	page->flags &= ~HR_PG_reserved;
	page->flags |= HR_PG_allocated | HR_PG_everalloc;
	page->order = 0;
	if (!(page->flags & HR_PG_table))
		HR_M->live_data_allocs++;	/* the allocation the free below ends */
	hr_free_pages_pfn(page_to_pfn(page), 0);
}
/* mm/memory_hotplug.c: the last put of a bootmem-info page ends in free_reserved_page() */
#define put_page_bootmem(page)	free_reserved_page(page)

/*
 * arch/arm64/include/asm/pgtable.h as V1 and V2 extend it: pmd_large() and
 * pud_large() (V1 only, dropped in V2 for pmd_sect()/pud_sect()), and an
 * index of 0 for a folded level.
 */
#if (CONFIG_PGTABLE_LEVELS > 2)
#define pmd_large(pmd)	(pmd_val(pmd) && !(pmd_val(pmd) & PMD_TABLE_BIT))
#else
#define pmd_large(pmd) 0
#endif

#if (CONFIG_PGTABLE_LEVELS > 3)
#define pud_large(pud)	(pud_val(pud) && !(pud_val(pud) & PUD_TABLE_BIT))
#else
#define pud_large(pmd) 0
#endif

#if CONFIG_PGTABLE_LEVELS <= 2
#define pmd_index(addr) 0
#endif
#if CONFIG_PGTABLE_LEVELS <= 3
#define pud_index(adrr)	0
#endif

#endif
