// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark helpers: the two passes of a removal run one at a time, and the
 * same-run references (a read sweep and a read-modify-write sweep over the
 * same table pages), so each pass can be quoted against this machine's own
 * memory bandwidth at that moment.
 */
#include <time.h>
#include "kernel/machine.h"
#include "kernel/instance.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t hr_bench_pass(hr_machine *m, int which, uint64_t start, uint64_t end, bool free_mapped,
		      uint64_t floor, uint64_t ceiling)
{
	struct hr_machine *prev = hr_cur_machine;
	jmp_buf jb;
	uint64_t t0, t1;

	if ((which == 0 && !m->inst->unmap_pass) || (which == 1 && !m->inst->free_pass))
		return -1;
	hr_cur_machine = m;
	m->oops_jmp = &jb;
	if (setjmp(jb)) {
		m->oops_jmp = NULL;
		hr_cur_machine = prev;
		return -2;
	}
	t0 = now_ns();
	if (which == 0)
		m->inst->unmap_pass(start, end, free_mapped);
	else
		m->inst->free_pass(start, end, floor, ceiling);
	t1 = now_ns();
	m->oops_jmp = NULL;
	hr_cur_machine = prev;
	return (int64_t)(t1 - t0);
}

/* mode 0: read every entry; mode 1: read and write back every entry */
int64_t hr_bench_sweep(hr_machine *m, const uint64_t *pas, size_t n, int mode, uint64_t *checksum)
{
	size_t entries = ((size_t)1 << m->geo.page_shift) / 8;
	uint64_t sum = 0, t0 = now_ns();

	for (size_t i = 0; i < n; i++) {
		volatile uint64_t *t = (volatile uint64_t *)(m->host_base + (pas[i] - m->phys_offset));

		if (mode == 0) {
			for (size_t k = 0; k < entries; k++)
				sum += t[k];
		} else {
			for (size_t k = 0; k < entries; k++) {
				uint64_t v = t[k];
				sum += v;
				t[k] = v;
			}
		}
	}
	*checksum = sum;
	return (int64_t)(now_ns() - t0);
}

uint64_t hr_bench_now_ns(void) { return now_ns(); }
