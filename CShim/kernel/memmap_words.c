// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memmap's own words, where a walk can take a page for a table.
 *
 * The shim keeps its struct pages in a bookkeeping array of its own
 * (machine.h) and never touches the memory that backs the vmemmap, except
 * the first page of each vmemmap PMD block: the generic
 * vmemmap_pmd_populate() asks only pmd_none(), so a base-page walk under a
 * live block (fix2025's vmemmap_populate_basepages() of a sub-section) takes
 * pte_offset_kernel() of the block -- __va(pmd_page_paddr(pmd)) +
 * pte_index(addr) * 8, always a word of the block's first page -- and
 * vmemmap_pte_populate() writes a PTE there when the word it reads is zero
 * (pte_none()).  The kernel reads the struct pages that page holds, so the
 * shim writes them there, laid out as the kernel lays them out, whenever the
 * kernel writes them: page_init_poison() when a section is added (and by
 * memblock at boot, page_alloc.c) and when memory goes offline, the struct
 * page initialisation of boot memory, of hot-added RAM once it is online and
 * of device memory.  Allocation (page_alloc.c) gives a block the contents the
 * kernel's allocator would: zeros with init_on_alloc, else what was there.
 *
 * Only pages a live PMD block maps are written: elsewhere the memmap is
 * either mapped by base pages (which no walk takes for a table) or not
 * mapped at all.
 */
#include "kernel/machine.h"

#define DESC_VALID	1ull
#define DESC_TABLE	2ull
#define DESC_ADDR_MASK(ps) ((((1ull << (48 - (ps))) - 1)) << (ps))

/*
 * struct page as include/linux/mm_types.h lays it out on arm64 from v5.9 to 6.1, in 64-bit
 * words: 0 flags; 8, 16 lru (ZONE_DEVICE pages: pgmap, zone_device_data); 24 mapping; 32 index;
 * 40 private; 48 _mapcount (or page_type) and, at 52, _refcount; 56 memcg_data (CONFIG_MEMCG:
 * the usual 64-byte struct page, 56 bytes without it).  A what-if size has no layout of its
 * own: its words from the 56th byte on are written as zeros.
 */
enum { W_FLAGS = 0, W_LRU_NEXT = 8, W_LRU_PREV = 16, W_MAPPING = 24, W_INDEX = 32,
       W_PRIVATE = 40, W_COUNTS = 48 };

/*
 * set_page_links() puts the zone (and node, 0 here) in the top bits of page->flags; the exact
 * bits are the configuration's.  Hot-added RAM goes to ZONE_NORMAL or ZONE_MOVABLE, device
 * memory to ZONE_DEVICE: none is zone 0, so flags is never zero.  What a walk asks is only
 * whether a word is zero.
 */
#define ZONE_BITS(z)	((uint64_t)(z) << 61)
enum { HR_ZONE_NORMAL = 2, HR_ZONE_DEVICE = 4 };
#define PG_RESERVED_BIT	(1ull << 12)
/* _mapcount (low half) and _refcount (high half) */
#define COUNTS(mapcount, refcount) ((uint64_t)(uint32_t)(mapcount) | (uint64_t)(uint32_t)(refcount) << 32)
#define PG_BUDDY	0x00000080u	/* include/linux/page-flags.h: __SetPageBuddy() clears it in page_type */

static uint64_t memmap_va(const struct hr_machine *m, unsigned long pfn)
{
	return m->geo.vmemmap_start + (pfn - m->base_pfn) * (uint64_t)m->cfg.struct_page_size;
}

/* One word of the struct page of `pfn` (at kernel VA `page_va`) at byte `field`, after `state`. */
static uint64_t word_of(const struct hr_machine *m, int state, unsigned long pfn, uint64_t page_va,
			unsigned field)
{
	uint64_t self = page_va + W_LRU_NEXT;	/* INIT_LIST_HEAD(&page->lru) */
	/* online_pages() frees MAX_ORDER - 1 blocks (sections are at least that big and aligned) */
	bool head = (pfn & ((1UL << (m->max_order - 1)) - 1)) == 0;

	if (state == HR_MEMMAP_POISON)
		return ~0ull;	/* PAGE_POISON_PATTERN */
	switch (field) {
	case W_FLAGS:
		if (state == HR_MEMMAP_DEVICE)
			return ZONE_BITS(HR_ZONE_DEVICE) | PG_RESERVED_BIT;
		return ZONE_BITS(HR_ZONE_NORMAL) | (state == HR_MEMMAP_RAM_FREE ? 0 : PG_RESERVED_BIT);
	case W_LRU_NEXT:
		/* ZONE_DEVICE: page->pgmap (a kernel pointer, its value not modelled); a free block's
		 * head is on a free list, every other page's lru points at itself */
		return state == HR_MEMMAP_DEVICE ? m->geo.page_offset : self;
	case W_LRU_PREV:
		return state == HR_MEMMAP_DEVICE ? 0 : self;	/* page->zone_device_data = NULL */
	case W_MAPPING:
	case W_INDEX:
		return 0;
	case W_PRIVATE:
		/* set_buddy_order(): a free block's head holds its order */
		return state == HR_MEMMAP_RAM_FREE && head ? m->max_order - 1 : 0;
	case W_COUNTS:
		if (state == HR_MEMMAP_RAM_FREE)	/* __free_pages_core(): _refcount 0 */
			return head ? COUNTS(~PG_BUDDY, 0) : COUNTS(-1, 0);
		return COUNTS(-1, 1);	/* page_mapcount_reset(), init_page_count() */
	default:
		return 0;		/* memcg_data, or a what-if size's words */
	}
}

/* The host address of the first page of the PMD block that maps `va`, if a block maps it. */
static uint64_t *block_first_page(const struct hr_machine *m, uint64_t va)
{
	uint32_t ps = m->geo.page_shift;
	uint64_t pmd_size = 1ull << m->geo.level_shift[HR_LEVEL_PMD];
	const uint64_t *t = (const uint64_t *)m->swapper_pg_dir;

	for (int level = HR_LEVEL_PGD; level < HR_LEVEL_PTE; level++) {
		uint64_t d, out;

		if (level != HR_LEVEL_PGD && m->geo.folded[level])
			continue;
		d = t[(va >> m->geo.level_shift[level]) & (m->geo.ptrs_per[level] - 1)];
		if (!(d & DESC_VALID))
			return NULL;
		out = d & DESC_ADDR_MASK(ps);
		if (out < m->phys_offset || out >= m->phys_end)
			return NULL;
		if (!(d & DESC_TABLE)) {	/* a block: a PMD block is what vmemmap_populate() makes */
			if ((1ull << m->geo.level_shift[level]) != pmd_size)
				return NULL;
			return (uint64_t *)(m->host_base + (out - m->phys_offset));
		}
		t = (const uint64_t *)(m->host_base + (out - m->phys_offset));
	}
	return NULL;
}

void hr_memmap_words(struct hr_machine *m, unsigned long pfn, unsigned long nr, int state)
{
	uint64_t sps = m->cfg.struct_page_size;
	uint64_t pmd_size = 1ull << m->geo.level_shift[HR_LEVEL_PMD];
	uint64_t page = 1ull << m->geo.page_shift;
	uint64_t start = memmap_va(m, pfn), end = memmap_va(m, pfn + nr);

	if (!nr)
		return;
	for (uint64_t b = start & ~(pmd_size - 1); b < end; b += pmd_size) {
		uint64_t lo = start > b ? start : b, hi = end < b + page ? end : b + page;
		uint64_t *host;

		if (lo >= hi || !(host = block_first_page(m, b)))
			continue;
		/* sizeof(struct page) is a multiple of 8 and the vmemmap is aligned: whole words */
		for (uint64_t v = lo; v < hi; v += 8) {
			uint64_t rel = v - m->geo.vmemmap_start;
			unsigned field = (unsigned)(rel % sps);

			host[(v - b) / 8] = word_of(m, state, m->base_pfn + rel / sps, v - field, field);
		}
	}
}

void hr_memmap_init_device(struct hr_machine *m, unsigned long pfn, unsigned long nr,
			   const struct vmem_altmap *altmap)
{
	unsigned long end = pfn + nr, first = pfn;

	if (altmap) {
		/*
		 * move_pfn_range_to_zone() -> memmap_init_range() of ZONE_DEVICE initialises only
		 * the pages that may hold the memmap, [base_pfn + reserve, base_pfn +
		 * vmem_altmap_offset()), as hot-plugged pages (reserved); memmap_init_zone_device()
		 * starts after them.  The reserve keeps its poison.
		 */
		unsigned long lo = altmap->base_pfn + altmap->reserve;
		unsigned long hi = altmap->base_pfn + altmap->reserve + altmap->free;

		lo = lo < pfn ? pfn : lo > end ? end : lo;
		hi = hi < lo ? lo : hi > end ? end : hi;
		hr_memmap_words(m, lo, hi - lo, HR_MEMMAP_RESERVED);
		first = hi;
	}
	hr_memmap_words(m, first, end - first, HR_MEMMAP_DEVICE);
}
