// The Contiguous bit and break-before-make (OrderingRules.swift) on hand-built traces.
// 4K/48 linear map: a PTE table for [0xffff000040000000, +2M) whose first 16 PTEs are one
// contiguous range of 16 x 4K = 64K.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct ContiguousRuleTests: HandBuiltTrace {
    @Test func contiguousSizesPerGranule() {
        // Arm ARM D8.6.1 (VMSAv8-64 contiguous ranges): 4K: 16 PTEs (64K), 16 PMD blocks (16 x 2M = 32M);
        // 16K: 128 PTEs (128 x 16K = 2M), 32 PMD blocks (32 x 32M = 1G); 64K: 32 PTEs (32 x 64K = 2M),
        // 32 PMD blocks (32 x 512M = 16G)
        let g4 = Geometry(name: "4K/48")!, g16 = Geometry(name: "16K/47")!, g64 = Geometry(name: "64K/42")!
        #expect(g4.contPteSize == 64 * K && g4.contPmdSize == 32 * M)
        #expect(g16.contPteSize == 2 * M && g16.contPmdSize == G)
        #expect(g64.contPteSize == 2 * M && g64.contPmdSize == 16 * G)
    }

    let va: UInt64 = 0xffff_0000_4000_0000
    let pteTable: UInt64 = 0x4020_0000, dataPA: UInt64 = 0x4000_0000
    var contPage: UInt64 { Descriptor.pageKernel | Descriptor.cont }

    var before: ObservedState {
        ObservedState(runs: [ObservedRun(va: va, count: 16, entrySize: 4 * K, pa: dataPA, attrs: contPage, level: .pte, kind: .page),
                             ObservedRun(va: va + 64 * K, count: 496, entrySize: 4 * K, pa: dataPA + 64 * K, attrs: Descriptor.pageKernel, level: .pte, kind: .page)],
                      tables: [ObservedTable(level: .pte, pa: pteTable, vaStart: va, vaSpan: 2 * M, live: 512)])
    }
    func clear(_ k: UInt64, count: UInt64 = 1) -> ObservedEvent {
        .init(kind: .clear, level: 3, count: count, a: pteTable + 8 * k, b: (dataPA + k * 4 * K) | contPage)
    }
    func tlbi(_ k: UInt64, pages: UInt64 = 1) -> ObservedEvent { .init(kind: .tlbiVA, level: 0, count: pages, a: va + k * 4 * K, b: 0) }

    func rules(_ trace: [ObservedEvent]) -> Set<String> {
        var out = FindingList()
        let obs = StepObservation(index: 0, result: .ok, effects: StepEffects(), warns: [], faults: [], trace: trace,
                                  before: before, after: ObservedState())
        OrderingJudge.check(obs, lay: Layout(sc), step: 0, &out)
        return Set(out.finish().map(\.rule))
    }

    @Test func entryByEntryInvalidationLeavesTheRangeRefillable() {
        // final before 2026: clear one PTE, flush its page, next PTE...  Entries 0..14 are invalidated while
        // a sibling is still valid; only entry 15's TLBI comes after the whole range is invalid.
        var t: [ObservedEvent] = []
        for k in 0 ..< UInt64(16) { t += [clear(k), ishst, tlbi(k), ish, isb] }
        #expect(rules(t) == ["inv.tlb-cont-refill"])
    }

    @Test func clearTheWholeRangeThenInvalidateIsClean() {
        // the 2026 form: clear all 16, then flush_tlb_kernel_range(start, end): 16 vaale1is
        #expect(rules([clear(0, count: 16), ishst, tlbi(0, pages: 16), ish, isb]) == [])
        // or a full flush after the clears
        #expect(rules([clear(0, count: 16), ishst, .init(kind: .tlbiAll, level: 0, count: 1, a: 0, b: 0), ish, isb]) == [])
    }

    @Test func aRangeClearedInPart() {
        // 8 of the 16 cleared and flushed: the other 8 stay valid with the Contiguous bit
        #expect(rules([clear(0, count: 8), ishst, tlbi(0, pages: 8), ish, isb]) == ["inv.cont-range-split", "inv.tlb-cont-refill"])
    }

    @Test func liveEntryRewrittenWithoutABreak() {
        // PTE 100 (not contiguous) pointed at another page while valid
        let old = (dataPA + 100 * 4 * K) | Descriptor.pageKernel
        let moved = ObservedEvent(kind: .replace, level: 3, count: 1, a: pteTable + 800, b: (0x7000_0000) | Descriptor.pageKernel, db: old)
        #expect(rules([moved]) == ["inv.break-before-make"])
        // the Contiguous bit added in place is a change of size: also a break-before-make violation
        let contAdded = ObservedEvent(kind: .replace, level: 3, count: 1, a: pteTable + 800, b: old | Descriptor.cont, db: old)
        #expect(rules([contAdded]) == ["inv.break-before-make"])
        // a permission change alone (read-only, bit 7) is allowed in place (pgattr_change_is_safe())
        let readOnly = ObservedEvent(kind: .replace, level: 3, count: 1, a: pteTable + 800, b: old | (1 << 7), db: old)
        #expect(rules([readOnly]) == [])
    }
}
