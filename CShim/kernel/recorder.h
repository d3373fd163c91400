/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The recorders (recorder.c): what the simulated kernel does, counted always
 * (struct hr_machine's counters) and traced on request (its trace).  The fast
 * paths are inline: a record that continues a loop kept as a count costs a
 * few compares and no call.  include/CShim.h has the accessors Swift reads
 * the recorders through.
 */
#ifndef HR_KERNEL_RECORDER_H
#define HR_KERNEL_RECORDER_H

#include "kernel/machine.h"

void hr_rec_warn(const char *file, int line, const char *cond);
void hr_rec_fault(int kind, uint64_t pfn_or_addr, const char *detail);
void hr_rec_event_general(int kind, int level, uint64_t a, uint64_t b);
void hr_rec_materialize(struct hr_machine *m);

/*
 * What an open loop kept as a count expects next, from the records counted so far
 * (trace_lazy_pos of the repetition in progress): the body's next record moved to its
 * repetition (recorder.c, "Repetitions kept as a count").
 */
static inline __attribute__((always_inline)) void hr_rec_lazy_expect(struct hr_machine *m)
{
	const hr_event *t = m->trace, *x;
	size_t r = m->trace_loop - 1, period = t[r].level, pos = m->trace_lazy_pos;
	uint64_t k = (uint64_t)t[r].count + 1;

	if (pos == period) {	/* the next record begins the repetition after */
		if (t[r].count == UINT32_MAX) {	/* no more repetitions fit: the general path closes the loop */
			m->trace_expect.kind = 0xff;
			return;
		}
		pos = 0;
		k++;
	}
	x = &t[r - period + pos];
	m->trace_expect.kind = x->kind;
	m->trace_expect.level = x->level;
	m->trace_expect.a = x->a + k * x->da;
	m->trace_expect.b = x->b + k * x->db;
}

/* The record expected has come: count it, and expect the one after. */
static inline __attribute__((always_inline)) void hr_rec_lazy_advance(struct hr_machine *m)
{
	hr_event *t = m->trace;
	size_t r = m->trace_loop - 1;

	if (m->trace_lazy_pos == t[r].level) {	/* it began the next repetition */
		t[r].count++;
		m->trace_lazy_pos = 0;
	}
	m->trace_lazy_pos++;
	hr_rec_lazy_expect(m);
}

/* A record: the next one of an open loop's repetition is counted here, anything else goes the general way. */
static inline __attribute__((always_inline)) void hr_rec_event(int kind, int level, uint64_t a, uint64_t b)
{
	struct hr_machine *m = hr_cur_machine;

	if (m->trace_lazy && m->trace_expect.a == a && m->trace_expect.b == b &&
	    m->trace_expect.kind == kind && m->trace_expect.level == level) {
		hr_rec_lazy_advance(m);
		return;
	}
	hr_rec_event_general(kind, level, a, b);
}
void hr_rec_replace(int level, uint64_t entry_pa, uint64_t newval, uint64_t oldval);

/*
 * An oops: BUG(), panic(), or a read of a freed page-table page (the poison READ_ONCE() checks
 * for).  Recorded as a fault, then the operation ends where it is (the longjmp() to
 * hr_oopsable_call(), machine.h), as an oops ends the task.
 */
_Noreturn void hr_oops(const char *file, int line, const char *what);
void hr_poison_read(const volatile void *p);

/* __TLBI_VADDR() keeps VA[55:12] in bits [43:0]; kernel addresses sign-extend bit 55 */
static inline uint64_t hr_tlbi_operand_va(uint64_t operand)
{
	uint64_t va = operand << 12;

	return (va & (1ull << 55)) ? va | 0xff00000000000000ull : va;
}
void hr_rec_tlbi_va_general(uint64_t va);
static inline __attribute__((always_inline)) void hr_rec_tlbi_va_trace(uint64_t operand)
{
	struct hr_machine *m = hr_cur_machine;
	uint64_t va = hr_tlbi_operand_va(operand);

	if (m->trace_lazy && m->trace_expect.a == va && m->trace_expect.b == 0 &&
	    m->trace_expect.kind == HR_EV_TLBI_VA && m->trace_expect.level == 0) {
		hr_rec_lazy_advance(m);
		return;
	}
	hr_rec_tlbi_va_general(va);
}

#endif
