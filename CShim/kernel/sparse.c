// SPDX-License-Identifier: GPL-2.0-only
/*
 * SPARSEMEM's sections, as the rest of the shim looks them up: the struct
 * mem_section of a pfn (__pfn_to_section()), and whether every sub-section of
 * a range is present.  A machine keeps its sections in one array from its
 * first pfn, not in the kernel's two-level mem_section[][]; what the sections
 * hold is changed by the generic layer (hotplug.c) alone.
 */
#include "kernel/machine.h"

#define SUBSECTION_SHIFT 21

struct mem_section *hr_section_of(const struct hr_machine *m, unsigned long pfn)
{
	unsigned long nr = pfn >> (m->cfg.section_size_bits - m->geo.page_shift);

	if (nr < m->base_section || nr >= m->base_section + m->nr_sections)
		return NULL;
	return &m->sections[nr - m->base_section];
}

struct mem_section *hr_pfn_to_section(unsigned long pfn)
{
	return hr_section_of(hr_cur_machine, pfn);
}

/* every 2 MiB sub-section of [start, +size) is present (pfn_section_valid()) */
bool hr_subsections_present(const struct hr_machine *m, uint64_t start, uint64_t size)
{
	for (uint64_t a = start; a < start + size; a += 1ull << SUBSECTION_SHIFT) {
		unsigned long pfn = a >> m->geo.page_shift;
		struct mem_section *ms = hr_section_of(m, pfn);
		unsigned long idx = (pfn & ((1ul << (m->cfg.section_size_bits - m->geo.page_shift)) - 1)) >>
				    (SUBSECTION_SHIFT - m->geo.page_shift);

		if (!(ms && ms->has_usage && (ms->subsection_map[idx / 64] >> (idx % 64)) & 1))
			return false;
	}
	return true;
}
