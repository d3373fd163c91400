/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Included by every instance file after the transcribed sources: adapters
 * from the generic kernel code to this instance's routines, the boot-time
 * linear map, vmalloc-style neighbour mappings and the geometry facts.
 * Harness code, not a transcription.
 */
#include "kernel/instance.h"

static int hr_glue_arch_add_memory(int nid, uint64_t start, uint64_t size,
				   struct vmem_altmap *altmap)
{
#ifdef HR_ERA_API_V5_1
	/* v5.1: arch_add_memory(nid, start, size, altmap, want_memblock) */
	return arch_add_memory(nid, start, size, altmap, true);
#else
	struct mhp_params params = { .flags = 0, .altmap = altmap, .pgprot = PAGE_KERNEL };

	return arch_add_memory(nid, start, size, &params);
#endif
}

static void hr_glue_arch_remove_memory(int nid, uint64_t start, uint64_t size,
				       struct vmem_altmap *altmap)
{
	arch_remove_memory(nid, start, size, altmap);
}

/* paging_init() -> map_mem(): the boot linear map, tables from memblock. */
static void hr_glue_boot_map(uint64_t start, uint64_t size)
{
	int flags = 0;

	if (rodata_full || debug_pagealloc_enabled())
		flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
	__create_pgd_mapping(swapper_pg_dir, start, __phys_to_virt(start), size,
			     PAGE_KERNEL, early_pgtable_alloc, flags);
}

/*
 * A vmalloc-area neighbour: page mappings whose missing tables are
 * allocated one page each with __get_free_page(GFP_PGTABLE_KERNEL) and
 * installed with the populate helpers, as vmap_page_range() ->
 * {pud,pmd,pte}_alloc() does, and whose data pages come from the allocator.
 */
static int hr_glue_map_neighbour(unsigned long addr, unsigned long end)
{
	for (; addr < end; addr += PAGE_SIZE) {
		pgd_t *pgdp = pgd_offset_k(addr);
		pud_t *pudp;
		pmd_t *pmdp;
		pte_t *ptep;
		unsigned long data;

		if (pgd_none(READ_ONCE(*pgdp))) {
			unsigned long t = __get_free_page(GFP_PGTABLE_KERNEL);

			if (!t)
				return -ENOMEM;
			__pgd_populate(pgdp, __pa(t), PUD_TYPE_TABLE);
		}
		pudp = pud_offset(pgdp, addr);
		if (pud_none(READ_ONCE(*pudp))) {
			unsigned long t = __get_free_page(GFP_PGTABLE_KERNEL);

			if (!t)
				return -ENOMEM;
			__pud_populate(pudp, __pa(t), PMD_TYPE_TABLE);
		}
		if (pud_sect(READ_ONCE(*pudp)))
			return -EEXIST;
		pmdp = pmd_offset(pudp, addr);
		if (pmd_none(READ_ONCE(*pmdp))) {
			unsigned long t = __get_free_page(GFP_PGTABLE_KERNEL);

			if (!t)
				return -ENOMEM;
			__pmd_populate(pmdp, __pa(t), PMD_TYPE_TABLE);
		}
		if (pmd_sect(READ_ONCE(*pmdp)))
			return -EEXIST;
		ptep = pte_offset_kernel(pmdp, addr);
		if (!pte_none(READ_ONCE(*ptep)))
			return -EEXIST;
		data = __get_free_page(GFP_KERNEL);
		if (!data)
			return -ENOMEM;
		set_pte(ptep, pfn_pte(__pa(data) >> PAGE_SHIFT, PAGE_KERNEL));
	}
	return 0;
}

/*
 * The two passes of a removal, called one at a time by benchmarks (a new
 * revision says in its header which calling convention it has; 0: none).
 */
#if HR_PASS_API == 1
static void hr_glue_unmap_pass(unsigned long s, unsigned long e, bool free_mapped)
{
	unmap_hotplug_range(s, e, free_mapped);
}
static void hr_glue_free_pass(unsigned long s, unsigned long e, unsigned long floor, unsigned long ceiling)
{
	free_empty_tables(s, e);
}
#elif HR_PASS_API == 2
static void hr_glue_unmap_pass(unsigned long s, unsigned long e, bool free_mapped)
{
	unmap_hotplug_range(s, e, free_mapped);
}
static void hr_glue_free_pass(unsigned long s, unsigned long e, unsigned long floor, unsigned long ceiling)
{
	free_empty_tables(s, e, floor, ceiling);
}
#elif HR_PASS_API == 3
static void hr_glue_unmap_pass(unsigned long s, unsigned long e, bool free_mapped)
{
	unmap_hotplug_range(s, e, free_mapped, NULL);
}
static void hr_glue_free_pass(unsigned long s, unsigned long e, unsigned long floor, unsigned long ceiling)
{
	free_empty_tables(s, e, floor, ceiling);
}
#else
#define hr_glue_unmap_pass NULL
#define hr_glue_free_pass NULL
#endif

static void hr_glue_fill_geometry(hr_geometry *g)
{
	memset(g, 0, sizeof(*g));
	g->page_shift = PAGE_SHIFT;
	g->va_bits = VA_BITS;
	g->levels = CONFIG_PGTABLE_LEVELS;
	g->level_shift[HR_LEVEL_PGD] = PGDIR_SHIFT;
	g->level_shift[HR_LEVEL_PUD] = PUD_SHIFT;
	g->level_shift[HR_LEVEL_PMD] = PMD_SHIFT;
	g->level_shift[HR_LEVEL_PTE] = PAGE_SHIFT;
	g->ptrs_per[HR_LEVEL_PGD] = PTRS_PER_PGD;
	g->ptrs_per[HR_LEVEL_PUD] = PTRS_PER_PUD;
	g->ptrs_per[HR_LEVEL_PMD] = PTRS_PER_PMD;
	g->ptrs_per[HR_LEVEL_PTE] = PTRS_PER_PTE;
	g->folded[HR_LEVEL_PUD] = CONFIG_PGTABLE_LEVELS <= 3;
	g->folded[HR_LEVEL_PMD] = CONFIG_PGTABLE_LEVELS <= 2;
	g->cont_pte_shift = CONT_PTE_SHIFT;
	g->cont_pmd_shift = CONT_PMD_SHIFT;
	g->page_offset = PAGE_OFFSET;
	g->page_end = PAGE_END;
	g->vmemmap_start = VMEMMAP_START;
	g->vmemmap_end = VMEMMAP_END;
	g->vmalloc_start = VMALLOC_START;
	g->vmalloc_end = VMALLOC_END;
	g->max_tlbi_ops = MAX_TLBI_OPS;
	g->swapper_uses_section_maps = ARM64_SWAPPER_USES_SECTION_MAPS;
}

const struct hr_instance HR_SYM(instance) = {
	.revision = HR_REVISION_NAME,
	.geometry = HR_GEOMETRY_NAME,
	.fill_geometry = hr_glue_fill_geometry,
	.arch_add_memory = hr_glue_arch_add_memory,
	.arch_remove_memory = hr_glue_arch_remove_memory,
	.vmemmap_populate = vmemmap_populate,
	.vmemmap_free = vmemmap_free,
	.boot_map = hr_glue_boot_map,
	.map_neighbour = hr_glue_map_neighbour,
	.initcall = &hr_device_initcall,
	.unmap_pass = hr_glue_unmap_pass,
	.free_pass = hr_glue_free_pass,
	.walker_ptdump = hr_walker_ptdump,
	.walker_vmalloc = hr_walker_vmalloc,
#ifdef HR_NO_MEMORY_HOTREMOVE
	.memory_hotremove = false,
#else
	.memory_hotremove = true,
#endif
	.generic = &hr_generic_layer,
};
