/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compile-time geometry of one instance, as a v5.7 arm64 .config would set it.
 * The instance file defines HR_PAGE_SHIFT (12, 14, 16) and HR_VA_BITS before
 * including kshim.h; everything else follows as in arch/arm64/Kconfig.
 */
#ifndef HR_KSHIM_GEOMETRY_H
#define HR_KSHIM_GEOMETRY_H

#if !defined(HR_PAGE_SHIFT) || !defined(HR_VA_BITS)
#error "an instance must define HR_PAGE_SHIFT and HR_VA_BITS"
#endif

#if HR_PAGE_SHIFT == 12
#define CONFIG_ARM64_4K_PAGES 1
#elif HR_PAGE_SHIFT == 14
#define CONFIG_ARM64_16K_PAGES 1
#elif HR_PAGE_SHIFT == 16
#define CONFIG_ARM64_64K_PAGES 1
#else
#error "unsupported granule"
#endif

#define CONFIG_ARM64_PAGE_SHIFT HR_PAGE_SHIFT
#define CONFIG_ARM64_VA_BITS HR_VA_BITS
#if HR_VA_BITS == 52
#define CONFIG_ARM64_VA_BITS_52 1
#endif

/* arch/arm64/Kconfig: PGTABLE_LEVELS from the granule and VA_BITS. */
#if HR_PAGE_SHIFT == 12 && HR_VA_BITS == 39
#define CONFIG_PGTABLE_LEVELS 3
#elif HR_PAGE_SHIFT == 12 && HR_VA_BITS == 48
#define CONFIG_PGTABLE_LEVELS 4
#elif HR_PAGE_SHIFT == 14 && HR_VA_BITS == 36
#define CONFIG_PGTABLE_LEVELS 2
#elif HR_PAGE_SHIFT == 14 && HR_VA_BITS == 47
#define CONFIG_PGTABLE_LEVELS 3
#elif HR_PAGE_SHIFT == 14 && HR_VA_BITS == 48
#define CONFIG_PGTABLE_LEVELS 4
#elif HR_PAGE_SHIFT == 16 && HR_VA_BITS == 42
#define CONFIG_PGTABLE_LEVELS 2
#elif HR_PAGE_SHIFT == 16 && (HR_VA_BITS == 48 || HR_VA_BITS == 52)
#define CONFIG_PGTABLE_LEVELS 3
#else
#error "not an arm64 geometry of the v5.7 era"
#endif

#define CONFIG_MEMORY_HOTPLUG 1
#define CONFIG_MEMORY_HOTREMOVE 1
#define CONFIG_SPARSEMEM_VMEMMAP 1
#define CONFIG_SPARSEMEM 1

#endif
