// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshot: walk swapper_pg_dir as the hardware would, list every table
 * page, fold leaf entries into runs of like entries (same level, type and
 * attributes, contiguous output), and compare with the allocator: table
 * pages that are allocated but unreachable (leaks), reachable pages that are
 * free (use after free).  Geometry comes from the machine at run time.
 */
#include <stdlib.h>
#include <string.h>
#include "kernel/grow.h"
#include "kernel/machine.h"

#define DESC_ADDR_MASK(ps) ((((1ull << (48 - (ps))) - 1)) << (ps))
#define MAX_LEAKS_LISTED 64

struct walk {
	struct hr_machine *m;
	hr_snapshot *s;
	size_t tables_cap, runs_cap;
	int levels[HR_NR_LEVELS];	/* the levels that have tables, top down */
	int nr_levels;
	bool oom;
};

/* hr_grow(), or @p unchanged with the walk marked out of host memory */
static void *grow(void *p, size_t *cap, size_t need, size_t elem, bool *oom)
{
	void *q = hr_grow(p, cap, need, elem);

	if (!q) {
		*oom = true;
		return p;
	}
	return q;
}

/* Adds `count` like entries from `va` on (valid ones with contiguous output). */
static void add_leaves(struct walk *w, int level, uint8_t kind, uint64_t va, uint64_t size,
		       uint64_t pa, uint64_t attrs, uint64_t count)
{
	hr_snapshot *s = w->s;

	if (s->nr_runs) {
		hr_leaf_run *r = &s->runs[s->nr_runs - 1];

		if (r->level == level && r->kind == kind && r->attrs == attrs && r->entry_size == size &&
		    r->va + r->count * size == va &&
		    (kind == HR_RUN_INVALID || r->pa + r->count * size == pa)) {
			r->count += count;
			return;
		}
	}
	s->runs = grow(s->runs, &w->runs_cap, s->nr_runs + 1, sizeof(*s->runs), &w->oom);
	if (w->oom)
		return;
	s->runs[s->nr_runs++] = (hr_leaf_run){ .va = va, .count = count, .entry_size = size, .pa = pa,
					       .attrs = attrs, .level = (uint8_t)level, .kind = kind };
}

static void add_leaf(struct walk *w, int level, uint8_t kind, uint64_t va, uint64_t size,
		     uint64_t pa, uint64_t attrs)
{
	add_leaves(w, level, kind, va, size, pa, attrs, 1);
}

static void walk_table(struct walk *w, int li, uint64_t pa, uint64_t va_base)
{
	struct hr_machine *m = w->m;
	int level = w->levels[li];
	uint32_t ps = m->geo.page_shift;
	uint64_t shift = m->geo.level_shift[level];
	uint64_t span = 1ull << shift;
	uint32_t n = m->geo.ptrs_per[level];
	unsigned long pfn = pa >> ps;
	const uint64_t *t = (const uint64_t *)(m->host_base + (pa - m->phys_offset));
	struct page *pg = hr_pfn_to_page(m, pfn);
	hr_table_page tp = { .level = (uint8_t)level, .pa = pa, .va_start = va_base,
			     .va_span = span * n };
	bool last = li == w->nr_levels - 1;

	pg->flags |= HR_PG_seen;
	if (!(pg->flags & (HR_PG_allocated | HR_PG_reserved)))
		w->s->reachable_freed_pages++;
	if (pg->flags & HR_PG_poisoned)
		return;		/* a freed table: its contents are poison */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t d = t[i];
		uint64_t va = va_base + i * span;

		if (!d)
			continue;
		tp.live++;
		uint64_t out = d & DESC_ADDR_MASK(ps);
		uint64_t attrs = d & ~DESC_ADDR_MASK(ps);

		if (!(d & 1)) {
			add_leaf(w, level, HR_RUN_INVALID, va, span, out, attrs);
		} else if (last) {
			/*
			 * A page entry followed by entries that map the next pages with the same
			 * attributes (each descriptor the one before plus the span: the common
			 * case, a table of one mapping) goes in as one run.
			 */
			uint32_t j = i + 1;

			if (d & 2)
				while (j < n && t[j] == d + (uint64_t)(j - i) * span)
					j++;
			tp.live += j - i - 1;
			add_leaves(w, level, (d & 2) ? HR_RUN_PAGE : HR_RUN_INVALID, va, span, out, attrs, j - i);
			i = j - 1;
		} else if (d & 2) {
			unsigned long cpfn = out >> ps;

			if (out < m->phys_offset || out >= m->phys_end || !hr_pfn_in_memmap(m, cpfn))
				add_leaf(w, level, HR_RUN_INVALID, va, span, out, attrs);
			else
				walk_table(w, li + 1, out, va);
		} else {
			add_leaf(w, level, HR_RUN_BLOCK, va, span, out, attrs);
		}
	}
	w->s->tables = grow(w->s->tables, &w->tables_cap, w->s->nr_tables + 1,
			    sizeof(*w->s->tables), &w->oom);
	if (!w->oom)
		w->s->tables[w->s->nr_tables++] = tp;
}

int hr_snapshot_take(hr_machine *m, hr_snapshot *out)
{
	struct walk w = { .m = m, .s = out };
	uint64_t pgd_pa = (uint64_t)((char *)m->swapper_pg_dir - m->host_base) + m->phys_offset;

	memset(out, 0, sizeof(*out));
	w.levels[w.nr_levels++] = HR_LEVEL_PGD;
	if (!m->geo.folded[HR_LEVEL_PUD])
		w.levels[w.nr_levels++] = HR_LEVEL_PUD;
	if (!m->geo.folded[HR_LEVEL_PMD])
		w.levels[w.nr_levels++] = HR_LEVEL_PMD;
	w.levels[w.nr_levels++] = HR_LEVEL_PTE;
	/* the PGD indexes VA[VA_BITS-1:PGDIR_SHIFT] of the kernel half */
	walk_table(&w, 0, pgd_pa, m->geo.page_offset);

	/*
	 * Leaks: table pages the allocator still holds (live_table_pages) that the
	 * walk did not reach.  Only when the counts differ are pages scanned to
	 * name them.
	 */
	uint64_t reached = 0;
	for (size_t i = 0; i < out->nr_tables; i++) {
		struct page *p = hr_pfn_to_page(m, out->tables[i].pa >> m->geo.page_shift);

		if (p->flags & HR_PG_table)
			reached++;
	}
	out->allocated_table_pages = m->live_table_pages;
	out->leaked_pfns = calloc(MAX_LEAKS_LISTED, sizeof(uint64_t));
	if (m->live_table_pages > reached) {
		out->unreachable_table_pages = m->live_table_pages - reached;
		for (unsigned long pfn = m->boot_start_pfn; pfn < m->boot_end_pfn; pfn++) {
			struct page *p = hr_pfn_to_page(m, pfn);

			if ((p->flags & HR_PG_table) && !(p->flags & HR_PG_seen) &&
			    out->leaked_pfns && out->nr_leaked_listed < MAX_LEAKS_LISTED)
				out->leaked_pfns[out->nr_leaked_listed++] = pfn;
		}
	}
	for (size_t i = 0; i < out->nr_tables; i++)
		hr_pfn_to_page(m, out->tables[i].pa >> m->geo.page_shift)->flags &= ~HR_PG_seen;

	/*
	 * Data pages: every live allocation that is not a table should be the
	 * target of some leaf outside the linear map (vmemmap backing, a
	 * vmalloc-style neighbour); the linear map aliases all memory and says
	 * nothing.  Count the allocations reached, then unmark them.
	 */
	out->allocated_data_pages = m->live_data_allocs;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < out->nr_runs; i++) {
			const hr_leaf_run *r = &out->runs[i];

			if (r->kind == HR_RUN_INVALID ||
			    (r->va >= m->geo.page_offset && r->va < m->geo.page_end))
				continue;
			for (uint64_t k = 0; k < r->count; k++) {
				uint64_t pa = r->pa + k * r->entry_size;
				unsigned long pfn = pa >> m->geo.page_shift;
				struct page *p;

				if (pa < m->phys_offset || pa >= m->phys_end || !hr_pfn_in_memmap(m, pfn))
					continue;
				p = hr_pfn_to_page(m, pfn);
				if (pass == 1) {
					p->flags &= ~HR_PG_seen;
				} else if ((p->flags & (HR_PG_allocated | HR_PG_table | HR_PG_seen)) ==
					   HR_PG_allocated) {
					p->flags |= HR_PG_seen;
					out->reached_data_pages++;
				}
			}
		}
	}
	/* tables outside boot memory (never, unless a revision is broken) */
	return w.oom ? -12 : 0;
}

void hr_snapshot_free(hr_snapshot *s)
{
	free(s->tables);
	free(s->runs);
	free(s->leaked_pfns);
	memset(s, 0, sizeof(*s));
}
