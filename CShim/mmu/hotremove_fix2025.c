// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: fix2025
 * Title: altmap + "arm64: mm: Populate vmemmap at the page level if not section aligned"
 * Posted: 2025-03-04, Zhenhua Huang (PATCH v9, merged as d4234d131b0a,
 *   Cc stable v5.4+, Acked-by David Hildenbrand, Reviewed-by Oscar
 *   Salvador and Catalin Marinas), <20250304072700.3405036-1-quic_zhenhuah@quicinc.com>.
 * Gist: "if we hotplug something that spans part of 128 MiB section
 *   (memblock1), and then ... another part (memblock2), and subsequently
 *   unplug memblock1, vmemmap_free() will clear the entire PMD entry which
 *   also supports memblock2".  The fix is on the add side only: a range
 *   smaller than a section's memmap is populated with base pages
 *   (vmemmap_fix2025.c).  The removal routines are the altmap (v5.9)
 *   revision's, unchanged (the 6.1.y tree has them token for token, apart
 *   from the later notifier and arch_add_memory changes not taken here).
 * Pass API: altmap (how benchmarks call the two passes)
 * Add side: fix2025
 * Functions: as the altmap revision (hotremove_altmap.c, included).
 */

#include "mmu/hotremove_altmap.c"
