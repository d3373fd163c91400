/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Included by every instance file before the transcribed sources: the seam,
 * and per-instance names for the kernel's global symbols (each revision is
 * compiled eight times, once per geometry, into one program).
 */
#ifndef HR_INSTANCE
#error "an instance defines HR_INSTANCE, HR_REVISION_NAME and HR_GEOMETRY_NAME"
#endif

#define HR_CAT2(a, b)	a##_##b
#define HR_CAT(a, b)	HR_CAT2(a, b)
#define HR_SYM(name)	HR_CAT(HR_INSTANCE, name)

#define pud_set_huge			HR_SYM(pud_set_huge)
#define pmd_set_huge			HR_SYM(pmd_set_huge)
#define vmemmap_alloc_block		HR_SYM(vmemmap_alloc_block)
#define vmemmap_alloc_block_buf		HR_SYM(vmemmap_alloc_block_buf)
#define vmemmap_pte_populate		HR_SYM(vmemmap_pte_populate)
#define vmemmap_pmd_populate		HR_SYM(vmemmap_pmd_populate)
#define vmemmap_pud_populate		HR_SYM(vmemmap_pud_populate)
#define vmemmap_p4d_populate		HR_SYM(vmemmap_p4d_populate)
#define vmemmap_pgd_populate		HR_SYM(vmemmap_pgd_populate)
#define vmemmap_populate_basepages	HR_SYM(vmemmap_populate_basepages)
#define vmemmap_populate		HR_SYM(vmemmap_populate)
#define vmemmap_free			HR_SYM(vmemmap_free)
#define arch_add_memory			HR_SYM(arch_add_memory)
#define arch_remove_memory		HR_SYM(arch_remove_memory)

#include "kshim/kshim.h"

/* device_initcall() in a revision fills this in (a tentative definition). */
static int (*hr_device_initcall)(void);
