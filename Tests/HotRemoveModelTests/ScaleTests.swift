// The model works with runs: a terabyte costs as much as a gigabyte.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct ScaleTests {
    @Test func oneTiBStaysAFewRuns() {
        // 4K/48, boot [1G, 2G); add and remove PA [1T, 2T) (1024 sections of 1 GiB).
        let sc = scenario("4K/48", [.init(op: .add, start: T, size: T), .init(op: .remove, start: T, size: T)])
        let m = ModelJudge(scenario: sc, revision: "final")
        let add = m.prediction(step: 0)
        // linear: 1024 PUD blocks in one run; memmap: 16 GiB = 8192 PMD blocks in one run;
        // plus boot's block and boot's 8 memmap blocks: 4 runs
        #expect(add.after.runs.count == 4)
        #expect((run(add.after, at: 0xffff_0000_0000_0000 + T - G)?.count ?? .max) == 1024)
        // memmap of PA 1T: VMEMMAP_START + (1T - 1G) / 4K * 64 = 0xfffffdffffe00000 + 16G - 16M = 0xfffffe03fee00000
        #expect((run(add.after, at: 0xffff_fe03_fee0_0000)?.count ?? .max) == 8192)
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))

        let p = m.prediction(step: 1)
        #expect(p.after.runs.count == 2)
        // 8192 memmap blocks and 1024 PUD blocks cleared, one vaale1is each
        #expect(p.effects.clears[Level.pmd.rawValue] == 8192)
        #expect(p.effects.tlbiVA == 8192 + 1024)
        // memmap VA [0xfffffe03fee00000, 0xfffffe07fee00000) touches the PMD tables of GiBs 15..31 after
        // 0xfffffe0000000000: 17 tables, all freed; the linear range (offsets [1023G, 2047G)) touches
        // the PUD tables of [512G, 1T), [1T, 1.5T) and [1.5T, 2T): 3 tables, all freed.
        #expect(p.effects.tablesFreed == [0, 3, 17, 0])
        // clears: PUD level = 1024 blocks + 17 PMD-table entries; PGD level = 3 PUD-table entries
        #expect(p.effects.clears[Level.pud.rawValue] == 1024 + 17)
        #expect(p.effects.clears[Level.pgd.rawValue] == 3)
        #expect(p.effects.tlbiWalk == 20)
        #expect(p.effects.dataFreedByOrder[9] == 8192)
    }

    @Test func oneTiBWithoutBlocks() {
        // rodata_full: 1 TiB of linear map = 2^28 pages, still one run; tables allocated: 1T / 2M = 524288
        // PTE tables, 1T / 1G = 1024 PMD tables for the linear map plus the 17 memmap PMD tables of the
        // previous test (the memmap keeps its PMD blocks), and the 3 linear PUD tables of the previous test
        let sc = scenario("4K/48", rodata: true, [.init(op: .add, start: T, size: T)])
        let p = ModelJudge(scenario: sc, revision: "final").prediction(step: 0)
        #expect((run(p.after, at: 0xffff_0000_0000_0000 + T - G)?.count ?? .max) == 1 << 28)
        #expect(p.effects.tablesAllocated[Level.pte.rawValue] == 524_288)
        #expect(p.effects.tablesAllocated[Level.pmd.rawValue] == 1024 + 17)
        #expect(p.effects.tablesAllocated[Level.pud.rawValue] == 3)
    }

    @Test func oneTiBWithoutBlocksRemovedGivesOneProgressionOfWalkTLBIs() {
        let sc = scenario("4K/48", rodata: true, [.init(op: .add, start: T, size: T), .init(op: .remove, start: T, size: T)])
        let m = ModelJudge(scenario: sc, revision: "final")
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        let p = m.prediction(step: 1)
        // freed: the 524288 PTE and 1024 PMD tables of the linear range, its 3 PUD tables, the memmap's 17 PMD tables
        #expect(p.effects.tablesFreed == [0, 3, 1024 + 17, 524_288])
        #expect(p.effects.tlbiWalk == 524_288 + 1024 + 17 + 3)
        // the linear range is offsets [1023G, 2047G): VA 0xffff000000000000 + 0xffc0000000.  Each PTE table's
        // operand is its span's start, one every 2 MiB; each PMD table's (every 1 GiB) and each PUD table's
        // (the walk enters [512G, 1T) at 1023G, then 1T and 1.5T) is a PTE table's too: one progression
        //
        // the memmap, [0xfffffe03fee00000, 0xfffffe07fee00000), goes section by section (16 MiB each, the k-th
        // from 0xfffffe03fee00000 + k * 16M); its PMD table of GiB 15 + j is freed by the pass of the section
        // that empties it, at that section's start: j = 0 by section 1 (0x..03ffe00000), j = 1 by section 65
        // (0x..043fe00000), ... 1 GiB apart up to j = 15; j = 16 by the last section, 1023 (0x..07fde00000)
        let linear = RangeProgression(start: 0xffff_00ff_c000_0000, width: 0x1000, stride: 0x20_0000, count: 524_288)
        let memmap = [RangeProgression(start: 0xffff_fe03_ffe0_0000, width: 0x1000, stride: 1 << 30, count: 16),
                      RangeProgression(start: 0xffff_fe07_fde0_0000, width: 0x1000, stride: 0, count: 1)]
        #expect(p.effects.tlbiWalkAddresses.set.progressions == [linear] + memmap)
    }
}
