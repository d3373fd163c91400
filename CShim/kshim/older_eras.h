/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API that older postings (2019, v5.1 to v5.5 era) call and that the
 * v5.7 shim does not otherwise provide.  Additive: kernel names, the same
 * conventions as the rest of the shim (custom: recorded; stubs: no-ops).
 */
#ifndef HR_KSHIM_OLDER_ERAS_H
#define HR_KSHIM_OLDER_ERAS_H

/*
 * include/linux/build_bug.h: BUILD_BUG_ON() is a compile-time assertion.
 * Like BUILD_BUG(), it is checked at run time here: the conditions V7 states
 * (VMALLOC_END, VMEMMAP_START, ...) are constant in the kernel but not all
 * are integer constant expressions in the shim.
 */
#define BUILD_BUG_ON(condition)	BUG_ON(condition)

/*
 * include/linux/init.h: an early_initcall() runs before device initcalls;
 * an instance has one initcall slot (no revision registers both kinds).
 */
#define early_initcall(fn)	device_initcall(fn)

#endif
