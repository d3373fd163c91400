import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The history's model contracts (V2..V5, V7..V10, V12, fix2025, fix2026) on hand-derived scenarios: the model's prediction
/// under each contract must give the counts derived by hand from the posting (written beside each test),
/// and the checker must find no contract mismatch when the posting's code runs the same scenario.
@Suite struct HistoryContractTests {
    /// The model's prediction for `step` of a run, the steps before it checked (so the model follows them).
    func predicted(_ r: ScenarioRun, step: Int) -> StepPrediction {
        let m = ModelJudge(scenario: r.scenario, revision: r.revision)
        #expect(m.hasContract, "\(r.revision) has a contract")
        _ = m.checkBoot(r.boot)
        for i in 0..<step { _ = m.check(step: i, r.steps[i]) }
        return m.prediction(step: step)
    }

    @Test(arguments: ["v7", "v8", "v9"])
    func walkedBlockFlush(_ rev: String) throws {
        let r = try pmdBlockRun(rev)
        let p = predicted(r, step: 1).effects
        // flush_tlb_kernel_range(addr, next) of each 2 MiB block: 512 pages, not more than MAX_TLBI_OPS (512):
        // 512 vaale1is per block, 520 blocks.  The two linear PMD tables are freed (pud_clear, 1 vaae1is each);
        // V7: the vmemmap walk frees nothing (vmalloc_vmemmap_overlap on 4K/48, see HistoryRevisionTests.v7);
        // V8/V9: the vmemmap PMD table keeps boot's memmap.
        #expect(p.tlbiVA == 520 * 512)
        #expect(p.tlbiAll == 0)
        #expect(p.tlbiWalk == 2)
        #expect(p.tablesFreed == [0, 0, 2, 0])
        #expect(p.clears == [0, 2, 520, 0])
        #expect(p.dataFreedByOrder[9] == 8)
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test(arguments: ["v10", "v12"])
    func oneTLBIPerBlock(_ rev: String) throws {
        let r = try pmdBlockRun(rev)
        let p = predicted(r, step: 1).effects
        // "Perform just single TLBI invalidation for PMD or PUD block mappings": 1 vaale1is per block, 520
        #expect(p.tlbiVA == 520)
        #expect(p.tlbiWalk == 2)
        #expect(p.tablesFreed == [0, 0, 2, 0])
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test(arguments: ["v3", "v4", "v5"])
    func blocksWithoutTLBI(_ rev: String) throws {
        let r = try pmdBlockRun(rev)
        let p = predicted(r, step: 1).effects
        // remove_pmd_table(): blocks pmd_clear()ed with no TLBI; free_pmd_table() frees the two linear PMD
        // tables, pud_clear() + __flush_tlb_kernel_pgtable() each (HistoryRevisionTests.blocksWithoutTLBI)
        #expect(p.tlbiVA == 0)
        #expect(p.tlbiAll == 0)
        #expect(p.tlbiWalk == 2)
        #expect(p.tablesFreed == [0, 0, 2, 0])
        #expect(p.dataFreedByOrder[9] == 8)
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test(arguments: ["v3", "v4", "v5"])
    func pagesFlushedOncePerPTETable(_ rev: String) throws {
        // 4K/48, 1 GiB sections, rodata_full: [8G, +1G) = linear VA offset 7G mapped by 512 PTE tables under
        // one PMD table (PUD entry 7); its memmap (16 MiB at VMEMMAP_START + 112 MiB) by 8 PMD blocks in the
        // vmemmap PMD table that also maps boot's memmap.  Removal, by hand from the posting:
        //  - vmemmap_free(): 8 pmd_clear(), no TLBI, 8 order-9 frees; the PMD table keeps boot's entries.
        //  - linear, per PMD entry: 512 pte_clear(), then remove_pte_table()'s flush_tlb_kernel_range(addr,
        //    next) of 2 MiB = 512 pages: 512 vaale1is; free_pte_table(): pmd_clear() + 1 vaae1is; then
        //    free_pmd_table(): pud_clear() + 1 vaae1is.
        //  Totals: clears PUD 1, PMD 8 + 512, PTE 262144; vaale1is 262144; vaae1is 513; tables freed PMD 1,
        //  PTE 512; dsb(ish): one per flush_tlb_kernel_range() (512) and one per __flush_tlb_kernel_pgtable()
        //  (513) = 1025 (V6 on: one flush per page, 262144 + 513).
        let r = try run(rev, "4K/48", rodata: true, [.init(op: .add, start: 8 * G, size: G),
                                                     .init(op: .remove, start: 8 * G, size: G)])
        let p = predicted(r, step: 1).effects
        #expect(p.clears == [0, 1, 520, 262144])
        #expect(p.tlbiVA == 262144)
        #expect(p.tlbiAll == 0)
        #expect(p.tlbiWalk == 513)
        #expect(p.tablesFreed == [0, 0, 1, 512])
        #expect(p.dsbIsh == 1025)
        #expect(p.dataFreedByOrder[9] == 8)
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test func v7FreesVmemmapTablesOnlyWithoutAVmallocOverlap() throws {
        // 4K/39 (3 levels, PGDIR_SIZE 1 GiB, VMEMMAP_SIZE 4 GiB): VMEMMAP_START = -4G - 2M, VMALLOC_END =
        // -PUD_SIZE(1G) - 4G - 64K; with PGDIR_MASK they round to -5G and -6G: different PGD entries, so
        // vmalloc_vmemmap_overlap is false and V7's vmemmap_free() calls free_empty_tables().
        // Add and remove [80G, +1G) (1 GiB sections): linear VA offset 79G, one 1 GiB block in its PGD entry
        // (no tables).  memmap: 16 MiB at VMEMMAP_START + 79G/64 = -4G + 1262M: 8 PMD blocks in the PMD table
        // of PGD entry [-3G, -2G), which nothing else maps (boot's memmap is below -4G + 62M).
        // Removal: 8 x (pmd_clear, flush_tlb_kernel_range(addr, next) = 512 vaale1is, order-9 free); V7 frees
        // that PMD table: free_pmd_table(), PGD entry cleared, 1 vaae1is; the linear block: 1 GiB = 262144
        // pages > MAX_TLBI_OPS: 1 vmalle1is.  V6 never frees vmemmap tables: no vaae1is, the table stays.
        let steps: [Scenario.Step] = [.init(op: .add, start: 80 * G, size: G), .init(op: .remove, start: 80 * G, size: G)]
        let r7 = try run("v7", "4K/39", steps)
        let p7 = predicted(r7, step: 1).effects
        #expect(p7.tlbiVA == 8 * 512)
        #expect(p7.tlbiAll == 1)
        #expect(p7.tlbiWalk == 1)
        #expect(p7.tablesFreed.reduce(0, +) == 1)
        #expect(p7.dataFreedByOrder[9] == 8)
        #expect(Checker.check(r7).contractMismatches == 0)

        let r6 = try run("v6", "4K/39", steps)
        let p6 = ModelJudge(scenario: r6.scenario, revision: "v6")
        _ = p6.check(step: 0, r6.steps[0])
        #expect(p6.prediction(step: 1).effects.tlbiWalk == 0)
        #expect(p6.prediction(step: 1).effects.tablesFreed.reduce(0, +) == 0)
    }

    @Test func v12RefusesBootMemoryV10DoesNot() throws {
        // V12's notifier: removing boot memory [2G, +1G) is refused (MEM_GOING_OFFLINE: NOTIFY_BAD); V10 has
        // no notifier and tears it down.
        let r12 = try run("v12", "4K/48", [.init(op: .remove, start: 2 * G, size: G)])
        #expect(predicted(r12, step: 0).outcome == .refused)
        #expect(Checker.check(r12).contractMismatches == 0)
        let r10 = try run("v10", "4K/48", [.init(op: .remove, start: 2 * G, size: G)])
        #expect(predicted(r10, step: 0).outcome == .ok)
        #expect(Checker.check(r10).contractMismatches == 0)
    }

    @Test func v2FlushesOnceAfterTheWalk() throws {
        let r = try pmdBlockRun("v2")
        let p = predicted(r, step: 1).effects
        // remove_pagetable()'s one flush_tlb_kernel_range(start, end): linear 1 GiB > MAX_TLBI_OPS pages: 1
        // vmalle1is; each section's 2 MiB memmap: 512 vaale1is, 8 sections.  free_pmd_table() frees the two
        // linear PMD tables with no walk-cache TLBI (HistoryRevisionTests.oneFlushAfterTheWalk).
        #expect(p.tlbiVA == 8 * 512)
        #expect(p.tlbiAll == 1)
        #expect(p.tlbiWalk == 0)
        #expect(p.tablesFreed == [0, 0, 2, 0])
        #expect(p.dataFreedByOrder[9] == 8)
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test func fix2025SubsectionInBasePages() throws {
        // HistoryRevisionTests.subsection: a 2 MiB device sub-section at 8G on 4K/48 (128 MiB sections): its
        // 32 KiB memmap is less than one section's (2 MiB), so base pages: removal clears PUD 1 (the linear PMD
        // table's entry), PMD 2 (the linear block, the vmemmap PTE table's entry), PTE 8; frees the linear PMD
        // table and the vmemmap PTE table; vaale1is 8 + 1, vaae1is 2, 8 order-0 frees.
        let r = try run("fix2025", "4K/48", section: 27, [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
                                                          .init(op: .remove, start: 8 * G, size: 2 * M)])
        let p = predicted(r, step: 1).effects
        #expect(p.clears == [0, 1, 2, 8])
        #expect(p.tablesFreed == [0, 0, 1, 1])
        #expect(p.tlbiVA == 9)
        #expect(p.tlbiWalk == 2)
        #expect(p.dataFreedByOrder[0] == 8)
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test func fix2026BatchesTheLinearFlush() throws {
        let r = try pmdBlockRun("fix2026")
        let p = predicted(r, step: 1).effects
        // HistoryRevisionTests.fix2026BatchesTheLinearMapFlush: linear 1 GiB flushed once at the end: 1
        // vmalle1is; each vmemmap block flushed over PMD_SIZE: 512 vaale1is, 8 blocks; 2 linear PMD tables freed.
        #expect(p.tlbiAll == 1)
        #expect(p.tlbiVA == 8 * 512)
        #expect(p.tlbiWalk == 2)
        #expect(p.tablesFreed == [0, 0, 2, 0])
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test func fix2026RefusesSplittingAPUDBlock() throws {
        // HistoryRevisionTests.fix2026RefusesSplittingAPUDBlock: [8G, +1G) is one PUD block; removing its first
        // 128 MiB section puts the block's linear end edge inside it: NOTIFY_BAD, nothing cleared.
        let r = try run("fix2026", "4K/48", section: 27, [.init(op: .add, start: 8 * G, size: G),
                                                          .init(op: .remove, start: 8 * G, size: 128 * M)])
        let p = predicted(r, step: 1)
        #expect(p.outcome == .refused)
        #expect(p.effects.clears == [0, 0, 0, 0])
        #expect(Checker.check(r).contractMismatches == 0)
    }
}
