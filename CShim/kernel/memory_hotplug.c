// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory hotplug as a driver asks for it: add_memory() of RAM (in one piece,
 * memory block by memory block with MHP_MEMMAP_ON_MEMORY, or with its memmap
 * from the range as the memmap-from-range RFC has it), memremap_pages() of
 * device memory with or without an altmap, offline_pages(), and
 * remove_memory()/memunmap_pages().
 *
 * Each request is checked in the order the kernel meets it: what no caller
 * could ask (the range itself) is refused with HR_E_INVALID; then the hotplug
 * locks a task that oopsed died holding block it (HR_E_BLOCKED); then what the
 * harness asks given what is present; then the kernel's code runs, the arch
 * routines of the machine's instance and the generic layer (hotplug.c), as one
 * oopsable call.
 *
 * The machine keeps what was added (m->ranges) and one altmap slot per range
 * start.  In the kernel a struct vmem_altmap lives in the driver's dev_pagemap
 * or on add_memory_resource()'s stack; here its slot outlives the call, so that
 * the harness can read its counters (hr_altmaps()).
 */
#include <string.h>
#include "kernel/machine.h"
#include "kernel/instance.h"

static bool overlaps_added(struct hr_machine *m, uint64_t start, uint64_t size)
{
	struct hr_ranges *rs = m->ranges;

	if (start < m->cfg.boot_start + m->cfg.boot_size && m->cfg.boot_start < start + size)
		return true;
	for (int i = 0; i < rs->n; i++)
		if (start < rs->r[i].start + rs->r[i].size && rs->r[i].start < start + size)
			return true;
	return false;
}

/* the added range that holds all of [start, +size), or -1 */
static int find_range(struct hr_machine *m, uint64_t start, uint64_t size)
{
	struct hr_ranges *rs = m->ranges;

	for (int i = 0; i < rs->n; i++)
		if (start >= rs->r[i].start && start + size <= rs->r[i].start + rs->r[i].size)
			return i;
	return -1;
}

static bool in_boot(struct hr_machine *m, uint64_t start, uint64_t size)
{
	return start >= m->cfg.boot_start && start + size <= m->cfg.boot_start + m->cfg.boot_size;
}

static int check_range(struct hr_machine *m, uint64_t start, uint64_t size, uint64_t align,
		       const char *what, char *err, size_t errlen)
{
	if (size == 0) {
		hr_say(err, errlen, "%s: size is zero", what);
		return HR_E_INVALID;
	}
	if (start % align || size % align) {
		hr_say(err, errlen, "%s [0x%llx, +0x%llx): start and size must be multiples of 0x%llx",
		       what, (unsigned long long)start, (unsigned long long)size, (unsigned long long)align);
		return HR_E_INVALID;
	}
	if (start < m->phys_offset || start + size > m->phys_end || start + size < start) {
		hr_say(err, errlen, "%s [0x%llx, +0x%llx): outside simulated physical memory [0x%llx, 0x%llx)",
		       what, (unsigned long long)start, (unsigned long long)size,
		       (unsigned long long)m->phys_offset, (unsigned long long)m->phys_end);
		return HR_E_INVALID;
	}
	return 0;
}

/* what the range asks of what is present: HR_E_INVALID (said in err) unless all of it is */
static int check_present(struct hr_machine *m, uint64_t start, uint64_t size, const char *what,
			 const char *missing, char *err, size_t errlen)
{
	if (hr_subsections_present(m, start, size))
		return 0;
	hr_say(err, errlen, "%s [0x%llx, +0x%llx): %s", what, (unsigned long long)start,
	       (unsigned long long)size, missing);
	return HR_E_INVALID;
}

/*
 * The locks an operation takes, in order: `locks` is HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM
 * for add_memory(), remove_memory() and offlining, HR_HOTPLUG_LOCK_MEM for device memory.  A lock
 * the dead task holds blocks it (HR_E_BLOCKED, the lock named in err); else 0.
 */
static int blocked(struct hr_machine *m, unsigned locks, char *err, size_t errlen)
{
	unsigned held = m->dead_task_locks & locks;

	if (!held)
		return 0;
	hr_say(err, errlen, "%s", held & HR_HOTPLUG_LOCK_DEVICE ? "device_hotplug_lock" : "mem_hotplug_lock");
	return HR_E_BLOCKED;
}

/* the operation oopsed: its task died holding `locks` */
static int died(struct hr_machine *m, unsigned locks, int rc)
{
	if (rc == HR_E_OOPS)
		m->dead_task_locks |= locks;
	return rc;
}

/* ---- the altmap slots ---- */

/*
 * A free altmap slot for [start, +size): the one a removed range at the same start left (whatever it
 * still counts: a new add has a new altmap, and one slot per start keeps hr_altmaps() unambiguous),
 * or an unused one.
 */
static int altmap_slot(struct hr_machine *m, uint64_t start)
{
	for (int i = 0; i < HR_MAX_ALTMAPS; i++)
		if (m->altmaps[i].used && m->altmaps[i].start == start)
			return i;
	for (int i = 0; i < HR_MAX_ALTMAPS; i++)
		if (!m->altmaps[i].used)
			return i;
	return -1;
}

/* A new altmap for [start, +size) in its slot: the slot, or -1 (said in err) when all are taken. */
static int altmap_new(struct hr_machine *m, uint64_t start, uint64_t size, uint64_t reserve,
		      uint64_t freep, char *err, size_t errlen)
{
	int slot = altmap_slot(m, start);
	struct vmem_altmap init = {
		.base_pfn = start >> m->geo.page_shift,
		.end_pfn = ((start + size) >> m->geo.page_shift) - 1,
		.reserve = reserve,
		.free = freep,
	};

	if (slot < 0) {
		hr_say(err, errlen, "altmap: more than %d altmaps", HR_MAX_ALTMAPS);
		return -1;
	}
	m->altmaps[slot].used = true;
	m->altmaps[slot].start = start;
	m->altmaps[slot].size = size;
	memcpy(&m->altmaps[slot].altmap, &init, sizeof(init));
	return slot;
}

/* ---- the kernel's code, each part one oopsable call ---- */

/* what one call into the kernel is about */
struct hotplug_call {
	uint64_t start, size;
	struct vmem_altmap *altmap;
	bool device;
};

static int call_arch_add_memory(struct hr_machine *m, void *arg)
{
	const struct hotplug_call *c = arg;

	return m->inst->arch_add_memory(0, c->start, c->size, c->altmap);
}

static int call_arch_remove_memory(struct hr_machine *m, void *arg)
{
	const struct hotplug_call *c = arg;

	m->inst->arch_remove_memory(0, c->start, c->size, c->altmap);
	return 0;
}

static int call_offline_pages(struct hr_machine *m, void *arg)
{
	const struct hotplug_call *c = arg;

	return m->inst->generic->offline_range(m, c->start >> m->geo.page_shift, c->size >> m->geo.page_shift);
}

/* try_remove_memory() (RAM, offlined first) or memunmap_pages() (device memory) */
static int call_remove_memory(struct hr_machine *m, void *arg)
{
	const struct hotplug_call *c = arg;
	int rc;

	if (!c->device) {
		rc = call_offline_pages(m, arg);
		if (rc)
			return rc;
	}
	/* try_remove_memory()/memunmap_pages(): mem_hotplug_begin() .. mem_hotplug_done()
	 * hold mem_hotplug_lock for write around the arch code (a no-op without an explorer) */
	/* memunmap_pages(): remove_pfn_range_from_zone() poisons the struct pages first */
	if (c->device)
		hr_memmap_words(m, c->start >> m->geo.page_shift, c->size >> m->geo.page_shift, HR_MEMMAP_POISON);
	hr_sched_lock(HR_LOCK_HOTPLUG, true);
	m->inst->arch_remove_memory(0, c->start, c->size, c->altmap);
	hr_sched_unlock(HR_LOCK_HOTPLUG, true);
	if (c->device)	/* the struct pages are gone with the memmap */
		for (uint64_t pfn = c->start >> m->geo.page_shift; pfn < (c->start + c->size) >> m->geo.page_shift; pfn++)
			hr_pfn_to_page(m, pfn)->flags = 0;
	return 0;
}

/* arch_add_memory() of [start, +size); 0, the kernel's error, or HR_E_OOPS */
static int arch_add(hr_machine *m, uint64_t start, uint64_t size, bool fail_add_pages,
		    struct vmem_altmap *altmap, char *err, size_t errlen)
{
	struct hotplug_call c = { .start = start, .size = size, .altmap = altmap };
	int rc;

	m->fail_add_pages = fail_add_pages;
	rc = hr_oopsable_call(m, call_arch_add_memory, &c, err, errlen);
	m->fail_add_pages = false;
	if (rc && rc != HR_E_OOPS)
		hr_say(err, errlen, "arch_add_memory() returned %d", rc);
	return rc;
}

/* ---- onlining ---- */

/*
 * The memmap-from-range RFC's online_pages_range() per memory block (a section): the PageVmemmap
 * pages at its start (check_nr_vmemmap_pages()) are skipped, the rest is onlined.  The shim
 * onlines no page into the allocator (it serves boot memory only): what is recorded is how many
 * PageVmemmap pages the onlined part would hand to __free_pages_core() (0 when the skip is right).
 */
static void online_skipping_vmemmap(hr_machine *m, uint64_t start, uint64_t size)
{
	unsigned long pps = 1UL << (m->cfg.section_size_bits - m->geo.page_shift);
	unsigned long pfn = start >> m->geo.page_shift, end = (start + size) >> m->geo.page_shift;
	struct hr_machine *prev = hr_cur_machine;

	hr_cur_machine = m;
	for (; pfn < end; pfn += pps) {
		unsigned long skip = m->inst->generic->check_nr_vmemmap_pages(m, pfn);

		if (skip > pps)
			skip = pps;
		for (unsigned long p = pfn + skip; p < pfn + pps; p++) {
			if (hr_pfn_to_page(m, p)->flags & HR_PG_vmemmap)
				m->counters.vmemmap_pages_onlined++;
			else if (!hr_pfn_to_section(p)->vmemmap_marks)
				break;	/* no mark in the rest of this section */
		}
		m->inst->generic->online_range(m, pfn, pps);
	}
	hr_cur_machine = prev;
}

/* online_pages() of a range added (the generic code's, with this machine current) */
static void online(hr_machine *m, uint64_t start, uint64_t size)
{
	struct hr_machine *prev = hr_cur_machine;

	hr_cur_machine = m;
	m->inst->generic->online_range(m, start >> m->geo.page_shift, size >> m->geo.page_shift);
	/* online_pages(): memmap_init_range(), then the pages go to the buddy allocator */
	hr_memmap_words(m, start >> m->geo.page_shift, size >> m->geo.page_shift, HR_MEMMAP_RAM_FREE);
	hr_cur_machine = prev;
}

/* ---- add ---- */

/*
 * The add of a driver that adds memory block by memory block with MHP_MEMMAP_ON_MEMORY
 * (v5.14 add_memory_resource() per block: mhp_altmap.free = PHYS_PFN(size), .base_pfn =
 * PHYS_PFN(start); as v6.6's create_altmaps_and_memory_blocks() loops): each block's memmap
 * comes from an altmap at its own start.  A block that fails rolls back the blocks before it
 * (remove_memory_blocks_and_altmaps(): arch_remove_memory() with each one's altmap); they
 * were not online yet.  The blocks go online (the memmap's pages excluded,
 * memory_block_online()) once all are added.
 */
static int add_memory_blocks(hr_machine *m, uint64_t start, uint64_t size, const hr_add_options *opt,
			     char *err, size_t errlen)
{
	struct hr_ranges *rs = m->ranges;
	uint64_t block = 1ull << m->cfg.section_size_bits, cur;
	int first = rs->n, rc = 0;

	if (rs->n + size / block > HR_MAX_RANGES) {
		hr_say(err, errlen, "add: more than %d ranges present", HR_MAX_RANGES);
		return HR_E_INVALID;
	}
	for (cur = start; cur < start + size; cur += block) {
		int slot = altmap_new(m, cur, block, 0, block >> m->geo.page_shift, err, errlen);

		if (slot < 0) {
			rc = HR_E_INVALID;
			break;
		}
		rc = arch_add(m, cur, block, opt->fail_add_pages, &m->altmaps[slot].altmap, err, errlen);
		if (rc) {
			/* add_memory_resource()'s mhp_altmap (on its stack) is gone with the failed add */
			memset(&m->altmaps[slot], 0, sizeof(m->altmaps[slot]));
			if (rc == HR_E_OOPS)
				return rc;	/* an oops ends the task: nothing is rolled back */
			break;
		}
		rs->r[rs->n++] = (struct hr_range){ cur, block, HR_MEM_RAM, slot, true };
	}
	if (rc) {
		for (int i = first; i < rs->n; i++) {
			struct hotplug_call c = { .start = rs->r[i].start, .size = rs->r[i].size,
						  .altmap = &m->altmaps[rs->r[i].altmap_slot].altmap };

			if (hr_oopsable_call(m, call_arch_remove_memory, &c, err, errlen) == HR_E_OOPS)
				return HR_E_OOPS;
		}
		rs->n = first;
		return rc;
	}
	for (int i = first; i < rs->n; i++)
		online(m, rs->r[i].start, rs->r[i].size);
	return 0;
}

/*
 * The RFC "mm, memory_hotplug: allocate memmap from the added memory range for sparse-vmemmap"
 * (<20190122103708.11043-4-osalvador@suse.de>, 2019-01-22): add_memory_resource() sets
 * MHP_MEMMAP_FROM_RANGE; __add_pages()'s init_altmap_memmap() fills its __memblk_altmap
 * (base_pfn = the range's first pfn, free = its pages) and hands it to every section, the
 * constructor marks what it gave.  The altmap lives on __add_pages()'s stack; the slot keeps its
 * counters for the checker (a re-add at the same start takes the same slot: a new altmap).
 */
static int add_memory_from_range(hr_machine *m, uint64_t start, uint64_t size, const hr_add_options *opt,
				 char *err, size_t errlen)
{
	struct hr_ranges *rs = m->ranges;
	int slot = altmap_new(m, start, size, 0, size >> m->geo.page_shift, err, errlen);
	int rc;

	if (slot < 0)
		return HR_E_INVALID;
	m->range_altmap = &m->altmaps[slot].altmap;
	rc = arch_add(m, start, size, opt->fail_add_pages, m->range_altmap, err, errlen);
	m->range_altmap = NULL;
	if (rc == 0) {
		rs->r[rs->n++] = (struct hr_range){ start, size, HR_MEM_RAM, slot };
		online_skipping_vmemmap(m, start, size);
	} else {	/* gone with __add_pages()'s stack, an oops's too */
		memset(&m->altmaps[slot], 0, sizeof(m->altmaps[slot]));
	}
	return rc;
}

/* add_memory() or memremap_pages() of a valid range, on a machine that is not wedged */
static int add_memory(hr_machine *m, uint64_t start, uint64_t size, const hr_add_options *opt,
		      char *err, size_t errlen)
{
	struct hr_ranges *rs = m->ranges;
	struct vmem_altmap *altmap = NULL;
	int slot = -1, rc;

	if (rs->n >= HR_MAX_RANGES) {
		hr_say(err, errlen, "add: more than %d ranges present", HR_MAX_RANGES);
		return HR_E_INVALID;
	}
	if (opt->memmap_on_memory) {
		if (opt->kind != HR_MEM_RAM || opt->altmap) {
			hr_say(err, errlen, "add: memmap on memory is for RAM without an altmap of its own");
			return HR_E_INVALID;
		}
		if (m->inst->generic->mhp_supports_memmap_on_memory(m))
			return add_memory_blocks(m, start, size, opt, err, errlen);
		/* the drivers add without MHP_MEMMAP_ON_MEMORY when it is not supported */
	}
	if (opt->memmap_from_range) {
		if (opt->kind != HR_MEM_RAM || opt->altmap || opt->memmap_on_memory) {
			hr_say(err, errlen, "add: the memmap from the range is for RAM without an altmap of its own");
			return HR_E_INVALID;
		}
		return add_memory_from_range(m, start, size, opt, err, errlen);
	}
	if (opt->altmap) {
		uint64_t nr = size >> m->geo.page_shift;
		uint64_t freep = opt->altmap_free;	/* as given: 0 is an altmap with no room */

		if (opt->kind != HR_MEM_DEVICE) {
			hr_say(err, errlen, "add: an altmap is for device memory only");
			return HR_E_INVALID;
		}
		if (opt->altmap_reserve >= nr || opt->altmap_reserve + freep > nr) {
			hr_say(err, errlen, "altmap: reserve %llu + free %llu pages exceed the %llu pages of the range",
			       (unsigned long long)opt->altmap_reserve, (unsigned long long)freep,
			       (unsigned long long)nr);
			return HR_E_INVALID;
		}
		slot = altmap_new(m, start, size, opt->altmap_reserve, freep, err, errlen);
		if (slot < 0)
			return HR_E_INVALID;
		altmap = &m->altmaps[slot].altmap;
	}

	rc = arch_add(m, start, size, opt->fail_add_pages, altmap, err, errlen);
	if (rc == 0) {
		rs->r[rs->n++] = (struct hr_range){ start, size, opt->kind, slot };
		if (opt->kind == HR_MEM_RAM)
			online(m, start, size);
		else {	/* memmap_init_zone_device(): ZONE_DEVICE pages are PageReserved */
			for (uint64_t pfn = start >> m->geo.page_shift; pfn < (start + size) >> m->geo.page_shift; pfn++)
				hr_pfn_to_page(m, pfn)->flags |= HR_PG_reserved;
			hr_memmap_init_device(m, start >> m->geo.page_shift, size >> m->geo.page_shift, altmap);
		}
	} else if (slot >= 0 && rc != HR_E_OOPS) {
		m->altmaps[slot].used = false;
	}
	return rc;
}

int hr_add_memory(hr_machine *m, uint64_t start, uint64_t size, const hr_add_options *opt,
		  char *err, size_t errlen)
{
	uint64_t align = opt->kind == HR_MEM_DEVICE ? (1ull << 21) : (1ull << m->cfg.section_size_bits);
	unsigned locks = opt->kind == HR_MEM_DEVICE ? HR_HOTPLUG_LOCK_MEM
		: HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM;
	int rc;

	rc = check_range(m, start, size, align,
			 opt->kind == HR_MEM_DEVICE ? "device memory add" : "memory add", err, errlen);
	if (rc)
		return rc;
	if (opt->kind == HR_MEM_DEVICE && !m->inst->memory_hotremove) {
		hr_say(err, errlen, "device memory add: %s has no ZONE_DEVICE (it depends on MEMORY_HOTREMOVE)",
		       m->inst->revision);
		return HR_E_INVALID;
	}
	/* a wedged machine blocks the request before anything depends on what is present */
	rc = blocked(m, locks, err, errlen);
	if (rc)
		return rc;
	/*
	 * Overlap with memory the user added (or boot memory) is a bad request.  What
	 * a failed add left behind (populated sections) is not: the kernel's own
	 * checks (section_activate(): -EEXIST) decide about that.
	 */
	if (overlaps_added(m, start, size)) {
		hr_say(err, errlen, "add [0x%llx, +0x%llx): overlaps memory already present",
		       (unsigned long long)start, (unsigned long long)size);
		return HR_E_INVALID;
	}
	return died(m, locks, add_memory(m, start, size, opt, err, errlen));
}

/* ---- offline and remove ---- */

int hr_offline_memory(hr_machine *m, uint64_t start, uint64_t size, char *err, size_t errlen)
{
	struct hotplug_call c = { .start = start, .size = size };
	int rc = check_range(m, start, size, 1ull << m->cfg.section_size_bits, "offline", err, errlen);

	if (rc)
		return rc;
	rc = blocked(m, HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM, err, errlen);
	if (!rc)
		rc = check_present(m, start, size, "offline", "not all of it is present", err, errlen);
	if (rc)
		return rc;
	if (!m->inst->memory_hotremove) {	/* include/linux/memory_hotplug.h's stub */
		hr_say(err, errlen, "offline_pages(): -EINVAL, %s has no MEMORY_HOTREMOVE", m->inst->revision);
		return -22;	/* -EINVAL */
	}
	rc = hr_oopsable_call(m, call_offline_pages, &c, err, errlen);
	if (rc == HR_E_REFUSED)
		hr_say(err, errlen, "a memory notifier refused to offline [0x%llx, +0x%llx)",
		       (unsigned long long)start, (unsigned long long)size);
	return died(m, HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM, rc);
}

int hr_remove_memory(hr_machine *m, uint64_t start, uint64_t size, char *err, size_t errlen)
{
	struct hr_ranges *rs = m->ranges;
	int idx = find_range(m, start, size);
	struct hotplug_call c = { .start = start, .size = size,
				  .device = idx >= 0 && rs->r[idx].kind == HR_MEM_DEVICE };
	unsigned locks;
	int rc;

	/*
	 * What any caller can ask (the range itself) first; a kernel without hot remove answers at
	 * once; a wedged machine blocks the request before anything depends on what is present.
	 */
	rc = check_range(m, start, size, 1ull << 21, "remove", err, errlen);
	if (rc)
		return rc;
	/* include/linux/memory_hotplug.h's stub, which takes no lock */
	if (!m->inst->memory_hotremove) {
		hr_say(err, errlen, "remove_memory(): -EBUSY, %s has no MEMORY_HOTREMOVE", m->inst->revision);
		return -16;	/* -EBUSY */
	}
	locks = c.device ? HR_HOTPLUG_LOCK_MEM : HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM;
	rc = blocked(m, locks, err, errlen);
	if (rc)
		return rc;
	/*
	 * try_remove_memory() (v5.14), under lock_device_hotplug(): memory blocks added with their
	 * memmap on memory (nr_vmemmap_pages) go one memory block at a time: "Refuse to remove
	 * %#llx - %#llx, wrong granularity", -EINVAL, nothing done.
	 */
	for (int i = 0; i < rs->n; i++) {
		if (rs->r[i].memmap_on_memory && start < rs->r[i].start + rs->r[i].size &&
		    rs->r[i].start < start + size && size != (1ull << m->cfg.section_size_bits)) {
			hr_say(err, errlen, "remove [0x%llx, +0x%llx): memory with its memmap on memory goes one memory block at a time",
			       (unsigned long long)start, (unsigned long long)size);
			return -22;	/* -EINVAL */
		}
	}
	/* what was never added (e.g. after a failed add) is said so before any alignment rule */
	if (idx < 0 && !in_boot(m, start, size)) {
		hr_say(err, errlen, "remove [0x%llx, +0x%llx): not inside boot memory or one added range",
		       (unsigned long long)start, (unsigned long long)size);
		return HR_E_INVALID;
	}
	rc = check_range(m, start, size, c.device ? (1ull << 21) : (1ull << m->cfg.section_size_bits),
			 "remove", err, errlen);
	if (!rc)
		rc = check_present(m, start, size, "remove", "part of it was already removed", err, errlen);
	if (rc)
		return rc;
	if (c.device && (start != rs->r[idx].start || size != rs->r[idx].size)) {
		hr_say(err, errlen, "remove [0x%llx, +0x%llx): device memory goes as a whole [0x%llx, +0x%llx)",
		       (unsigned long long)start, (unsigned long long)size,
		       (unsigned long long)rs->r[idx].start, (unsigned long long)rs->r[idx].size);
		return HR_E_INVALID;
	}
	/* device memory's altmap; a memory block's with its memmap on memory (mhp_altmap.alloc = nr_vmemmap_pages) */
	if (idx >= 0 && (c.device || rs->r[idx].memmap_on_memory) && rs->r[idx].altmap_slot >= 0)
		c.altmap = &m->altmaps[rs->r[idx].altmap_slot].altmap;
	rc = hr_oopsable_call(m, call_remove_memory, &c, err, errlen);
	if (rc == HR_E_OOPS)
		return died(m, locks, rc);
	if (rc) {
		hr_say(err, errlen, "a memory notifier refused to offline [0x%llx, +0x%llx)",
		       (unsigned long long)start, (unsigned long long)size);
		return rc;
	}
	/* bookkeeping of ranges: split or drop the one removed from */
	if (idx >= 0) {
		struct hr_range r = rs->r[idx];

		rs->r[idx] = rs->r[--rs->n];
		if (start > r.start)
			rs->r[rs->n++] = (struct hr_range){ r.start, start - r.start, r.kind, -1 };
		if (start + size < r.start + r.size)
			rs->r[rs->n++] = (struct hr_range){ start + size, r.start + r.size - start - size,
							    r.kind, -1 };
	}
	return 0;
}
