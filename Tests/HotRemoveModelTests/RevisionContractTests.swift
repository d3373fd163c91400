// The revisions' teardown contracts on hand-derived cases (4K/48, PHYS_OFFSET 1 GiB).
//
// The reference case: boot [1G, 2G); add and remove the section at PA 65G.
//  * linear: VA offset 64G, a 1 GiB PUD block at 0xffff001000000000 in boot's PUD table
//    (which keeps boot's block, so it is never empty);
//  * memmap: VMEMMAP_START + (64G / 4K) * 64 = VMEMMAP_START + 1G = 0xfffffe003fe00000, 8 PMD blocks:
//    the first in the PMD table at 0xfffffe0000000000 (shared with boot's memmap), the other 7
//    in the PMD table at 0xfffffe0040000000, which nothing else uses.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct RevisionContractTests {
    func removal(_ rev: String) -> StepPrediction {
        let m = ModelJudge(scenario: scenario("4K/48", referenceRemoval), revision: rev)
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        return m.prediction(step: 1)
    }

    @Test func finalFlushesOncePerLeafAndFreesTheEmptyVmemmapTable() {
        let p = removal("final")
        #expect(p.outcome == .ok)
        // 8 vmemmap PMD blocks + 1 linear PUD block, one vaale1is each
        #expect(p.effects.tlbiVA == 9)
        #expect(p.effects.tlbiAll == 0)
        // the emptied PMD table at 0xfffffe0040000000 lies inside [VMEMMAP_START, VMEMMAP_END): freed,
        // its PUD entry cleared and one vaae1is issued
        #expect(p.effects.tablesFreed == [0, 0, 1, 0])
        #expect(p.effects.tlbiWalk == 1)
        // clears: PUD level = the linear block + the PMD table's entry; PMD level = the 8 blocks
        #expect(p.effects.clears == [0, 2, 8, 0])
        // backing: 8 blocks of 2 MiB, order 9
        #expect(p.effects.dataFreedByOrder[9] == 8)
        #expect(p.effects.warnCount == 0)
        #expect(!p.after.hasTable(.pmd, vaStart: 0xffff_fe00_4000_0000))
        #expect(p.after.hasTable(.pmd, vaStart: 0xffff_fe00_0000_0000))
    }

    @Test func v6FlushesWholeBlocksAndNeverFreesVmemmapTables() {
        let p = removal("v6")
        // each 2 MiB block: flush_tlb_kernel_range over 512 pages = MAX_TLBI_OPS pages, not more: 512 vaale1is
        #expect(p.effects.tlbiVA == 8 * 512)
        // the 1 GiB PUD block exceeds MAX_TLBI_OPS pages: one vmalle1is
        #expect(p.effects.tlbiAll == 1)
        // vmemmap_free() only unmaps (its FIXME): the emptied PMD table stays
        #expect(p.effects.tablesFreed == [0, 0, 0, 0])
        #expect(p.effects.tlbiWalk == 0)
        #expect(p.effects.clears == [0, 1, 8, 0])
        #expect(p.effects.dataFreedByOrder[9] == 8)
        #expect(p.after.hasTable(.pmd, vaStart: 0xffff_fe00_4000_0000))
    }

    @Test func finalKeepsAnEmptyTableBelowTheFloor() {
        // boot [2G, 3G); add and remove PA [1G, 2G), whose memmap is [VMEMMAP_START, +16M):
        // block 1 sits in the PMD table at 0xfffffdffc0000000, which starts below VMEMMAP_START
        // (the floor), blocks 2..8 in boot's PMD table at 0xfffffe0000000000.
        // After the unmap the first table is empty, but pgtable_range_aligned() rejects it.
        let sc = scenario("4K/48", bootStart: 2 * G, [.init(op: .add, start: G, size: G), .init(op: .remove, start: G, size: G)])
        let m = ModelJudge(scenario: sc, revision: "final")
        let add = m.prediction(step: 0)
        // the add makes that PMD table and the PUD table [0xfffffd8000000000, +512G) above it
        #expect(add.effects.tablesAllocated[Level.pmd.rawValue] == 1)
        #expect(add.effects.tablesAllocated[Level.pud.rawValue] == 1)
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        let p = m.prediction(step: 1)
        #expect(p.outcome == .ok)
        #expect(p.effects.tablesFreed == [0, 0, 0, 0])
        #expect(p.after.hasTable(.pmd, vaStart: 0xffff_fdff_c000_0000))
        #expect(p.notes.contains { $0.contains("pgtable_range_aligned") })
    }

    @Test func bootMemoryRefusedByFinalRemovedByV6() {
        // offline/remove the boot section [1G, 2G)
        let steps: [Scenario.Step] = [.init(op: .remove, start: G, size: G)]
        let fin = ModelJudge(scenario: scenario("4K/48", steps), revision: "final").prediction(step: 0)
        #expect(fin.outcome == .refused)
        #expect(fin.effects.clears == [0, 0, 0, 0])
        let v6 = ModelJudge(scenario: scenario("4K/48", steps), revision: "v6").prediction(step: 0)
        #expect(v6.outcome == .ok)
        // the 8 boot memmap blocks are PageReserved: WARN and a refused free each; nothing freed
        #expect((v6.effects.faults(.freeReserved) ?? .max) == 8 + 1)
        #expect(v6.effects.dataFreedByOrder[9] == 0)
        // ... and the linear PUD table [PAGE_OFFSET, +512G), now empty, is freed by V6 (no floor/ceiling):
        // it was allocated at boot, so that free is refused too (the "+ 1" above)
        #expect(v6.effects.tablesFreed == [0, 0, 0, 0])
        #expect(v6.effects.clears[Level.pgd.rawValue] == 1)
        #expect(v6.warnCount == 9)
    }

    @Test func sharedBaseVmemmapPageOn64K() {
        // 64K/48 with 56-byte struct pages: a 2 MiB sub-section has 32 struct pages = 1792 bytes of memmap.
        // PA 8G: memmap at VMEMMAP_START + (7G / 64K) * 56 = + 0x620000 -> 0xffffffe000420000 (page aligned);
        // the next sub-section's memmap starts 1792 bytes later, in the same 64K page.
        let sc = scenario("64K/48", structPage: 56, [
            .init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
            .init(op: .add, start: 8 * G + 2 * M, size: 2 * M, kind: .device),
            .init(op: .remove, start: 8 * G + 2 * M, size: 2 * M, kind: .device),
        ])
        let m = ModelJudge(scenario: sc, revision: "final")
        let a0 = m.prediction(step: 0)
        #expect((run(a0.after, at: 0xffff_ffe0_0042_0000)?.count ?? .max) == 1)
        var before = m.bootSnapshot
        for i in 0 ..< 2 {
            let o = perfectObservation(m, step: i, before: before)
            before = m.prediction(step: i).after
            _ = m.check(step: i, o)
        }
        // the second add found its page mapped already; removing it clears that page, which the first
        // sub-section still uses: one memmap PTE cleared, one page freed. The sub-section's linear map
        // (2M in 64K pages, 512M PMD_SIZE so no block) adds 32 PTE clears: 33 in all.
        let p = m.prediction(step: 2)
        #expect(p.effects.clears[Level.pte.rawValue] == 1 + 32)
        #expect(p.effects.dataFreedByOrder[0] == 1)
        #expect(run(p.after, at: 0xffff_ffe0_0042_0000) == nil)
    }
}
