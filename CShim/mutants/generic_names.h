/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A mutant of the generic hotplug layer runs under its own names.  Included, with
 * HR_GENERIC_LAYER set to the mutant's prefix (hr_mut_generic_<name>), before
 *  - the patched copy of CShim/kernel/hotplug.c: the copy then defines every one of its
 *    external symbols under the prefix, beside the real ones in CShim;
 *  - each instance of the mutant (its base revision's sources): the arch routines then call
 *    the copy (__add_pages(), __remove_pages() and vmem_altmap_free() reach these names
 *    through kshim/custom.h), and instance_end.h's `.generic = &hr_generic_layer`
 *    names the copy's table, through which the machine calls the rest.
 * Every function hotplug.c does not make static is named here (generate.sh checks it).
 */
#ifndef HR_GENERIC_LAYER
#error "a generic-layer mutant defines HR_GENERIC_LAYER, its name prefix"
#endif

#define HR_GL_CAT2(a, b)	a##_##b
#define HR_GL_CAT(a, b)		HR_GL_CAT2(a, b)
#define HR_GL(name)		HR_GL_CAT(HR_GENERIC_LAYER, name)

#define hr_mark_vmemmap_pages			HR_GL(mark_vmemmap_pages)
#define hr_check_nr_vmemmap_pages		HR_GL(check_nr_vmemmap_pages)
#define hr___add_pages				HR_GL(add_pages)
#define hr___remove_pages			HR_GL(remove_pages)
#define hr_vmem_altmap_free			HR_GL(vmem_altmap_free)
#define hr_mhp_supports_memmap_on_memory	HR_GL(mhp_supports_memmap_on_memory)
#define hr_offline_range			HR_GL(offline_range)
#define hr_sparse_init				HR_GL(sparse_init)
#define hr_online_range				HR_GL(online_range)
#define hr_generic_layer			HR_GL(generic_layer)
