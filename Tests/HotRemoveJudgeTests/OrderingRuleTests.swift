// The architecture's ordering rules (OrderingRules.swift) on hand-built traces:
// one clean teardown, then each way of breaking each rule.  Geometry 4K/48, so
// a PTE maps 4 KiB, a PMD entry 2 MiB, a PUD entry 1 GiB; the VAs are in the
// vmemmap region (VMEMMAP_START = 0xfffffdffffe00000 on 4K/48).
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct OrderingRuleTests: HandBuiltTrace {

    // the tables: a PMD table for [0xfffffe0000000000, +1G) holding a PTE table for the first 2 MiB
    // and a 2 MiB block for the next 2 MiB
    let va: UInt64 = 0xffff_fe00_0000_0000
    let pmdTable: UInt64 = 0x4010_0000, pteTable: UInt64 = 0x4020_0000
    let dataPage: UInt64 = 0x5000_0000, blockPA: UInt64 = 0x6000_0000

    var before: ObservedState {
        ObservedState(runs: [ObservedRun(va: va, count: 1, entrySize: 4 * K, pa: dataPage, attrs: Descriptor.pageKernel, level: .pte, kind: .page),
                             ObservedRun(va: va + 2 * M, count: 1, entrySize: 2 * M, pa: blockPA, attrs: Descriptor.sectNormal, level: .pmd, kind: .block)],
                      tables: [ObservedTable(level: .pmd, pa: pmdTable, vaStart: va, vaSpan: G, live: 2),
                               ObservedTable(level: .pte, pa: pteTable, vaStart: va, vaSpan: 2 * M, live: 1)])
    }

    // events in kernel order
    var clearPTE: ObservedEvent { .init(kind: .clear, level: 3, count: 1, a: pteTable, b: dataPage | Descriptor.pageKernel) }
    var clearPMDTable: ObservedEvent { .init(kind: .clear, level: 2, count: 1, a: pmdTable, b: pteTable | 3) }
    var clearBlock: ObservedEvent { .init(kind: .clear, level: 2, count: 1, a: pmdTable + 8, b: blockPA | Descriptor.sectNormal) }
    func tlbi(_ v: UInt64) -> ObservedEvent { .init(kind: .tlbiVA, level: 0, count: 1, a: v, b: 0) }
    func walkTlbi(_ v: UInt64) -> ObservedEvent { .init(kind: .tlbiWalk, level: 0, count: 1, a: v, b: 0) }
    func free(_ pa: UInt64, order: Int = 0, table: Bool) -> ObservedEvent {
        .init(kind: .free, level: order, count: 1, a: pa >> 12, b: table ? 1 : 0)
    }

    /// flush_tlb_kernel_range(v, v + PAGE_SIZE) and __flush_tlb_kernel_pgtable(v) as v5.7 issues them
    func flushRange(_ v: UInt64) -> [ObservedEvent] { [ishst, tlbi(v), ish, isb] }
    func flushPgtable(_ v: UInt64) -> [ObservedEvent] { [ishst, walkTlbi(v), ish, isb] }

    /// final's order: PTE cleared, flushed, page freed; the block cleared, flushed, freed (order 9);
    /// then the empty PTE table unhooked, walk-flushed, freed.
    var clean: [ObservedEvent] {
        [clearPTE] + flushRange(va) + [free(dataPage, table: false)]
            + [clearBlock] + flushRange(va + 2 * M) + [free(blockPA, order: 9, table: false)]
            + [clearPMDTable] + flushPgtable(va) + [free(pteTable, table: true)]
    }

    func rules(_ trace: [ObservedEvent]) -> [String] {
        var out = FindingList()
        let obs = StepObservation(index: 0, result: .ok, effects: StepEffects(), warns: [], faults: [], trace: trace,
                                  before: before, after: ObservedState())
        OrderingJudge.check(obs, lay: lay, step: 0, &out)
        return out.finish().map(\.rule)
    }

    @Test func cleanTeardownPasses() {
        #expect(rules(clean) == [])
        // a full flush after the clears covers them all, at any level
        #expect(rules([clearPTE, clearBlock, clearPMDTable, ishst, all, ish, isb,
                       free(dataPage, table: false), free(blockPA, order: 9, table: false), free(pteTable, table: true)]) == [])
    }

    @Test func blockIsDroppedByAnyVAInsideIt() {
        // the 2 MiB block at va + 2M: a vaale1is of its last page reaches it
        #expect(rules([clearBlock] + flushRange(va + 4 * M - 4 * K) + [free(blockPA, order: 9, table: false)]) == [])
        // ... a vaale1is of the page after it does not
        #expect(Set(rules([clearBlock] + flushRange(va + 4 * M) + [free(blockPA, order: 9, table: false)]))
                == ["inv.free-before-leaf-tlbi", "inv.tlb-stale-leaf"])
    }

    @Test func dataPageFreedBeforeItsLeafTLBI() {
        // (b) of the issue: the vmemmap page freed before flush_tlb_kernel_range() of its PTE
        let t = [clearPTE, free(dataPage, table: false)] + flushRange(va)
        #expect(rules(t) == ["inv.free-before-leaf-tlbi"])
        // freed after the TLBI but before the dsb(ish) that completes it
        #expect(rules([clearPTE, ishst, tlbi(va), free(dataPage, table: false), ish, isb]) == ["inv.free-before-leaf-tlbi"])
    }

    @Test func blockFreedBeforeItsTLBI() {
        #expect(rules([clearBlock, free(blockPA, order: 9, table: false)] + flushRange(va + 2 * M)) == ["inv.free-before-leaf-tlbi"])
    }

    @Test func tablePageFreedBeforeItsWalkTLBI() {
        // (a) of the issue: the PTE table freed right after pmd_clear(), before __flush_tlb_kernel_pgtable()
        #expect(rules([clearPMDTable, free(pteTable, table: true)] + flushPgtable(va)) == ["inv.free-before-walk-tlbi"])
        // walk-cache TLBI issued, but not completed by a dsb(ish) before the free
        #expect(rules([clearPMDTable, ishst, walkTlbi(va), free(pteTable, table: true), ish, isb]) == ["inv.free-before-walk-tlbi"])
    }

    @Test func leafTLBIDoesNotReachTheWalkCache() {
        // flush_tlb_kernel_range() (vaale1is) where __flush_tlb_kernel_pgtable() (vaae1is) is needed
        #expect(Set(rules([clearPMDTable] + flushRange(va) + [free(pteTable, table: true)]))
                == ["inv.free-before-walk-tlbi", "inv.tlb-stale-walk"])
    }

    @Test func walkTLBIMustFallInTheUnhookedSpan() {
        // vaae1is of a VA 2 MiB further on: another PMD entry's span, not the unhooked one
        #expect(Set(rules([clearPMDTable] + flushPgtable(va + 2 * M) + [free(pteTable, table: true)]))
                == ["inv.free-before-walk-tlbi", "inv.tlb-stale-walk"])
    }

    @Test func tlbiOfTheWrongVA() {
        #expect(Set(rules([clearPTE] + flushRange(va + 4 * K) + [free(dataPage, table: false)]))
                == ["inv.free-before-leaf-tlbi", "inv.tlb-stale-leaf"])
    }

    @Test func invalidationBeforeTheClearDoesNotCount() {
        #expect(rules(flushRange(va) + [clearPTE]) == ["inv.tlb-order"])
        // a full flush covers what was cleared before it, not what is cleared after it
        #expect(rules([ishst, all, ish, isb, clearPTE]) == ["inv.tlb-order"])
    }

    // explore: a trace of the removal (thread 0) with a walker's events between `.thread` records
    func thread(_ t: UInt64) -> ObservedEvent { .init(kind: .thread, level: 0, count: 1, a: t, b: 0) }
    func judged(_ trace: [ObservedEvent]) -> [String] {
        OrderingJudge.check(sc, step: 0, before: before, trace: trace).map(\.rule)
    }

    @Test func onlyTheRemovalsOwnInvalidationsCount() {
        // the removal's clean teardown with a walker's events between its steps: still clean
        #expect(judged([thread(0), clearPTE, thread(1), ishst, tlbi(va + 8 * M), ish, thread(0)] + flushRange(va)
                       + [free(dataPage, table: false)]) == [])
        // a walker's vaale1is of the cleared page, completed by the walker's own dsb(ish): the removal issued
        // none, so for the removal the leaf is still cached when it frees the page, and at its end
        #expect(Set(judged([thread(0), clearPTE, thread(1)] + flushRange(va) + [thread(0), free(dataPage, table: false)]))
                == ["inv.free-before-leaf-tlbi", "inv.tlb-stale-leaf"])
        // the removal's TLBI completed only by a walker's dsb(ish): a DSB completes the issuing CPU's
        // invalidations, so the free comes before completion
        #expect(judged([thread(0), clearPTE, ishst, tlbi(va), thread(1), ish, thread(0), free(dataPage, table: false), ish])
                == ["inv.free-before-leaf-tlbi"])
        // nor are the walker's own clears judged: its cleared entry is its business (vunmap flushes later)
        #expect(judged([thread(1), clearBlock, thread(0)]) == [])
    }

    /// A table a walker installs (vmalloc's __pte_alloc_kernel(): a PTE table under PMD entry 2, for
    /// [va + 4M, va + 6M)) is known to the judge: the removal's clear of an entry in it is judged like any.
    @Test func aTableAWalkerInstallsIsJudgedExactly() {
        let newTable: UInt64 = 0x4030_0000, page: UInt64 = 0x5100_0000
        let install = [thread(1), ObservedEvent(kind: .set, level: 2, count: 1, a: pmdTable + 16, b: newTable | 3),
                       ObservedEvent(kind: .set, level: 3, count: 1, a: newTable, b: page | Descriptor.pageKernel)]
        let clear = ObservedEvent(kind: .clear, level: 3, count: 1, a: newTable, b: page | Descriptor.pageKernel)
        #expect(judged(install + [thread(0), clear]) == ["inv.tlb-stale-leaf"])
        #expect(judged(install + [thread(0), clear] + flushRange(va + 4 * M)) == [])
        // the walker's own writes are not judged: a descriptor written into a page the judge does not know
        #expect(judged([thread(1), ObservedEvent(kind: .set, level: 3, count: 1, a: 0x4040_0000, b: page | Descriptor.pageKernel)]) == [])
        // ... which the removal may not do
        #expect(judged([thread(0), ObservedEvent(kind: .set, level: 3, count: 1, a: 0x4040_0000, b: page | Descriptor.pageKernel)])
                == ["inv.write-outside-table"])
    }

    @Test func clearedAndNeverInvalidated() {
        #expect(rules([clearPTE]) == ["inv.tlb-stale-leaf"])
        #expect(rules([clearPMDTable]) == ["inv.tlb-stale-walk"])
    }

    @Test func tableFreedWhileStillReachable() {
        #expect(rules([free(pteTable, table: true)]) == ["inv.freed-while-reachable"])
        // a data page freed while its vmemmap leaf still maps it
        #expect(rules([free(dataPage, table: false)]) == ["inv.freed-while-reachable"])
    }

    @Test func freedPageThatNoClearedLeafMapped() {
        #expect(rules(clean + [free(0x7000_0000, table: false)]) == ["inv.freed-data-not-backing"])
    }

    @Test func invalidationNeverCompleted() {
        #expect(rules([clearPTE, ishst, tlbi(va), isb]) == ["inv.tlbi-incomplete"])
        // dsb(ishst) orders stores; it does not complete a TLBI
        #expect(rules([clearPTE, ishst, tlbi(va), ishst]) == ["inv.tlbi-incomplete"])
    }

    @Test func everyRuleHasAStatement() {
        for r in OrderingRule.allCases { #expect(r.statement.count > 20, "\(r.rawValue)") }
    }

    @Test func aDescriptorWrittenIntoABlocksBackingIsWrittenOutsideATable() {
        // vmemmap_pte_populate() under a live PMD block: pte_offset_kernel() of the block is blockPA, so the
        // "PTE" for va + 2M + 0x3000 goes to blockPA + 3 * 8, a page the block maps, not a table page
        let intoBlock = ObservedEvent(kind: .set, level: 3, count: 1, a: blockPA + 24, b: dataPage | Descriptor.pageKernel)
        #expect(rules([intoBlock, ishst, isb]) == ["inv.write-outside-table"])
        // the same write into the PTE table is a set like any other
        let intoTable = ObservedEvent(kind: .set, level: 3, count: 1, a: pteTable + 24, b: dataPage | Descriptor.pageKernel)
        #expect(rules([intoTable, ishst, isb]) == [])
    }
}

/// vmem_altmap_free() (v5.9) names no page: it returns the backing of the leaf just cleared.
@Suite struct AltmapReturnOrderTests {
    @Test func altmapReturnBeforeTheLeafTLBI() {
        let t = OrderingRuleTests()
        let ret = ObservedEvent(kind: .altmapFree, level: 0, count: 1, a: 1, b: 0)
        // clear, flush, then vmem_altmap_free(altmap, 1): clean
        #expect(t.rules([t.clearPTE] + t.flushRange(t.va) + [ret]) == [])
        // vmem_altmap_free() before the flush of the leaf
        #expect(t.rules([t.clearPTE, ret] + t.flushRange(t.va)) == ["inv.free-before-leaf-tlbi"])
    }

}
