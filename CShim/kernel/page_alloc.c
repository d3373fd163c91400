// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page allocator behind the shim: memblock (top-down, reserved for good)
 * while the machine boots, then a buddy allocator over boot memory.
 * Every free is checked: double free, free of a page never allocated, free
 * with the wrong order, free of a reserved page, free outside memory.  A
 * faulty free is recorded and not performed.  A freed page-table page is
 * filled with POISON_FREE so that a later walk through it is caught.
 *
 * What a page holds when it is handed out is the kernel's, not the harness's:
 * zeros when the caller asks (__GFP_ZERO) or init_on_alloc is on
 * (want_init_on_alloc()), otherwise what its last user left -- for a freed
 * page-table page what the table held, not the poison.  Zeroing writes only
 * pages that may hold something (HR_PG_poisoned, HR_PG_dirty): the rest of
 * the host reservation reads as zeros and is never committed.
 */
#include <stdlib.h>
#include <string.h>
#include "kernel/machine.h"
#include "kernel/recorder.h"

/* A freed page-table page that still held entries: its contents, until it is handed out again. */
struct hr_saved_page {
	unsigned long pfn;
	void *data;
};

#define NIL UINT32_MAX

static inline char *host_of_pfn(struct hr_machine *m, unsigned long pfn)
{
	return m->host_base + ((pfn << m->geo.page_shift) - m->phys_offset);
}

bool hr_pfn_in_memmap(const struct hr_machine *m, unsigned long pfn)
{
	return pfn >= m->base_pfn && pfn < m->end_pfn;
}

static bool managed(const struct hr_machine *m, unsigned long pfn)
{
	return pfn >= m->boot_start_pfn && pfn < m->boot_end_pfn;
}

static void list_add(struct hr_machine *m, unsigned long pfn, unsigned order)
{
	struct page *p = hr_pfn_to_page(m, pfn);
	uint32_t idx = (uint32_t)(pfn - m->boot_start_pfn);
	uint32_t head = m->free_head[order];

	p->flags |= HR_PG_buddy;
	p->order = (uint8_t)order;
	p->prev = NIL;
	p->next = head;
	if (head != NIL)
		hr_pfn_to_page(m, m->boot_start_pfn + head)->prev = idx;
	m->free_head[order] = idx;
	m->free_count[order]++;
}

static void list_del(struct hr_machine *m, unsigned long pfn, unsigned order)
{
	struct page *p = hr_pfn_to_page(m, pfn);

	if (p->prev != NIL)
		hr_pfn_to_page(m, m->boot_start_pfn + p->prev)->next = p->next;
	else
		m->free_head[order] = p->next;
	if (p->next != NIL)
		hr_pfn_to_page(m, m->boot_start_pfn + p->next)->prev = p->prev;
	p->flags &= ~HR_PG_buddy;
	m->free_count[order]--;
}

static void mark_block(struct hr_machine *m, unsigned long pfn, unsigned order,
		       uint32_t set, uint32_t clear)
{
	for (unsigned long i = 1; i < (1UL << order); i++) {
		struct page *p = hr_pfn_to_page(m, pfn + i);
		p->flags = (p->flags & ~clear) | set;
	}
}

/* __free_one_page(): merge with free buddies as far as they go. */
static void free_one(struct hr_machine *m, unsigned long pfn, unsigned order)
{
	unsigned long rel = pfn - m->boot_start_pfn;

	while (order + 1 < m->max_order) {
		unsigned long buddy_rel = rel ^ (1UL << order);
		unsigned long buddy = m->boot_start_pfn + buddy_rel;
		struct page *bp;

		if (buddy + (1UL << order) > m->boot_end_pfn || buddy < m->boot_start_pfn)
			break;
		bp = hr_pfn_to_page(m, buddy);
		if (!(bp->flags & HR_PG_buddy) || bp->order != order)
			break;
		list_del(m, buddy, order);
		rel &= ~(1UL << order);
		order++;
	}
	pfn = m->boot_start_pfn + rel;
	list_add(m, pfn, order);
}

void hr_allocator_init(struct hr_machine *m)
{
	for (unsigned o = 0; o < HR_MAX_ORDER; o++) {
		m->free_head[o] = NIL;
		m->free_count[o] = 0;
	}
	/*
	 * memblock_free_all(): every boot page memblock did not reserve.  memblock
	 * allocated top-down, so below memblock_top_pfn nothing is reserved and whole
	 * MAX_ORDER blocks go to the free lists without touching their pages.
	 */
	unsigned long pfn = m->boot_start_pfn, top = m->memblock_top_pfn;
	unsigned long big = 1UL << (m->max_order - 1);

	while (pfn < top) {
		if (((pfn - m->boot_start_pfn) & (big - 1)) == 0 && pfn + big <= top) {
			free_one(m, pfn, m->max_order - 1);
			pfn += big;
		} else {
			free_one(m, pfn++, 0);
		}
	}
	for (; pfn < m->boot_end_pfn; pfn++)
		if (!(hr_pfn_to_page(m, pfn)->flags & HR_PG_reserved))
			free_one(m, pfn, 0);
}

static bool should_fail(struct hr_machine *m)
{
	if (m->fail_nth_alloc > 0 && --m->fail_nth_alloc == 0) {
		m->counters.alloc_failures++;
		return true;
	}
	return false;
}

static bool page_is_zero(const char *p, size_t n)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t i = 0; i < n / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* free_pages() of a table page: keep what it held when that was not an empty table */
static void save_table(struct hr_machine *m, unsigned long pfn)
{
	size_t size = (size_t)1 << m->geo.page_shift;
	const char *host = host_of_pfn(m, pfn);
	void *copy;

	if (page_is_zero(host, size))
		return;
	if (m->nr_saved_tables == m->saved_tables_cap) {
		size_t cap = m->saved_tables_cap ? 2 * m->saved_tables_cap : 16;
		struct hr_saved_page *t = realloc(m->saved_tables, cap * sizeof(*t));

		if (!t)
			return;		/* out of host memory: the page comes back as an empty table */
		m->saved_tables = t;
		m->saved_tables_cap = cap;
	}
	copy = malloc(size);
	if (!copy)
		return;
	memcpy(copy, host, size);
	m->saved_tables[m->nr_saved_tables++] = (struct hr_saved_page){ pfn, copy };
}

/* A freed table page handed out again: the kernel's page holds what the table held, not poison. */
static void unpoison(struct hr_machine *m, unsigned long pfn, struct page *p)
{
	size_t size = (size_t)1 << m->geo.page_shift;
	char *host = host_of_pfn(m, pfn);

	memset(host, 0, size);
	for (size_t i = 0; i < m->nr_saved_tables; i++) {
		if (m->saved_tables[i].pfn != pfn)
			continue;
		memcpy(host, m->saved_tables[i].data, size);
		free(m->saved_tables[i].data);
		m->saved_tables[i] = m->saved_tables[--m->nr_saved_tables];
		p->flags |= HR_PG_dirty;
		break;
	}
	p->flags &= ~HR_PG_poisoned;
}

void hr_saved_tables_free(struct hr_machine *m)
{
	for (size_t i = 0; i < m->nr_saved_tables; i++)
		free(m->saved_tables[i].data);
	free(m->saved_tables);
	m->saved_tables = NULL;
	m->nr_saved_tables = m->saved_tables_cap = 0;
}

/*
 * The pages of a block being handed out hold the kernel's contents: a freed table what it
 * held, and zeros everywhere when `zero` (only the pages that may hold something are written).
 */
static void prepare_contents(struct hr_machine *m, unsigned long pfn, unsigned order, bool zero)
{
	size_t size = (size_t)1 << m->geo.page_shift;

	for (unsigned long i = 0; i < (1UL << order); i++) {
		struct page *p = hr_pfn_to_page(m, pfn + i);

		if (p->flags & HR_PG_poisoned)
			unpoison(m, pfn + i, p);
		if (zero && (p->flags & HR_PG_dirty)) {
			memset(host_of_pfn(m, pfn + i), 0, size);
			p->flags &= ~HR_PG_dirty;
		}
	}
}

struct page *hr_alloc_pages(unsigned order, bool zero)
{
	struct hr_machine *m = hr_cur_machine;
	unsigned o = order;
	unsigned long pfn;
	struct page *p;

	hr_sched_point(HR_SP_ALLOC, NULL, 0);
	if (order >= m->max_order || should_fail(m))
		return NULL;
	while (o < m->max_order && m->free_head[o] == NIL)
		o++;
	if (o >= m->max_order) {
		m->counters.alloc_failures++;
		return NULL;
	}
	pfn = m->boot_start_pfn + m->free_head[o];
	list_del(m, pfn, o);
	while (o > order) {		/* expand(): hand the upper halves back */
		o--;
		free_one(m, pfn + (1UL << o), o);
	}
	/* post_alloc_hook(): want_init_on_alloc() is __GFP_ZERO or init_on_alloc */
	prepare_contents(m, pfn, order, zero || m->cfg.init_on_alloc);
	p = hr_pfn_to_page(m, pfn);
	p->flags = (p->flags & ~HR_PG_table) | HR_PG_allocated | HR_PG_everalloc;
	p->order = (uint8_t)order;
	p->table_level = 0;
	mark_block(m, pfn, order, HR_PG_tail | HR_PG_everalloc, HR_PG_table);
	m->counters.data_allocated_by_order[order]++;
	m->live_data_allocs++;
	if (m->trace_on)
		hr_rec_event(HR_EV_ALLOC, (int)order, pfn, zero);
	return p;
}

uint64_t hr_memblock_phys_alloc(uint64_t size)
{
	struct hr_machine *m = hr_cur_machine;
	unsigned long n = (unsigned long)((size + (1UL << m->geo.page_shift) - 1) >>
					  m->geo.page_shift);
	unsigned long top = m->memblock_top_pfn;

	if (should_fail(m) || top < m->boot_start_pfn + n)
		return 0;
	top = (top - n) & ~(n - 1);	/* natural alignment, as the callers ask */
	if (top < m->boot_start_pfn)
		return 0;
	m->memblock_top_pfn = top;
	for (unsigned long i = 0; i < n; i++) {
		struct page *p = hr_pfn_to_page(m, top + i);
		p->flags |= HR_PG_reserved | HR_PG_everalloc;
	}
	return (uint64_t)top << m->geo.page_shift;
}

/*
 * memblock_alloc_try_nid_raw() (v5.7, v5.9) and memmap_alloc() (v5.15 on: the sparse buffer the
 * boot memmap comes from) poison what they give with CONFIG_DEBUG_VM (page_init_poison()).
 * Of a boot vmemmap allocation a walk can only ever read the first page of a PMD block (boot
 * memory is never handed out again), so that is the part written.
 */
void *hr_memblock_alloc_raw(uint64_t size)
{
	struct hr_machine *m = hr_cur_machine;
	uint64_t pa = hr_memblock_phys_alloc(size);
	uint64_t page = 1ull << m->geo.page_shift;
	char *host;

	if (!pa)
		return NULL;
	host = m->host_base + (pa - m->phys_offset);
	memset(host, 0xff, size < page ? size : page);
	return host;
}

void hr_note_table(uint64_t table_pa, int level)
{
	struct hr_machine *m = hr_cur_machine;
	unsigned long pfn = table_pa >> m->geo.page_shift;

	if (!hr_pfn_in_memmap(m, pfn))
		return;
	if (!(hr_pfn_to_page(m, pfn)->flags & HR_PG_table)) {
		m->live_table_pages++;
		if (hr_pfn_to_page(m, pfn)->flags & HR_PG_allocated)
			m->live_data_allocs--;
	}
	hr_pfn_to_page(m, pfn)->flags |= HR_PG_table;
	hr_pfn_to_page(m, pfn)->table_level = (uint8_t)(level + 1);
	m->counters.tables_allocated[level]++;
}

void hr_free_pages_pfn(unsigned long pfn, unsigned order)
{
	struct hr_machine *m = hr_cur_machine;
	struct page *p;
	bool table;

	hr_sched_point(HR_SP_FREE, NULL, pfn);

	if (hr_pfn_in_memmap(m, pfn) && (hr_pfn_to_page(m, pfn)->flags & HR_PG_reserved)) {
		hr_rec_fault(HR_FAULT_FREE_RESERVED, pfn, "free_pages() of a reserved page");
		return;
	}
	if (!hr_pfn_in_memmap(m, pfn) || !managed(m, pfn)) {
		hr_rec_fault(hr_pfn_in_memmap(m, pfn) ? HR_FAULT_FREE_NEVER_ALLOCATED
						      : HR_FAULT_FREE_OUTSIDE_MEMORY,
			     pfn, "free_pages() of a page the allocator never managed");
		return;
	}
	p = hr_pfn_to_page(m, pfn);
	if (p->flags & HR_PG_reserved) {
		hr_rec_fault(HR_FAULT_FREE_RESERVED, pfn, "free_pages() of a reserved page");
		return;
	}
	if (p->flags & HR_PG_tail) {
		hr_rec_fault(HR_FAULT_FREE_WRONG_ORDER, pfn,
			     "free_pages() of a page inside a larger allocation");
		return;
	}
	if (!(p->flags & HR_PG_allocated)) {
		if (p->flags & HR_PG_everalloc)
			hr_rec_fault(HR_FAULT_DOUBLE_FREE, pfn, "free_pages() of a free page");
		else
			hr_rec_fault(HR_FAULT_FREE_NEVER_ALLOCATED, pfn,
				     "free_pages() of a page never allocated");
		return;
	}
	if (p->order != order) {
		hr_rec_fault(HR_FAULT_FREE_WRONG_ORDER, pfn,
			     "free_pages() with an order other than the allocation's");
		return;
	}
	table = (p->flags & HR_PG_table) != 0;
	if (table) {
		int level = p->table_level ? p->table_level - 1 : HR_LEVEL_PTE;

		m->counters.tables_freed[level]++;
		m->live_table_pages--;
		save_table(m, pfn);
		memset(host_of_pfn(m, pfn), 0x6b, (size_t)1 << m->geo.page_shift);
	} else {
		m->counters.data_freed_by_order[order]++;
		m->live_data_allocs--;
		p->flags |= HR_PG_dirty;	/* a vmemmap block's first page holds struct page words */
	}
	if (m->trace_on)
		hr_rec_event(HR_EV_FREE, (int)order, pfn, table);
	p->flags &= ~(HR_PG_allocated | HR_PG_table);
	if (table)
		p->flags |= HR_PG_poisoned;
	p->table_level = 0;
	mark_block(m, pfn, order, 0, HR_PG_tail);
	free_one(m, pfn, order);
}

uint64_t hr_free_pages_count(const hr_machine *m)
{
	uint64_t n = 0;

	for (unsigned o = 0; o < m->max_order; o++)
		n += (uint64_t)m->free_count[o] << o;
	return n;
}
