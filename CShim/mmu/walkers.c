// SPDX-License-Identifier: GPL-2.0-only
/*
 * Walkers: kernel code that walks or changes the kernel page tables while a
 * removal may run, for the explorer (kernel/sched.c).  Included by every
 * instance after the add side and the revision, like them compiled per
 * geometry with the era's page-table API.
 *
 * ptdump: arch/arm64/mm/dump.c as of Linux v5.4 (walk_pgd, walk_pud,
 *   walk_pmd, walk_pte), the last arm64-only walker before v5.6 moved it onto
 *   the generic ptdump, and the one Mark Rutland's review of V2
 *   (2019-04-17) names: "the arm64 ptdump code never takes the ptl, and as of
 *   this patch it will blow up if it races with a hot-remove".  Each entry is
 *   read once with READ_ONCE and tables are descended without a lock.
 *   With hotplug_lock, ptdump_show() takes get_online_mems()/put_online_mems()
 *   around the walk, as upstream bf2b59f60ee1 ("arm64/mm: Hold memory hotplug
 *   lock while walking for kernel page table dump", V12 1/2) does; the removal
 *   holds mem_hotplug_lock for write (kernel/machine.c).
 *   note_page() is the harness's: instead of printing, it checks that a
 *   contiguous range is seen whole (all valid or all invalid).
 *
 * vmalloc: mm/vmalloc.c of Linux v5.7, map_kernel_range_noflush() ->
 *   vmap_p4d_range() .. vmap_pte_range() and unmap_kernel_range() ->
 *   vunmap_p4d_range() .. vunmap_pte_range(), with the table allocation of
 *   mm/memory.c __pud_alloc(), __pmd_alloc(), __pte_alloc_kernel(): a new table
 *   is allocated outside init_mm.page_table_lock and installed under it if the
 *   entry is still empty, else freed.  No memory-hotplug lock, as in the
 *   kernel.  Reduced to one range whose data pages the walker allocates itself
 *   (vmalloc's __vmalloc_area_node()), all of them from the page allocator.
 *   HR: the kernel reads an entry plainly (pmd_none(*pmd)); here READ_ONCE,
 *   so that every entry read is a scheduling point.
 */

#include <stdlib.h>

/* HR: every entry read of a walker is a scheduling point (kshim/custom.h) */
#undef READ_ONCE
#define READ_ONCE(x)	HR_READ_ONCE_POINT(x)

/* arch/arm64/include/asm/processor.h (v5.4): TASK_SIZE_64 is (UL(1) << vabits_actual) */
#ifndef TASK_SIZE_64
#define TASK_SIZE_64		(UL(1) << VA_BITS)
#endif

/* ---- ptdump ---- */

struct pg_state {
	/* HR: the contiguous range in hand (level 3 or 4, 0: none) and what was seen of it */
	int cont_level;
	unsigned long cont_base;
	unsigned long cont_valid, cont_invalid;
};

static void hr_ptdump_cont_done(struct pg_state *st)
{
	if (st->cont_level && st->cont_valid && st->cont_invalid)
		hr_walker_note_cont_half(st->cont_base,
					 st->cont_level == 4 ? CONT_PTE_SIZE : CONT_PMD_SIZE,
					 st->cont_valid, st->cont_invalid);
	st->cont_level = 0;
	st->cont_valid = st->cont_invalid = 0;
}

static void note_page(struct pg_state *st, unsigned long addr, unsigned level,
		      u64 val)
{
	unsigned long size = level == 4 ? CONT_PTE_SIZE : level == 3 ? CONT_PMD_SIZE : 0;

	if (st->cont_level && (st->cont_level != (int)level ||
			       st->cont_base != (addr & ~(size - 1))))
		hr_ptdump_cont_done(st);
	if (!size)
		return;
	if (!st->cont_level) {
		st->cont_level = level;
		st->cont_base = addr & ~(size - 1);
	}
	if (!(val & PTE_VALID))
		st->cont_invalid++;
	else if (val & PTE_CONT)
		st->cont_valid++;
}

static void walk_pte(struct pg_state *st, pmd_t *pmdp, unsigned long start,
		     unsigned long end)
{
	unsigned long addr = start;
	pte_t *ptep = pte_offset_kernel(pmdp, start);

	do {
		note_page(st, addr, 4, READ_ONCE(pte_val(*ptep)));
	} while (ptep++, addr += PAGE_SIZE, addr != end);
}

static void walk_pmd(struct pg_state *st, pud_t *pudp, unsigned long start,
		     unsigned long end)
{
	unsigned long next, addr = start;
	pmd_t *pmdp = pmd_offset(pudp, start);

	do {
		pmd_t pmd = READ_ONCE(*pmdp);
		next = pmd_addr_end(addr, end);

		if (pmd_none(pmd) || pmd_sect(pmd)) {
			note_page(st, addr, 3, pmd_val(pmd));
		} else {
			BUG_ON(pmd_bad(pmd));
			walk_pte(st, pmdp, addr, next);
		}
	} while (pmdp++, addr = next, addr != end);
}

static void walk_pud(struct pg_state *st, pgd_t *pgdp, unsigned long start,
		     unsigned long end)
{
	unsigned long next, addr = start;
	pud_t *pudp = pud_offset(pgdp, start);

	do {
		pud_t pud = READ_ONCE(*pudp);
		next = pud_addr_end(addr, end);

		if (pud_none(pud) || pud_sect(pud)) {
			note_page(st, addr, 2, pud_val(pud));
		} else {
			BUG_ON(pud_bad(pud));
			walk_pmd(st, pudp, addr, next);
		}
	} while (pudp++, addr = next, addr != end);
}

static void walk_pgd(struct pg_state *st, struct mm_struct *mm,
		     unsigned long start)
{
	unsigned long end = (start < TASK_SIZE_64) ? TASK_SIZE_64 : 0;
	unsigned long next, addr = start;
	pgd_t *pgdp = pgd_offset(mm, start);

	do {
		pgd_t pgd = READ_ONCE(*pgdp);
		next = pgd_addr_end(addr, end);

		if (pgd_none(pgd)) {
			note_page(st, addr, 1, pgd_val(pgd));
		} else {
			BUG_ON(pgd_bad(pgd));
			walk_pud(st, pgdp, addr, next);
		}
	} while (pgdp++, addr = next, addr != end);
}

/*
 * ptdump_show() (arch/arm64/mm/ptdump_debugfs.c) -> ptdump_walk_pgd() of
 * kernel_ptdump_info, whose base_addr is PAGE_OFFSET: the whole kernel half.
 */
static void hr_walker_ptdump(bool hotplug_lock)
{
	struct pg_state st = { 0 };

	if (hotplug_lock)
		get_online_mems();
	walk_pgd(&st, &init_mm, PAGE_OFFSET);
	note_page(&st, 0, 0, 0);
	if (hotplug_lock)
		put_online_mems();
}

/* ---- vmalloc ---- */

/* __pte_alloc_kernel() (v5.7 mm/memory.c) */
static int hr_vmalloc_pte_alloc(pmd_t *pmd)
{
	pte_t *new = (pte_t *)__get_free_page(GFP_PGTABLE_KERNEL);	/* pte_alloc_one_kernel() */
	if (!new)
		return -ENOMEM;

	hr_ptl_lock();	/* spin_lock(&init_mm.page_table_lock) */
	if (likely(pmd_none(READ_ONCE(*pmd)))) {	/* Has another populated it ? */
		__pmd_populate(pmd, __pa(new), PMD_TYPE_TABLE);	/* pmd_populate_kernel() */
		new = NULL;
	}
	hr_ptl_unlock();
	if (new)
		free_page((unsigned long)new);	/* pte_free_kernel() */
	return 0;
}

/* __pmd_alloc() (v5.7 mm/memory.c); pud_lock() of init_mm is its page_table_lock */
static int hr_vmalloc_pmd_alloc(pud_t *pud)
{
	pmd_t *new = (pmd_t *)__get_free_page(GFP_PGTABLE_KERNEL);	/* pmd_alloc_one() */
	if (!new)
		return -ENOMEM;

	hr_ptl_lock();	/* spin_lock(&init_mm.page_table_lock) */
	if (!pud_present(READ_ONCE(*pud))) {
		__pud_populate(pud, __pa(new), PMD_TYPE_TABLE);	/* pud_populate() */
	} else	/* Another has populated it */
		free_page((unsigned long)new);	/* pmd_free() */
	hr_ptl_unlock();
	return 0;
}

/* __pud_alloc() (v5.7 mm/memory.c), on the folded p4d: the pgd entry */
static int hr_vmalloc_pud_alloc(pgd_t *pgd)
{
	pud_t *new = (pud_t *)__get_free_page(GFP_PGTABLE_KERNEL);	/* pud_alloc_one() */
	if (!new)
		return -ENOMEM;

	hr_ptl_lock();	/* spin_lock(&init_mm.page_table_lock) */
	if (pgd_none(READ_ONCE(*pgd)))	/* !p4d_present(*p4d) */
		__pgd_populate(pgd, __pa(new), PUD_TYPE_TABLE);	/* p4d_populate() */
	else	/* Another has populated it */
		free_page((unsigned long)new);	/* pud_free() */
	hr_ptl_unlock();
	return 0;
}

/*
 * vmap_page_range_noflush(): pud_alloc(), pmd_alloc(), pte_alloc_kernel(),
 * then set_pte_at() of each page; a level folded away has nothing to allocate.
 */
static int hr_vmalloc_map(unsigned long addr, unsigned long end)
{
	for (; addr != end; addr += PAGE_SIZE) {
		pgd_t *pgd = pgd_offset_k(addr);
		pud_t *pud;
		pmd_t *pmd;
		pte_t *pte;
		unsigned long page;

		if (pgd_none(READ_ONCE(*pgd)) && hr_vmalloc_pud_alloc(pgd))
			return -ENOMEM;
		pud = pud_offset(pgd, addr);
		if (CONFIG_PGTABLE_LEVELS > 2 && pud_none(READ_ONCE(*pud)) && hr_vmalloc_pmd_alloc(pud))
			return -ENOMEM;
		pmd = pmd_offset(pud, addr);
		if (pmd_none(READ_ONCE(*pmd)) && hr_vmalloc_pte_alloc(pmd))
			return -ENOMEM;
		pte = pte_offset_kernel(pmd, addr);
		if (WARN_ON(!pte_none(READ_ONCE(*pte))))
			return -EBUSY;
		page = __get_free_page(GFP_KERNEL);
		if (WARN_ON(!page))
			return -ENOMEM;
		set_pte(pte, pfn_pte(__pa(page) >> PAGE_SHIFT, PAGE_KERNEL));	/* set_pte_at(&init_mm, ..) */
	}
	return 0;
}

/*
 * unmap_kernel_range(): vunmap_pte_range() clears each pte
 * (ptep_get_and_clear), the range is flushed (flush_tlb_kernel_range), then
 * __vunmap() frees the pages.  vmalloc never frees page-table pages.
 */
static void hr_vmalloc_unmap(unsigned long start, unsigned long end)
{
	unsigned long addr, n = 0, nr = (end - start) >> PAGE_SHIFT;
	unsigned long *pages = calloc(nr, sizeof(*pages));

	if (!pages)
		return;
	for (addr = start; addr != end; addr += PAGE_SIZE) {
		pgd_t *pgd = pgd_offset_k(addr);
		pud_t *pud;
		pmd_t *pmd;
		pte_t *pte, ptent;

		if (pgd_none(READ_ONCE(*pgd)))	/* pgd_none_or_clear_bad() */
			continue;
		pud = pud_offset(pgd, addr);
		if (pud_none(READ_ONCE(*pud)))
			continue;
		pmd = pmd_offset(pud, addr);
		if (pmd_none(READ_ONCE(*pmd)))
			continue;
		pte = pte_offset_kernel(pmd, addr);
		ptent = READ_ONCE(*pte);
		pte_clear(&init_mm, addr, pte);	/* ptep_get_and_clear() */
		WARN_ON(!pte_none(ptent) && !pte_present(ptent));
		if (pte_present(ptent))
			pages[n++] = (unsigned long)__va(__pte_to_phys(ptent));
	}
	flush_tlb_kernel_range(start, end);
	while (n)
		free_page(pages[--n]);
	free(pages);
}

static int hr_walker_vmalloc(unsigned long start, unsigned long end, bool map, bool unmap)
{
	int rc = 0;

	if (map)
		rc = hr_vmalloc_map(start, end);
	if (unmap && rc == 0)
		hr_vmalloc_unmap(start, end);
	return rc;
}
