/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One compiled instance: a revision built for one geometry.  Each instance
 * exports one table of entry points; the generic kernel code calls the
 * arch routines of the machine's instance through it.
 */
#ifndef HR_KERNEL_INSTANCE_H
#define HR_KERNEL_INSTANCE_H

#include "kernel/machine.h"

/*
 * The generic memory-hotplug layer (kernel/hotplug.c: mm/sparse.c, mm/memory_hotplug.c,
 * mm/memremap.c, the memmap-from-range RFC's generic part) as the machine calls it.  Every instance names the layer it runs
 * with: a shipped one hotplug.c's hr_generic_layer; a test-only mutant of the generic layer
 * (CShim/mutants/generic) a patched copy of hotplug.c compiled under other names, which its
 * arch routines reach by name too (see CShim/mutants/generic_names.h).
 */
struct hr_generic_ops {
	int (*sparse_init)(struct hr_machine *m);
	int (*offline_range)(struct hr_machine *m, unsigned long pfn, unsigned long nr_pages);
	void (*online_range)(struct hr_machine *m, unsigned long pfn, unsigned long nr_pages);
	unsigned long (*check_nr_vmemmap_pages)(const struct hr_machine *m, unsigned long pfn);
	bool (*mhp_supports_memmap_on_memory)(const struct hr_machine *m);
};
extern const struct hr_generic_ops hr_generic_layer;

struct hr_instance {
	const char *revision;
	const char *geometry;
	void (*fill_geometry)(hr_geometry *g);
	int (*arch_add_memory)(int nid, uint64_t start, uint64_t size, struct vmem_altmap *altmap);
	void (*arch_remove_memory)(int nid, uint64_t start, uint64_t size,
				   struct vmem_altmap *altmap);
	int (*vmemmap_populate)(unsigned long start, unsigned long end, int node,
				struct vmem_altmap *altmap);
	void (*vmemmap_free)(unsigned long start, unsigned long end, struct vmem_altmap *altmap);
	void (*boot_map)(uint64_t start, uint64_t size);
	int (*map_neighbour)(unsigned long addr, unsigned long end);
	void (*unmap_pass)(unsigned long start, unsigned long end, bool free_mapped);
	void (*free_pass)(unsigned long start, unsigned long end, unsigned long floor, unsigned long ceiling);
	int (**initcall)(void);
	/* walkers (mmu/walkers.c): run as explorer threads */
	void (*walker_ptdump)(bool hotplug_lock);
	int (*walker_vmalloc)(unsigned long start, unsigned long end, bool map, bool unmap);
	int (**initcall_unused)(void);		/* slot of the revision's device_initcall (NULL inside if none) */
	/* CONFIG_MEMORY_HOTREMOVE: false for a kernel before arm64 had hot remove (v5.6), whose
	 * remove_memory() and offline_pages() are the stubs of include/linux/memory_hotplug.h */
	bool memory_hotremove;
	const struct hr_generic_ops *generic;	/* the generic hotplug layer this instance runs with */
};

extern const struct hr_instance *const hr_instances[];
extern const int hr_nr_instances;

#endif
