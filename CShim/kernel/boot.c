// SPDX-License-Identifier: GPL-2.0-only
/*
 * A machine's life.  hr_machine_create() checks the configuration, reserves
 * the simulated physical memory and its struct pages in host address space
 * (committed on use), and boots the kernel on it; hr_machine_destroy() gives
 * it all back.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "kernel/machine.h"
#include "kernel/recorder.h"
#include "kernel/instance.h"

static unsigned max_order_of(unsigned page_shift)
{
	/* FORCE_MAX_ZONEORDER at v5.7 with THP: 4K 11, 16K 12, 64K 14 */
	return page_shift == 12 ? 11 : page_shift == 14 ? 12 : 14;
}

void hr_machine_destroy(hr_machine *m)
{
	if (!m)
		return;
	if (m->host_base)
		munmap(m->host_base, m->host_len);
	if (m->memmap)
		munmap(m->memmap, m->memmap_len);
	free(m->sections);
	free(m->trace);
	free(m->ranges);
	hr_saved_tables_free(m);
	free(m);
}

/*
 * The kernel's part of boot, on the machine the configuration describes: swapper_pg_dir,
 * map_mem() of boot memory, sparse_init(), memmap_init(), memblock_free_all() (the allocator
 * takes over boot memory), then the revision's initcall.
 */
static int boot(struct hr_machine *m, void *unused)
{
	uint64_t pgd = hr_memblock_phys_alloc(1ull << m->geo.page_shift);

	if (!pgd)
		hr_oops(__FILE__, __LINE__, "no memory for swapper_pg_dir");
	m->swapper_pg_dir = m->host_base + (pgd - m->phys_offset);
	memset(m->swapper_pg_dir, 0, 1ull << m->geo.page_shift);
	m->init_mm.pgd = m->swapper_pg_dir;
	m->inst->boot_map(m->cfg.boot_start, m->cfg.boot_size);
	if (m->inst->generic->sparse_init(m))
		hr_oops(__FILE__, __LINE__, "boot memory too small for its memmap");
	/* memmap_init(): the boot memory's struct pages */
	hr_memmap_words(m, m->boot_start_pfn, m->boot_end_pfn - m->boot_start_pfn, HR_MEMMAP_BOOT);
	m->slab_available = true;
	hr_allocator_init(m);
	if (m->inst->initcall && *m->inst->initcall)
		(*m->inst->initcall)();
	return 0;
}

/*
 * The configuration, for the instance's geometry g: true, or false with what is wrong in err.
 * The scenario's validation (Swift) guarantees all of it; these checks are assertions, and the
 * Swift side reports a refusal as an internal error, not as bad input.
 */
static bool config_valid(const hr_instance *inst, const hr_machine_config *cfg, const hr_geometry *g,
			 char *err, size_t errlen)
{
	uint64_t sec;

	if (cfg->section_size_bits < 21 || cfg->section_size_bits > 30) {
		hr_say(err, errlen, "sectionSizeBits %u: must be between 21 (one 2 MiB sub-section) and 30",
		       cfg->section_size_bits);
		return false;
	}
	if (cfg->section_size_bits < g->page_shift + 1) {
		hr_say(err, errlen, "sectionSizeBits %u: smaller than the %u-byte page", cfg->section_size_bits,
		       1u << g->page_shift);
		return false;
	}
	if (cfg->struct_page_size < 32 || cfg->struct_page_size > 128 || cfg->struct_page_size % 8) {
		hr_say(err, errlen, "structPageSize %u: must be a multiple of 8 between 32 and 128",
		       cfg->struct_page_size);
		return false;
	}
	sec = 1ull << cfg->section_size_bits;
	if (cfg->phys_offset % (1ull << 30)) {
		hr_say(err, errlen, "physOffset 0x%llx: memstart_addr must be 1 GiB aligned (ARM64_MEMSTART_ALIGN)",
		       (unsigned long long)cfg->phys_offset);
		return false;
	}
	if (cfg->phys_size == 0 || cfg->phys_size % sec) {
		hr_say(err, errlen, "physSize 0x%llx: must be a non-zero multiple of the section size 0x%llx",
		       (unsigned long long)cfg->phys_size, (unsigned long long)sec);
		return false;
	}
	if (cfg->phys_offset + cfg->phys_size > (1ull << 48) ||
	    cfg->phys_size > g->page_end - g->page_offset) {
		hr_say(err, errlen, "physSize 0x%llx: beyond 48-bit physical addresses or the %llu GiB linear map of %s",
		       (unsigned long long)cfg->phys_size,
		       (unsigned long long)((g->page_end - g->page_offset) >> 30), inst->geometry);
		return false;
	}
	if (cfg->boot_size == 0 || cfg->boot_start % sec || cfg->boot_size % sec ||
	    cfg->boot_start < cfg->phys_offset ||
	    cfg->boot_start + cfg->boot_size > cfg->phys_offset + cfg->phys_size) {
		hr_say(err, errlen, "bootMemory [0x%llx, +0x%llx): must be non-empty, section aligned and inside physical memory",
		       (unsigned long long)cfg->boot_start, (unsigned long long)cfg->boot_size);
		return false;
	}
	if ((cfg->boot_size >> g->page_shift) >= UINT32_MAX) {
		hr_say(err, errlen, "bootMemory size 0x%llx: too many pages for the allocator",
		       (unsigned long long)cfg->boot_size);
		return false;
	}
	return true;
}

hr_machine *hr_machine_create(const hr_instance *inst, const hr_machine_config *cfg,
			      char *err, size_t errlen)
{
	struct hr_machine *m;
	hr_geometry g;
	uint64_t pfn_size;

	inst->fill_geometry(&g);
	if (!config_valid(inst, cfg, &g, err, errlen))
		return NULL;
	/* the machine, its sections and its ranges from the host heap */
	m = calloc(1, sizeof(*m));
	if (m) {
		m->nr_sections = cfg->phys_size >> cfg->section_size_bits;
		m->sections = calloc(m->nr_sections, sizeof(*m->sections));
		m->ranges = calloc(1, sizeof(*m->ranges));
	}
	if (!m || !m->sections || !m->ranges) {
		hr_machine_destroy(m);
		hr_say(err, errlen, "out of host memory");
		return NULL;
	}
	m->inst = inst;
	m->geo = g;
	m->cfg = *cfg;
	m->phys_offset = cfg->phys_offset;
	m->phys_end = cfg->phys_offset + cfg->phys_size;
	m->max_order = max_order_of(g.page_shift);
	/* physical memory and its struct pages: host address space, committed on use */
	m->host_len = cfg->phys_size;
	m->host_base = mmap(NULL, m->host_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	pfn_size = cfg->phys_size >> g.page_shift;
	m->memmap_len = pfn_size * sizeof(struct page);
	m->memmap = mmap(NULL, m->memmap_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->host_base == MAP_FAILED || m->memmap == MAP_FAILED) {
		if (m->host_base == MAP_FAILED)
			m->host_base = NULL;
		if (m->memmap == MAP_FAILED)
			m->memmap = NULL;
		hr_machine_destroy(m);
		hr_say(err, errlen, "cannot reserve %llu GiB of host address space",
		       (unsigned long long)(cfg->phys_size >> 30));
		return NULL;
	}
	m->base_pfn = cfg->phys_offset >> g.page_shift;
	m->end_pfn = m->phys_end >> g.page_shift;
	m->base_section = cfg->phys_offset >> cfg->section_size_bits;
	m->boot_start_pfn = cfg->boot_start >> g.page_shift;
	m->boot_end_pfn = (cfg->boot_start + cfg->boot_size) >> g.page_shift;
	m->memblock_top_pfn = m->boot_end_pfn;

	if (hr_oopsable_call(m, boot, NULL, NULL, 0) == HR_E_OOPS) {
		hr_say(err, errlen, "boot failed: %s", m->oops_msg);
		hr_machine_destroy(m);
		return NULL;
	}
	memset(&m->counters, 0, sizeof(m->counters));
	return m;
}
