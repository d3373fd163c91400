// SPDX-License-Identifier: GPL-2.0-only
/*
 * The explorer's scheduler.  A removal (thread 0) and the walkers run as
 * cooperative threads of one simulated machine: coroutines with stacks of
 * their own (makecontext/swapcontext) on ONE OS thread, so that the
 * per-thread current machine stays valid in all of them.  Every access to
 * shared page-table state goes through hr_sched_point() first (kernel/
 * machine.h: the descriptor recorder, free_pages/alloc, locks, and the
 * walkers' READ_ONCE);
 * there the scheduler makes one decision: which thread
 * performs its next access.  The plan (runs of "thread t, n decisions") says
 * it; when the plan is used up, the thread that ran last goes on while it
 * can, else the lowest-numbered thread that can.  Switching happens only
 * when the decision names another thread, so a run costs its accesses plus
 * one context switch per preemption.
 *
 * Every decision is logged (thread, access, page, which threads could have
 * run) for the explorer in Swift, which derives new plans from conflicting
 * accesses.  Walker threads are checked at each of their entry accesses: a
 * read or write of a page that is a freed page-table page, or no longer a
 * page table, or outside simulated memory, is a finding and ends the walker
 * like the oops it would be in a kernel.
 *
 * With the trace on, an HR_EV_THREAD record says whose records follow, so
 * that the removal's own ordered trace can be judged by the sequential
 * checker's rules in every schedule (Explorer.swift).
 *
 * Under AddressSanitizer every switch of stacks is announced with the
 * sanitizer's fiber API, so that it knows which stack is current (it would
 * otherwise take a coroutine's frames for a stack overflow or a wild access).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "kernel/grow.h"
#include "kernel/machine.h"
#include "kernel/recorder.h"
#include "kernel/instance.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HR_ASAN_FIBERS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HR_ASAN_FIBERS 1
#endif
#ifdef HR_ASAN_FIBERS
#include <sanitizer/common_interface_defs.h>
#endif

#define HR_SCHED_MAX_THREADS 8
#define HR_SCHED_STACK (1u << 20)
#define HR_SCHED_MAX_EVENTS (1u << 24)

enum { TS_NEW, TS_PENDING, TS_RUNNING, TS_DONE };

struct hr_sched_thread {
	ucontext_t ctx;
	void *stack;
	void *fake_stack;	/* AddressSanitizer's fake frames of this stack while it is switched out */
	jmp_buf *oops_jmp;	/* the machine's oops handler while this thread runs */
	int state;
	int kind;		/* pending access */
	uint64_t obj;
	const volatile void *addr;
	bool lock_write;
	/* what the thread runs */
	const hr_walker_spec *walker;	/* NULL: the removal (or a self-test thread) */
	const uint8_t *st_kinds;	/* self-test program */
	const uint64_t *st_objs;
	size_t st_n;
};

struct hr_sched {
	struct hr_machine *m;
	bool selftest;
	const int *stop;	/* non-zero: end the execution at the next decision (hr_explore_run()) */
	int n;
	struct hr_sched_thread t[HR_SCHED_MAX_THREADS];
	ucontext_t main;
	void *main_fake_stack;
	const void *main_stack;	/* the explorer's own stack, as AddressSanitizer reported it */
	size_t main_stack_size;
	bool starting;
	int trace_thread;	/* whose trace records follow (HR_EV_THREAD), -1 before the first */
	int cur, last;
	/* plan */
	const hr_sched_run *plan;
	size_t nr_plan, plan_pos;
	uint32_t used;
	/* the removal */
	uint64_t start, size;
	/* locks */
	int hotplug_readers, hotplug_writer, ptl_owner;
	/* log */
	hr_explore_result *out;
	size_t cap_events, cap_runs, cap_findings;
	uint64_t decisions;
};

static _Thread_local struct hr_sched *hr_starting_sched;
int hr_sched_active;

/*
 * AddressSanitizer's fiber API: before a switch, the stack switched to
 * (fake: where to keep this stack's fake frames, NULL when it is never
 * resumed); after it, on the new stack, the stack switched from.  Without
 * the sanitizer these are empty.
 */
static inline void asan_start_switch(void **fake, const void *bottom, size_t size)
{
#ifdef HR_ASAN_FIBERS
	__sanitizer_start_switch_fiber(fake, bottom, size);
#else
	(void)fake; (void)bottom; (void)size;
#endif
}

static inline void asan_finish_switch(void *fake, const void **bottom_old, size_t *size_old)
{
#ifdef HR_ASAN_FIBERS
	__sanitizer_finish_switch_fiber(fake, bottom_old, size_old);
#else
	(void)fake; (void)bottom_old; (void)size_old;
#endif
}

/* The trace (when on) says whose records follow: once per change of thread. */
static void note_thread(struct hr_sched *s, int me)
{
	if (s->selftest || s->trace_thread == me)
		return;
	s->trace_thread = me;
	hr_rec_event(HR_EV_THREAD, 0, (uint64_t)me, s->decisions);
}

/* main -> thread i, and back here when a thread hands the CPU back */
static void enter_thread(struct hr_sched *s, int i)
{
	asan_start_switch(&s->main_fake_stack, s->t[i].stack, HR_SCHED_STACK);
	swapcontext(&s->main, &s->t[i].ctx);
	asan_finish_switch(s->main_fake_stack, NULL, NULL);
}

/* hr_grow(); the explorer cannot go on without its lists */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	void *q = hr_grow(p, cap, need, elem);

	if (!q) {
		fprintf(stderr, "hotremove: out of memory in the explorer\n");
		abort();
	}
	return q;
}

static void add_finding(struct hr_sched *s, int kind, int thread, uint64_t where, const char *detail)
{
	hr_explore_result *o = s->out;

	if (o->nr_findings >= 256)
		return;
	o->findings = grow(o->findings, &s->cap_findings, o->nr_findings + 1, sizeof(*o->findings));
	hr_walker_finding *f = &o->findings[o->nr_findings++];
	*f = (hr_walker_finding){ .kind = kind, .thread = (uint32_t)thread,
				  .decision = s->decisions ? s->decisions - 1 : 0, .where = where };
	snprintf(f->detail, sizeof(f->detail), "%s", detail);
}

static bool enabled(const struct hr_sched *s, int i)
{
	const struct hr_sched_thread *t = &s->t[i];

	if (t->state != TS_PENDING)
		return false;
	if (t->kind != HR_ACC_LOCK)
		return true;
	if (t->obj == HR_OBJ_LOCK_BASE + HR_LOCK_HOTPLUG)
		return s->hotplug_writer < 0 && (!t->lock_write || s->hotplug_readers == 0);
	return s->ptl_owner < 0;
}

static void take(struct hr_sched *s, int i)
{
	struct hr_sched_thread *t = &s->t[i];
	bool hotplug = t->obj == HR_OBJ_LOCK_BASE + HR_LOCK_HOTPLUG;

	if (t->kind == HR_ACC_LOCK) {
		if (hotplug && t->lock_write)
			s->hotplug_writer = i;
		else if (hotplug)
			s->hotplug_readers++;
		else
			s->ptl_owner = i;
	} else if (t->kind == HR_ACC_UNLOCK) {
		if (hotplug && t->lock_write)
			s->hotplug_writer = -1;
		else if (hotplug)
			s->hotplug_readers--;
		else
			s->ptl_owner = -1;
	}
}

void hr_sched_request_stop(int *flag, bool stop)
{
	__atomic_store_n(flag, stop, __ATOMIC_RELAXED);
}

/* One decision: the thread that makes the next access, or -1 when none can (or a stop was asked). */
static int decide(struct hr_sched *s)
{
	hr_explore_result *o = s->out;
	unsigned mask = 0;
	int choice = -1;

	if (s->stop && __atomic_load_n(s->stop, __ATOMIC_RELAXED)) {
		o->stopped = true;	/* the threads are left where they are, as when none can go on */
		return -1;
	}

	for (int i = 0; i < s->n; i++)
		if (enabled(s, i))
			mask |= 1u << i;
	if (!mask)
		return -1;
	while (s->plan_pos < s->nr_plan) {
		const hr_sched_run *r = &s->plan[s->plan_pos];

		if (r->star) {
			if (r->thread < (unsigned)s->n && (mask & (1u << r->thread))) {
				choice = (int)r->thread;
				break;
			}
		} else if (s->used < r->count) {
			if (r->thread >= (unsigned)s->n || !(mask & (1u << r->thread))) {
				o->diverged_at = (int64_t)s->decisions;
				s->plan_pos = s->nr_plan;
				break;
			}
			choice = (int)r->thread;
			s->used++;
			break;
		}
		s->plan_pos++;
		s->used = 0;
	}
	if (choice < 0)
		choice = (s->last >= 0 && (mask & (1u << s->last))) ? s->last : __builtin_ctz(mask);

	/* the log: the event, and the executed schedule as runs */
	if (o->nr_events < HR_SCHED_MAX_EVENTS) {
		o->events = grow(o->events, &s->cap_events, o->nr_events + 1, sizeof(*o->events));
		o->events[o->nr_events++] = (hr_sched_event){
			.thread = (uint8_t)choice, .kind = (uint8_t)s->t[choice].kind,
			.enabled = (uint8_t)mask, .obj = s->t[choice].obj };
	} else {
		o->events_truncated = true;
	}
	if (o->nr_runs && o->runs[o->nr_runs - 1].thread == (uint32_t)choice) {
		o->runs[o->nr_runs - 1].count++;
	} else {
		if (o->nr_runs)	/* the run before ended: by a preemption, or because it could not go on */
			o->runs[o->nr_runs - 1].star = !(mask & (1u << o->runs[o->nr_runs - 1].thread));
		o->runs = grow(o->runs, &s->cap_runs, o->nr_runs + 1, sizeof(*o->runs));
		o->runs[o->nr_runs++] = (hr_sched_run){ .thread = (uint32_t)choice, .count = 1 };
	}
	take(s, choice);
	s->last = choice;
	s->decisions++;
	return choice;
}

/* Hands the CPU to thread `next` (or back to the explorer when -1). */
static void switch_from(struct hr_sched *s, int me, int next)
{
	struct hr_machine *m = s->m;

	if (next == me)
		return;
	s->t[me].oops_jmp = m->oops_jmp;
	if (next < 0) {
		asan_start_switch(&s->t[me].fake_stack, s->main_stack, s->main_stack_size);
		swapcontext(&s->t[me].ctx, &s->main);
		return;		/* not reached: a thread left behind is never resumed */
	}
	s->cur = next;
	m->oops_jmp = s->t[next].oops_jmp;
	asan_start_switch(&s->t[me].fake_stack, s->t[next].stack, HR_SCHED_STACK);
	swapcontext(&s->t[me].ctx, &s->t[next].ctx);
	asan_finish_switch(s->t[me].fake_stack, NULL, NULL);
}

_Noreturn static void walker_oops(struct hr_sched *s, int kind, uint64_t where, const char *what)
{
	struct hr_machine *m = s->m;

	add_finding(s, kind, s->cur, where, what);
	snprintf(m->oops_msg, sizeof(m->oops_msg), "%s", what);
	longjmp(*m->oops_jmp, 2);
}

/* A walker's entry access, now that it happens: is the page still a page table? */
static void check_walker_access(struct hr_sched *s, int kind, const volatile void *addr)
{
	struct hr_machine *m = s->m;
	const char *p = (const char *)addr;
	char what[160];

	if (p < m->host_base || p >= m->host_base + m->host_len) {
		/* the physical address the walker computed (wrapping: __va() of a cleared entry's 0) */
		uint64_t wild = (uint64_t)(uintptr_t)p - (uint64_t)(uintptr_t)m->host_base + m->phys_offset;

		snprintf(what, sizeof(what), "%s an entry at physical 0x%llx, outside simulated memory: the walker followed an entry that was cleared under it",
			 kind == HR_ACC_READ ? "read" : "wrote", (unsigned long long)wild);
		walker_oops(s, HR_WF_OUTSIDE_MEMORY, wild, what);
	}
	uint64_t pa = (uint64_t)(p - m->host_base) + m->phys_offset;
	unsigned long pfn = pa >> m->geo.page_shift;
	const struct page *pg = hr_pfn_to_page(m, pfn);
	bool swapper = pfn == (((uint64_t)((const char *)m->swapper_pg_dir - m->host_base) + m->phys_offset) >>
			       m->geo.page_shift);

	if (pg->flags & HR_PG_poisoned) {
		snprintf(what, sizeof(what), "%s entry 0x%llx of a freed page-table page (pfn 0x%lx)",
			 kind == HR_ACC_READ ? "read" : "wrote", (unsigned long long)pa, pfn);
		walker_oops(s, kind == HR_ACC_READ ? HR_WF_FREED_TABLE_READ : HR_WF_FREED_TABLE_WRITE, pa, what);
	}
	if (!(pg->flags & HR_PG_table) && !swapper) {
		snprintf(what, sizeof(what), "%s entry 0x%llx of pfn 0x%lx, which is no longer a page table (freed and reused)",
			 kind == HR_ACC_READ ? "read" : "wrote", (unsigned long long)pa, pfn);
		walker_oops(s, HR_WF_NOT_A_TABLE, pa, what);
	}
}

static void point(struct hr_sched *s, int kind, const volatile void *addr, uint64_t obj, bool lock_write)
{
	int me = s->cur;
	struct hr_sched_thread *t = &s->t[me];

	t->kind = kind;
	t->obj = obj;
	t->addr = addr;
	t->lock_write = lock_write;
	t->state = TS_PENDING;
	if (s->starting) {	/* every thread first runs up to its first access */
		t->oops_jmp = s->m->oops_jmp;
		asan_start_switch(&t->fake_stack, s->main_stack, s->main_stack_size);
		swapcontext(&t->ctx, &s->main);
		asan_finish_switch(t->fake_stack, NULL, NULL);
	} else {
		switch_from(s, me, decide(s));
	}
	/* chosen: the access happens now */
	t->state = TS_RUNNING;
	note_thread(s, me);
	if (!s->selftest && me > 0 && (kind == HR_ACC_READ || kind == HR_ACC_WRITE))
		check_walker_access(s, kind, addr);
}

void hr_sched_yield(int sp, const volatile void *addr, uint64_t obj)
{
	struct hr_machine *m = hr_cur_machine;
	struct hr_sched *s = m->sched;
	int kind = sp;		/* HR_SP_* and HR_ACC_* agree */

	if (!s)		/* an explorer runs on another thread, not on this machine */
		return;

	if (sp == HR_SP_READ || sp == HR_SP_WRITE) {
		const char *p = (const char *)addr;

		obj = (p >= m->host_base && p < m->host_base + m->host_len)
			? (uint64_t)(p - m->host_base) + m->phys_offset	/* the entry's physical address */
			: HR_OBJ_OUTSIDE;
	} else if (sp == HR_SP_FREE) {
		/* only a freed page-table page matters to another thread (reused under a walker);
		 * who gets a freed data page next changes pfns, not what anybody observes */
		if (!hr_pfn_in_memmap(m, obj) || !(hr_pfn_to_page(m, obj)->flags & HR_PG_table))
			kind = HR_ACC_FREE_DATA;
	} else if (sp == HR_SP_ALLOC) {
		obj = HR_OBJ_ALLOCATOR;
	} else if (sp == HR_SP_TLBI || sp == HR_SP_BARRIER) {
		obj = HR_OBJ_NONE;
	}
	point(s, kind, addr, obj, false);
}

void hr_sched_lock(int lock, bool write)
{
	struct hr_sched *s = hr_cur_machine->sched;

	if (s)
		point(s, HR_ACC_LOCK, NULL, HR_OBJ_LOCK_BASE + (uint64_t)lock, write);
}

void hr_sched_unlock(int lock, bool write)
{
	struct hr_sched *s = hr_cur_machine->sched;

	if (s)
		point(s, HR_ACC_UNLOCK, NULL, HR_OBJ_LOCK_BASE + (uint64_t)lock, write);
}

void hr_walker_note_cont_half(uint64_t va, uint64_t size, unsigned long valid, unsigned long invalid)
{
	struct hr_sched *s = hr_cur_machine->sched;
	char what[160];

	if (!s)
		return;
	snprintf(what, sizeof(what), "contiguous range [0x%llx, +0x%llx) seen half updated: %lu entries valid, %lu invalid",
		 (unsigned long long)va, (unsigned long long)size, valid, invalid);
	add_finding(s, HR_WF_CONT_HALF, s->cur, va, what);
}

/* ---- thread bodies ---- */

static int walk(struct hr_machine *m, void *arg)
{
	const hr_walker_spec *w = arg;

	if (w->kind == HR_WALKER_PTDUMP)
		m->inst->walker_ptdump(w->hotplug_lock);
	else
		m->inst->walker_vmalloc((unsigned long)w->va, (unsigned long)(w->va + w->size),
					w->map, w->unmap);
	return 0;
}

static void body(struct hr_sched *s, int me)
{
	struct hr_machine *m = s->m;
	struct hr_sched_thread *t = &s->t[me];

	if (s->selftest) {
		for (size_t i = 0; i < t->st_n; i++)
			point(s, t->st_kinds[i], NULL, t->st_objs[i], false);
		return;
	}
	if (!t->walker) {
		s->out->removal_rc = hr_remove_memory(m, s->start, s->size, s->out->removal_err,
						      sizeof(s->out->removal_err));
		return;
	}
	if (hr_oopsable_call(m, walk, (void *)t->walker, NULL, 0) == HR_E_OOPS) {
		/* a check above recorded what happened; a BUG() or a poisoned value did not */
		bool known = false;

		for (size_t i = 0; i < s->out->nr_findings; i++)
			if (s->out->findings[i].thread == (uint32_t)s->cur &&
			    s->out->findings[i].decision + 1 == s->decisions)
				known = true;
		if (!known)
			add_finding(s, HR_WF_OOPS, s->cur, 0, m->oops_msg);
	}
}

static void trampoline(void)
{
	struct hr_sched *s = hr_starting_sched;
	int me = s->cur;

	/* every thread starts from the explorer's stack (run_threads) */
	asan_finish_switch(NULL, &s->main_stack, &s->main_stack_size);
	note_thread(s, me);
	body(s, me);
	s->t[me].state = TS_DONE;
	/* this stack is never resumed: its fake frames go (NULL) */
	if (s->starting) {
		asan_start_switch(NULL, s->main_stack, s->main_stack_size);
		setcontext(&s->main);
	}
	int next = decide(s);

	if (next < 0) {
		asan_start_switch(NULL, s->main_stack, s->main_stack_size);
		setcontext(&s->main);
	}
	s->cur = next;
	s->m->oops_jmp = s->t[next].oops_jmp;
	asan_start_switch(NULL, s->t[next].stack, HR_SCHED_STACK);
	setcontext(&s->t[next].ctx);
}

static int run_threads(struct hr_sched *s)
{
	for (int i = 0; i < s->n; i++) {
		struct hr_sched_thread *t = &s->t[i];

		t->stack = mmap(NULL, HR_SCHED_STACK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (t->stack == MAP_FAILED) {
			t->stack = NULL;
			return -1;
		}
		getcontext(&t->ctx);
		t->ctx.uc_stack.ss_sp = t->stack;
		t->ctx.uc_stack.ss_size = HR_SCHED_STACK;
		t->ctx.uc_link = NULL;
		makecontext(&t->ctx, trampoline, 0);
	}
	hr_starting_sched = s;
	__atomic_fetch_add(&hr_sched_active, 1, __ATOMIC_RELAXED);
	s->starting = true;
	for (int i = 0; i < s->n; i++) {
		s->cur = i;
		s->m->oops_jmp = NULL;
		enter_thread(s, i);
	}
	s->starting = false;
	int next = decide(s);

	if (next >= 0) {
		s->cur = next;
		s->m->oops_jmp = s->t[next].oops_jmp;
		enter_thread(s, next);
	}
	/* back here when no thread can go on */
	__atomic_fetch_sub(&hr_sched_active, 1, __ATOMIC_RELAXED);
	hr_explore_result *o = s->out;

	if (o->nr_runs)
		o->runs[o->nr_runs - 1].star = true;
	for (int i = 0; i < s->n && !o->stopped; i++) {
		if (s->t[i].state != TS_DONE) {
			char what[160];

			snprintf(what, sizeof(what), "deadlock: thread %d waits for %s", i,
				 s->t[i].obj == HR_OBJ_LOCK_BASE + HR_LOCK_HOTPLUG ? "mem_hotplug_lock" : "a lock");
			add_finding(s, HR_WF_DEADLOCK, i, 0, what);
			break;
		}
	}
	return 0;
}

static void cleanup(struct hr_sched *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->t[i].stack)
			munmap(s->t[i].stack, HR_SCHED_STACK);
	hr_starting_sched = NULL;
}

/* a zeroed scheduler for @n threads on @m: no thread has run, traced, or holds a lock */
static void sched_init(struct hr_sched *s, struct hr_machine *m, int n, const hr_sched_run *plan, size_t nr_plan,
		       hr_explore_result *out)
{
	s->m = m;
	s->n = n;
	s->plan = plan;
	s->nr_plan = nr_plan;
	s->out = out;
	s->last = -1;
	s->trace_thread = -1;
	s->hotplug_writer = -1;
	s->ptl_owner = -1;
}

int hr_explore_run(hr_machine *m, uint64_t start, uint64_t size, const hr_walker_spec *walkers, int nr_walkers,
		   const hr_sched_run *plan, size_t nr_plan, const int *stop, hr_explore_result *out,
		   char *err, size_t errlen)
{
	struct hr_machine *prev = hr_cur_machine;
	struct hr_sched *s;

	memset(out, 0, sizeof(*out));
	out->diverged_at = -1;
	if (nr_walkers < 0 || nr_walkers + 1 > HR_SCHED_MAX_THREADS) {
		snprintf(err, errlen, "%d walkers: at most %d", nr_walkers, HR_SCHED_MAX_THREADS - 1);
		return HR_E_INVALID;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of host memory");
		return HR_E_INVALID;
	}
	sched_init(s, m, nr_walkers + 1, plan, nr_plan, out);
	s->stop = stop;
	s->start = start;
	s->size = size;
	for (int i = 0; i < nr_walkers; i++)
		s->t[i + 1].walker = &walkers[i];
	hr_cur_machine = m;
	m->sched = s;
	int rc = run_threads(s);
	m->sched = NULL;
	m->oops_jmp = NULL;
	cleanup(s);
	free(s);
	hr_cur_machine = prev;
	if (rc) {
		snprintf(err, errlen, "no host memory for the threads' stacks");
		return HR_E_INVALID;
	}
	return 0;
}

int hr_sched_selftest(const uint8_t *kinds0, const uint64_t *objs0, size_t n0,
		      const uint8_t *kinds1, const uint64_t *objs1, size_t n1,
		      const hr_sched_run *plan, size_t nr_plan, hr_explore_result *out)
{
	struct hr_machine *prev = hr_cur_machine;
	struct hr_machine *m = calloc(1, sizeof(*m));
	struct hr_sched *s = calloc(1, sizeof(*s));

	memset(out, 0, sizeof(*out));
	out->diverged_at = -1;
	if (!m || !s) {
		free(m);
		free(s);
		return -1;
	}
	sched_init(s, m, 2, plan, nr_plan, out);
	s->selftest = true;
	s->t[0] = (struct hr_sched_thread){ .st_kinds = kinds0, .st_objs = objs0, .st_n = n0 };
	s->t[1] = (struct hr_sched_thread){ .st_kinds = kinds1, .st_objs = objs1, .st_n = n1 };
	hr_cur_machine = m;
	m->sched = s;
	int rc = run_threads(s);
	cleanup(s);
	free(s);
	free(m);
	hr_cur_machine = prev;
	return rc;
}

void hr_explore_result_free(hr_explore_result *r)
{
	free(r->events);
	free(r->runs);
	free(r->findings);
	memset(r, 0, sizeof(*r));
}
