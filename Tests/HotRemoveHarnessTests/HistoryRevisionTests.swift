import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The patch history (docs/HISTORY.md): one scenario per revision, its counts derived by hand from the posting's
/// code (the derivation is written beside each test, never taken from a run).  These tests pin what
/// each posting's code does; HistoryContractTests checks the model's contracts against the same counts.
@Suite struct HistoryRevisionTests {
    // The scenario (pmdBlockRun, in Support.swift) is the one RemovalTests uses for V6 and final.

    // v5.7 flush_tlb_kernel_range(start, end): flush_tlb_all() (one vmalle1is) only if
    // (end - start) >> PAGE_SHIFT > MAX_TLBI_OPS (= PTRS_PER_PTE = 512), else one vaale1is per page.
    // A 2 MiB block flushed over (addr, next) is 512 pages: not more than 512, so 512 vaale1is.
    let walkedBlockTLBIs: UInt64 = 520 * 512
    // Cleared by every revision here: 512 linear + 8 vmemmap PMD block entries, and the two PUD entries of
    // the linear PMD tables it frees.
    let clears: [UInt64] = [0, 2, 520, 0]

    /// The TLB counts are each revision's own (derived beside its test); the rest of pmdBlockRun's removal is the
    /// same for all: the clears above, the two linear PMD tables freed, the 8 vmemmap blocks freed as
    /// order-9 pages, no WARN and no fault.
    func expectPMDBlockRemoval(_ s: StepObservation, tlbiVA: UInt64, tlbiAll: UInt64, tlbiWalk: UInt64,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(s.effects.tlbiVA == tlbiVA, sourceLocation: sourceLocation)
        #expect(s.effects.tlbiAll == tlbiAll, sourceLocation: sourceLocation)
        #expect(s.effects.tlbiWalk == tlbiWalk, sourceLocation: sourceLocation)
        #expect(s.effects.tablesFreed == [0, 0, 2, 0], sourceLocation: sourceLocation)
        #expect(s.effects.clears == clears, sourceLocation: sourceLocation)
        #expect(s.effects.dataFreedByOrder[9] == 8, sourceLocation: sourceLocation)
        #expect(s.effects.dataFreedByOrder.reduce(0, +) == 8, sourceLocation: sourceLocation)
        #expect(s.warns.isEmpty && s.faults.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func v7() throws {
        let s = try pmdBlockRun("v7").steps[1]
        // unmap_hotplug_{pmd}_range(): each block: pmd_clear(), flush_tlb_kernel_range(addr, next) = 512 vaale1is;
        // vmemmap blocks (sparse_vmap) also free_hotplug_page_range(page, PMD_SIZE): 8 order-9 frees.
        // linear: remove_pagetable() -> free_empty_tables(start, end) without floor/ceiling:
        // free_pmd_table() frees the two PMD tables (all 512 entries none), pud_clear() + one vaae1is each;
        // free_pud_table() keeps PGD[0]'s PUD table (boot entries).
        // vmemmap: find_vmalloc_vmemmap_overlap() on 4K/48: VMEMMAP_START = -2^41 - 2M, VMALLOC_END =
        // -1G - 2^41 - 64K (VMEMMAP_START > VMALLOC_END, so the gap is [VMALLOC_END, VMEMMAP_START]); both
        // round down to -2^41 - 2^39 with PGDIR_MASK (512 GiB): one PGD entry, vmalloc_vmemmap_overlap = true,
        // so vmemmap_free() never calls free_empty_tables() (and its PMD table is shared with boot anyway).
        expectPMDBlockRemoval(s, tlbiVA: walkedBlockTLBIs, tlbiAll: 0, tlbiWalk: 2)
    }

    @Test func v8() throws {
        let s = try pmdBlockRun("v8").steps[1]
        // unmap as V7: flush_tlb_kernel_range(addr, next) per block, 520 x 512 vaale1is, 8 order-9 frees.
        // free_empty_tables(start, end, PAGE_OFFSET, PAGE_END): free_pmd_table(pudp, addr, next, ...) with
        // PUD_MASK: PUD entry 7: addr = +7G+128M masks to +7G >= PAGE_OFFSET, next - 1 <= PAGE_END - 1;
        // entry 8: +8G; both aligned, both tables empty: freed (2 x pud_clear + vaae1is).  free_pud_table():
        // PGDIR_MASK gives PAGE_OFFSET >= floor, but boot's entries are present: kept.
        // vmemmap: free_empty_tables(.., VMEMMAP_START, VMEMMAP_END): the PMD entries are none after the unmap,
        // so free_pte_table() is never called; free_pmd_table() on the vmemmap PMD table: boot memmap present.
        expectPMDBlockRemoval(s, tlbiVA: walkedBlockTLBIs, tlbiAll: 0, tlbiWalk: 2)
    }

    @Test func v9() throws {
        let s = try pmdBlockRun("v9").steps[1]
        // V9 still flushes a block over (addr, next): 520 x 512 vaale1is; free_mapped frees 8 order-9 blocks.
        // free_empty_pmd_table() checks pgtable_range_aligned(start, end, floor, ceiling, PUD_MASK) with the
        // range it walked: PUD entry 7: [+7G+128M, +8G) -> +7G >= PAGE_OFFSET; entry 8: [+8G, +8G+128M);
        // both empty: freed, pud_clear() + __flush_tlb_kernel_pgtable(start) each.  The PUD table (PGDIR_MASK)
        // and the vmemmap PMD table keep boot entries.
        expectPMDBlockRemoval(s, tlbiVA: walkedBlockTLBIs, tlbiAll: 0, tlbiWalk: 2)
    }

    @Test(arguments: ["v10", "v12"])
    func oneTLBIPerBlock(_ rev: String) throws {
        let s = try pmdBlockRun(rev).steps[1]
        // V10 (per Catalin) and V12: "One TLBI should be sufficient here as the PMD_SIZE range is mapped with
        // a single block entry": flush_tlb_kernel_range(addr, addr + PAGE_SIZE), 1 vaale1is per block, 520.
        // the free pass is V9's: the two linear PMD tables freed, one vaae1is each.
        expectPMDBlockRemoval(s, tlbiVA: 520, tlbiAll: 0, tlbiWalk: 2)
    }

    @Test func v12RefusesBootMemory() throws {
        // V12's notifier: [2G, +1G) lies in boot memory, its sections are early: MEM_GOING_OFFLINE gets
        // NOTIFY_BAD, nothing is unmapped.  V10 has no notifier (see RemovalTests for V6's WARNs there).
        let s = try run("v12", "4K/48", [.init(op: .remove, start: 2 * G, size: G)]).steps[0]
        #expect(s.result == .refused)
        #expect(s.effects.clears == [0, 0, 0, 0])
    }

    // fix2025: 4K/48, 128 MiB sections; hot-add and remove a 2 MiB sub-section of device memory at 8G.
    //  - linear map: phys 8G = VA offset 7G: PUD entry 7 is empty, so the add makes a PMD table with one
    //    2 MiB block.  Removal (the altmap routines): pmd_clear() + flush_tlb_kernel_range(addr, addr +
    //    PAGE_SIZE) = 1 vaale1is; free pass with PUD_MASK: +7G >= PAGE_OFFSET, the table is empty: pud_clear(),
    //    1 vaae1is, freed.  PGD[0]'s PUD table keeps boot's entries.
    //  - memmap: 512 pages x 64 B = 32 KiB at VMEMMAP_START + (8G - 1G) / 64 = + 112 MiB, PMD entry 55 of the
    //    vmemmap PMD table (covering + [2M, 1G + 2M)), empty before the add.
    //    fix2025's vmemmap_populate(): 32 KiB < PAGES_PER_SECTION * sizeof(struct page) = 32768 x 64 = 2 MiB,
    //    so vmemmap_populate_basepages(): a PTE table and 8 base pages.  Removal: vmemmap_free() ->
    //    unmap_hotplug_pte_range(): 8 x (pte_clear(), 1 vaale1is, order-0 free); free_empty_pte_table():
    //    PMD_MASK gives +112 MiB >= VMEMMAP_START, the table is empty: pmd_clear(), 1 vaae1is, freed; the
    //    PMD table keeps boot's memmap.
    //  Totals: clears PUD 1, PMD 2 (linear block, vmemmap table entry), PTE 8; tables freed PMD 1, PTE 1;
    //  vaale1is 8 + 1 = 9; vaae1is 2; data order 0 x 8.
    //  altmap (before the fix) maps the 32 KiB with a whole PMD block (pmd_addr_end(start, end) = end,
    //  vmemmap_alloc_block_buf(PMD_SIZE)): removal clears 2 PMD blocks (1 vaale1is each), frees 1 order-9
    //  block and only the linear PMD table.
    func subsection(_ rev: String) throws -> StepObservation {
        try run(rev, "4K/48", section: 27, [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
                                            .init(op: .remove, start: 8 * G, size: 2 * M)]).steps[1]
    }

    @Test func fix2025MapsASubsectionWithBasePages() throws {
        let s = try subsection("fix2025")
        #expect(s.effects.clears == [0, 1, 2, 8])
        #expect(s.effects.tablesFreed == [0, 0, 1, 1])
        #expect(s.effects.tlbiVA == 9)
        #expect(s.effects.tlbiWalk == 2)
        #expect(s.effects.tlbiAll == 0)
        #expect(s.effects.dataFreedByOrder[0] == 8)
        #expect(s.effects.dataFreedByOrder.reduce(0, +) == 8)
        #expect(s.warns.isEmpty && s.faults.isEmpty)

        let a = try subsection("altmap")
        #expect(a.effects.clears == [0, 1, 2, 0])
        #expect(a.effects.tablesFreed == [0, 0, 1, 0])
        #expect(a.effects.tlbiVA == 2)
        #expect(a.effects.tlbiWalk == 1)
        #expect(a.effects.dataFreedByOrder[9] == 1)
        #expect(a.effects.dataFreedByOrder.reduce(0, +) == 1)
    }

    @Test func fix2025FullSectionStillUsesBlocks() throws {
        // A whole 128 MiB section: its memmap is exactly 2 MiB, not less than PAGES_PER_SECTION *
        // sizeof(struct page), and WARN_ON_ONCE(end - start > ...) stays quiet: one PMD block, as before.
        // Removal: the linear map [8G, +128M) = VA +7G: 64 PMD blocks in PUD entry 7's new PMD table, 1 vaale1is
        // each (addr + PAGE_SIZE), table freed (1 vaae1is); the vmemmap block: 1 vaale1is, one order-9 free.
        let s = try run("fix2025", "4K/48", section: 27, [.init(op: .add, start: 8 * G, size: 128 * M),
                                                          .init(op: .remove, start: 8 * G, size: 128 * M)]).steps[1]
        #expect(s.effects.clears == [0, 1, 65, 0])
        #expect(s.effects.tlbiVA == 65)
        #expect(s.effects.tablesFreed == [0, 0, 1, 0])
        #expect(s.effects.dataFreedByOrder[9] == 1)
        #expect(s.warns.isEmpty && s.faults.isEmpty)
    }

    @Test func fix2026BatchesTheLinearMapFlush() throws {
        let s = try pmdBlockRun("fix2026").steps[1]
        // The reject-split notifier passes: each 128 MiB memory block's linear edges (VA offsets 7G + 128M +
        // k x 128M) are CONT_PMD_SIZE (32 MiB) aligned, and their memmap edges (VMEMMAP_START + 114M + 2M x k,
        // VMEMMAP_START = -2^41 - 2M) are inside non-CONT vmemmap PMD blocks but PMD_SIZE aligned.
        // Unmap, linear (!free_mapped): 512 pmd_clear() without a flush, then unmap_hotplug_range() flushes
        // [start, end) once: 1 GiB = 262144 pages > MAX_TLBI_OPS, so flush_tlb_all(): 1 vmalle1is.
        // Unmap, vmemmap (free_mapped), one vmemmap_free() per section: pmd_clear(), WARN_ON(pmd_cont()) quiet,
        // flush_tlb_kernel_range(addr, addr + PMD_SIZE) = 512 pages, not more than 512: 512 vaale1is; 8 x.
        // free pass: the altmap revision's (floor/ceiling): the two linear PMD tables, one vaae1is each
        expectPMDBlockRemoval(s, tlbiVA: 8 * 512, tlbiAll: 1, tlbiWalk: 2)
    }

    @Test func fix2026RefusesSplittingAPUDBlock() throws {
        // 4K/48, 128 MiB sections: [8G, +1G) is mapped by one PUD block (VA offset 7G, 1 GiB aligned).  Removing
        // its first section [8G, +128M): the memory block's linear end, offset 7G + 128M, is not PUD_SIZE
        // aligned and its PUD entry is a leaf: addr_splits_kernel_leaf() is true, can_unmap_without_split()
        // false, MEM_GOING_OFFLINE gets NOTIFY_BAD: refused, nothing cleared.
        let steps: [Scenario.Step] = [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: 128 * M)]
        let s = try run("fix2026", "4K/48", section: 27, steps).steps[1]
        #expect(s.result == .refused)
        #expect(s.effects.clears == [0, 0, 0, 0])
        #expect(s.effects.tlbiVA == 0 && s.effects.tlbiAll == 0)
        // fix2025 (no such check) goes ahead: unmap_hotplug_pud_range() clears the whole 1 GiB PUD block.
        let f = try run("fix2025", "4K/48", section: 27, steps).steps[1]
        #expect(f.result == .ok)
        #expect(f.effects.clears[Level.pud.rawValue] == 1)
    }

    // V1..V5 walk once (remove_pagetable()): each table page is freed as soon as its entries are all none.
    // The scenario above, linear map: PUD entries 7 and 8 point at PMD tables with 448 and 64 blocks; after
    // the blocks the PMD tables are empty and freed; PGD[0]'s PUD table keeps boot's entries.  vmemmap: one
    // vmemmap_free() per section (8), each with one 2 MiB block, in a PMD table shared with boot's memmap.

    @Test(arguments: ["v3", "v4", "v5"])
    func blocksWithoutTLBI(_ rev: String) throws {
        let s = try pmdBlockRun(rev).steps[1]
        // remove_pmd_table(): a block is pmd_clear()ed with no TLBI at all (the flush_tlb_kernel_range() is in
        // remove_pte_table() only, reached for table entries); vmemmap blocks are freed (order 9) before the
        // clear.  free_pmd_table() then frees the two linear PMD tables: pud_clear() +
        // __flush_tlb_kernel_pgtable() each.  No vaale1is, no vmalle1is.
        expectPMDBlockRemoval(s, tlbiVA: 0, tlbiAll: 0, tlbiWalk: 2)
    }

    @Test(arguments: ["v1", "v2"])
    func oneFlushAfterTheWalk(_ rev: String) throws {
        let s = try pmdBlockRun(rev).steps[1]
        // remove_pagetable() ends with flush_tlb_kernel_range(start, end), its only TLBI: linear 1 GiB =
        // 262144 pages > MAX_TLBI_OPS: flush_tlb_all(), 1 vmalle1is; each vmemmap section 2 MiB = 512 pages:
        // 512 vaale1is, 8 sections = 4096.  Tables: free_pmd_table() (CONFIG_PGTABLE_LEVELS > 3 here) frees the
        // two empty linear PMD tables with free_pagetable() (not PageReserved: free_pages()) and then
        // pud_clear()s, with no __flush_tlb_kernel_pgtable(): no vaae1is.  vmemmap blocks: free_pagetable(page,
        // get_order(PMD_SIZE)) = order 9, not reserved (hot-added).  V1's pmd_large() is true for a 4-level
        // block entry (no PMD_TABLE_BIT), pud_large() false for the PUD table entries.
        expectPMDBlockRemoval(s, tlbiVA: 8 * 512, tlbiAll: 1, tlbiWalk: 0)
    }
}
