// SPDX-License-Identifier: GPL-2.0-only
/*
 * SPARSEMEM's sections, as the rest of the shim looks them up: whether every
 * sub-section of a range is present.  What the sections hold is changed by
 * the generic layer (hotplug.c) alone.
 */
#include "kernel/machine.h"

#define SUBSECTION_SHIFT 21

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
