/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dup: include/linux/memremap.h (v5.7), struct vmem_altmap: the pfns of a
 * hot-added range that hold its own memmap.
 */
#ifndef HR_DUP_MEMREMAP_H
#define HR_DUP_MEMREMAP_H

struct vmem_altmap {
	const unsigned long base_pfn;
	const unsigned long end_pfn;
	const unsigned long reserve;
	unsigned long free;
	unsigned long align;
	unsigned long alloc;
};

#endif
