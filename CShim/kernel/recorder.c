// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recorders: counters always, a trace on request.  The trace coalesces an
 * event with the one before it when it continues it (next entry, next page,
 * next pfn), and folds a repeating group of up to HR_LOOP_MAX_PERIOD records
 * whose addresses advance by the same steps each time (final's per-entry
 * clear, dsb, tlbi, dsb, isb) into one HR_EV_REPEAT record.  So a teardown
 * costs a few records per table page, not per entry, the order of every
 * event is kept exactly, and the trace of any scenario fits in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/recorder.h"

#define HR_TRACE_LIMIT (64u << 20)

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

#define HR_LOOP_MAX_PERIOD 8

static bool same_shape(const hr_event *x, const hr_event *y)
{
	return x->kind == y->kind && x->level == y->level && x->count == y->count &&
	       x->kind != HR_EV_REPLACE;	/* its db holds the old value, not a step */
}

/*
 * Called after a record was appended (not after one was coalesced): extend the
 * open loop, or close it, or form a new one from the final records before the
 * new one.  The newest record can still grow by coalescing, so it is only
 * compared by kind until the next record arrives.
 */
static void fold(struct hr_machine *m)
{
	hr_event *t = m->trace;
	size_t n = m->trace_len;

	if (m->trace_loop) {
		size_t r = m->trace_loop - 1, period = t[r].level, pos = n - 1 - (r + 1);
		uint64_t k = (uint64_t)t[r].count + 1;	/* the repetition being matched */

		if (pos >= 1) {
			const hr_event *b = &t[r - period + pos - 1], *y = &t[n - 2];

			if (!same_shape(b, y) || y->a != b->a + k * b->da || y->b != b->b + k * b->db)
				goto close;
		}
		if (pos == period) {
			if (t[r].count == UINT32_MAX)
				goto close;
			t[r].count++;
			t[r + 1] = t[n - 1];
			m->trace_len = n = r + 2;
			pos = 0;
		}
		if (t[r - period + pos].kind != t[n - 1].kind || t[r - period + pos].level != t[n - 1].level)
			goto close;
		return;
close:
		m->trace_loop = 0;
		m->trace_plain_from = r + 1;
	}
	for (size_t period = 1; period <= HR_LOOP_MAX_PERIOD; period++) {
		size_t end = n - 1, x, y, j;	/* records before end are final */

		if (end < m->trace_plain_from + 2 * period)
			break;
		x = end - 2 * period;
		y = end - period;
		for (j = 0; j < period && same_shape(&t[x + j], &t[y + j]); j++)
			;
		if (j < period)
			continue;
		for (j = 0; j < period; j++) {
			t[x + j].da = t[y + j].a - t[x + j].a;
			t[x + j].db = t[y + j].b - t[x + j].b;
		}
		t[y + 1] = t[n - 1];
		t[y] = (hr_event){ .kind = HR_EV_REPEAT, .level = (uint8_t)period, .count = 1 };
		m->trace_len = y + 2;
		m->trace_loop = y + 1;
		if (t[x].kind != t[y + 1].kind || t[x].level != t[y + 1].level) {
			m->trace_loop = 0;
			m->trace_plain_from = y + 1;
		}
		return;
	}
}

static hr_event *push(struct hr_machine *m)
{
	if (m->trace_len == m->trace_cap) {
		size_t cap = m->trace_cap ? m->trace_cap * 2 : 1024;
		hr_event *t;

		if (cap > HR_TRACE_LIMIT) {
			m->trace_truncated = true;
			return NULL;
		}
		t = realloc(m->trace, cap * sizeof(*t));
		if (!t) {
			m->trace_truncated = true;
			return NULL;
		}
		m->trace = t;
		m->trace_cap = cap;
	}
	return &m->trace[m->trace_len++];
}

/*
 * Repetitions kept as a count.  Inside an open loop, fold() keeps the repetition in
 * progress as records after the HR_EV_REPEAT one, compares each with the body when the
 * next arrives (until then it can still grow by coalescing), and counts the repetition
 * when the one after begins.  For a loop whose body records are single events (count 1)
 * and no two consecutive (the last and the first included) of the same kind and level,
 * none of that needs the records: a record equal to the one the body says comes next
 * cannot coalesce with the one before it, and fold() would keep the loop going.  So the
 * repetition in progress is kept as a count (trace_lazy_pos) and the next record is
 * compared with what is expected (hr_rec_event() in machine.h), with no call.  Anything
 * else first writes the counted records back, exactly as fold() would have them
 * (hr_rec_materialize()), and takes the general path, which then decides as before.
 * The array is never short of room for them: a loop is kept as a count only when a whole
 * repetition and one more record fit, so no push() is skipped that would have grown it.
 */
void hr_rec_materialize(struct hr_machine *m)
{
	hr_event *t = m->trace;
	size_t r, period, pos = m->trace_lazy_pos;
	uint64_t k;

	if (!m->trace_lazy)
		return;
	r = m->trace_loop - 1;
	period = t[r].level;
	k = (uint64_t)t[r].count + 1;
	for (size_t j = 0; j < pos; j++) {
		const hr_event *x = &t[r - period + j];

		t[r + 1 + j] = (hr_event){ .kind = x->kind, .level = x->level, .count = 1,
					   .a = x->a + k * x->da, .b = x->b + k * x->db };
	}
	m->trace_len = r + 1 + pos;
	m->trace_lazy = false;
}

/* off: every record goes the general way (tests compare the two ways' traces) */
static bool count_repetitions = true;

void hr_trace_count_repetitions(bool on) { __atomic_store_n(&count_repetitions, on, __ATOMIC_RELAXED); }

/* After the general path: keep the open loop as a count when its body allows (see above). */
static void lazy_enter(struct hr_machine *m)
{
	hr_event *t = m->trace;
	size_t r, period, n = m->trace_len, pos;
	uint64_t k;

	if (!m->trace_loop || m->trace_lazy || m->trace_truncated ||
	    !__atomic_load_n(&count_repetitions, __ATOMIC_RELAXED))
		return;
	r = m->trace_loop - 1;
	period = t[r].level;
	pos = n - (r + 1);
	if (pos < 1 || pos > period || m->trace_cap < r + period + 2)
		return;
	for (size_t j = 0; j < period; j++) {
		const hr_event *x = &t[r - period + j], *y = &t[r - period + (j + 1) % period];

		if (x->count != 1 || x->kind == HR_EV_REPLACE || (x->kind == y->kind && x->level == y->level))
			return;
	}
	k = (uint64_t)t[r].count + 1;
	for (size_t j = 0; j < pos; j++) {
		const hr_event *x = &t[r - period + j], *y = &t[r + 1 + j];

		if (y->kind != x->kind || y->level != x->level || y->count != 1 || y->da || y->db ||
		    y->a != x->a + k * x->da || y->b != x->b + k * x->db)
			return;
	}
	m->trace_len = r + 1;
	m->trace_lazy = true;
	m->trace_lazy_pos = pos;
	hr_rec_lazy_expect(m);
}

static void rec_event(struct hr_machine *m, int kind, int level, uint64_t a, uint64_t b);

void hr_rec_event_general(int kind, int level, uint64_t a, uint64_t b)
{
	struct hr_machine *m = hr_cur_machine;

	if (!m->trace_on)
		return;
	hr_rec_materialize(m);
	rec_event(m, kind, level, a, b);
	lazy_enter(m);
}

static void rec_event(struct hr_machine *m, int kind, int level, uint64_t a, uint64_t b)
{
	hr_event *last = m->trace_len ? &m->trace[m->trace_len - 1] : NULL;
	hr_event *e;

	if (last && last->kind == kind && last->level == level) {
		switch (kind) {
		case HR_EV_SET:
		case HR_EV_CLEAR:
			/*
			 * Only a run whose values continue too (the next entry maps the
			 * next span, or both are empty), so that every entry's value,
			 * new or old, can be told from the record.
			 */
			if (a == last->a + 8ull * last->count &&
			    (b == last->b + ((uint64_t)last->count << m->geo.level_shift[level]) ||
			     (b == 0 && last->b == 0))) {
				last->count++;
				return;
			}
			break;
		case HR_EV_FREE:
		case HR_EV_ALLOC:
			if (b == last->b && a == last->a + ((uint64_t)last->count << level)) {
				last->count++;
				return;
			}
			break;
		case HR_EV_TLBI_ALL:
		case HR_EV_DSB:
		case HR_EV_ISB:
			last->count++;
			return;
		default:
			break;
		}
	}
	e = push(m);
	if (!e)
		return;
	*e = (hr_event){ .kind = (uint8_t)kind, .level = (uint8_t)level, .count = 1, .a = a, .b = b };
	fold(m);
}

/* A valid entry overwritten by another value: break-before-make is judged on it. */
void hr_rec_replace(int level, uint64_t entry_pa, uint64_t newval, uint64_t oldval)
{
	struct hr_machine *m = hr_cur_machine;
	hr_event *e;

	hr_rec_materialize(m);
	e = push(m);
	if (e) {
		*e = (hr_event){ .kind = HR_EV_REPLACE, .level = (uint8_t)level, .count = 1,
				 .a = entry_pa, .b = newval, .db = oldval };
		fold(m);
	}
	lazy_enter(m);
}

void hr_rec_tlbi_va_general(uint64_t va)
{
	struct hr_machine *m = hr_cur_machine;
	hr_event *last, *e;

	hr_rec_materialize(m);
	last = m->trace_len ? &m->trace[m->trace_len - 1] : NULL;
	if (last && last->kind == HR_EV_TLBI_VA &&
	    va == last->a + ((uint64_t)last->count << m->geo.page_shift)) {
		last->count++;
		return;
	}
	e = push(m);
	if (e) {
		*e = (hr_event){ .kind = HR_EV_TLBI_VA, .count = 1, .a = va };
		fold(m);
	}
	lazy_enter(m);
}

/* WARNs are kept by site (file, line, condition) with a count, so that no
 * WARN is lost however often it fires; the trace records the site index. */
void hr_rec_warn(const char *file, int line, const char *cond)
{
	struct hr_machine *m = hr_cur_machine;
	size_t i;

	m->counters.warns++;
	for (i = 0; i < m->nr_warn_sites; i++)
		if (m->warns[i].line == line && m->warns[i].cond == cond)
			break;
	if (i == m->nr_warn_sites) {
		if (i == HR_MAX_RECORDED) {
			m->warn_sites_overflow = true;
			return;
		}
		m->warns[i] = (hr_warn){ .file = basename_of(file), .line = line, .cond = cond };
		m->nr_warn_sites++;
	}
	m->warns[i].count++;
	hr_rec_event(HR_EV_WARN, 0, i, 0);
}

void hr_rec_fault(int kind, uint64_t where, const char *detail)
{
	struct hr_machine *m = hr_cur_machine;
	uint64_t i = m->counters.faults++;

	if (kind > 0 && kind < 8)
		m->counters.faults_by_kind[kind]++;

	if (i < HR_MAX_FAULTS)
		m->faults[i] = (hr_fault){ .kind = kind, .where = where, .detail = detail };
	hr_rec_event(HR_EV_FAULT, 0, i, (uint64_t)kind);
}

_Noreturn void hr_oops(const char *file, int line, const char *what)
{
	struct hr_machine *m = hr_cur_machine;

	m->counters.bugs++;
	snprintf(m->oops_msg, sizeof(m->oops_msg), "%s at %s:%d", what, basename_of(file), line);
	hr_rec_fault(HR_FAULT_BUG, (uint64_t)line, what);
	if (m->oops_jmp)
		longjmp(*m->oops_jmp, 1);
	fprintf(stderr, "hotremove: kernel oops outside an operation: %s\n", m->oops_msg);
	abort();
}

void hr_poison_read(const volatile void *p)
{
	struct hr_machine *m = hr_cur_machine;
	uint64_t pa = (uint64_t)((const char *)p - m->host_base) + m->phys_offset;

	hr_rec_fault(HR_FAULT_POISON_READ, pa, "read of a freed page-table page");
	hr_oops(__FILE__, __LINE__, "use of a freed page-table page");
}

/* ---- the recorders as Swift reads them (include/CShim.h) ---- */

void hr_counters_get(const hr_machine *m, hr_counters *out) { *out = m->counters; }
void hr_counters_reset(hr_machine *m)
{
	memset(&m->counters, 0, sizeof(m->counters));
	m->nr_warn_sites = 0;
	m->warn_sites_overflow = false;
}
/* a repetition kept as a count is written out before the trace is read or turned off */
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
