// SPDX-License-Identifier: GPL-2.0-only
/*
 * Machines: creation (boot), the operations Swift calls, and their
 * validation.  Each operation makes its machine the thread's current one,
 * and catches a BUG()/poison oops of the code it runs (the machine is then
 * left as the oops left it, as a real one would be).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "kernel/machine.h"
#include "kernel/recorder.h"
#include "kernel/instance.h"

_Thread_local struct hr_machine *hr_cur_machine __attribute__((tls_model("initial-exec")));
struct zone hr_the_zone;

#define HR_MAX_RANGES 256
/* memmap_on_memory: one memory block added with MHP_MEMMAP_ON_MEMORY (its altmap in altmap_slot) */
struct hr_range { uint64_t start, size; int kind; int altmap_slot; bool memmap_on_memory; };
struct hr_ranges { int n; struct hr_range r[HR_MAX_RANGES]; };

static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- registry ---- */

/*
 * The compiled instances are CShim's own (hr_instances, the shipped
 * revisions) followed by lists registered at run time: test-only targets
 * (the mutants) register theirs, so that the shipped tool carries none.
 */
#define HR_MAX_EXTRA_LISTS 8
static pthread_mutex_t hr_extra_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { const hr_instance *const *list; int n; } hr_extra[HR_MAX_EXTRA_LISTS];
static int hr_nr_extra;

int hr_instance_register_extra(const hr_instance *const *list, int n)
{
	int ret = 0;

	if (!list || n < 0)
		return -1;
	pthread_mutex_lock(&hr_extra_lock);
	for (int i = 0; i < hr_nr_extra; i++)
		if (hr_extra[i].list == list)
			goto out;	/* already registered */
	if (hr_nr_extra == HR_MAX_EXTRA_LISTS) {
		ret = -1;
		goto out;
	}
	hr_extra[hr_nr_extra].list = list;
	hr_extra[hr_nr_extra].n = n;
	hr_nr_extra++;
out:
	pthread_mutex_unlock(&hr_extra_lock);
	return ret;
}

int hr_instance_count(void)
{
	int n = hr_nr_instances;

	pthread_mutex_lock(&hr_extra_lock);
	for (int i = 0; i < hr_nr_extra; i++)
		n += hr_extra[i].n;
	pthread_mutex_unlock(&hr_extra_lock);
	return n;
}

const hr_instance *hr_instance_at(int i)
{
	const hr_instance *inst = NULL;

	if (i < 0)
		return NULL;
	if (i < hr_nr_instances)
		return hr_instances[i];
	i -= hr_nr_instances;
	pthread_mutex_lock(&hr_extra_lock);
	for (int k = 0; k < hr_nr_extra && !inst; k++) {
		if (i < hr_extra[k].n)
			inst = hr_extra[k].list[i];
		else
			i -= hr_extra[k].n;
	}
	pthread_mutex_unlock(&hr_extra_lock);
	return inst;
}

const hr_instance *hr_instance_find(const char *revision, const char *geometry)
{
	const hr_instance *inst;

	for (int i = 0; (inst = hr_instance_at(i)); i++)
		if (!strcmp(inst->revision, revision) && !strcmp(inst->geometry, geometry))
			return inst;
	return NULL;
}
const char *hr_instance_revision(const hr_instance *inst) { return inst->revision; }
const char *hr_instance_geometry_name(const hr_instance *inst) { return inst->geometry; }
void hr_instance_geometry(const hr_instance *inst, hr_geometry *out) { inst->fill_geometry(out); }

/* ---- creation ---- */

static unsigned max_order_of(unsigned page_shift)
{
	/* FORCE_MAX_ZONEORDER at v5.7 with THP: 4K 11, 16K 12, 64K 14 */
	return page_shift == 12 ? 11 : page_shift == 14 ? 12 : 14;
}

void hr_machine_destroy(hr_machine *m)
{
	if (!m)
		return;
	if (m->host_base)
		munmap(m->host_base, m->host_len);
	if (m->memmap)
		munmap(m->memmap, m->memmap_len);
	free(m->sections);
	free(m->trace);
	free(m->cfg_ranges);
	hr_saved_tables_free(m);
	free(m);
}

hr_machine *hr_machine_create(const hr_instance *inst, const hr_machine_config *cfg,
			      char *err, size_t errlen)
{
	struct hr_machine *m, *prev = hr_cur_machine;
	hr_geometry g;
	uint64_t sec, pfn_size;
	jmp_buf jb;

	/*
	 * Scenario validation (HotRemoveModel's Scenario.parse) guarantees all of the
	 * below; these checks are assertions, and the Swift side reports a refusal as
	 * an internal error, not as bad input.
	 */
	inst->fill_geometry(&g);
	if (cfg->section_size_bits < 21 || cfg->section_size_bits > 30) {
		say(err, errlen, "sectionSizeBits %u: must be between 21 (one 2 MiB sub-section) and 30",
		    cfg->section_size_bits);
		return NULL;
	}
	if (cfg->section_size_bits < g.page_shift + 1) {
		say(err, errlen, "sectionSizeBits %u: smaller than the %u-byte page", cfg->section_size_bits,
		    1u << g.page_shift);
		return NULL;
	}
	if (cfg->struct_page_size < 32 || cfg->struct_page_size > 128 || cfg->struct_page_size % 8) {
		say(err, errlen, "structPageSize %u: must be a multiple of 8 between 32 and 128",
		    cfg->struct_page_size);
		return NULL;
	}
	sec = 1ull << cfg->section_size_bits;
	if (cfg->phys_offset % (1ull << 30)) {
		say(err, errlen, "physOffset 0x%llx: memstart_addr must be 1 GiB aligned (ARM64_MEMSTART_ALIGN)",
		    (unsigned long long)cfg->phys_offset);
		return NULL;
	}
	if (cfg->phys_size == 0 || cfg->phys_size % sec) {
		say(err, errlen, "physSize 0x%llx: must be a non-zero multiple of the section size 0x%llx",
		    (unsigned long long)cfg->phys_size, (unsigned long long)sec);
		return NULL;
	}
	if (cfg->phys_offset + cfg->phys_size > (1ull << 48) ||
	    cfg->phys_size > g.page_end - g.page_offset) {
		say(err, errlen, "physSize 0x%llx: beyond 48-bit physical addresses or the %llu GiB linear map of %s",
		    (unsigned long long)cfg->phys_size,
		    (unsigned long long)((g.page_end - g.page_offset) >> 30), inst->geometry);
		return NULL;
	}
	if (cfg->boot_size == 0 || cfg->boot_start % sec || cfg->boot_size % sec ||
	    cfg->boot_start < cfg->phys_offset ||
	    cfg->boot_start + cfg->boot_size > cfg->phys_offset + cfg->phys_size) {
		say(err, errlen, "bootMemory [0x%llx, +0x%llx): must be non-empty, section aligned and inside physical memory",
		    (unsigned long long)cfg->boot_start, (unsigned long long)cfg->boot_size);
		return NULL;
	}
	if ((cfg->boot_size >> g.page_shift) >= UINT32_MAX) {
		say(err, errlen, "bootMemory size 0x%llx: too many pages for the allocator",
		    (unsigned long long)cfg->boot_size);
		return NULL;
	}

	m = calloc(1, sizeof(*m));
	if (!m) {
		say(err, errlen, "out of host memory");
		return NULL;
	}
	m->inst = inst;
	m->geo = g;
	m->cfg = *cfg;
	m->phys_offset = cfg->phys_offset;
	m->phys_end = cfg->phys_offset + cfg->phys_size;
	m->max_order = max_order_of(g.page_shift);
	m->host_len = cfg->phys_size;
	m->host_base = mmap(NULL, m->host_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	pfn_size = cfg->phys_size >> g.page_shift;
	m->memmap_len = pfn_size * sizeof(struct page);
	m->memmap = mmap(NULL, m->memmap_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->host_base == MAP_FAILED || m->memmap == MAP_FAILED) {
		if (m->host_base == MAP_FAILED)
			m->host_base = NULL;
		if (m->memmap == MAP_FAILED)
			m->memmap = NULL;
		hr_machine_destroy(m);
		say(err, errlen, "cannot reserve %llu GiB of host address space",
		    (unsigned long long)(cfg->phys_size >> 30));
		return NULL;
	}
	m->base_pfn = cfg->phys_offset >> g.page_shift;
	m->end_pfn = m->phys_end >> g.page_shift;
	m->base_section = cfg->phys_offset >> cfg->section_size_bits;
	m->nr_sections = cfg->phys_size >> cfg->section_size_bits;
	m->sections = calloc(m->nr_sections, sizeof(*m->sections));
	m->cfg_ranges = calloc(1, sizeof(struct hr_ranges));
	if (!m->sections || !m->cfg_ranges) {
		hr_machine_destroy(m);
		say(err, errlen, "out of host memory");
		return NULL;
	}
	m->boot_start_pfn = cfg->boot_start >> g.page_shift;
	m->boot_end_pfn = (cfg->boot_start + cfg->boot_size) >> g.page_shift;
	m->memblock_top_pfn = m->boot_end_pfn;

	/* boot: swapper_pg_dir, map_mem(), sparse_init(), memblock_free_all(), initcalls */
	hr_cur_machine = m;
	m->oops_jmp = &jb;
	if (setjmp(jb)) {
		say(err, errlen, "boot failed: %s", m->oops_msg);
		m->oops_jmp = NULL;
		hr_cur_machine = prev;
		hr_machine_destroy(m);
		return NULL;
	}
	{
		uint64_t pgd = hr_memblock_phys_alloc(1ull << g.page_shift);

		if (!pgd)
			hr_oops(__FILE__, __LINE__, "no memory for swapper_pg_dir");
		m->swapper_pg_dir = m->host_base + (pgd - m->phys_offset);
		memset(m->swapper_pg_dir, 0, 1ull << g.page_shift);
		m->init_mm.pgd = m->swapper_pg_dir;
	}
	inst->boot_map(cfg->boot_start, cfg->boot_size);
	if (inst->generic->sparse_init(m))
		hr_oops(__FILE__, __LINE__, "boot memory too small for its memmap");
	/* memmap_init(): the boot memory's struct pages */
	hr_memmap_words(m, m->boot_start_pfn, m->boot_end_pfn - m->boot_start_pfn, HR_MEMMAP_BOOT);
	m->slab_available = true;
	hr_allocator_init(m);
	if (inst->initcall && *inst->initcall)
		(*inst->initcall)();
	memset(&m->counters, 0, sizeof(m->counters));
	m->counters.faults = 0;
	m->oops_jmp = NULL;
	hr_cur_machine = prev;
	return m;
}

void hr_machine_get_geometry(const hr_machine *m, hr_geometry *out) { *out = m->geo; }

/* ---- operations ---- */

#define HR_ENTER(m)						\
	struct hr_machine *hr_prev = hr_cur_machine;		\
	jmp_buf hr_jb;						\
	hr_cur_machine = (m);					\
	(m)->oops_jmp = &hr_jb
#define HR_LEAVE(m)						\
	do {							\
		(m)->oops_jmp = NULL;				\
		hr_cur_machine = hr_prev;			\
	} while (0)

static struct hr_ranges *ranges(struct hr_machine *m) { return (struct hr_ranges *)m->cfg_ranges; }

static bool range_present(struct hr_machine *m, uint64_t start, uint64_t size, bool any)
{
	uint64_t sub = 1ull << 21;

	for (uint64_t a = start; a < start + size; a += sub) {
		unsigned long pfn = a >> m->geo.page_shift;
		struct mem_section *ms = hr_section_of(m, pfn);
		unsigned long idx = (pfn & ((1ul << (m->cfg.section_size_bits - m->geo.page_shift)) - 1)) >>
				    (21 - m->geo.page_shift);
		bool set = ms && ms->has_usage && (ms->subsection_map[idx / 64] >> (idx % 64)) & 1;

		if (any && set)
			return true;
		if (!any && !set)
			return false;
	}
	return !any;
}

static bool overlaps_added(struct hr_machine *m, uint64_t start, uint64_t size)
{
	struct hr_ranges *rs = ranges(m);

	if (start < m->cfg.boot_start + m->cfg.boot_size && m->cfg.boot_start < start + size)
		return true;
	for (int i = 0; i < rs->n; i++)
		if (start < rs->r[i].start + rs->r[i].size && rs->r[i].start < start + size)
			return true;
	return false;
}

static int check_range(struct hr_machine *m, uint64_t start, uint64_t size, uint64_t align,
		       const char *what, char *err, size_t errlen)
{
	if (size == 0) {
		say(err, errlen, "%s: size is zero", what);
		return HR_E_INVALID;
	}
	if (start % align || size % align) {
		say(err, errlen, "%s [0x%llx, +0x%llx): start and size must be multiples of 0x%llx",
		    what, (unsigned long long)start, (unsigned long long)size, (unsigned long long)align);
		return HR_E_INVALID;
	}
	if (start < m->phys_offset || start + size > m->phys_end || start + size < start) {
		say(err, errlen, "%s [0x%llx, +0x%llx): outside simulated physical memory [0x%llx, 0x%llx)",
		    what, (unsigned long long)start, (unsigned long long)size,
		    (unsigned long long)m->phys_offset, (unsigned long long)m->phys_end);
		return HR_E_INVALID;
	}
	return 0;
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
	say(err, errlen, "%s", held & HR_HOTPLUG_LOCK_DEVICE ? "device_hotplug_lock" : "mem_hotplug_lock");
	return HR_E_BLOCKED;
}

/* the operation oopsed: its task died holding `locks` */
static int died(struct hr_machine *m, unsigned locks, int rc)
{
	if (rc == HR_E_OOPS)
		m->dead_task_locks |= locks;
	return rc;
}

/*
 * A free altmap slot for [start, +size): the one a removed range at the same start left (whatever it
 * still counts: a new add has a new altmap, and one slot per start keeps hr_altmap_info() unambiguous),
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

static void altmap_init(struct hr_machine *m, int slot, uint64_t start, uint64_t size,
			uint64_t reserve, uint64_t freep)
{
	struct vmem_altmap init = {
		.base_pfn = start >> m->geo.page_shift,
		.end_pfn = ((start + size) >> m->geo.page_shift) - 1,
		.reserve = reserve,
		.free = freep,
	};
	m->altmaps[slot].used = true;
	m->altmaps[slot].start = start;
	m->altmaps[slot].size = size;
	memcpy(&m->altmaps[slot].altmap, &init, sizeof(init));
}

/*
 * Seed 004's online_pages_range() per memory block (a section): the PageVmemmap pages at its
 * start (check_nr_vmemmap_pages()) are skipped, the rest is onlined.  The shim onlines no page
 * into the allocator (it serves boot memory only): what is recorded is how many PageVmemmap
 * pages the onlined part would hand to __free_pages_core() (0 when the skip is right).
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

/* arch_add_memory() of [start, +size); 0, the kernel's error, or HR_E_OOPS */
static int arch_add(hr_machine *m, uint64_t start, uint64_t size, bool fail_add_pages,
		    struct vmem_altmap *altmap, char *err, size_t errlen)
{
	int rc;

	HR_ENTER(m);
	if (setjmp(hr_jb)) {
		say(err, errlen, "oops: %s", m->oops_msg);
		m->fail_add_pages = false;
		HR_LEAVE(m);
		return HR_E_OOPS;
	}
	m->fail_add_pages = fail_add_pages;
	rc = m->inst->arch_add_memory(0, start, size, altmap);
	m->fail_add_pages = false;
	if (rc)
		say(err, errlen, "arch_add_memory() returned %d", rc);
	HR_LEAVE(m);
	return rc;
}

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
	struct hr_ranges *rs = ranges(m);
	uint64_t block = 1ull << m->cfg.section_size_bits, cur;
	int first = rs->n, rc = 0;

	if (rs->n + size / block > HR_MAX_RANGES) {
		say(err, errlen, "add: more than %d ranges present", HR_MAX_RANGES);
		return HR_E_INVALID;
	}
	for (cur = start; cur < start + size; cur += block) {
		int slot = altmap_slot(m, cur);

		if (slot < 0) {
			say(err, errlen, "altmap: more than %d altmaps", HR_MAX_ALTMAPS);
			rc = HR_E_INVALID;
			break;
		}
		altmap_init(m, slot, cur, block, 0, block >> m->geo.page_shift);
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
			HR_ENTER(m);
			if (setjmp(hr_jb)) {
				say(err, errlen, "oops: %s", m->oops_msg);
				HR_LEAVE(m);
				return HR_E_OOPS;
			}
			m->inst->arch_remove_memory(0, rs->r[i].start, rs->r[i].size,
						    &m->altmaps[rs->r[i].altmap_slot].altmap);
			HR_LEAVE(m);
		}
		rs->n = first;
		return rc;
	}
	for (int i = first; i < rs->n; i++)
		online(m, rs->r[i].start, rs->r[i].size);
	return 0;
}

static int add_memory(hr_machine *m, uint64_t start, uint64_t size, const hr_add_options *opt,
		      char *err, size_t errlen);

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
		say(err, errlen, "device memory add: %s has no ZONE_DEVICE (it depends on MEMORY_HOTREMOVE)",
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
		say(err, errlen, "add [0x%llx, +0x%llx): overlaps memory already present",
		    (unsigned long long)start, (unsigned long long)size);
		return HR_E_INVALID;
	}
	return died(m, locks, add_memory(m, start, size, opt, err, errlen));
}

/* add_memory() or memremap_pages() of a valid range, on a machine that is not wedged */
static int add_memory(hr_machine *m, uint64_t start, uint64_t size, const hr_add_options *opt,
		      char *err, size_t errlen)
{
	struct hr_ranges *rs = ranges(m);
	struct vmem_altmap *altmap = NULL;
	int slot = -1, rc;

	if (rs->n >= HR_MAX_RANGES) {
		say(err, errlen, "add: more than %d ranges present", HR_MAX_RANGES);
		return HR_E_INVALID;
	}
	if (opt->memmap_on_memory) {
		if (opt->kind != HR_MEM_RAM || opt->altmap) {
			say(err, errlen, "add: memmap on memory is for RAM without an altmap of its own");
			return HR_E_INVALID;
		}
		if (m->inst->generic->mhp_supports_memmap_on_memory(m))
			return add_memory_blocks(m, start, size, opt, err, errlen);
		/* the drivers add without MHP_MEMMAP_ON_MEMORY when it is not supported */
	}
	if (opt->memmap_from_range) {
		if (opt->kind != HR_MEM_RAM || opt->altmap || opt->memmap_on_memory) {
			say(err, errlen, "add: the memmap from the range is for RAM without an altmap of its own");
			return HR_E_INVALID;
		}
		/*
		 * Seed 004: add_memory_resource() sets MHP_MEMMAP_FROM_RANGE; __add_pages()'s
		 * init_altmap_memmap() fills its __memblk_altmap (base_pfn = the range's first pfn,
		 * free = its pages) and hands it to every section, the constructor marks what it
		 * gave.  The altmap lives on __add_pages()'s stack; the slot keeps its counters for
		 * the checker (a re-add at the same start takes the same slot: a new altmap).
		 */
		slot = altmap_slot(m, start);
		if (slot < 0) {
			say(err, errlen, "altmap: more than %d altmaps", HR_MAX_ALTMAPS);
			return HR_E_INVALID;
		}
		altmap_init(m, slot, start, size, 0, size >> m->geo.page_shift);
		altmap = &m->altmaps[slot].altmap;
		m->range_altmap = altmap;
		rc = arch_add(m, start, size, opt->fail_add_pages, altmap, err, errlen);
		m->range_altmap = NULL;
		if (rc == 0) {
			rs->r[rs->n++] = (struct hr_range){ start, size, HR_MEM_RAM, slot };
			online_skipping_vmemmap(m, start, size);
		} else {	/* gone with __add_pages()'s stack, an oops's too */
			memset(&m->altmaps[slot], 0, sizeof(m->altmaps[slot]));
		}
		return rc;
	}
	if (opt->altmap) {
		uint64_t nr = size >> m->geo.page_shift;
		uint64_t freep = opt->altmap_free;	/* as given: 0 is an altmap with no room */

		if (opt->kind != HR_MEM_DEVICE) {
			say(err, errlen, "add: an altmap is for device memory only");
			return HR_E_INVALID;
		}
		if (opt->altmap_reserve >= nr || opt->altmap_reserve + freep > nr) {
			say(err, errlen, "altmap: reserve %llu + free %llu pages exceed the %llu pages of the range",
			    (unsigned long long)opt->altmap_reserve, (unsigned long long)freep,
			    (unsigned long long)nr);
			return HR_E_INVALID;
		}
		slot = altmap_slot(m, start);
		if (slot < 0) {
			say(err, errlen, "altmap: more than %d altmaps", HR_MAX_ALTMAPS);
			return HR_E_INVALID;
		}
		altmap_init(m, slot, start, size, opt->altmap_reserve, freep);
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

static int find_range(struct hr_machine *m, uint64_t start, uint64_t size)
{
	struct hr_ranges *rs = ranges(m);

	for (int i = 0; i < rs->n; i++)
		if (start >= rs->r[i].start && start + size <= rs->r[i].start + rs->r[i].size)
			return i;
	return -1;
}

static bool in_boot(struct hr_machine *m, uint64_t start, uint64_t size)
{
	return start >= m->cfg.boot_start && start + size <= m->cfg.boot_start + m->cfg.boot_size;
}

int hr_offline_memory(hr_machine *m, uint64_t start, uint64_t size, char *err, size_t errlen)
{
	int rc = check_range(m, start, size, 1ull << m->cfg.section_size_bits, "offline", err, errlen);

	if (rc)
		return rc;
	rc = blocked(m, HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM, err, errlen);
	if (rc)
		return rc;
	if (!range_present(m, start, size, false)) {
		say(err, errlen, "offline [0x%llx, +0x%llx): not all of it is present",
		    (unsigned long long)start, (unsigned long long)size);
		return HR_E_INVALID;
	}
	if (!m->inst->memory_hotremove) {	/* include/linux/memory_hotplug.h's stub */
		say(err, errlen, "offline_pages(): -EINVAL, %s has no MEMORY_HOTREMOVE", m->inst->revision);
		return -22;	/* -EINVAL */
	}
	{
		HR_ENTER(m);
		if (setjmp(hr_jb)) {
			say(err, errlen, "oops: %s", m->oops_msg);
			HR_LEAVE(m);
			return died(m, HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM, HR_E_OOPS);
		}
		rc = m->inst->generic->offline_range(m, start >> m->geo.page_shift, size >> m->geo.page_shift);
		if (rc == HR_E_REFUSED)
			say(err, errlen, "a memory notifier refused to offline [0x%llx, +0x%llx)",
			    (unsigned long long)start, (unsigned long long)size);
		HR_LEAVE(m);
	}
	return rc;
}

int hr_remove_memory(hr_machine *m, uint64_t start, uint64_t size, char *err, size_t errlen)
{
	struct hr_ranges *rs = ranges(m);
	int idx = find_range(m, start, size);
	bool device = idx >= 0 && rs->r[idx].kind == HR_MEM_DEVICE;
	struct vmem_altmap *altmap = NULL;
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
		say(err, errlen, "remove_memory(): -EBUSY, %s has no MEMORY_HOTREMOVE", m->inst->revision);
		return -16;	/* -EBUSY */
	}
	locks = device ? HR_HOTPLUG_LOCK_MEM : HR_HOTPLUG_LOCK_DEVICE | HR_HOTPLUG_LOCK_MEM;
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
			say(err, errlen, "remove [0x%llx, +0x%llx): memory with its memmap on memory goes one memory block at a time",
			    (unsigned long long)start, (unsigned long long)size);
			return -22;	/* -EINVAL */
		}
	}
	/* what was never added (e.g. after a failed add) is said so before any alignment rule */
	if (idx < 0 && !in_boot(m, start, size)) {
		say(err, errlen, "remove [0x%llx, +0x%llx): not inside boot memory or one added range",
		    (unsigned long long)start, (unsigned long long)size);
		return HR_E_INVALID;
	}
	rc = check_range(m, start, size, device ? (1ull << 21) : (1ull << m->cfg.section_size_bits),
			 "remove", err, errlen);
	if (rc)
		return rc;
	if (!range_present(m, start, size, false)) {
		say(err, errlen, "remove [0x%llx, +0x%llx): part of it was already removed",
		    (unsigned long long)start, (unsigned long long)size);
		return HR_E_INVALID;
	}
	if (device && (start != rs->r[idx].start || size != rs->r[idx].size)) {
		say(err, errlen, "remove [0x%llx, +0x%llx): device memory goes as a whole [0x%llx, +0x%llx)",
		    (unsigned long long)start, (unsigned long long)size,
		    (unsigned long long)rs->r[idx].start, (unsigned long long)rs->r[idx].size);
		return HR_E_INVALID;
	}
	/* device memory's altmap; a memory block's with its memmap on memory (mhp_altmap.alloc = nr_vmemmap_pages) */
	if (idx >= 0 && (device || rs->r[idx].memmap_on_memory) && rs->r[idx].altmap_slot >= 0)
		altmap = &m->altmaps[rs->r[idx].altmap_slot].altmap;
	{
		HR_ENTER(m);
		if (setjmp(hr_jb)) {
			say(err, errlen, "oops: %s", m->oops_msg);
			HR_LEAVE(m);
			return died(m, locks, HR_E_OOPS);
		}
		if (!device) {
			rc = m->inst->generic->offline_range(m, start >> m->geo.page_shift, size >> m->geo.page_shift);
			if (rc) {
				say(err, errlen, "a memory notifier refused to offline [0x%llx, +0x%llx)",
				    (unsigned long long)start, (unsigned long long)size);
				HR_LEAVE(m);
				return rc;
			}
		}
		/* try_remove_memory()/memunmap_pages(): mem_hotplug_begin() .. mem_hotplug_done()
		 * hold mem_hotplug_lock for write around the arch code (a no-op without an explorer) */
		/* memunmap_pages(): remove_pfn_range_from_zone() poisons the struct pages first */
		if (device)
			hr_memmap_words(m, start >> m->geo.page_shift, size >> m->geo.page_shift, HR_MEMMAP_POISON);
		hr_sched_lock(HR_LOCK_HOTPLUG, true);
		m->inst->arch_remove_memory(0, start, size, altmap);
		hr_sched_unlock(HR_LOCK_HOTPLUG, true);
		if (device)	/* the struct pages are gone with the memmap */
			for (uint64_t pfn = start >> m->geo.page_shift; pfn < (start + size) >> m->geo.page_shift; pfn++)
				hr_pfn_to_page(m, pfn)->flags = 0;
		HR_LEAVE(m);
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

int hr_map_neighbour(hr_machine *m, uint64_t va, uint64_t size, char *err, size_t errlen)
{
	uint64_t page = 1ull << m->geo.page_shift;
	int rc;

	if (size == 0 || va % page || size % page) {
		say(err, errlen, "neighbour 0x%llx +0x%llx: VA and size must be non-zero multiples of the page size 0x%llx",
		    (unsigned long long)va, (unsigned long long)size, (unsigned long long)page);
		return HR_E_INVALID;
	}
	if (va < m->geo.vmalloc_start || va + size > m->geo.vmemmap_start || va + size < va) {
		say(err, errlen, "neighbour [0x%llx, +0x%llx): outside the vmalloc area and the gap below vmemmap [0x%llx, 0x%llx)",
		    (unsigned long long)va, (unsigned long long)size,
		    (unsigned long long)m->geo.vmalloc_start, (unsigned long long)m->geo.vmemmap_start);
		return HR_E_INVALID;
	}
	{
		HR_ENTER(m);
		if (setjmp(hr_jb)) {
			say(err, errlen, "oops: %s", m->oops_msg);
			HR_LEAVE(m);
			return HR_E_OOPS;
		}
		rc = m->inst->map_neighbour((unsigned long)va, (unsigned long)(va + size));
		if (rc)
			say(err, errlen, "neighbour [0x%llx, +0x%llx): %s", (unsigned long long)va,
			    (unsigned long long)size, rc == -17 ? "overlaps an existing mapping" : "out of memory");
		HR_LEAVE(m);
	}
	return rc;
}

void hr_fail_nth_allocation(hr_machine *m, long n) { m->fail_nth_alloc = n; }
const char *hr_last_oops(const hr_machine *m) { return m->oops_msg; }

/* ---- facts ---- */

uint64_t hr_pfn_of_phys(const hr_machine *m, uint64_t phys) { return phys >> m->geo.page_shift; }

bool hr_page_info(const hr_machine *m, uint64_t pfn, uint32_t *flags, uint32_t *order)
{
	if (!hr_pfn_in_memmap(m, pfn))
		return false;
	*flags = hr_pfn_to_page(m, pfn)->flags;
	*order = hr_pfn_to_page(m, pfn)->order;
	return true;
}

bool hr_altmap_info(const hr_machine *m, uint64_t start, uint64_t *base_pfn, uint64_t *reserve,
		    uint64_t *freep, uint64_t *align, uint64_t *alloc)
{
	for (int i = 0; i < HR_MAX_ALTMAPS; i++) {
		const struct hr_altmap_slot *s = &m->altmaps[i];

		if (s->start == start && s->size) {
			*base_pfn = s->altmap.base_pfn;
			*reserve = s->altmap.reserve;
			*freep = s->altmap.free;
			*align = s->altmap.align;
			*alloc = s->altmap.alloc;
			return true;
		}
	}
	return false;
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

uint64_t hr_debug_read_entry(hr_machine *m, uint64_t pa)
{
	struct hr_machine *prev = hr_cur_machine;
	jmp_buf jb;
	volatile uint64_t v = 0;

	hr_cur_machine = m;
	m->oops_jmp = &jb;
	if (!setjmp(jb)) {
		const volatile uint64_t *p = (const volatile uint64_t *)(m->host_base + (pa - m->phys_offset));

		v = *p;
		if (v == HR_POISON)
			hr_poison_read(p);
	}
	m->oops_jmp = NULL;
	hr_cur_machine = prev;
	return v;
}

void hr_debug_write_entry(hr_machine *m, uint64_t pa, uint64_t value)
{
	*(volatile uint64_t *)(m->host_base + (pa - m->phys_offset)) = value;
}

/* ---- recorders ---- */

void hr_counters_get(const hr_machine *m, hr_counters *out) { *out = m->counters; }
void hr_counters_reset(hr_machine *m)
{
	memset(&m->counters, 0, sizeof(m->counters));
	m->nr_warn_sites = 0;
	m->warn_sites_overflow = false;
}
/* a repetition kept as a count (recorder.c) is written out before the trace is read or turned off */
void hr_trace_enable(hr_machine *m, bool on)
{
	hr_rec_materialize(m);
	m->trace_on = on;
}
size_t hr_trace_length(hr_machine *m)
{
	hr_rec_materialize(m);
	return m->trace_len;
}
const hr_event *hr_trace_events(hr_machine *m)
{
	hr_rec_materialize(m);
	return m->trace;
}
bool hr_trace_truncated(const hr_machine *m) { return m->trace_truncated; }
void hr_trace_clear(hr_machine *m)
{
	m->trace_lazy = false;
	m->trace_len = 0;
	m->trace_truncated = false;
	m->trace_loop = 0;
	m->trace_plain_from = 0;
}
size_t hr_warn_count(const hr_machine *m) { return m->nr_warn_sites; }
bool hr_warn_sites_overflowed(const hr_machine *m) { return m->warn_sites_overflow; }
hr_warn hr_warn_at(const hr_machine *m, size_t i) { return m->warns[i]; }
size_t hr_fault_count(const hr_machine *m)
{
	return m->counters.faults < HR_MAX_FAULTS ? m->counters.faults : HR_MAX_FAULTS;
}
bool hr_faults_overflowed(const hr_machine *m) { return m->counters.faults > HR_MAX_FAULTS; }
hr_fault hr_fault_at(const hr_machine *m, size_t i) { return m->faults[i]; }
