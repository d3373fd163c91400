// The history contracts in the model alone, on RevisionContractTests' reference case (4K/48, boot
// [1G, 2G), the section at PA 65G added and removed): linear VA offset 64G is one 1 GiB PUD block in
// boot's PUD table; the memmap, VMEMMAP_START + 1G, is 8 PMD blocks, the first in the PMD table shared
// with boot's memmap, the other 7 in the PMD table at 0xfffffe0040000000 that nothing else uses.
// Every count below is derived by hand from the contract's changelog line (Revision.swift).
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct HistoryContractModelTests {
    func removal(_ rev: String) -> StepPrediction {
        let m = ModelJudge(scenario: scenario("4K/48", referenceRemoval), revision: rev)
        #expect(m.hasContract)
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        return m.prediction(step: 1)
    }

    @Test func v2FlushesEachRangeOnceAndNeverTheWalkCache() {
        let p = removal("v2")
        // one flush_tlb_kernel_range(start, end) per remove_pagetable(): the memmap's 16 MiB (4096 pages) and
        // the linear 1 GiB both exceed MAX_TLBI_OPS (512) pages: 2 vmalle1is, no vaale1is
        #expect(p.effects.tlbiAll == 2)
        #expect(p.effects.tlbiVA == 0)
        // the emptied vmemmap PMD table is freed (4 levels: free_pmd_table() is compiled in), with no vaae1is
        #expect(p.effects.tablesFreed == [0, 0, 1, 0])
        #expect(p.effects.tlbiWalk == 0)
        #expect(p.effects.clears == [0, 2, 8, 0])
    }

    @Test(arguments: ["v3", "v4", "v5"])
    func blocksGetNoTLBI(_ rev: String) {
        let p = removal(rev)
        // 9 block entries cleared, none flushed; the emptied PMD table freed (no floor/ceiling), one vaae1is
        #expect(p.effects.tlbiVA == 0)
        #expect(p.effects.tlbiAll == 0)
        #expect(p.effects.tablesFreed == [0, 0, 1, 0])
        #expect(p.effects.tlbiWalk == 1)
        #expect(p.effects.dataFreedByOrder[9] == 8)
    }

    @Test func v7KeepsVmemmapTablesWhenVmallocSharesThePGDEntry() {
        let p = removal("v7")
        // 4K/48: the vmalloc/vmemmap gap edges round to one PGD entry, so free_empty_tables() is skipped for the
        // vmemmap: as V6, the emptied PMD table stays; blocks flushed over (addr, next): 8 x 512 + 1 vmalle1is
        #expect(p.effects.tablesFreed == [0, 0, 0, 0])
        #expect(p.effects.tlbiVA == 8 * 512)
        #expect(p.effects.tlbiAll == 1)
        #expect(p.after.hasTable(.pmd, vaStart: 0xffff_fe00_4000_0000))
    }

    @Test(arguments: ["v8", "v9"])
    func floorCeilingFreesTheVmemmapTable(_ rev: String) {
        let p = removal(rev)
        // the emptied table lies inside [VMEMMAP_START, VMEMMAP_END): freed; blocks still flushed over (addr, next)
        #expect(p.effects.tablesFreed == [0, 0, 1, 0])
        #expect(p.effects.tlbiWalk == 1)
        #expect(p.effects.tlbiVA == 8 * 512)
        #expect(p.effects.tlbiAll == 1)
    }

    @Test(arguments: ["v10", "v12"])
    func oneTLBIPerBlock(_ rev: String) {
        let p = removal(rev)
        #expect(p.effects.tlbiVA == 9)
        #expect(p.effects.tlbiAll == 0)
        #expect(p.effects.tablesFreed == [0, 0, 1, 0])
    }

    @Test func fix2026BatchesTheLinearMapAndFlushesWholeVmemmapBlocks() {
        let p = removal("fix2026")
        // linear: one flush_tlb_kernel_range(start, end) of 1 GiB after the walk: 1 vmalle1is; vmemmap: each
        // 2 MiB block flushed over PMD_SIZE = 512 pages: 8 x 512 vaale1is; the emptied table freed, 1 vaae1is
        #expect(p.effects.tlbiAll == 1)
        #expect(p.effects.tlbiVA == 8 * 512)
        #expect(p.effects.tlbiWalk == 1)
        #expect(p.effects.tablesFreed == [0, 0, 1, 0])
    }

    @Test func everyHistoryRevisionButV1HasAContract() {
        for name in ["v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v12", "final", "altmap", "fix2025", "fix2026"] {
            #expect(RevisionContract.named(name)?.name == name)
        }
        #expect(RevisionContract.named("v1") == nil)
    }

    @Test func fix2026ChecksTheBlockAfterTheOneGoingOffline() throws {
        // 4K/39, 128 MiB sections, 56-byte struct page: the memmap of the section at 0x2b8000000 is
        // [pfn 0x2b8000 * 56, +1.75 MiB) = [0x098e0000, 0x09aa0000) into the vmemmap, inside the PMD
        // blocks [0x09800000, 0x09a00000) and [0x09a00000, 0x09c00000): both its edges split a block, so
        // the commit's purpose is NOTIFY_BAD.  As posted, prevent_memory_remove_notifier()'s boot-section
        // loop leaves pfn at end_pfn = 0x2c0000, and can_unmap_without_split(0x2c0000, 0x8000) checks
        // [0x2c0000000, +128M): not mapped, so nothing splits and the removal goes ahead.
        let sec = Scenario.Step(op: .add, start: 0x2_b800_0000, size: 128 * M)
        let rm = Scenario.Step(op: .remove, start: 0x2_b800_0000, size: 128 * M)
        let m = ModelJudge(scenario: scenario("4K/39", boot: 128 * M, section: 27, structPage: 56, [sec, rm]), revision: "fix2026")
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        let p = m.prediction(step: 1)
        #expect(p.outcome == .ok)
        let f = m.check(step: 1, perfectObservation(m, step: 1, before: try #require(m.prediction(step: 0).after as ModelSnapshot?)))
        #expect(f.contains { $0.rule == "inv.split-check-lost-start-edge" })
    }

    // In fix2026's own era (4K/48, 128 MiB sections, 64-byte struct page), rodata=off: a 1 GiB add at 4G is one
    // PUD block of the linear map, [0xffff0000c0000000, 0xffff000100000000) (PAGE_OFFSET + pa - 1G).

    @Test func fix2026LosesTheStartEdgeAndClearsAPUDBlockInUse() throws {
        // Removing the last section [5G - 128M, 5G): its linear start 0xffff0000f8000000 lies inside the PUD
        // block, so the commit's purpose is NOTIFY_BAD.  With pfn == end_pfn the check tests [5G, 5G + 128M):
        // 5G is PUD aligned and nothing maps 5G + 128M or that range's memmap: allowed.  arch_remove_memory()
        // then clears the whole PUD block: the other 896 MiB lose their linear map.
        let add = Scenario.Step(op: .add, start: 4 * G, size: G)
        let rm = Scenario.Step(op: .remove, start: 5 * G - 128 * M, size: 128 * M)
        let m = ModelJudge(scenario: scenario("4K/48", boot: 128 * M, section: 27, [add, rm]), revision: "fix2026")
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        let before = m.prediction(step: 0).after
        #expect(run(before, at: 0xffff_0000_c000_0000)?.entrySize == G)
        let p = m.prediction(step: 1)
        #expect(p.outcome == .ok)
        #expect(run(p.after, at: 0xffff_0000_c000_0000) == nil)
        let f = m.check(step: 1, perfectObservation(m, step: 1, before: before))
        let lost = try #require(f.first { $0.rule == "inv.split-check-lost-start-edge" })
        #expect(lost.message.contains("the linear map's start 0xffff0000f8000000"))
        #expect(!f.contains { $0.rule == "inv.split-check-spurious-edge" })
    }

    @Test func fix2026RefusesASafeRemovalForASpuriousEdge() {
        // [0xf8000000, 4G) is its own 128 MiB add (PMD blocks, CONT ranges of 32 MiB: its edges split nothing).
        // Removing it, the check tests [4G, 4G + 128M): the linear end 0xffff0000c8000000 lies inside the PUD
        // block of the 1 GiB add: NOTIFY_BAD, the removal is refused although it splits nothing.
        let below = Scenario.Step(op: .add, start: 0xf800_0000, size: 128 * M)
        let add = Scenario.Step(op: .add, start: 4 * G, size: G)
        let rm = Scenario.Step(op: .remove, start: 0xf800_0000, size: 128 * M)
        let m = ModelJudge(scenario: scenario("4K/48", boot: 128 * M, section: 27, [below, add, rm]), revision: "fix2026")
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        _ = m.check(step: 1, perfectObservation(m, step: 1, before: m.prediction(step: 0).after))
        let before = m.prediction(step: 1).after
        let p = m.prediction(step: 2)
        #expect(p.outcome == .refused)
        let f = m.check(step: 2, perfectObservation(m, step: 2, before: before))
        #expect(f.contains { $0.rule == "inv.split-check-spurious-edge" && $0.message.contains("the linear map's end 0xffff0000c8000000") })
    }
}
