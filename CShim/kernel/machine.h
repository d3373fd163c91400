/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space kernel behind the shim: one simulated arm64 machine.
 *
 * Geometry-independent code (allocator, sections, recorders, snapshot) reads
 * the geometry from the machine at run time; the transcribed routines see it
 * as compile-time macros in their instance.  Everything the kernel keeps in
 * globals (init_mm, swapper_pg_dir, memstart_addr, mem_section[]) lives here
 * and is reached through the per-thread current machine, so that machines
 * run side by side on different threads.
 */
#ifndef HR_KERNEL_MACHINE_H
#define HR_KERNEL_MACHINE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include "CShim.h"
#include "kshim/dup/mmzone.h"
#include "kshim/dup/memremap.h"
#include "kshim/dup/notifier.h"

struct hr_instance;
struct hr_saved_page;

/* Host-side bookkeeping for one simulated page frame (see kshim/custom.h). */
struct page {
	uint32_t flags;
	uint8_t order;		/* allocation order (head page) or free block order (buddy head) */
	uint8_t table_level;	/* HR_LEVEL_* + 1 when installed as a table, else 0 */
	uint16_t pad;
	uint32_t next;		/* free-list links, as offsets from the allocator's first pfn */
	uint32_t prev;
};

/* struct page flags */
#define HR_PG_reserved	(1u << 0)	/* PG_reserved: memblock / boot allocations */
#define HR_PG_allocated	(1u << 1)	/* head of a block handed out by the allocator */
#define HR_PG_tail	(1u << 2)	/* inside an allocated block, not its head */
#define HR_PG_buddy	(1u << 3)	/* head of a free block in the buddy lists */
#define HR_PG_table	(1u << 5)	/* installed as a page-table page by a populate helper */
#define HR_PG_poisoned	(1u << 6)	/* freed table page, filled with HR_POISON */
#define HR_PG_everalloc	(1u << 8)	/* was handed out at least once */
#define HR_PG_seen	(1u << 9)	/* reached by the snapshot walk in progress */
/*
 * The RFC "mm, memory_hotplug: allocate memmap from the added memory range for sparse-vmemmap"
 * (<20190122103708.11043-4-osalvador@suse.de>, 2019-01-22): PageVmemmap() is PageReserved()
 * with page->mapping == VMEMMAP_PAGE; the shim keeps the mapping part as this flag.
 * On such a page the free-list fields hold what the RFC keeps in struct page: `next` is
 * page->freelist (the head's pfn, as an offset from base_pfn: vmemmap_get_head()), `prev` is the
 * head's page_private() (its vmemmap page count) and `pad` the page's _refcount (the head's: the
 * sections of the range still to go).  The allocator never manages these pages.
 */
#define HR_PG_vmemmap	(1u << 10)
/*
 * The page's memory may hold something other than zeros: the first page of a freed data
 * allocation (a vmemmap block's first page holds struct page words and the descriptors a walk
 * wrote there, memmap_words.c); every other data page the shim hands out is never written.
 */
#define HR_PG_dirty	(1u << 11)

#define HR_POISON 0x6b6b6b6b6b6b6b6bULL	/* POISON_FREE, like slab's */

struct zone { int unused; };		/* page_zone() of every page: the shim has no zones */

struct mm_struct {
	void *pgd;			/* pgd_t *, typed by the instance */
};

#define HR_MAX_NOTIFIERS 4
#define HR_MAX_RECORDED 64
/* every fault of a step is kept with its address: the model compares them one by one */
#define HR_MAX_FAULTS 4096
#define HR_MAX_ALTMAPS HR_ALTMAP_SLOTS
#define HR_MAX_ORDER 16

/* an altmap and the range it was made for (memory_hotplug.c) */
struct hr_altmap_slot {
	bool used;
	uint64_t start, size;
	struct vmem_altmap altmap;
};

/* what was added (memory_hotplug.c); memmap_on_memory: one memory block added with
 * MHP_MEMMAP_ON_MEMORY, its altmap in altmap_slot */
#define HR_MAX_RANGES 256
struct hr_range { uint64_t start, size; int kind; int altmap_slot; bool memmap_on_memory; };
struct hr_ranges { int n; struct hr_range r[HR_MAX_RANGES]; };

struct hr_machine {
	const struct hr_instance *inst;
	hr_geometry geo;
	hr_machine_config cfg;

	/* simulated physical memory */
	uint64_t phys_offset;		/* memstart_addr */
	uint64_t phys_end;
	char *host_base;		/* host address of phys_offset */
	size_t host_len;
	struct page *memmap;		/* struct page of pfn (phys_offset >> PAGE_SHIFT) + i */
	size_t memmap_len;
	unsigned long base_pfn, end_pfn;

	/* sparse sections */
	struct mem_section *sections;
	unsigned long base_section, nr_sections;

	/* boot memory, memblock, buddy allocator */
	unsigned long boot_start_pfn, boot_end_pfn;
	unsigned long memblock_top_pfn;	/* memblock allocates top-down below this */
	bool slab_available;
	uint32_t free_head[HR_MAX_ORDER];
	unsigned long free_count[HR_MAX_ORDER];
	unsigned max_order;
	uint64_t live_table_pages;	/* pages flagged as tables and not freed */
	uint64_t live_data_allocs;	/* allocations (head pages) not freed and not tables */
	long fail_nth_alloc;		/* 0: off; N: the Nth allocation from now fails */
	bool fail_add_pages;

	/* kernel globals */
	struct mm_struct init_mm;
	void *swapper_pg_dir;		/* host pointer to the PGD page */
	struct notifier_block *notifiers[HR_MAX_NOTIFIERS];
	int nr_notifiers;
	struct hr_altmap_slot altmaps[HR_MAX_ALTMAPS];
	/* the s390-style vmemmap (vmemmap_subpmd.c): its unused_pmd_start, per machine */
	unsigned long vmemmap_unused_pmd_start;
	/*
	 * The memmap-from-range RFC (HR_PG_vmemmap): the altmap __add_pages() of the add in progress
	 * runs its init/constructor with (NULL otherwise), and mm/sparse.c's two statics of the
	 * deferred vmemmap_free(), per machine: head_vmemmap_page (as a pfn) and in_vmemmap_range.
	 */
	struct vmem_altmap *range_altmap;
	unsigned long head_vmemmap_pfn;
	bool in_vmemmap_range;

	/* recorders */
	hr_counters counters;
	/* the explorer's scheduler while it runs threads on this machine (sched.c), else NULL;
	 * next to trace_on, which the same recorders read */
	struct hr_sched *sched;
	bool trace_on;
	hr_event *trace;
	size_t trace_len, trace_cap;
	bool trace_truncated;
	size_t trace_loop;		/* 1 + index of the open HR_EV_REPEAT record, or 0 */
	size_t trace_plain_from;	/* records from here on may form a new loop */
	/*
	 * An open loop whose repetition in progress is kept as a count, not as records
	 * (recorder.c, "Repetitions kept as a count"): trace_lazy_pos records of it have
	 * come, each exactly as the body has it; trace_expect is the next one.
	 */
	bool trace_lazy;
	size_t trace_lazy_pos;
	hr_event trace_expect;
	hr_warn warns[HR_MAX_RECORDED];	/* WARN sites, each with its count */
	size_t nr_warn_sites;
	bool warn_sites_overflow;
	hr_fault faults[HR_MAX_FAULTS];

	struct hr_ranges *ranges;	/* what was added and not removed */

	/* BUG() and poison reads end the operation, like an oops ends the task */
	jmp_buf *oops_jmp;
	char oops_msg[256];
	/* the hotplug locks a task that oopsed still holds (HR_HOTPLUG_LOCK_*): it died with them */
	unsigned dead_task_locks;
	/* what freed page-table pages held under their poison when it was not zeros (page_alloc.c) */
	struct hr_saved_page *saved_tables;
	size_t nr_saved_tables, saved_tables_cap;

};

/*
 * mm/memory_hotplug.c: add_memory() and remove_memory() take lock_device_hotplug() and then, in
 * add_memory_resource()/try_remove_memory(), mem_hotplug_begin(); offlining takes the same two;
 * memremap_pages()/memunmap_pages() (device memory) take mem_hotplug_begin() only.  An oops in
 * the arch code kills the task holding them, and every later hotplug operation waits on the
 * first of its locks that the dead task holds, forever.
 */
#define HR_HOTPLUG_LOCK_DEVICE	(1u << 0)	/* device_hotplug_lock */
#define HR_HOTPLUG_LOCK_MEM	(1u << 1)	/* mem_hotplug_lock */

/* initial-exec: one fs-relative load, not a __tls_get_addr() call, in -fPIC code */
extern _Thread_local struct hr_machine *hr_cur_machine __attribute__((tls_model("initial-exec")));

/*
 * Runs fn(m, arg), kernel code of an operation, with m as the thread's current machine.  An
 * oops in it (hr_oops(): BUG(), panic(), a read of a freed page-table page) ends it there, as an
 * oops ends the task, and leaves the machine as the oops left it.  Returns fn's result, or
 * HR_E_OOPS with "oops: <what>" in err (if err is not NULL).  (machine.c)
 */
int hr_oopsable_call(struct hr_machine *m, int (*fn)(struct hr_machine *m, void *arg), void *arg,
		     char *err, size_t errlen);
/* the message of a refusal or an error, into err when there is one (machine.c) */
void hr_say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* allocator (page_alloc.c) */
struct page *hr_alloc_pages(unsigned order, bool zero);
void hr_free_pages_pfn(unsigned long pfn, unsigned order);
void hr_allocator_init(struct hr_machine *m);
uint64_t hr_memblock_phys_alloc(uint64_t size);
void *hr_memblock_alloc_raw(uint64_t size);
void hr_saved_tables_free(struct hr_machine *m);
void hr_note_table(uint64_t table_pa, int level);	/* a page becomes a table when a populate helper installs it */
bool hr_pfn_in_memmap(const struct hr_machine *m, unsigned long pfn);
static inline struct page *hr_pfn_to_page(const struct hr_machine *m, unsigned long pfn)
{
	return m->memmap + (pfn - m->base_pfn);
}
static inline unsigned long hr_page_to_pfn(const struct hr_machine *m, const struct page *p)
{
	return m->base_pfn + (unsigned long)(p - m->memmap);
}

/* the memmap-from-range RFC's marks (hotplug.c, see HR_PG_vmemmap) */
void hr_mark_vmemmap_pages(struct vmem_altmap *self);
unsigned long hr_check_nr_vmemmap_pages(const struct hr_machine *m, unsigned long pfn);

/*
 * Scheduling points (sched.c).  Every access of the simulated kernel to shared
 * page-table state -- an entry written (the descriptor recorder), a page
 * allocated or freed, a lock, an entry read by a walker -- calls one of these
 * first (not TLBIs, barriers, or the removal's own reads: see kshim/custom.h).  Without an explorer they are one load and a branch
 * not taken; with one, the scheduler may run another thread before the
 * access happens.
 */
enum { HR_SP_READ = 1, HR_SP_WRITE, HR_SP_FREE, HR_SP_ALLOC, HR_SP_TLBI, HR_SP_BARRIER,
       HR_SP_LOCK, HR_SP_UNLOCK };
enum { HR_LOCK_HOTPLUG = 1, HR_LOCK_PTL = 2 };	/* mem_hotplug_lock, init_mm.page_table_lock */
void hr_sched_yield(int kind, const volatile void *host_addr, uint64_t obj);
/* explorers running in the process: the fast path's one test is a load of this
 * (the machine's own scheduler is looked up only when one runs somewhere) */
extern int hr_sched_active;
static inline void hr_sched_point(int kind, const volatile void *host_addr, uint64_t obj)
{
	if (__builtin_expect(__atomic_load_n(&hr_sched_active, __ATOMIC_RELAXED) != 0, 0))
		hr_sched_yield(kind, host_addr, obj);
}
/* percpu_down_read/up_read of mem_hotplug_lock and friends: no-ops without an explorer */
void hr_sched_lock(int lock, bool write);
void hr_sched_unlock(int lock, bool write);
/* a walker saw a contiguous range part valid, part invalid (ptdump's note_page) */
void hr_walker_note_cont_half(uint64_t va, uint64_t size, unsigned long valid, unsigned long invalid);

/*
 * The memmap's own words where a walk can take a page for a table (memmap_words.c): the struct
 * pages of [pfn, +nr) as the kernel leaves them after one of these, written into the first page
 * of every live vmemmap PMD block that holds some of them.
 */
enum hr_memmap_state {
	HR_MEMMAP_POISON,	/* page_init_poison() (CONFIG_DEBUG_VM): PAGE_POISON_PATTERN */
	HR_MEMMAP_RAM_FREE,	/* hot-added RAM onlined: free pages in the buddy allocator */
	HR_MEMMAP_DEVICE,	/* memmap_init_zone_device() */
	HR_MEMMAP_RESERVED,	/* memmap_init_range() of hot-plugged pages that stay reserved */
	HR_MEMMAP_BOOT,		/* memmap_init() of boot memory */
};
void hr_memmap_words(struct hr_machine *m, unsigned long pfn, unsigned long nr, int state);
/* memremap_pages() of a device range after arch_add_memory(): the altmap's pages, then the rest */
void hr_memmap_init_device(struct hr_machine *m, unsigned long pfn, unsigned long nr,
			   const struct vmem_altmap *altmap);

/* sections (sparse.c) */
struct mem_section *hr_pfn_to_section(unsigned long pfn);
struct mem_section *hr_section_of(const struct hr_machine *m, unsigned long pfn);
bool hr_subsections_present(const struct hr_machine *m, uint64_t start, uint64_t size);

#endif
