/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness C API, the only header Swift sees.  Plain C types, every name
 * prefixed hr_, no kernel macros; machine state sits behind accessors.
 */
#ifndef HR_CSHIM_H
#define HR_CSHIM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel page-table levels by their kernel names.  A folded level has no table. */
enum { HR_LEVEL_PGD = 0, HR_LEVEL_PUD = 1, HR_LEVEL_PMD = 2, HR_LEVEL_PTE = 3, HR_NR_LEVELS = 4 };

/* Facts of one compiled geometry, read from the instance's own macros. */
typedef struct hr_geometry {
	uint32_t page_shift, va_bits, levels;
	uint32_t level_shift[HR_NR_LEVELS];	/* PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT */
	uint32_t ptrs_per[HR_NR_LEVELS];	/* PTRS_PER_PGD .. PTRS_PER_PTE (1 when folded) */
	bool folded[HR_NR_LEVELS];
	uint32_t cont_pte_shift, cont_pmd_shift;
	uint64_t page_offset, page_end;
	uint64_t vmemmap_start, vmemmap_end;
	uint64_t vmalloc_start, vmalloc_end;
	uint64_t max_tlbi_ops;
	bool swapper_uses_section_maps;
} hr_geometry;

typedef struct hr_machine_config {
	uint64_t phys_offset;		/* memstart_addr (PHYS_OFFSET) */
	uint64_t phys_size;		/* simulated physical range [phys_offset, +size) */
	uint64_t boot_start, boot_size;	/* boot memory: memblock, early sections, allocator */
	uint32_t section_size_bits;	/* SECTION_SIZE_BITS: 30 at v5.7 */
	uint32_t struct_page_size;	/* sizeof(struct page): 64 on a usual arm64 build */
	bool rodata_full, debug_pagealloc;
	bool init_on_alloc;		/* CONFIG_INIT_ON_ALLOC_DEFAULT_ON: every page allocation is zeroed */
} hr_machine_config;

enum {	/* event kinds (trace) */
	HR_EV_SET = 1,		/* a: entry pa, b: first new value (entry k: b + k * its span, or 0), count */
	HR_EV_CLEAR,		/* a: entry pa, b: old value of the first, count */
	HR_EV_TLBI_VA,		/* vaale1is; a: first VA, count: pages */
	HR_EV_TLBI_ALL,		/* vmalle1is */
	HR_EV_TLBI_WALK,	/* vaae1is; a: VA */
	HR_EV_FREE,		/* a: pfn, level: order, b: 1 table / 0 data, count: blocks */
	HR_EV_ALLOC,		/* a: pfn, level: order, b: zeroed */
	HR_EV_ALTMAP_FREE,	/* a: nr pfns */
	HR_EV_WARN,		/* a: index into warns */
	HR_EV_FAULT,		/* a: index into faults */
	HR_EV_DSB,		/* level: 0 dsb(ishst), 1 dsb(ish); count: back to back */
	HR_EV_ISB,		/* count: back to back */
	HR_EV_REPEAT,		/* the level (1..8) records before this one happen count more
				 * times, record j's a and b advancing by its da and db each time */
	HR_EV_REPLACE,		/* a set over a valid entry with another value: a: entry pa,
				 * b: new value, db: old value (never folded) */
	HR_EV_THREAD,		/* explore only: the records after this one are thread a's (0: the
				 * removal, k: walker k), b: decisions made so far */
};
enum { HR_DSB_ISHST = 0, HR_DSB_ISH = 1 };

typedef struct hr_event {
	uint8_t kind;
	uint8_t level;
	uint16_t pad;
	uint32_t count;
	uint64_t a, b;
	uint64_t da, db;	/* per repetition, in the body of an HR_EV_REPEAT loop; else 0 */
} hr_event;

typedef struct hr_counters {
	uint64_t sets[HR_NR_LEVELS];		/* set_pXd of a non-zero value, by the table's level */
	uint64_t clears[HR_NR_LEVELS];		/* pXd_clear, by the table's level */
	uint64_t tables_freed[HR_NR_LEVELS];
	uint64_t tables_allocated[HR_NR_LEVELS];
	uint64_t data_freed_by_order[24];
	uint64_t data_allocated_by_order[24];
	uint64_t altmap_pages_freed;
	uint64_t altmap_pages_allocated;
	uint64_t tlbi_va;			/* vaale1is, one per page */
	uint64_t tlbi_all;			/* vmalle1is (flush_tlb_all) */
	uint64_t tlbi_walk;			/* vaae1is (__flush_tlb_kernel_pgtable) */
	uint64_t dsb_ishst, dsb_ish, isb;
	uint64_t fixmap_clears;
	uint64_t warns, faults, bugs;
	uint64_t faults_by_kind[8];		/* indexed by HR_FAULT_* */
	uint64_t alloc_failures;
	/* the memmap-from-range RFC (<20190122103708.11043-4-osalvador@suse.de>; "memmap": "range"):
	 * mark_vmemmap_pages(): pages __SetPageVmemmap()ed and the head's section count set; online:
	 * PageVmemmap pages handed to onlining (never, if the skip works) */
	uint64_t vmemmap_pages_marked;
	uint64_t vmemmap_head_sections;
	uint64_t vmemmap_pages_onlined;
} hr_counters;

typedef struct hr_warn {	/* one WARN_ON() site and how often it fired */
	const char *file;	/* basename of the transcribed file */
	int line;
	const char *cond;
	uint64_t count;
} hr_warn;

enum {	/* fault kinds */
	HR_FAULT_DOUBLE_FREE = 1,
	HR_FAULT_FREE_NEVER_ALLOCATED,
	HR_FAULT_FREE_WRONG_ORDER,
	HR_FAULT_FREE_RESERVED,
	HR_FAULT_FREE_OUTSIDE_MEMORY,
	HR_FAULT_POISON_READ,
	HR_FAULT_BUG,
};

typedef struct hr_fault {
	int kind;
	uint64_t where;		/* pfn, or physical address for poison reads */
	const char *detail;
} hr_fault;

enum {	/* harness status codes (operations also return negative kernel errnos) */
	HR_OK = 0,
	HR_E_INVALID = 1000,	/* bad request: message in the error buffer */
	HR_E_OOPS = 1001,	/* BUG()/poison read ended the operation */
	HR_E_REFUSED = 1002,	/* a memory notifier said NOTIFY_BAD */
	HR_E_BLOCKED = 1003,	/* not run: a task that oopsed holds a hotplug lock the operation
				 * takes first; the error buffer names the lock */
};

enum { HR_MEM_RAM = 0, HR_MEM_DEVICE = 1 };

typedef struct hr_add_options {
	int kind;			/* HR_MEM_RAM: section granularity; HR_MEM_DEVICE: 2 MiB sub-sections */
	bool altmap;			/* device memory whose memmap comes from the range itself */
	uint64_t altmap_reserve;	/* pages at the start the driver keeps */
	uint64_t altmap_free;		/* struct vmem_altmap.free: pages available for the memmap (0: none) */
	bool fail_add_pages;		/* __add_pages() fails before touching any section */
	bool memmap_on_memory;		/* RAM: added memory block by memory block, each with MHP_MEMMAP_ON_MEMORY
					 * (v5.14) when mhp_supports_memmap_on_memory() holds: its memmap from an
					 * altmap at the block's start */
	bool memmap_from_range;		/* RAM: the RFC "mm, memory_hotplug: allocate memmap from the added
					 * memory range for sparse-vmemmap" (<20190122103708.11043-4-osalvador@suse.de>,
					 * MHP_MEMMAP_FROM_RANGE): one altmap at the start of the whole range
					 * holds every section's memmap; PageVmemmap marking, vmemmap_free()
					 * deferred to the range's last section */
} hr_add_options;

typedef struct hr_instance hr_instance;
typedef struct hr_machine hr_machine;

/* registry of compiled instances (revision x geometry; kernel/registry.c): CShim's own, then
 * the lists test-only targets register (0 on success; a list is added once) */
int hr_instance_register_extra(const hr_instance *const *list, int n);
int hr_instance_count(void);
const hr_instance *hr_instance_at(int i);
const hr_instance *hr_instance_find(const char *revision, const char *geometry);
const char *hr_instance_revision(const hr_instance *inst);
const char *hr_instance_geometry_name(const hr_instance *inst);
void hr_instance_geometry(const hr_instance *inst, hr_geometry *out);

/* machines: created and booted (kernel/boot.c) */
hr_machine *hr_machine_create(const hr_instance *inst, const hr_machine_config *cfg,
			      char *err, size_t errlen);
void hr_machine_destroy(hr_machine *m);
void hr_machine_get_geometry(const hr_machine *m, hr_geometry *out);

/* operations (add, remove, offline: kernel/memory_hotplug.c; the rest: kernel/machine.c); each
 * returns 0, a negative kernel errno, or an HR_E_* code with its message in err */
int hr_add_memory(hr_machine *m, uint64_t start, uint64_t size, const hr_add_options *opt,
		  char *err, size_t errlen);
int hr_remove_memory(hr_machine *m, uint64_t start, uint64_t size, char *err, size_t errlen);
int hr_offline_memory(hr_machine *m, uint64_t start, uint64_t size, char *err, size_t errlen);
int hr_map_neighbour(hr_machine *m, uint64_t va, uint64_t size, char *err, size_t errlen);
void hr_fail_nth_allocation(hr_machine *m, long n);
long hr_pending_allocation_failure(const hr_machine *m);
const char *hr_last_oops(const hr_machine *m);

/* struct page and allocator facts (kernel/facts.c; hr_free_pages_count() kernel/page_alloc.c) */
uint64_t hr_pfn_of_phys(const hr_machine *m, uint64_t phys);
bool hr_page_info(const hr_machine *m, uint64_t pfn, uint32_t *flags, uint32_t *order);
uint64_t hr_free_pages_count(const hr_machine *m);
/* an altmap's counters (struct vmem_altmap) and the start of the range it was made for */
typedef struct {
	uint64_t start, base_pfn, reserve, free, align, alloc;
} hr_altmap_info;
/* how many altmaps a machine keeps at most */
#define HR_ALTMAP_SLOTS 256
/* the machine's altmaps, one per range start, into @out (HR_ALTMAP_SLOTS entries); returns how many */
int hr_altmaps(const hr_machine *m, hr_altmap_info *out);
bool hr_section_info(const hr_machine *m, uint64_t pfn, unsigned long *flags,
		     uint64_t *subsection_map_word0);

/* provoke allocator faults on purpose (tests of the fault detection; kernel/facts.c) */
void hr_debug_free_pfn(hr_machine *m, uint64_t pfn, unsigned order);
uint64_t hr_debug_alloc(hr_machine *m, unsigned order, bool zero, bool as_table, int level);
uint64_t hr_debug_read_entry(hr_machine *m, uint64_t pa);
void hr_debug_write_entry(hr_machine *m, uint64_t pa, uint64_t value);

/* recorders (kernel/recorder.c) */
void hr_counters_get(const hr_machine *m, hr_counters *out);
void hr_counters_reset(hr_machine *m);
void hr_trace_enable(hr_machine *m, bool on);
size_t hr_trace_length(hr_machine *m);
const hr_event *hr_trace_events(hr_machine *m);
/* Process-wide, for tests: false makes the recorders keep every loop's repetition in progress
 * as records (the general path) instead of as a count; the traces are the same either way. */
void hr_trace_count_repetitions(bool on);
bool hr_trace_truncated(const hr_machine *m);
void hr_trace_clear(hr_machine *m);
size_t hr_warn_count(const hr_machine *m);	/* WARN sites (each with its count) */
bool hr_warn_sites_overflowed(const hr_machine *m);	/* more sites than could be listed */
hr_warn hr_warn_at(const hr_machine *m, size_t i);
size_t hr_fault_count(const hr_machine *m);
/* more faults happened in the last operation than hr_fault_at() can list */
bool hr_faults_overflowed(const hr_machine *m);
hr_fault hr_fault_at(const hr_machine *m, size_t i);

/* snapshot of the kernel page tables (kernel/snapshot.c) */
typedef struct hr_table_page {
	uint8_t level;		/* HR_LEVEL_* of the table */
	uint8_t pad[3];
	uint32_t live;		/* non-zero entries */
	uint64_t pa;
	uint64_t va_start;	/* first VA the table translates */
	uint64_t va_span;	/* VA span of the whole table */
} hr_table_page;

enum { HR_RUN_PAGE = 1, HR_RUN_BLOCK = 2, HR_RUN_INVALID = 3 };

typedef struct hr_leaf_run {
	uint64_t va;		/* first VA */
	uint64_t count;		/* entries */
	uint64_t entry_size;	/* VA bytes per entry */
	uint64_t pa;		/* output address of the first entry */
	uint64_t attrs;		/* descriptor bits other than the output address */
	uint8_t level;
	uint8_t kind;		/* HR_RUN_* */
	uint8_t pad[6];
} hr_leaf_run;

typedef struct hr_snapshot {
	hr_table_page *tables;
	size_t nr_tables;
	hr_leaf_run *runs;
	size_t nr_runs;
	uint64_t allocated_table_pages;	/* allocator's view: live pages flagged as tables */
	uint64_t unreachable_table_pages;	/* allocated as tables, not reachable: leaks */
	uint64_t reachable_freed_pages;	/* reachable from swapper_pg_dir but free: use-after-free */
	uint64_t allocated_data_pages;	/* allocator's view: live pages not flagged as tables */
	uint64_t reached_data_pages;	/* of those, the ones a leaf outside the linear map points at */
	uint64_t *leaked_pfns;		/* the first few leaks */
	size_t nr_leaked_listed;
} hr_snapshot;

int hr_snapshot_take(hr_machine *m, hr_snapshot *out);
void hr_snapshot_free(hr_snapshot *s);

/* benchmarks (bench.c): one pass of a removal (which 0: unmap, 1: free; ns, or
 * -1 when the revision has no pass API, -2 on an oops), and reference sweeps
 * over table pages (mode 0: read, 1: read-modify-write; ns) */
int64_t hr_bench_pass(hr_machine *m, int which, uint64_t start, uint64_t end, bool free_mapped,
		      uint64_t floor, uint64_t ceiling);
int64_t hr_bench_sweep(hr_machine *m, const uint64_t *pas, size_t n, int mode, uint64_t *checksum);
uint64_t hr_bench_now_ns(void);

/*
 * The explorer (sched.c): a removal and walkers run as cooperative threads of
 * the simulated kernel on one OS thread, each with its own stack.  Every access
 * to shared page-table state is a scheduling point, and the plan decides which
 * thread makes the next access.  Thread 0 is the removal, walkers follow.
 */
enum { HR_WALKER_PTDUMP = 1, HR_WALKER_VMALLOC = 2 };
typedef struct hr_walker_spec {
	int kind;		/* HR_WALKER_* */
	bool hotplug_lock;	/* ptdump: get_online_mems()/put_online_mems() around the walk */
	bool map, unmap;	/* vmalloc: map the range, then unmap it (either or both) */
	uint64_t va, size;	/* vmalloc: the range */
} hr_walker_spec;

enum {	/* what a scheduling point accesses (hr_sched_event.kind; TLBIs and barriers are not points) */
	HR_ACC_READ = 1, HR_ACC_WRITE, HR_ACC_FREE, HR_ACC_ALLOC, HR_ACC_TLBI, HR_ACC_BARRIER,
	HR_ACC_LOCK, HR_ACC_UNLOCK,
	HR_ACC_FREE_DATA,	/* a free of a page that is not a page table: its reuse is harmless */
};
/* objects other than entries and pages (hr_sched_event.obj) */
#define HR_OBJ_OUTSIDE		UINT64_MAX		/* an address outside simulated memory */
#define HR_OBJ_ALLOCATOR	(UINT64_MAX - 1)	/* the page allocator's free lists */
#define HR_OBJ_NONE		(UINT64_MAX - 2)	/* TLBIs and barriers: no memory */
#define HR_OBJ_LOCK_BASE	(UINT64_MAX - 16)	/* + lock id */

typedef struct hr_sched_event {	/* one decision: which thread made which access */
	uint8_t thread, kind;
	uint8_t enabled;	/* threads that could have been chosen, a bit each */
	uint8_t pad[5];
	uint64_t obj;		/* an entry read or written: its physical address; a free: the pfn */
} hr_sched_event;

typedef struct hr_sched_run {	/* `count` decisions in a row for `thread`; star: as long as it can */
	uint32_t thread;
	uint32_t count;
	bool star;
} hr_sched_run;

enum {	/* walker findings */
	HR_WF_FREED_TABLE_READ = 1,	/* read an entry of a freed page-table page */
	HR_WF_NOT_A_TABLE,		/* read an entry of a page that is no longer a page table */
	HR_WF_OUTSIDE_MEMORY,		/* followed an entry outside simulated memory (a cleared one) */
	HR_WF_FREED_TABLE_WRITE,	/* wrote an entry of a freed page-table page */
	HR_WF_CONT_HALF,		/* saw a contiguous range part valid, part invalid */
	HR_WF_OOPS,			/* BUG() or a poisoned value in a walker */
	HR_WF_DEADLOCK,			/* no thread could go on */
};
typedef struct hr_walker_finding {
	int kind;
	uint32_t thread;
	uint64_t decision;	/* the decision at which it happened */
	uint64_t where;		/* physical address of the entry, or VA for HR_WF_CONT_HALF */
	char detail[160];
} hr_walker_finding;

typedef struct hr_explore_result {
	hr_sched_event *events;	size_t nr_events; bool events_truncated;
	hr_sched_run *runs;	size_t nr_runs;		/* the executed schedule */
	hr_walker_finding *findings; size_t nr_findings;
	int removal_rc;		/* what hr_remove_memory() returned */
	char removal_err[256];
	int64_t diverged_at;	/* -1, or the decision at which the plan named a thread that could not run */
	bool stopped;		/* hr_sched_request_stop() ended it before its threads did: not a result */
} hr_explore_result;

/* Removes [start, +size) on thread 0 while the walkers run, under `plan` (then: the thread
 * that ran last goes on while it can, else the lowest-numbered that can).  0, or HR_E_INVALID.
 * A non-zero *stop (hr_sched_request_stop(), from any thread) ends it at its next decision. */
int hr_explore_run(hr_machine *m, uint64_t start, uint64_t size, const hr_walker_spec *walkers, int nr_walkers,
		   const hr_sched_run *plan, size_t nr_plan, const int *stop, hr_explore_result *out,
		   char *err, size_t errlen);
void hr_explore_result_free(hr_explore_result *r);
/* Sets (or clears) the stop flag hr_explore_run() was given: async-signal-safe, from any thread. */
void hr_sched_request_stop(int *flag, bool stop);
/* the explorer's own test: two threads doing `n0`/`n1` accesses (kind, obj) on no machine */
int hr_sched_selftest(const uint8_t *kinds0, const uint64_t *objs0, size_t n0,
		      const uint8_t *kinds1, const uint64_t *objs1, size_t n1,
		      const hr_sched_run *plan, size_t nr_plan, hr_explore_result *out);

/* crash and hang reporting (crash_guard.c): on a fatal signal or when the
 * alarm fires, write "CRASH|HANG <context> <signal>" to fd and _exit(code) */
void hr_crash_guard_install(int fd, int code);
void hr_crash_context_set(const char *text);
void hr_crash_alarm(unsigned seconds);

#ifdef __cplusplus
}
#endif
#endif
