// A folded loop of the ordered trace (`repeatPrevious`: final's clear, dsb, tlbi, dsb, isb per
// entry; v5.7's set_pte(), dsb, isb per entry on an add) judged without unrolling every repetition.
//
// The judge's state that such a body can change is the leaf TLB bookkeeping (what is cleared,
// invalidated, completed) and the record of what was ever invalidated, which only the end of the
// step reads.  When
//   * every repetition writes into known table pages mapping consecutive VAs, values whose kind and attributes do
//     not change from one repetition to the next (no carry out of the output address), no table
//     installed, no contiguous entry, only linear-map leaves cleared (no backing page to track),
//     no walk-cache TLBI, no free;
//   * the leaf clears and the vaale1is of repetition k+1 are those of repetition k moved by one VA
//     stride D, a multiple of every cleared entry's size (so rounding an invalidation out to an
//     entry commutes with the move);
// then a repetition that starts with no leaf entry pending and ends with none (judged event by
// event, no finding) shows what every later one does: each starts with none pending, so each is
// the judged one moved by a multiple of D, and ends with none pending, without a finding.  The
// later repetitions then only add their vaale1is ranges to the record of what was invalidated, and
// leave the last invalidation and completion at their own events.
//
// Anything else is unrolled and judged event by event; `OrderingLoopTests` checks that both ways
// give the same findings.

import HotRemoveModel
import HotRemoveScenario

extension OrderingJudge {
    /// Judges a folded trace in order; returns how many loop repetitions were judged as another one moved along.
    @discardableResult
    mutating func run(_ trace: [ObservedEvent]) -> UInt64 {
        var summarized: UInt64 = 0
        for record in FoldedTrace(trace) {
            switch record {
            case let .event(i, e): event(i, e)
            case let .loop(body, n, first): summarized += loop(body, repetitions: n, from: first)
            }
        }
        return summarized
    }

    /// The repetitions of `body`, the first event numbered `first`: event by event until one repetition
    /// shows what every later one does (see the top of this file).
    private mutating func loop(_ body: ArraySlice<ObservedEvent>, repetitions reps: UInt64, from first: Int) -> UInt64 {
        let period = body.count
        let shape = summarizeLoops && own && reps > 1
            ? LoopShape(body, repetitions: reps, lay: lay, linear: linear, table: { tables[$0] }) : nil
        var index = first, rep: UInt64 = 1
        while rep <= reps {
            let quietBefore = shape.map { quiet($0) } ?? false
            let findings = out.added
            for x in body { event(index, x.repetition(rep)); index += 1 }
            if let shape, rep < reps, quietBefore, quiet(shape), out.added == findings {
                // repetitions rep+1...reps: this one moved along
                for pos in shape.invalidations {
                    let t = body[body.startIndex + pos]
                    let width = max(t.count, 1) * pageSize
                    if t.da == width {
                        let lo = lay.off(t.a &+ (rep + 1) &* t.da)
                        leaf.everInvalidated.insert(lo ..< lo + (reps - rep) * width)
                    } else {
                        for k in (rep + 1) ... reps { let lo = lay.off(t.a &+ k &* t.da); leaf.everInvalidated.insert(lo ..< lo + width) }
                    }
                }
                let lastRep = index + Int(reps - rep - 1) * period
                func event(_ pos: Int) -> (Int, ObservedEvent) { (lastRep + pos, body[body.startIndex + pos].repetition(reps)) }
                if let pos = shape.invalidations.last { lastInvalidation = event(pos) }
                if let pos = shape.lastCompletion { lastCompletion = event(pos); firstUncompleted = shape.openInvalidation.map(event) }
                return reps - rep
            }
            rep += 1
        }
        return 0
    }

    /// nothing the body's leaf bookkeeping touches is pending
    private func quiet(_ s: LoopShape) -> Bool { !s.touchesLeaf || (leaf.isQuiet && contPending.isEmpty) }

    struct LoopShape {
        /// the body clears a leaf, issues a vaale1is or a dsb(ish): the leaf bookkeeping must be empty
        /// around the repetition taken as the pattern
        var touchesLeaf = false
        /// body positions of the vaale1is records, and of the last vaale1is and the last dsb(ish)
        var invalidations: [Int] = []
        var lastCompletion: Int?
        /// the first vaale1is after the body's last dsb(ish): still not completed when a repetition ends
        var openInvalidation: Int?

        /// nil when the repetitions of `body` (1...`repetitions`) cannot all be judged as one moved along.
        /// `table`: the judge's table page holding an entry address, if any.
        init?(_ body: ArraySlice<ObservedEvent>, repetitions n: UInt64, lay: Layout, linear: Range<UInt64>,
              table: (UInt64) -> TableInfo?) {
            let g = lay.g
            let oaMask: UInt64 = ((1 << 48) - 1) & ~(g.pageSize - 1)
            /// the VA stride of every leaf clear and vaale1is, and the largest entry a clear covers
            var stride: UInt64?, clearedSize: UInt64 = 0
            func sameStride(_ d: UInt64) -> Bool {
                if let s = stride { return s == d }
                stride = d
                return true
            }
            /// x + k * dx + extra, ascending without wrapping
            func moved(_ x: UInt64, _ dx: UInt64, times k: UInt64, plus extra: UInt64 = 0) -> UInt64? {
                let m = k.multipliedReportingOverflow(by: dx)
                guard !m.overflow, dx < 1 << 62 else { return nil }
                let s = x.addingReportingOverflow(m.partialValue)
                guard !s.overflow else { return nil }
                let e = s.partialValue.addingReportingOverflow(extra)
                return e.overflow ? nil : e.partialValue
            }
            for (pos, e) in zip(0..., body) {
                let count = max(e.count, 1)
                switch e.kind {
                case .set, .clear:
                    // every repetition's entries in known table pages that map on where the one before ends
                    // (a walk's consecutive tables, allocated one after the other)
                    guard e.da % 8 == 0, e.da < g.pageSize, let end = moved(e.a, e.da, times: n, plus: 8 * (count - 1)),
                          let t = table(alignDown(e.a &+ e.da, g.pageSize)) else { return nil }
                    var page = t.pa + g.pageSize
                    while page <= end {
                        guard let next = table(page), next.level == t.level,
                              next.vaStart == t.vaStart &+ (page - t.pa) / 8 &* t.entrySize else { return nil }
                        page += g.pageSize
                    }
                    // values: the same bits outside the output address in every entry of every repetition
                    if e.b == 0 && e.db == 0 { continue }
                    guard e.db & ~oaMask == 0, let top = moved(e.b & oaMask, e.db, times: n, plus: (count - 1) &* t.entrySize),
                          top <= oaMask else { return nil }
                    let kind = Descriptor.kind((e.b & ~oaMask) | g.pageSize, lastLevel: t.level == .pte)
                    switch kind {
                    case .table: return nil
                    case .page, .block:
                        guard e.b & Descriptor.cont == 0 else { return nil }
                        guard e.kind == .clear else { continue }
                        // a linear-map leaf (one with a backing page to free is judged event by event)
                        let d = e.da / 8 * t.entrySize
                        let firstVA = lay.off(t.vaStart &+ (e.a &+ e.da &- t.pa) / 8 &* t.entrySize)
                        guard let endVA = moved(firstVA, d, times: n - 1, plus: count * t.entrySize),
                              firstVA >= linear.lowerBound, endVA <= linear.upperBound, sameStride(d) else { return nil }
                        clearedSize = max(clearedSize, t.entrySize)
                        touchesLeaf = true
                    default:
                        continue
                    }
                case .tlbiVA:
                    guard e.a &+ e.da >= g.pageOffset, moved(e.a, e.da, times: n, plus: count * g.pageSize) != nil,
                          sameStride(e.da) else { return nil }
                    invalidations.append(pos)
                    openInvalidation = openInvalidation ?? pos
                    touchesLeaf = true
                case .dsb:
                    guard e.level == 1 else { continue }
                    lastCompletion = pos
                    openInvalidation = nil
                    touchesLeaf = true
                case .isb, .alloc, .warn, .fault:
                    continue
                default:
                    return nil
                }
            }
            if let d = stride, clearedSize > 0, d % clearedSize != 0 { return nil }
        }
    }
}
