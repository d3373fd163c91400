/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HR_KERNEL_GROW_H
#define HR_KERNEL_GROW_H
#include <stdlib.h>

/*
 * The result lists the machine hands to Swift (snapshot runs and tables,
 * explorer events and findings) grow by doubling: room for at least @need
 * elements of @elem bytes in @p, whose room is *@cap.  NULL when the host
 * has no memory, with @p and *@cap left as they were.
 */
static inline void *hr_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap * 2 : 256;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * elem);
	if (!q)
		return NULL;
	*cap = n;
	return q;
}
#endif
