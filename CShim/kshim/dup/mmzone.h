/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dup: include/linux/mmzone.h (v5.7), struct mem_section and its flags, reduced
 * to what hotplug reads.  The usage map (struct mem_section_usage, kmalloc()ed
 * by the kernel) is kept inside the section (HR: subsection_map, has_usage);
 * vmemmap_marks is the shim's own.
 */
#ifndef HR_DUP_MMZONE_H
#define HR_DUP_MMZONE_H

#include <stdbool.h>
#include <stdint.h>

#define HR_SUBSECTION_WORDS 8		/* up to 512 sub-sections of 2 MiB per 1 GiB section */
struct mem_section {
	unsigned long section_mem_map;
	uint64_t subsection_map[HR_SUBSECTION_WORDS];	/* HR: usage->subsection_map */
	bool has_usage;					/* HR: usage != NULL */
	/*
	 * HR: some struct page of this section is PageVmemmap (the RFC "mm, memory_hotplug:
	 * allocate memmap from the added memory range for sparse-vmemmap",
	 * <20190122103708.11043-4-osalvador@suse.de>)
	 */
	bool vmemmap_marks;
};
#define SECTION_MARKED_PRESENT	(1UL<<0)
#define SECTION_HAS_MEM_MAP	(1UL<<1)
#define SECTION_IS_ONLINE	(1UL<<2)
#define SECTION_IS_EARLY	(1UL<<3)

#endif
