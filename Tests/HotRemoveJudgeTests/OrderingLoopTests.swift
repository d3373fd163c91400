// A folded loop judged through one repetition (OrderingLoops.swift) against the same trace judged
// event by event, on hand-built traces of the linear map.  Geometry 4K/48: PAGE_OFFSET is
// 0xffff000000000000; the PTE table at pa 0x40200000 maps the 2 MiB at va L = PAGE_OFFSET + 1 GiB,
// entry k mapping pa 0x40000000 + k * 4 KiB.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct OrderingLoopTests: HandBuiltTrace {
    let L: UInt64 = 0xffff_0000_4000_0000
    let pteTable: UInt64 = 0x4020_0000, data: UInt64 = 0x4000_0000

    var before: ObservedState {
        ObservedState(runs: [ObservedRun(va: L, count: 512, entrySize: 4 * K, pa: data, attrs: Descriptor.pageKernel, level: .pte, kind: .page)],
                      tables: [ObservedTable(level: .pte, pa: pteTable, vaStart: L, vaSpan: 2 * M, live: 512)])
    }
    /// pte_clear() of entry k; repetitions clear the next entries
    func clear(_ k: UInt64) -> ObservedEvent {
        .init(kind: .clear, level: 3, count: 1, a: pteTable + 8 * k, b: (data + k * 4 * K) | Descriptor.pageKernel, da: 8, db: 4 * K)
    }
    /// set_pte() of entry k (an add), moving on by one entry
    func set(_ k: UInt64) -> ObservedEvent {
        .init(kind: .set, level: 3, count: 1, a: pteTable + 8 * k, b: (data + k * 4 * K) | Descriptor.pageKernel, da: 8, db: 4 * K)
    }
    /// vaale1is of `va`, moving on by `stride`
    func tlbi(_ va: UInt64, stride: UInt64 = 4 * K) -> ObservedEvent { .init(kind: .tlbiVA, level: 0, count: 1, a: va, b: 0, da: stride) }
    func loop(_ period: Int, _ more: UInt64) -> ObservedEvent { .init(kind: .repeatPrevious, level: period, count: more, a: 0, b: 0) }

    /// The findings of `trace` judged both ways (they must agree), and how many repetitions the
    /// summarizing judge did not unroll.
    func judge(_ trace: [ObservedEvent], from before: ObservedState? = nil) -> (findings: [Finding], summarized: UInt64) {
        let before = before ?? self.before
        var fast = OrderingJudge(lay: lay, step: 0, before: before)
        let n = fast.run(trace)
        fast.finish()
        var unrolled = OrderingJudge(lay: lay, step: 0, before: before)
        unrolled.summarizeLoops = false
        #expect(unrolled.run(trace) == 0)
        unrolled.finish()
        let f = fast.out.finish()
        #expect(f == unrolled.out.finish())
        return (f, n)
    }

    @Test func finalsPerEntryFlushIsJudgedThroughOneRepetition() {
        // unmap_hotplug_pte_range() of 512 PTEs: clear, flush_tlb_kernel_range() of the page; folded as
        // the body (entry 0) and 511 more repetitions.  Repetition 1 is judged, 2...511 are it moved along.
        let r = judge([clear(0), ishst, tlbi(L), ish, isb, loop(5, 511)])
        #expect(r.findings.isEmpty)
        #expect(r.summarized == 510)
    }

    @Test func aLoopRunsOnIntoTheNextTablePageWhenThatOneMapsOnWhereTheFirstEnds() {
        // a second PTE table right after the first (pa 0x40201000): 1024 entries in one loop
        func state(secondTableAt va: UInt64) -> ObservedState {
            ObservedState(runs: [ObservedRun(va: L, count: 512, entrySize: 4 * K, pa: data, attrs: Descriptor.pageKernel, level: .pte, kind: .page),
                                 ObservedRun(va: va, count: 512, entrySize: 4 * K, pa: data + 2 * M, attrs: Descriptor.pageKernel, level: .pte, kind: .page)],
                          tables: [ObservedTable(level: .pte, pa: pteTable, vaStart: L, vaSpan: 2 * M, live: 512),
                                   ObservedTable(level: .pte, pa: pteTable + 4 * K, vaStart: va, vaSpan: 2 * M, live: 512)])
        }
        let r = judge([clear(0), ishst, tlbi(L), ish, isb, loop(5, 1023)], from: state(secondTableAt: L + 2 * M))
        #expect(r.findings.isEmpty)
        #expect(r.summarized == 1022)
        // the second table maps L + 4M: entries 512... clear L + 4M..., the vaale1is go to L + 2M...
        let apart = judge([clear(0), ishst, tlbi(L), ish, isb, loop(5, 1023)], from: state(secondTableAt: L + 4 * M))
        #expect(apart.summarized == 0)
        #expect(apart.findings.map(\.rule) == ["inv.tlb-stale-leaf"])
        #expect(apart.findings.first?.va == L + 4 * M)
    }

    @Test func aTLBIOneEntryBehindLeavesTheLastEntryStale() {
        // repetition k invalidates entry k-1: every entry but the last is reached one repetition late;
        // no repetition ends with nothing pending, so none is summarized
        let r = judge([clear(0), ishst, tlbi(L - 4 * K), ish, isb, loop(5, 511)])
        #expect(r.summarized == 0)
        #expect(r.findings.map(\.rule) == ["inv.tlb-stale-leaf"])
        #expect(r.findings.first?.va == L + 511 * 4 * K)
    }

    @Test func aClearPendingFromBeforeTheLoopWaitsForTheRepetitionThatReachesIt() {
        // entry 300 cleared before the loop: repetitions 1...300 start or end with it pending and are
        // judged one by one; 300's vaale1is reaches it; 301 is the pattern; 302...511 are summarized
        let r = judge([clear(300), clear(0), ishst, tlbi(L), ish, isb, loop(5, 511)])
        #expect(r.findings.isEmpty)
        #expect(r.summarized == 210)
    }

    @Test func setsRunningPastTheirTablePageAreJudgedOneByOne() {
        // set_pte() of entries 505...514: 512, 513 and 514 lie in the page after the table page
        let r = judge([set(505), ishst, isb, loop(3, 9)])
        #expect(r.summarized == 0)
        #expect(r.findings.map(\.rule) == Array(repeating: "inv.write-outside-table", count: 3))
    }

    @Test func theLastRepetitionsEventsAreTheOnesReported() {
        // a vaale1is after the body's dsb(ish) (of another page, moving on alike) is never completed:
        // the finding names the last repetition's, event 6 * 511 + 5 = 3071, at L + 1 GiB + 511 pages
        let r = judge([clear(0), ishst, tlbi(L), ish, isb, tlbi(L + G), loop(6, 511)])
        #expect(r.summarized == 510)
        #expect(r.findings.map(\.rule) == ["inv.tlbi-incomplete"])
        #expect(r.findings.first?.found == "#3071 tlbi vaale1is 0xffff0000801ff000 and none after")
    }

    @Test func whatKeepsALoopFromBeingSummarized() {
        func shape(_ body: [ObservedEvent], _ n: UInt64 = 511) -> OrderingJudge.LoopShape? {
            let lin = lay.off(lay.g.pageOffset) ..< lay.off(lay.g.pageEnd)
            return OrderingJudge.LoopShape(body[...], repetitions: n, lay: lay, linear: lin) { page in
                page == pteTable ? OrderingJudge.TableInfo(level: .pte, vaStart: L, entrySize: 4 * K, pa: pteTable) : nil
            }
        }
        #expect(shape([clear(0), ishst, tlbi(L), ish, isb]) != nil)
        // the vaale1is moves on by 8 KiB, the clears by 4 KiB
        #expect(shape([clear(0), ishst, tlbi(L, stride: 8 * K), ish, isb]) == nil)
        // a contiguous entry
        var cont = clear(0); cont.b |= Descriptor.cont
        #expect(shape([cont, ishst, tlbi(L), ish, isb]) == nil)
        // a walk-cache TLBI, a free: judged event by event
        #expect(shape([clear(0), ishst, ObservedEvent(kind: .tlbiWalk, level: 0, count: 1, a: L, b: 0), ish, isb]) == nil)
        #expect(shape([clear(0), ishst, tlbi(L), ish, isb, ObservedEvent(kind: .free, level: 0, count: 1, a: data >> 12, b: 0)]) == nil)
        // 512 repetitions after entry 0 reach entry 512, in the next page
        #expect(shape([clear(0), ishst, tlbi(L), ish, isb], 512) == nil)
        // an output address carried out of bits [47:12] changes the value's other bits
        var top = clear(0); top.b = (((1 << 48) - 8 * K) & ~(4 * K - 1)) | Descriptor.pageKernel
        #expect(shape([top, ishst, tlbi(L), ish, isb], 1) != nil)
        #expect(shape([top, ishst, tlbi(L), ish, isb], 2) == nil)
    }
}
