// SPDX-License-Identifier: GPL-2.0-only
/*
 * A machine as Swift drives it: the thread's current machine, the kernel
 * code of an operation run on it with its oops caught (hr_oopsable_call()),
 * and the operations that are neither boot nor hotplug.
 *
 * The rest, one concern a file: boot.c creates and boots a machine,
 * memory_hotplug.c adds, offlines and removes memory, facts.c and recorder.c
 * answer what the harness reads, registry.c finds the compiled instances.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include "kernel/machine.h"
#include "kernel/instance.h"

_Thread_local struct hr_machine *hr_cur_machine __attribute__((tls_model("initial-exec")));
struct zone hr_the_zone;

void hr_say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/*
 * The oops's longjmp() lands in this frame, not in fn's caller: nothing here changes after
 * setjmp() but rc, which is set on both ways out, so no local needs to be volatile.  The
 * explorer (sched.c) switches m->oops_jmp with its threads; each thread's call restores what
 * it found.
 */
int hr_oopsable_call(struct hr_machine *m, int (*fn)(struct hr_machine *m, void *arg), void *arg,
		     char *err, size_t errlen)
{
	struct hr_machine *prev = hr_cur_machine;
	jmp_buf *prev_jmp = m->oops_jmp;
	jmp_buf jb;
	int rc;

	hr_cur_machine = m;
	m->oops_jmp = &jb;
	if (setjmp(jb)) {
		hr_say(err, errlen, "oops: %s", m->oops_msg);
		rc = HR_E_OOPS;
	} else {
		rc = fn(m, arg);
	}
	m->oops_jmp = prev_jmp;
	hr_cur_machine = prev;
	return rc;
}

const char *hr_last_oops(const hr_machine *m) { return m->oops_msg; }

/* fault injection: the Nth page allocation from now fails (page_alloc.c) */
void hr_fail_nth_allocation(hr_machine *m, long n) { m->fail_nth_alloc = n; }
/* how many allocations are still to come before the injected failure: 0 once it happened (or none was set) */
long hr_pending_allocation_failure(const hr_machine *m) { return m->fail_nth_alloc; }

/* a mapping of the vmalloc area (or the gap below vmemmap) that shares upper tables with vmemmap */
struct neighbour {
	unsigned long addr, end;
};

static int map_neighbour(struct hr_machine *m, void *arg)
{
	const struct neighbour *n = arg;

	return m->inst->map_neighbour(n->addr, n->end);
}

int hr_map_neighbour(hr_machine *m, uint64_t va, uint64_t size, char *err, size_t errlen)
{
	struct neighbour n = { .addr = (unsigned long)va, .end = (unsigned long)(va + size) };
	uint64_t page = 1ull << m->geo.page_shift;
	int rc;

	if (size == 0 || va % page || size % page) {
		hr_say(err, errlen, "neighbour 0x%llx +0x%llx: VA and size must be non-zero multiples of the page size 0x%llx",
		       (unsigned long long)va, (unsigned long long)size, (unsigned long long)page);
		return HR_E_INVALID;
	}
	if (va < m->geo.vmalloc_start || va + size > m->geo.vmemmap_start || va + size < va) {
		hr_say(err, errlen, "neighbour [0x%llx, +0x%llx): outside the vmalloc area and the gap below vmemmap [0x%llx, 0x%llx)",
		       (unsigned long long)va, (unsigned long long)size,
		       (unsigned long long)m->geo.vmalloc_start, (unsigned long long)m->geo.vmemmap_start);
		return HR_E_INVALID;
	}
	rc = hr_oopsable_call(m, map_neighbour, &n, err, errlen);
	if (rc && rc != HR_E_OOPS)
		hr_say(err, errlen, "neighbour [0x%llx, +0x%llx): %s", (unsigned long long)va,
		       (unsigned long long)size, rc == -17 ? "overlaps an existing mapping" : "out of memory");
	return rc;
}
