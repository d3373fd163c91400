import Foundation
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// subpmd and s390style, arm64's vmemmap teardown after the s390 series (<20200703133917.39045-1-david@redhat.com>), on one
/// hand-derived scenario.  Both the C (the observed counters) and the model (the revision's contract) must
/// give the counts derived below; the checker must find no contract mismatch.
@Suite struct SubPMDTests {
    // The scenario: 4K/48, 128 MiB sections (sectionSizeBits 27), a 56-byte struct page, rodata_full (the
    // linear map in pages: no CONT range, so no inv.tlb-cont-refill of the linear map), boot memory [1G, 5G),
    // physOffset 1G.  Add [8G, +256M) = sections A = [8G, +128M) and B = [8G + 128M, +128M); remove A; remove B.
    //
    // vmemmap: a section's memmap is 128M / 4K = 32768 struct pages x 56 B = 1.75 MiB.  A's pfns start
    // (8G - 1G) / 4K = 1835008 pages after PHYS_OFFSET, so its memmap is at VMEMMAP_START + 1835008 x 56 =
    // + 98 MiB: A = [98M, 99.75M), B = [99.75M, 101.5M).  PMD blocks (2 MiB): block 49 = [98M, 100M) holds A
    // and the first 0.25 MiB of B; block 50 = [100M, 102M) holds the rest of B and 0.5 MiB nobody uses.  Boot's
    // memmap is [0, 4G / 4K x 56 = 56M), in the same PMD table (VMEMMAP_START + [0, 1G)), so that table is
    // never empty.
    //
    // linear map: A is VA offsets [7G, 7G + 128M): 32768 PTEs in 64 PTE tables of their own; B the next 64
    // tables; both in the PMD table of [7G, 8G), made by the add (boot ends at offset 4G).
    func subPMDRun(_ rev: String) throws -> ScenarioRun {
        try run(rev, "4K/48", section: 27, structPage: 56, rodata: true,
                [.init(op: .add, start: 8 * G, size: 256 * M),
                 .init(op: .remove, start: 8 * G, size: 128 * M),
                 .init(op: .remove, start: 8 * G + 128 * M, size: 128 * M)])
    }

    /// The model's prediction for `step`, the steps before it checked.
    func predicted(_ r: ScenarioRun, step: Int) -> StepEffects {
        let m = ModelJudge(scenario: r.scenario, revision: r.revision)
        #expect(m.hasContract, "\(r.revision) has a contract")
        _ = m.checkBoot(r.boot)
        for i in 0..<step { _ = m.check(step: i, r.steps[i]) }
        return m.prediction(step: step).effects
    }

    /// Step `step` as observed and as the model predicts it, against the counts derived by hand; the data
    /// pages freed are vmemmap blocks, all order 9.
    func expectStep(_ r: ScenarioRun, _ step: Int, clears: [UInt64], tablesFreed: [UInt64], tlbiVA: UInt64, tlbiWalk: UInt64,
                    tlbiAll: UInt64, blocksFreed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        for e in [r.steps[step].effects, predicted(r, step: step)] {
            #expect(e.clears == clears, sourceLocation: sourceLocation)
            #expect(e.tablesFreed == tablesFreed, sourceLocation: sourceLocation)
            #expect(e.tlbiVA == tlbiVA, sourceLocation: sourceLocation)
            #expect(e.tlbiWalk == tlbiWalk, sourceLocation: sourceLocation)
            #expect(e.tlbiAll == tlbiAll, sourceLocation: sourceLocation)
            #expect(e.dataFreedByOrder[9] == blocksFreed && e.dataFreedByOrder.reduce(0, +) == blocksFreed, sourceLocation: sourceLocation)
        }
    }

    // Every revision, linear map, remove A: 32768 pte_clear() + one vaale1is each; free_empty_tables(): the
    // 64 PTE tables are empty and inside [PAGE_OFFSET, PAGE_END): 64 pmd_clear() + vaae1is, 64 PTE tables
    // freed; the PMD table of [7G, 8G) still maps B: kept.
    // Remove B: the same 32768 + 64, and the PMD table of [7G, 8G) is now empty: pud_clear() + vaae1is, freed.
    let linearClears1: [UInt64] = [0, 0, 64, 32768], linearTables1: [UInt64] = [0, 0, 0, 64]
    let linearClears2: [UInt64] = [0, 1, 64, 32768], linearTables2: [UInt64] = [0, 0, 1, 64]

    @Test func subpmdKeepsTheSharedBlockUntilBothSectionsAreGone() throws {
        let r = try subPMDRun("subpmd")
        // Add: A populates [98M, 99.75M): block 49 is new, its end is not aligned: vmemmap_use_new_sub_pmd()
        // (unused_pmd_start = 99.75M).  B: [99.75M, 100M) in block 49, mapped: vmemmap_use_sub_pmd(); [100M,
        // 101.5M): block 50 new: vmemmap_use_new_sub_pmd() (unused_pmd_start = 101.5M).
        // Remove A: vmemmap_free(98M, 99.75M): block 49 only partly covered: vmemmap_unuse_sub_pmd() writes
        // block 50's tail [101.5M, 102M) PAGE_UNUSED (the pending range) and A's range; B's part of block 49 is
        // still used: the block stays -- no clear, no TLBI, no free.  The PMD table keeps boot's memmap.
        expectStep(r, 1, clears: linearClears1, tablesFreed: linearTables1, tlbiVA: 32768, tlbiWalk: 64,
                   tlbiAll: 0, blocksFreed: 0)
        // Remove B: vmemmap_free(99.75M, 101.5M): block 49: B's 0.25 MiB marked unused, the whole block now reads
        // PAGE_UNUSED: pmd_clear(), flush_tlb_kernel_range(addr, addr + PAGE_SIZE) = 1 vaale1is, then
        // free_hotplug_page_range(page, PMD_SIZE) = one order-9 free; block 50 the same.  The PMD table keeps
        // boot's memmap.  Totals: the linear map's + 2 PMD clears, 2 vaale1is, 2 order-9 frees.
        expectStep(r, 2, clears: [0, 1, 66, 32768], tablesFreed: linearTables2, tlbiVA: 32768 + 2, tlbiWalk: 65,
                   tlbiAll: 0, blocksFreed: 2)
        let report = Checker.check(r)
        #expect(report.contractMismatches == 0)
        // clear, invalidate, then free, and no block cleared under a present section: no finding at all
        #expect(report.findings.isEmpty, "\(report.findings.map(\.line))")
    }

    @Test func finalClearsTheSharedBlockWithTheFirstSection() throws {
        // final on the same scenario: remove A clears and frees block 49 (1 clear, 1 vaale1is, 1 order-9 free)
        // while B's struct pages [99.75M, 100M) live in it: inv.outside-unchanged; remove B finds block 49 none
        // and clears block 50 alone.
        let r = try subPMDRun("final")
        let s1 = r.steps[1].effects, s2 = r.steps[2].effects
        #expect(s1.clears == [0, 0, 65, 32768] && s1.tlbiVA == 32769 && s1.dataFreedByOrder[9] == 1)
        #expect(s2.clears == [0, 1, 65, 32768] && s2.tlbiVA == 32769 && s2.dataFreedByOrder[9] == 1)
        let report = Checker.check(r)
        #expect(report.contractMismatches == 0)
        #expect(report.findings.contains { $0.rule == "inv.outside-unchanged" })
    }

    @Test func s390styleFreesBeforeClearingAndFlushesOnceAtTheEnd() throws {
        let r = try subPMDRun("s390style")
        // Remove A: the same decisions as subpmd (block 49 stays), then modify_pagetable()'s single flush, which
        // on s390 is __tlb_flush_kernel() whatever the range: flush_tlb_all(), one vmalle1is ([98M, 99.75M) is
        // page aligned, so no WARN_ON_ONCE(!PAGE_ALIGNED(start | end)) refusal).  The linear map is final's.
        expectStep(r, 1, clears: linearClears1, tablesFreed: linearTables1, tlbiVA: 32768, tlbiWalk: 64,
                   tlbiAll: 1, blocksFreed: 0)
        // Remove B: blocks 49 and 50 end wholly unused: each freed (order 9), then its entry cleared, no TLBI
        // in the walk; then one vmalle1is.
        expectStep(r, 2, clears: [0, 1, 66, 32768], tablesFreed: linearTables2, tlbiVA: 32768, tlbiWalk: 65,
                   tlbiAll: 1, blocksFreed: 2)
        let report = Checker.check(r)
        #expect(report.contractMismatches == 0)
        // s390's order on arm64: each block goes back to the allocator while its entry still maps it
        #expect(report.findings.contains { $0.rule == "inv.freed-while-reachable" && $0.step == 2 })
        #expect(!report.findings.contains { $0.rule == "inv.outside-unchanged" })
        // vmalle1is reaches the walk caches and every VA: nothing left stale
        #expect(!report.findings.contains { $0.rule == "inv.tlb-stale-walk" || $0.rule == "inv.tlb-stale-leaf" })
    }

    /// s390's full flush leaves nothing stale on any curated scenario (the port reported stale walk-cache entries
    /// and a 2 KiB range with no TLBI while it flushed the range page by page).
    @Test func s390styleLeavesNoStaleTLBEntry() throws {
        for sc in CuratedScenarios.all {
            let r = try Checker.check(sc, revision: "s390style")
            #expect(r.contractMismatches == 0, "\(sc.name)")
            #expect(!r.findings.contains { $0.rule == "inv.tlb-stale-walk" || $0.rule == "inv.tlb-stale-leaf" }, "\(sc.name)")
        }
    }

    /// `bench --memmap-costs` on 4K/48, 128 MiB sections, a 56-byte struct page: sections A = [8G, +128M) and
    /// B after it; A's memmap is VMEMMAP_START + [98M, 99.75M) (see above), B's [99.75M, 101.5M): two PMD
    /// blocks (49, 50) for two sections, 2048 KiB each.  Removing A: final clears block 49 (one vaale1is in
    /// the vmemmap, 2 MiB freed) under B's struct pages; subpmd keeps it (nothing cleared or freed).
    @Test func memmapCostRows() throws {
        let g = geometry("4K/48")
        let f = try MemmapCost.row(geometry: g, sectionBits: 27, structPage: 56, variant: "final")
        #expect(f.memmapKiB == 2048 && f.teardownTLBIs == 1 && f.freedKiB == 2048 && !f.onMemory)
        #expect(f.findings.contains("inv.outside-unchanged"))
        let s = try MemmapCost.row(geometry: g, sectionBits: 27, structPage: 56, variant: "subpmd")
        #expect(s.memmapKiB == 2048 && s.teardownTLBIs == 0 && s.freedKiB == 0 && s.findings.isEmpty)
        // 64-byte struct page: each memmap is one whole block (2 MiB = 512 pfns), from the block's own altmap
        let m = try MemmapCost.row(geometry: g, sectionBits: 27, structPage: 64, variant: "altmap+memory-block")
        #expect(m.memmapKiB == 2048 && m.onMemory && m.teardownTLBIs == 1 && m.freedKiB == 2048)
    }

    /// The shared-vmemmap-block reproducers of findings/README.md: findings on final, clean on subpmd.
    @Test(arguments: ["final-inv.outside-unchanged.json", "altmap-fault.free-reserved.json"])
    func sharedBlockReproducers(_ file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/findings/" + file))
        let sc = try Scenario.parse(data: data)
        let vmemmapRules: Set<String> = ["inv.outside-unchanged", "inv.live-table-freed", "fault.free-reserved"]
        let onFinal = try Checker.check(sc, revision: "final")
        #expect(onFinal.contractMismatches == 0)
        #expect(onFinal.findings.contains { vmemmapRules.contains($0.rule) })
        let onSubpmd = try Checker.check(sc, revision: "subpmd")
        #expect(onSubpmd.contractMismatches == 0)
        #expect(!onSubpmd.findings.contains { vmemmapRules.contains($0.rule) }, "\(onSubpmd.findings.map(\.line))")
    }
}
