/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stubs: kernel calls that have nothing to do in user space.
 */
#ifndef HR_KSHIM_STUBS_H
#define HR_KSHIM_STUBS_H

#define pr_warn(fmt, ...)		do { } while (0)
#define pr_warn_once(fmt, ...)		do { } while (0)
#define pr_debug(fmt, ...)		do { } while (0)
#define warn_alloc(gfp, nodemask, fmt, ...) do { } while (0)
#define cond_resched()			do { } while (0)
#define memblock_clear_nomap(base, size) ((void)(base), (void)(size), 0)
/* memory is never accessed: vmemmap_verify() only checks the NUMA node */
#define vmemmap_verify(pte, node, start, end) do { } while (0)
/* the boot-time sparse buffer is used up before any hot-add */
#define sparse_buffer_alloc(size)	((void *)NULL)
#define MAX_DMA_ADDRESS			0
#define device_initcall(fn)		static int (*hr_device_initcall)(void) = fn;
#define EXPORT_SYMBOL(x)

#endif
