/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API that later fixes (2025 in its 6.1.y stable form, 2026 as merged
 * in mainline) call and that the v5.7 shim does not otherwise provide.  Additive:
 * kernel names, the conventions of the rest of the shim.
 */
#ifndef HR_KSHIM_LATER_ERAS_H
#define HR_KSHIM_LATER_ERAS_H

/* arch/arm64/include/asm/kernel-pgtable.h (6.1): the v5.7 name was
 * ARM64_SWAPPER_USES_SECTION_MAPS (4K pages: PMD blocks in the vmemmap). */
#define ARM64_KERNEL_USES_PMD_MAPS	ARM64_SWAPPER_USES_SECTION_MAPS

/* include/asm-generic/bug.h: recorded every time (a WARN in a run is a finding either way); its
 * condition is recorded as written, not macro-expanded */
#define WARN_ON_ONCE(condition)		hr_warn_on(condition, #condition)

/* include/linux/kconfig.h IS_ENABLED(), without the =m case (no modules here) */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option)		__is_defined(option)
/* the shim checks VM_BUG_ON() (custom.h): CONFIG_DEBUG_VM=y */
#define CONFIG_DEBUG_VM 1

#define pr_err(fmt, ...)		do { } while (0)

/* include/linux/align.h, pfn.h, mmzone.h */
#define IS_ALIGNED(x, a)		(((x) & ((typeof(x))(a) - 1)) == 0)
/* include/linux/mm.h */
#define PAGE_ALIGNED(addr)		IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)
#define PFN_PHYS(x)			((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x)			((unsigned long)((x) >> PAGE_SHIFT))
#define PA_SECTION_SHIFT		(SECTION_SIZE_BITS)
static inline int online_section(struct mem_section *section)
{
	return (section && (section->section_mem_map & SECTION_IS_ONLINE));
}

/* mm/memblock.c: at an early_initcall memblock.memory is the boot memory, one range */
static inline bool hr_mem_range(u64 i, phys_addr_t *start, phys_addr_t *end)
{
	if (i != 0)
		return false;
	*start = HR_M->cfg.boot_start;
	*end = HR_M->cfg.boot_start + HR_M->cfg.boot_size;
	return true;
}
#define for_each_mem_range(i, p_start, p_end) \
	for (i = 0; hr_mem_range(i, p_start, p_end); i++)

/* include/linux/pgtable.h (6.x) accessors: READ_ONCE() of the entry */
#define pgdp_get(pgdp)			READ_ONCE(*(pgdp))
#define p4dp_get(p4dp)			READ_ONCE(*(p4dp))
#define pudp_get(pudp)			READ_ONCE(*(pudp))
#define pmdp_get(pmdp)			READ_ONCE(*(pmdp))
#define __ptep_get(ptep)		READ_ONCE(*(ptep))
/*
 * arch/arm64/include/asm/pgtable.h (6.9+, where the arm64-private pte helpers
 * took their __ names): __pte_clear() is __set_pte(ptep, __pte(0)), the entry
 * written with no barrier since 0 is not a valid entry; v5.7's pte_clear()
 * (set_pte() of 0, recorded) does the same.
 */
#define __pte_clear(mm, addr, ptep)	pte_clear(mm, addr, ptep)

/* arch/arm64/include/asm/pgtable.h (6.x), on the v5.7 primitives */
#define pmd_cont(pmd)			pte_cont(pmd_pte(pmd))
#define pmd_leaf(pmd)			(pmd_present(pmd) && !pmd_table(pmd))
#define pud_leaf(pud)			(pud_present(pud) && !pud_table(pud))

/*
 * The vmemmap VA of pfn's struct page, as the kernel's pfn_to_page()
 * (vmemmap + pfn) gives it; the shim's own pfn_to_page() returns its
 * bookkeeping struct page.  Used where a body takes pfn_to_page() as an
 * address (fix2026's can_unmap_without_split()).
 */
static inline unsigned long hr_vmemmap_va(unsigned long pfn)
{
	return VMEMMAP_START + (pfn - (memstart_addr >> PAGE_SHIFT)) *
		(unsigned long)HR_M->cfg.struct_page_size;
}

#endif
