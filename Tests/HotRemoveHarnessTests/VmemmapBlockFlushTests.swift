import Foundation
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// Invalidations per removed vmemmap block (VmemmapBlockFlushes): what 48478b9f7913's
/// flush_tlb_kernel_range(addr, addr + PMD_SIZE) costs against the one TLBI before it and after its
/// follow-up.  Expected values are derived by hand beside each test.
@Suite struct VmemmapBlockFlushTests {
    static let g = geometry("4K/48")
    /// a PMD table of the vmemmap (4K/48: 512 entries of 2 MiB, 1 GiB of VA) at pa 0x4000_0000
    static let pmdTable = ObservedTable(level: .pmd, pa: 0x4000_0000, vaStart: (g.vmemmapStart & ~(G - 1)) + G, vaSpan: G, live: 3)
    /// a PMD table of the linear map at pa 0x4000_1000
    static let linearTable = ObservedTable(level: .pmd, pa: 0x4000_1000, vaStart: g.pageOffset + 7 * G, vaSpan: G, live: 1)

    func observation(_ trace: [ObservedEvent]) -> StepObservation {
        let before = ObservedState(tables: [Self.pmdTable, Self.linearTable])
        return StepObservation(index: 1, result: .ok, effects: StepEffects(), warns: [], faults: [], trace: trace,
                               before: before, after: before)
    }
    /// the clear of entry `i` of `t`, which held a block (type 0b01) or a table (0b11) descriptor at `pa`
    func clear(_ t: ObservedTable, _ i: UInt64, pa: UInt64, type: UInt64 = 1) -> ObservedEvent {
        ObservedEvent(kind: .clear, level: t.level.rawValue, count: 1, a: t.pa + 8 * i, b: pa | 0x700 | type)
    }

    @Test func countsFromTheClearToTheFreeOfTheBacking() throws {
        let va0 = Self.pmdTable.vaStart, va1 = va0 + 2 * M
        let trace: [ObservedEvent] = [
            // block 0 (backing at pa 0x8000_0000): cleared, 512 pages of it invalidated, a page of the
            // next block too (not this block's), backing freed (order 9), then one more TLBI (too late)
            clear(Self.pmdTable, 0, pa: 0x8000_0000),
            ObservedEvent(kind: .tlbiVA, level: 0, count: 513, a: va0, b: 0),
            ObservedEvent(kind: .free, level: 9, count: 1, a: 0x8000_0000 >> 12, b: 0),
            ObservedEvent(kind: .tlbiVA, level: 0, count: 1, a: va0, b: 0),
            // a table entry of the vmemmap and a linear-map block: neither is a vmemmap block
            clear(Self.pmdTable, 2, pa: 0x9000_0000, type: 3),
            clear(Self.linearTable, 0, pa: 0xa000_0000),
            // block 1: cleared, one vmalle1is, its backing returned to the altmap
            clear(Self.pmdTable, 1, pa: 0x8020_0000),
            ObservedEvent(kind: .tlbiAll, level: 0, count: 1, a: 0, b: 0),
            ObservedEvent(kind: .altmapFree, level: 0, count: 1, a: 512, b: 0),
            ObservedEvent(kind: .tlbiAll, level: 0, count: 1, a: 0, b: 0),
        ]
        let f = try #require(VmemmapBlockFlushes.measure(observation(trace), geometry: Self.g))
        // block 0: the 513-page range from va0 reaches 512 of its pages; the TLBI after its free is not its
        // flush.  Block 1: one vmalle1is before the altmap free, not the one after.
        #expect(f.blocks == [.init(va: va0, vaale1is: 512, vmalle1is: 0), .init(va: va1, vaale1is: 0, vmalle1is: 1)])
        #expect(f.summary == "1..512 incl. vmalle1is (2 blocks)")
    }

    @Test func aBlockWhoseBackingWasFreedBeforeItsClearCountsToTheStepsEnd() throws {
        let va0 = Self.pmdTable.vaStart
        // free first (s390's order), then the clear, then one range flush at the end over 4 MiB: 512 of its pages
        let trace: [ObservedEvent] = [
            ObservedEvent(kind: .free, level: 9, count: 1, a: 0x8000_0000 >> 12, b: 0),
            clear(Self.pmdTable, 0, pa: 0x8000_0000),
            ObservedEvent(kind: .tlbiVA, level: 0, count: 1024, a: va0, b: 0),
        ]
        let f = try #require(VmemmapBlockFlushes.measure(observation(trace), geometry: Self.g))
        #expect(f.blocks == [.init(va: va0, vaale1is: 512, vmalle1is: 0)])
        #expect(f.summary == "512 (1 block)")
    }

    @Test func aFoldedLoopCountsEachRepetitionsBlock() throws {
        let va0 = Self.pmdTable.vaStart
        // [clear, one vaale1is, free] and "the 3 records before happen 2 more times", each moved on by one
        // entry (8 bytes, 2 MiB of VA and of backing, 512 pfns): three blocks, one vaale1is each
        let trace: [ObservedEvent] = [
            clear(Self.pmdTable, 0, pa: 0x8000_0000),
            ObservedEvent(kind: .tlbiVA, level: 0, count: 1, a: va0, b: 0),
            ObservedEvent(kind: .free, level: 9, count: 1, a: 0x8000_0000 >> 12, b: 0),
            ObservedEvent(kind: .repeatPrevious, level: 3, count: 2, a: 0, b: 0),
        ]
        var folded = trace
        folded[0].da = 8; folded[0].db = 2 * M
        folded[1].da = 2 * M
        folded[2].da = 512
        let f = try #require(VmemmapBlockFlushes.measure(observation(folded), geometry: Self.g))
        #expect(f.blocks.map(\.va) == [va0, va0 + 2 * M, va0 + 4 * M])
        #expect(f.blocks.map(\.invalidations) == [1, 1, 1])
    }

    @Test func untracedStepsHaveNoFigure() {
        var o = observation([])
        o.trace = nil
        #expect(VmemmapBlockFlushes.measure(o, geometry: Self.g) == nil)
    }

    /// 4K/48, [8G, +1G) added and removed (scenarios/example.json).  Its memmap: 1 GiB / 4 KiB = 262144
    /// struct pages of 64 bytes = 16 MiB = 8 PMD blocks of 2 MiB, from VMEMMAP_START + (8G - 1G) / 4K * 64 =
    /// VMEMMAP_START + 112 MiB (2 MiB-aligned), each block from the page allocator (order 9).
    func exampleRemoval(_ rev: String, _ g: String = "4K/48") throws -> (ScenarioRun, VmemmapBlockFlushes) {
        let r = try run(rev, g, [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G)])
        return (r, try #require(VmemmapBlockFlushes.measure(r.steps[1], geometry: geometry(g))))
    }

    @Test func fix2026FlushesEachBlockAtPageStride() throws {
        let (r, f) = try exampleRemoval("fix2026")
        // flush_tlb_kernel_range(addr, addr + PMD_SIZE): PMD_SIZE / PAGE_SIZE = 2M / 4K = 512 pages.  v5.7's
        // flush_tlb_kernel_range() (the shim's, and 6.1.y's) takes flush_tlb_all() only when
        // (end - start) > MAX_TLBI_OPS * PAGE_SIZE, MAX_TLBI_OPS = PTRS_PER_PTE = 512: 2M > 2M is false, so
        // one vaale1is per page, 512 per block.  (6.13+, a923705c69f7, without FEAT_TLBIRANGE: >= 512 pages
        // is a flush_tlb_all(), one vmalle1is per block instead; not what this shim runs.)
        let vmemmapBase = Self.g.vmemmapStart + 112 * M
        #expect(f.blocks.map(\.va) == (0..<8).map { vmemmapBase + UInt64($0) * 2 * M })
        #expect(f.blocks.allSatisfy { $0.vaale1is == 512 && $0.vmalle1is == 0 })
        #expect(f.summary == "512 (8 blocks)")
        // the model's contract (blockFlush: .wholeBlock) predicts the merged form exactly
        #expect(Checker.check(r).contractMismatches == 0)
    }

    @Test(arguments: ["v10", "final", "altmap", "fix2025"])
    func oneTLBIPerBlockBefore(_ rev: String) throws {
        // flush_tlb_kernel_range(addr, addr + PAGE_SIZE), "One TLBI should be sufficient here as the
        // PMD_SIZE range is mapped with a single block entry": 1 vaale1is per block
        let (_, f) = try exampleRemoval(rev)
        #expect(f.summary == "1 (8 blocks)")
    }

    @Test(arguments: ["v6", "v9"])
    func walkedRangeFlushBeforeV10(_ rev: String) throws {
        // flush_tlb_kernel_range(addr, next) with next = addr + PMD_SIZE for a whole block: 512, as fix2026
        let (_, f) = try exampleRemoval(rev)
        #expect(f.summary == "512 (8 blocks)")
    }

    @Test func noVmemmapBlocksWithoutFourKPages() throws {
        // v5.7..6.1's vmemmap_populate() maps the memmap with PMD blocks only with 4K pages
        // (ARM64_SWAPPER_USES_SECTION_MAPS / ARM64_KERNEL_USES_PMD_MAPS); elsewhere with base pages
        let (_, f) = try exampleRemoval("fix2026", "16K/48")
        #expect(f.blocks.isEmpty)
        #expect(f.summary == "no block")
    }

    @Test func diffShowsTheCostTheFollowUpRemoved() throws {
        let r = cli(["diff", packageRoot + "/scenarios/example.json", "--revisions", "altmap,fix2025,fix2026", "--json"])
        #expect(r.code == 0, "\(r.err)")
        struct Row: Decodable { let metric: String; let values: [String]; let differs: Bool }
        struct Step: Decodable { let step: Int; let rows: [Row] }
        struct Out: Decodable { let revisions: [String]; let scenarios: [String: [Step]] }
        let out = try JSONDecoder().decode(Out.self, from: Data(r.out.utf8))
        let steps = try #require(out.scenarios["example"])
        let removal = try #require(steps.first { $0.step == 1 }?.rows.first { $0.metric == "TLBI/vmemmap block" })
        // as exampleRemoval: 1 before, 512 with 48478b9f7913's whole-block flush
        #expect(removal.values == ["1 (8 blocks)", "1 (8 blocks)", "512 (8 blocks)"])
        #expect(removal.differs)
        let add = try #require(steps.first { $0.step == 0 }?.rows.first { $0.metric == "TLBI/vmemmap block" })
        #expect(add.values == ["no block", "no block", "no block"])
    }
}
