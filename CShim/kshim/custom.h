/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * custom: the instrumented part of the shim.  Kernel names, user-space
 * bodies: the current machine, READ_ONCE with poison detection, WARN/BUG
 * recorders, barriers and TLBIs, struct page and the page allocator.
 * Nothing here needs the page-table types; custom_pgtable.h has the rest.
 */
#ifndef HR_KSHIM_CUSTOM_H
#define HR_KSHIM_CUSTOM_H

#include "kernel/recorder.h"

#define HR_M (hr_cur_machine)

/*
 * READ_ONCE: a volatile load, plus one compare against the poison that a
 * freed table page is filled with, so that a walker reading a freed table
 * is caught (a use-after-free that the kernel would not notice until much
 * later).  The compare costs nothing next to the load.
 */
static inline void hr_check_poison(const volatile void *p, const void *v, size_t n)
{
	if (n == sizeof(u64)) {
		u64 x;
		memcpy(&x, v, sizeof(x));
		if (unlikely(x == HR_POISON))
			hr_poison_read(p);
	}
}
#define READ_ONCE(x)							\
({									\
	__typeof__(x) __hr_v = *(const volatile __typeof__(x) *)&(x);	\
	hr_check_poison(&(x), &__hr_v, sizeof(__hr_v));			\
	__hr_v;								\
})
/*
 * The walkers' READ_ONCE (mmu/walkers.c redefines READ_ONCE to this): a
 * scheduling point of the explorer first.  The transcribed routines' own
 * reads are not points -- on their hot loops even an untaken test costs a
 * third of the unmap pass -- but every write and free they make is, and each
 * decision they take on a read (a table found empty) is followed by a write
 * (the clear of the entry pointing at it) before it has an effect.
 */
#define HR_READ_ONCE_POINT(x)						\
({									\
	hr_sched_point(HR_SP_READ, &(x), 0);				\
	__typeof__(x) __hr_pv = *(const volatile __typeof__(x) *)&(x);	\
	hr_check_poison(&(x), &__hr_pv, sizeof(__hr_pv));		\
	__hr_pv;							\
})
#define WRITE_ONCE(x, val)						\
do {									\
	*(volatile __typeof__(x) *)&(x) = (val);			\
} while (0)

/* include/asm-generic/bug.h */
#define hr_warn_on(condition, text) ({				\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		hr_rec_warn(__FILE__, __LINE__, text);			\
	unlikely(__ret_warn_on);					\
})
#define WARN_ON(condition) hr_warn_on(condition, #condition)
#define WARN(condition, format...) WARN_ON(condition)
#define BUG() hr_oops(__FILE__, __LINE__, "BUG()")
#define BUG_ON(condition) do {						\
	if (unlikely(condition))					\
		hr_oops(__FILE__, __LINE__, "BUG_ON(" #condition ")");	\
} while (0)
/* CONFIG_DEBUG_VM=y: VM_BUG_ON() is checked. */
#define VM_BUG_ON(cond) BUG_ON(cond)
/* The kernel's BUILD_BUG() is a compile-time error in code that folding
 * makes unreachable; the shim is also built at -O0, so it is a run-time BUG. */
#define BUILD_BUG() BUG()

/* arch/arm64/include/asm/barrier.h: recorded, not executed.  Barriers and TLBIs are not
 * scheduling points of the explorer: its threads are software walkers, which no TLBI or
 * barrier orders against, so a switch before one is a switch before the next access. */
#define dsb(opt)	hr_dsb_##opt()
#define isb()		hr_isb()
static inline void hr_dsb_ishst(void)
{
	struct hr_machine *m = HR_M;

	m->counters.dsb_ishst++;
	if (unlikely(m->trace_on))
		hr_rec_event(HR_EV_DSB, HR_DSB_ISHST, 0, 0);
}
static inline void hr_dsb_ish(void)
{
	struct hr_machine *m = HR_M;

	m->counters.dsb_ish++;
	if (unlikely(m->trace_on))
		hr_rec_event(HR_EV_DSB, HR_DSB_ISH, 0, 0);
}
static inline void hr_isb(void)
{
	struct hr_machine *m = HR_M;

	m->counters.isb++;
	if (unlikely(m->trace_on))
		hr_rec_event(HR_EV_ISB, 0, 0, 0);
}

/* arch/arm64/include/asm/tlbflush.h __tlbi(): one recorder per operation. */
#define __tlbi(op, ...)	hr_tlbi_##op(__VA_ARGS__)
static inline void hr_tlbi_vaale1is(u64 arg)
{
	struct hr_machine *m = HR_M;

	m->counters.tlbi_va++;
	if (unlikely(m->trace_on))
		hr_rec_tlbi_va_trace(arg);
}
static inline void hr_tlbi_vmalle1is(void)
{
	HR_M->counters.tlbi_all++;
	if (HR_M->trace_on)
		hr_rec_event(HR_EV_TLBI_ALL, 0, 0, 0);
}
static inline void hr_tlbi_vaae1is(u64 arg)
{
	HR_M->counters.tlbi_walk++;
	if (HR_M->trace_on)	/* traced as the VA, like vaale1is */
		hr_rec_event(HR_EV_TLBI_WALK, 0, hr_tlbi_operand_va(arg), 0);
}

/*
 * Physical memory: __va()/__pa() are constant offsets into the host reservation.
 * __va() adds in integers: a walker that follows an entry cleared under it
 * takes __va(0), below the reservation (the explorer stops it at its next
 * access there, kernel/sched.c); as pointer arithmetic that address would
 * wrap, which is undefined behaviour (UBSan's pointer-overflow).
 */
#define memstart_addr		(HR_M->phys_offset)
#define __va(x)		((void *)((uintptr_t)HR_M->host_base + ((phys_addr_t)(x) - HR_M->phys_offset)))
#define __pa(x)		((phys_addr_t)((const char *)(x) - HR_M->host_base) + HR_M->phys_offset)
#define __pa_symbol(x)	__pa(x)

#define pfn_to_page(pfn)	hr_pfn_to_page(HR_M, (pfn))
#define page_to_pfn(page)	hr_page_to_pfn(HR_M, (page))
#define page_address(page)	__va((phys_addr_t)page_to_pfn(page) << PAGE_SHIFT)
#define virt_to_page(x)		pfn_to_page(__pa(x) >> PAGE_SHIFT)
#define phys_to_page(x)		pfn_to_page((x) >> PAGE_SHIFT)
#define PageReserved(page)	(((page)->flags & HR_PG_reserved) != 0)
#define pfn_valid(pfn)		hr_pfn_in_memmap(HR_M, (pfn))

extern struct zone hr_the_zone;
#define page_zone(page)		((void)(page), &hr_the_zone)

/* include/linux/gfp.h */
#define __GFP_ZERO		0x100u
#define __GFP_RETRY_MAYFAIL	0x400u
#define __GFP_NOWARN		0x200u
#define GFP_KERNEL		0xcc0u
#define GFP_PGTABLE_KERNEL	(GFP_KERNEL | __GFP_ZERO)

#define slab_is_available()	(HR_M->slab_available)

/* mm/memblock.c: boot allocations, top-down, reserved for good */
#define memblock_phys_alloc(size, align)	hr_memblock_phys_alloc(size)
#define panic(fmt, ...)		hr_oops(__FILE__, __LINE__, fmt)

/* mm/memremap.c: vmem_altmap_free() is the generic layer's (kernel/hotplug.c) */
void hr_vmem_altmap_free(struct vmem_altmap *altmap, unsigned long nr_pfns);
#define vmem_altmap_free(altmap, nr_pfns)	hr_vmem_altmap_free((altmap), (nr_pfns))
static inline unsigned long vmem_altmap_offset(struct vmem_altmap *altmap)
{
	/* number of pfns from base where pfn_to_page() is valid */
	if (altmap)
		return altmap->reserve + altmap->free;
	return 0;
}

/* SPARSEMEM: SECTION_SIZE_BITS is an era parameter of the scenario. */
#define SECTION_SIZE_BITS	(HR_M->cfg.section_size_bits)
#define PFN_SECTION_SHIFT	(SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION	(1UL << PFN_SECTION_SHIFT)
#define PAGE_SECTION_MASK	(~(PAGES_PER_SECTION-1))
#define __pfn_to_section(pfn)	hr_pfn_to_section(pfn)
static inline int early_section(struct mem_section *section)
{
	return (section && (section->section_mem_map & SECTION_IS_EARLY));
}

static inline int register_memory_notifier(struct notifier_block *nb)
{
	if (HR_M->nr_notifiers >= HR_MAX_NOTIFIERS)
		return -ENOMEM;
	HR_M->notifiers[HR_M->nr_notifiers++] = nb;
	return 0;
}

int hr___add_pages(int nid, unsigned long start_pfn, unsigned long nr_pages,
		   struct vmem_altmap *altmap);
void hr___remove_pages(unsigned long pfn, unsigned long nr_pages, struct vmem_altmap *altmap);
/* v5.7 passes struct mhp_params (restrictions); V1..V3 (v5.1) pass the altmap and want_memblock. */
#define HR_ADD_PAGES_SELECT(_1, _2, _3, _4, _5, NAME, ...) NAME
#define __add_pages(...) \
	HR_ADD_PAGES_SELECT(__VA_ARGS__, hr_add_pages_v5_1, hr_add_pages_params, _, _, _)(__VA_ARGS__)
#define hr_add_pages_params(nid, pfn, nr, params)	hr___add_pages((nid), (pfn), (nr), (params)->altmap)
#define hr_add_pages_v5_1(nid, pfn, nr, altmap, want_memblock) \
	((void)(want_memblock), hr___add_pages((nid), (pfn), (nr), (altmap)))
/* V6 (v5.2) passes a zone first; v5.7 dropped it.  V1..V3 (v5.1) use its
 * int result: 0 (the harness's __remove_pages() cannot fail). */
#define HR_REMOVE_PAGES_SELECT(_1, _2, _3, _4, NAME, ...) NAME
#define __remove_pages(...) \
	HR_REMOVE_PAGES_SELECT(__VA_ARGS__, hr_remove_pages_zone, hr___remove_pages, _, _)(__VA_ARGS__)
#define hr_remove_pages_zone(zone, pfn, nr, altmap) \
	({ (void)(zone); hr___remove_pages((pfn), (nr), (altmap)); 0; })

/* configuration that arch_add_memory() consults */
#define rodata_full			(HR_M->cfg.rodata_full)
#define debug_pagealloc_enabled()	(HR_M->cfg.debug_pagealloc)

#endif
