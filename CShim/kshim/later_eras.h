/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API that later fixes (2025, 2026; taken in their 6.1.y stable
 * form) call and that the v5.7 shim does not otherwise provide.  Additive:
 * kernel names, the conventions of the rest of the shim.
 */
#ifndef HR_KSHIM_LATER_ERAS_H
#define HR_KSHIM_LATER_ERAS_H

/* arch/arm64/include/asm/kernel-pgtable.h (6.1): the v5.7 name was
 * ARM64_SWAPPER_USES_SECTION_MAPS (4K pages: PMD blocks in the vmemmap). */
#define ARM64_KERNEL_USES_PMD_MAPS	ARM64_SWAPPER_USES_SECTION_MAPS

/* include/asm-generic/bug.h: recorded every time (a WARN in a run is a finding either way) */
#define WARN_ON_ONCE(condition)		WARN_ON(condition)

#endif
