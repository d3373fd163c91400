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

/* one pass of a removal, timed */
struct bench_pass {
	int which;
	uint64_t start, end, floor, ceiling;
	bool free_mapped;
	uint64_t ns;
};

static int run_pass(struct hr_machine *m, void *arg)
{
	struct bench_pass *p = arg;
	uint64_t t0 = now_ns();

	if (p->which == 0)
		m->inst->unmap_pass(p->start, p->end, p->free_mapped);
	else
		m->inst->free_pass(p->start, p->end, p->floor, p->ceiling);
	p->ns = now_ns() - t0;
	return 0;
}

int64_t hr_bench_pass(hr_machine *m, int which, uint64_t start, uint64_t end, bool free_mapped,
		      uint64_t floor, uint64_t ceiling)
{
	struct bench_pass p = { .which = which, .start = start, .end = end, .floor = floor,
				.ceiling = ceiling, .free_mapped = free_mapped };

	if ((which == 0 && !m->inst->unmap_pass) || (which == 1 && !m->inst->free_pass))
		return -1;
	if (hr_oopsable_call(m, run_pass, &p, NULL, 0) == HR_E_OOPS)
		return -2;
	return (int64_t)p.ns;
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
