// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic memory-hotplug steps around the arch routines, simplified
 * from Linux v5.7 mm/memory_hotplug.c and mm/sparse.c, keeping their
 * granularity and their calls into the arch code:
 *
 *  add_memory_resource / memremap_pages -> arch_add_memory()
 *    -> __add_pages(): per section, sparse_add_section() -> section_activate():
 *       sub-section bitmap (2 MiB, SPARSEMEM_VMEMMAP), then
 *       __populate_section_memmap() -> vmemmap_populate() on the memmap of the
 *       sub-section-aligned range; on failure section_deactivate().
 *  offline_pages(): MEM_GOING_OFFLINE to the memory notifiers, per memory
 *    block (one section on arm64); NOTIFY_BAD cancels.
 *  arch_remove_memory() -> __remove_pages(): per section,
 *    section_deactivate() -> vmemmap_free() of the memmap range removed
 *    (the whole section's memmap for an early section, free_map_bootmem()).
 *
 *  vmem_altmap_free() (mm/memremap.c), mhp_supports_memmap_on_memory()
 *    (v5.14 mm/memory_hotplug.c) and the generic part of the RFC "mm,
 *    memory_hotplug: allocate memmap from the added memory range for
 *    sparse-vmemmap" (<20190122103708.11043-4-osalvador@suse.de>).
 *
 * Left out, because the arch routines never see them: zones, onlining into
 * the buddy allocator (the allocator serves boot memory only), page
 * migration, memory block devices, resources.  The usage maps are kept in
 * struct mem_section, not kmalloc()ed.
 *
 * This file is the whole generic layer: the machine reaches it through
 * hr_generic_layer (below), the arch routines by name.  Its mutants
 * (CShim/mutants/generic) are patched copies of it; every function that is
 * not static is named in CShim/mutants/generic_names.h.  The section lookup
 * (__pfn_to_section()) is sparse.c's, which every copy shares.
 */
#include <stdio.h>
#include <string.h>
#include "kernel/machine.h"
#include "kernel/recorder.h"
#include "kernel/instance.h"

#define SUBSECTION_SHIFT 21

static unsigned long pages_per_section(const struct hr_machine *m)
{
	return 1UL << (m->cfg.section_size_bits - m->geo.page_shift);
}

static unsigned long pages_per_subsection(const struct hr_machine *m)
{
	return 1UL << (SUBSECTION_SHIFT - m->geo.page_shift);
}

/* the VA of pfn's struct page: vmemmap + pfn, with the era's sizeof(struct page) */
static unsigned long memmap_va(const struct hr_machine *m, unsigned long pfn)
{
	return (unsigned long)(m->geo.vmemmap_start +
			       (pfn - (m->phys_offset >> m->geo.page_shift)) *
			       (uint64_t)m->cfg.struct_page_size);
}

static void subsection_mask_set(const struct hr_machine *m, uint64_t *map,
				unsigned long pfn, unsigned long nr_pages)
{
	unsigned long in_sec = pfn & (pages_per_section(m) - 1);
	unsigned long idx = in_sec / pages_per_subsection(m);
	unsigned long end = (in_sec + nr_pages - 1) / pages_per_subsection(m);

	memset(map, 0, sizeof(uint64_t) * HR_SUBSECTION_WORDS);
	for (unsigned long i = idx; i <= end; i++)
		map[i / 64] |= 1ull << (i % 64);
}

static bool map_empty(const uint64_t *map)
{
	for (int i = 0; i < HR_SUBSECTION_WORDS; i++)
		if (map[i])
			return false;
	return true;
}

/*
 * "[RFC PATCH v2 3/4] mm, memory_hotplug: allocate memmap from the added memory range for
 * sparse-vmemmap" (Oscar Salvador, 2019-01-22, <20190122103708.11043-4-osalvador@suse.de>): the
 * generic parts, written for the shim after the posting's mm/sparse.c and
 * include/linux/page-flags.h hunks (struct page is the shim's, see HR_PG_vmemmap; the statics are
 * per machine).  The arm64 hunk of the posting (vmemmap_populate(): altmap_alloc_block_buf() when
 * there is an altmap) is what v5.9 merged as eee07935bb52 ("arm64/mm: enable vmem_altmap support
 * for vmemmap mappings"): the revisions whose vmemmap_populate() takes the altmap honour it.
 */
#define VMEMMAP_FLAGS	(HR_PG_reserved | HR_PG_vmemmap)

static bool PageVmemmap(const struct page *page)
{
	return (page->flags & VMEMMAP_FLAGS) == VMEMMAP_FLAGS;
}

static int page_ref_dec_return(struct page *page)
{
	int16_t count = (int16_t)page->pad;

	count--;
	page->pad = (uint16_t)count;
	return count;
}

/* mark_vmemmap_pages(): the constructor __add_pages() runs once its sections are added */
void hr_mark_vmemmap_pages(struct vmem_altmap *self)
{
	struct hr_machine *m = hr_cur_machine;
	unsigned long pfn = self->base_pfn + self->reserve;
	unsigned long nr_pages = self->alloc;
	unsigned long nr_sects = self->free / pages_per_section(m);
	unsigned long i, head_pfn = pfn;

	if (!nr_pages)
		return;
	/* All allocations for the memory hotplug are the same sized so align should be 0. */
	if (self->align)
		hr_rec_warn("mm/sparse.c", 0, "self->align");
	for (i = 0; i < nr_pages; i++, pfn++) {
		struct page *page = hr_pfn_to_page(m, pfn);

		/* mm_zero_struct_page(); __SetPageVmemmap(); page->freelist = head; init_page_count() */
		page->flags = VMEMMAP_FLAGS;
		page->order = 0;
		page->table_level = 0;
		page->next = (uint32_t)(head_pfn - m->base_pfn);
		page->prev = 0;
		page->pad = 1;
		hr_pfn_to_section(pfn)->vmemmap_marks = true;
	}
	/* set_page_count(head, (int)nr_sects); set_page_private(head, nr_pages) */
	hr_pfn_to_page(m, head_pfn)->pad = (uint16_t)(int16_t)nr_sects;
	hr_pfn_to_page(m, head_pfn)->prev = (uint32_t)nr_pages;
	m->counters.vmemmap_pages_marked += nr_pages;
	m->counters.vmemmap_head_sections += nr_sects;
}

/*
 * check_nr_vmemmap_pages(): the vmemmap pages from pfn on, what online_pages_range() skips
 * (vmemmap_get_head(page) and page_private(head)).
 */
unsigned long hr_check_nr_vmemmap_pages(const struct hr_machine *m, unsigned long pfn)
{
	const struct page *page = hr_pfn_to_page(m, pfn);

	if (PageVmemmap(page)) {
		unsigned long head = m->base_pfn + page->next;

		return hr_pfn_to_page(m, head)->prev - (pfn - head);
	}
	return 0;
}

/*
 * The struct pages of [pfn, +nr_pages) initialised: memmap_init_zone() when RAM goes online,
 * memmap_init_zone_device() for ZONE_DEVICE (mm_zero_struct_page(), init_page_count()), so no
 * mark of an earlier memmap survives on them.  Only the pfns added are initialised: the other
 * struct pages of a memmap that stayed mapped keep what they held (a deferral's head among
 * them).  Only sections that held a mark are written.
 */
static void memmap_fresh(struct hr_machine *m, unsigned long pfn, unsigned long nr_pages)
{
	struct mem_section *ms = hr_pfn_to_section(pfn);

	if (!ms->vmemmap_marks)
		return;
	for (unsigned long p = pfn; p < pfn + nr_pages; p++) {
		struct page *page = hr_pfn_to_page(m, p);

		if (page->flags & HR_PG_vmemmap)
			page->flags &= ~VMEMMAP_FLAGS;
		page->next = page->prev = 0;
		page->pad = 1;
	}
	/* the section keeps its mark unless the whole of it was initialised */
	if (nr_pages >= pages_per_section(m))
		ms->vmemmap_marks = false;
}

/*
 * free_deferred_vmemmap_range(): "we wait until we hit the last section, and then we free
 * the hole range to vmemmap_free backwards", one section's memmap at a time, down to the
 * head page's; with no altmap (the RFC's removal path hands none).
 */
static void free_deferred_vmemmap_range(struct hr_machine *m, unsigned long start, unsigned long end)
{
	unsigned long nr_pages = end - start;
	unsigned long first_section = memmap_va(m, m->head_vmemmap_pfn);

	while (start >= first_section) {
		m->inst->vmemmap_free(start, end, NULL);
		end = start;
		start -= nr_pages;
	}
	m->head_vmemmap_pfn = 0;
	m->in_vmemmap_range = false;
}

/* __kfree_section_memmap() as the RFC changes it: the memmap of the section at pfn */
static void kfree_section_memmap(struct hr_machine *m, unsigned long pfn, unsigned long start,
				 unsigned long end, struct vmem_altmap *altmap)
{
	if (PageVmemmap(hr_pfn_to_page(m, pfn)) && !m->in_vmemmap_range) {
		m->in_vmemmap_range = true;
		m->head_vmemmap_pfn = pfn;
	}

	if (m->in_vmemmap_range) {
		/* vmemmap_dec_and_test(): page_ref_dec_and_test(head_vmemmap_page) */
		if (page_ref_dec_return(hr_pfn_to_page(m, m->head_vmemmap_pfn)) == 0)
			free_deferred_vmemmap_range(m, start, end);
		return;
	}

	m->inst->vmemmap_free(start, end, altmap);
}

static void section_deactivate(unsigned long pfn, unsigned long nr_pages,
			       struct vmem_altmap *altmap)
{
	struct hr_machine *m = hr_cur_machine;
	struct mem_section *ms = hr_pfn_to_section(pfn);
	uint64_t map[HR_SUBSECTION_WORDS];
	bool early = ms->section_mem_map & SECTION_IS_EARLY;
	bool memmap = false;

	subsection_mask_set(m, map, pfn, nr_pages);
	for (int i = 0; i < HR_SUBSECTION_WORDS; i++) {
		if (!ms->has_usage || (map[i] & ~ms->subsection_map[i])) {
			hr_rec_warn("mm/sparse.c", 0, "section already deactivated");
			return;
		}
	}
	for (int i = 0; i < HR_SUBSECTION_WORDS; i++)
		ms->subsection_map[i] ^= map[i];
	if (map_empty(ms->subsection_map)) {
		memmap = (ms->section_mem_map & SECTION_HAS_MEM_MAP) != 0;
		ms->section_mem_map &= ~SECTION_HAS_MEM_MAP;
		if (!early)
			ms->has_usage = false;
	}
	if (early && memmap) {
		/* free_map_bootmem(): the whole section's memmap */
		unsigned long first = pfn & ~(pages_per_section(m) - 1);

		m->inst->vmemmap_free(memmap_va(m, first),
				      memmap_va(m, first + pages_per_section(m)), NULL);
	} else {
		/* depopulate_section_memmap(), the RFC's __kfree_section_memmap() */
		kfree_section_memmap(m, pfn, memmap_va(m, pfn), memmap_va(m, pfn + nr_pages), altmap);
	}
	if (map_empty(ms->subsection_map))
		ms->section_mem_map = 0;
}

static int section_activate(int nid, unsigned long pfn, unsigned long nr_pages,
			    struct vmem_altmap *altmap)
{
	struct hr_machine *m = hr_cur_machine;
	struct mem_section *ms = hr_pfn_to_section(pfn);
	uint64_t map[HR_SUBSECTION_WORDS];
	unsigned long start, end;

	subsection_mask_set(m, map, pfn, nr_pages);
	ms->has_usage = true;
	for (int i = 0; i < HR_SUBSECTION_WORDS; i++)
		if (map[i] & ms->subsection_map[i])
			return -17; /* -EEXIST */
	for (int i = 0; i < HR_SUBSECTION_WORDS; i++)
		ms->subsection_map[i] |= map[i];

	/*
	 * The early init code does not consider partially populated
	 * initial sections, it simply assumes that memory will never be
	 * referenced.  If we hot-add memory into such a section then we
	 * do not need to populate the memmap and can simply reuse what
	 * is already there.
	 */
	if (nr_pages < pages_per_section(m) && (ms->section_mem_map & SECTION_IS_EARLY))
		return 0;

	memmap_fresh(m, pfn, nr_pages);
	/* __populate_section_memmap(): sub-section aligned */
	end = (pfn + nr_pages + pages_per_subsection(m) - 1) & ~(pages_per_subsection(m) - 1);
	start = pfn & ~(pages_per_subsection(m) - 1);
	if (m->inst->vmemmap_populate(memmap_va(m, start), memmap_va(m, end), nid, altmap)) {
		section_deactivate(pfn, nr_pages, altmap);
		return -12; /* -ENOMEM */
	}
	return 0;
}

int hr___add_pages(int nid, unsigned long pfn, unsigned long nr_pages,
		   struct vmem_altmap *altmap)
{
	struct hr_machine *m = hr_cur_machine;
	unsigned long end_pfn = pfn + nr_pages;
	int err = 0;

	if (m->fail_add_pages) {
		m->fail_add_pages = false;
		return -22; /* -EINVAL, as a failed check_pfn_span() */
	}
	if (altmap) {
		/*
		 * Validate altmap is within bounds of the total request
		 */
		if (altmap->base_pfn != pfn ||
		    altmap->reserve + altmap->free > nr_pages)
			return -22;
		altmap->alloc = 0;
	}
	for (; pfn < end_pfn; ) {
		unsigned long sec_end = (pfn + pages_per_section(m)) & ~(pages_per_section(m) - 1);
		unsigned long cur = (end_pfn < sec_end ? end_pfn : sec_end) - pfn;
		struct mem_section *ms = hr_pfn_to_section(pfn);

		err = section_activate(nid, pfn, cur, altmap);
		if (err)
			break;
		/* sparse_add_section(): page_init_poison() of the new struct pages */
		hr_memmap_words(m, pfn, cur, HR_MEMMAP_POISON);
		ms->section_mem_map |= SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP;
		pfn += cur;
	}
	/* the RFC's constructor runs whether or not every section was added */
	if (altmap && altmap == m->range_altmap)
		hr_mark_vmemmap_pages(altmap);
	return err;
}

void hr___remove_pages(unsigned long pfn, unsigned long nr_pages, struct vmem_altmap *altmap)
{
	struct hr_machine *m = hr_cur_machine;

	if ((pfn | nr_pages) & (pages_per_subsection(m) - 1))
		return;		/* check_pfn_span() */
	while (nr_pages) {
		unsigned long in_sec = pfn & (pages_per_section(m) - 1);
		unsigned long pfns = nr_pages < pages_per_section(m) - in_sec
				     ? nr_pages : pages_per_section(m) - in_sec;

		section_deactivate(pfn, pfns, altmap);
		pfn += pfns;
		nr_pages -= pfns;
	}
}

/* v5.7 mm/memremap.c */
void hr_vmem_altmap_free(struct vmem_altmap *altmap, unsigned long nr_pfns)
{
	altmap->alloc -= nr_pfns;
	hr_cur_machine->counters.altmap_pages_freed += nr_pfns;
	if (hr_cur_machine->trace_on)
		hr_rec_event(HR_EV_ALTMAP_FREE, 0, nr_pfns, 0);
}

/*
 * mm/memory_hotplug.c (v5.14) mhp_supports_memmap_on_memory(size) for one memory block
 * (memory_block_size_bytes() is MIN_MEMORY_BLOCK_SIZE, one section, on arm64): the memmap
 * (vmemmap_size) spans complete PMDs and the rest whole pageblocks (pageblock_order is
 * HUGETLB_PAGE_ORDER, a PMD, on arm64: the same condition once the section is PMD aligned).
 */
bool hr_mhp_supports_memmap_on_memory(const struct hr_machine *m)
{
	uint64_t pmd_size = 1ull << (m->geo.page_shift * 2 - 3);
	uint64_t pageblock_size = pmd_size;
	uint64_t size = 1ull << m->cfg.section_size_bits;
	uint64_t nr_vmemmap_pages = size >> m->geo.page_shift;
	uint64_t vmemmap_size = nr_vmemmap_pages * m->cfg.struct_page_size;
	uint64_t remaining_size = size - vmemmap_size;

	return vmemmap_size % pmd_size == 0 && remaining_size % pageblock_size == 0;
}

/* offline_pages(): one memory block (section) at a time */
int hr_offline_range(struct hr_machine *m, unsigned long pfn, unsigned long nr_pages)
{
	unsigned long end = pfn + nr_pages;

	for (; pfn < end; pfn += pages_per_section(m)) {
		struct memory_notify arg = {
			.start_pfn = pfn,
			.nr_pages = pages_per_section(m) < end - pfn ? pages_per_section(m) : end - pfn,
		};
		struct mem_section *ms = hr_pfn_to_section(pfn);

		if (!(ms->section_mem_map & SECTION_IS_ONLINE))
			continue;
		for (int i = 0; i < m->nr_notifiers; i++) {
			int r = m->notifiers[i]->notifier_call(m->notifiers[i], MEM_GOING_OFFLINE, &arg);

			if (r & NOTIFY_STOP_MASK) {
				for (int j = 0; j < m->nr_notifiers; j++)
					m->notifiers[j]->notifier_call(m->notifiers[j],
								       MEM_CANCEL_OFFLINE, &arg);
				return HR_E_REFUSED;
			}
		}
		for (int i = 0; i < m->nr_notifiers; i++)
			m->notifiers[i]->notifier_call(m->notifiers[i], MEM_OFFLINE, &arg);
		ms->section_mem_map &= ~SECTION_IS_ONLINE;
		/* remove_pfn_range_from_zone(): "Poison struct pages because they are now uninitialized again" */
		hr_memmap_words(m, pfn, arg.nr_pages, HR_MEMMAP_POISON);
	}
	return 0;
}

/* sparse_init(): the boot sections, memmap from memblock */
int hr_sparse_init(struct hr_machine *m)
{
	unsigned long pps = pages_per_section(m);

	for (unsigned long pfn = m->boot_start_pfn; pfn < m->boot_end_pfn; pfn += pps) {
		struct mem_section *ms = hr_pfn_to_section(pfn);

		if (m->inst->vmemmap_populate(memmap_va(m, pfn), memmap_va(m, pfn + pps), 0, NULL))
			return -12;
		ms->has_usage = true;
		for (int i = 0; i < HR_SUBSECTION_WORDS; i++)
			ms->subsection_map[i] = 0;
		uint64_t map[HR_SUBSECTION_WORDS];
		subsection_mask_set(m, map, pfn, pps);
		memcpy(ms->subsection_map, map, sizeof(map));
		ms->section_mem_map = SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP |
				      SECTION_IS_EARLY | SECTION_IS_ONLINE;
	}
	return 0;
}

void hr_online_range(struct hr_machine *m, unsigned long pfn, unsigned long nr_pages)
{
	for (unsigned long p = pfn; p < pfn + nr_pages; p += pages_per_section(m))
		hr_pfn_to_section(p)->section_mem_map |= SECTION_IS_ONLINE;
}

const struct hr_generic_ops hr_generic_layer = {
	.sparse_init = hr_sparse_init,
	.offline_range = hr_offline_range,
	.online_range = hr_online_range,
	.check_nr_vmemmap_pages = hr_check_nr_vmemmap_pages,
	.mhp_supports_memmap_on_memory = hr_mhp_supports_memmap_on_memory,
};
