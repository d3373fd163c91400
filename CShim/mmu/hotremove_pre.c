// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revision: pre
 * Title: arm64 memory hotplug before hot remove (Linux v5.6)
 * Source: the lines the V14 posting removes from arch/arm64/mm/mmu.c
 *   (arch_add_memory() without the failure path, arch_remove_memory() with
 *   its FIXME, an empty vmemmap_free()): the baseline the revisions fix.
 * Config: no MEMORY_HOTREMOVE (arm64 could not select ARCH_ENABLE_MEMORY_HOTREMOVE
 *   before the V14 posting): remove_memory() is the stub that returns -EBUSY and
 *   offline_pages() the one that returns -EINVAL (include/linux/memory_hotplug.h,
 *   v5.6), and there is no ZONE_DEVICE (it depends on MEMORY_HOTREMOVE).  The
 *   arch_remove_memory() below is reached only from add_memory_resource()'s
 *   error path.
 * Pass API: none
 * Add side: v5.7
 * Functions: vmemmap_free, arch_add_memory, arch_remove_memory.
 */

void vmemmap_free(unsigned long start, unsigned long end,
		struct vmem_altmap *altmap)
{
}

#ifdef CONFIG_MEMORY_HOTPLUG
int arch_add_memory(int nid, u64 start, u64 size,
			struct mhp_restrictions *restrictions)
{
	int flags = 0;

	if (rodata_full || debug_pagealloc_enabled())
		flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;

	__create_pgd_mapping(swapper_pg_dir, start, __phys_to_virt(start),
			     size, PAGE_KERNEL, __pgd_pgtable_alloc, flags);

	memblock_clear_nomap(start, size);

	return __add_pages(nid, start >> PAGE_SHIFT, size >> PAGE_SHIFT,
			   restrictions);
}

void arch_remove_memory(int nid, u64 start, u64 size,
			struct vmem_altmap *altmap)
{
	unsigned long start_pfn = start >> PAGE_SHIFT;
	unsigned long nr_pages = size >> PAGE_SHIFT;

	/*
	 * FIXME: Cleanup page tables (also in arch_add_memory() in case
	 * adding fails). Until then, this function should only be used
	 * during memory hotplug (adding memory), not for memory
	 * unplug. ARCH_ENABLE_MEMORY_HOTREMOVE must not be
	 * unlocked yet.
	 */
	__remove_pages(start_pfn, nr_pages, altmap);
}
#endif
