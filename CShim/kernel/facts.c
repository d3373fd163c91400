// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the harness reads of a machine beyond its page tables (snapshot.c)
 * and its recorders (recorder.c): its geometry, struct page flags, altmap
 * counters, section flags.  And the debug helpers with which tests provoke
 * what the fault detection must catch: frees, allocations and entry reads
 * no kernel code asked for.
 */
#include <string.h>
#include "kernel/machine.h"
#include "kernel/recorder.h"

void hr_machine_get_geometry(const hr_machine *m, hr_geometry *out) { *out = m->geo; }

uint64_t hr_pfn_of_phys(const hr_machine *m, uint64_t phys) { return phys >> m->geo.page_shift; }

bool hr_page_info(const hr_machine *m, uint64_t pfn, uint32_t *flags, uint32_t *order)
{
	if (!hr_pfn_in_memmap(m, pfn))
		return false;
	*flags = hr_pfn_to_page(m, pfn)->flags;
	*order = hr_pfn_to_page(m, pfn)->order;
	return true;
}

/*
 * Slots are the harness's (memory_hotplug.c): one per range start, a removed range's kept readable
 * until an add reuses its slot, so its counters can be checked after the removal.  A failed add's
 * slot may linger beside a later one for the same start: the first slot for a start is the one shown.
 * One pass over the slots; a start is looked for only among the altmaps already listed.
 */
int hr_altmaps(const hr_machine *m, hr_altmap_info *out)
{
	int n = 0;

	for (int i = 0; i < HR_MAX_ALTMAPS; i++) {
		const struct hr_altmap_slot *s = &m->altmaps[i];
		bool listed = false;

		if (!s->size)
			continue;
		for (int j = 0; j < n && !listed; j++)
			listed = out[j].start == s->start;
		if (listed)
			continue;
		out[n++] = (hr_altmap_info){ .start = s->start, .base_pfn = s->altmap.base_pfn,
					     .reserve = s->altmap.reserve, .free = s->altmap.free,
					     .align = s->altmap.align, .alloc = s->altmap.alloc };
	}
	return n;
}

bool hr_section_info(const hr_machine *m, uint64_t pfn, unsigned long *flags, uint64_t *word0)
{
	struct mem_section *ms = hr_section_of(m, pfn);

	if (!ms)
		return false;
	*flags = ms->section_mem_map;
	*word0 = ms->subsection_map[0];
	return true;
}

void hr_debug_free_pfn(hr_machine *m, uint64_t pfn, unsigned order)
{
	struct hr_machine *prev = hr_cur_machine;

	hr_cur_machine = m;
	hr_free_pages_pfn(pfn, order);
	hr_cur_machine = prev;
}

uint64_t hr_debug_alloc(hr_machine *m, unsigned order, bool zero, bool as_table, int level)
{
	struct hr_machine *prev = hr_cur_machine;
	struct page *p;
	uint64_t pfn = 0;

	hr_cur_machine = m;
	p = hr_alloc_pages(order, zero);
	if (p) {
		pfn = hr_page_to_pfn(m, p);
		if (as_table) {
			hr_note_table(pfn << m->geo.page_shift, level);
		}
	}
	hr_cur_machine = prev;
	return pfn;
}

/* the read a walker's READ_ONCE() makes, poison check and all */
struct entry_read {
	uint64_t pa;
	uint64_t value;
};

static int read_entry(struct hr_machine *m, void *arg)
{
	struct entry_read *r = arg;
	const volatile uint64_t *p = (const volatile uint64_t *)(m->host_base + (r->pa - m->phys_offset));

	r->value = *p;
	if (r->value == HR_POISON)
		hr_poison_read(p);
	return 0;
}

uint64_t hr_debug_read_entry(hr_machine *m, uint64_t pa)
{
	struct entry_read r = { .pa = pa };

	hr_oopsable_call(m, read_entry, &r, NULL, 0);
	return r.value;
}

void hr_debug_write_entry(hr_machine *m, uint64_t pa, uint64_t value)
{
	*(volatile uint64_t *)(m->host_base + (pa - m->phys_offset)) = value;
}
