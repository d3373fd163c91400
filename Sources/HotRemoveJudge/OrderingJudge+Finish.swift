// What the MMU may still hold when the step ends: a cleared entry no invalidation reached, a contiguous
// range's entry invalidated only while a sibling was valid, a range left split, an invalidation never
// completed.

import HotRemoveModel
import HotRemoveScenario

extension OrderingJudge {
    mutating func finish() {
        stale(leaf, isTable: false)
        stale(walk, isTable: true)
        for (k, c) in contPending.sorted(by: { $0.key < $1.key }) {
            let r = c.entries.ranges.first!
            let n = c.entries.measure / c.size
            let range = k ..< k + (c.size == pageSize ? contPteSize : contPmdSize)
            if leaf.everInvalidated.overlaps(r) {
                finding(.contRefill, level: nil, va: lay.va(r.lowerBound),
                        expected: "every entry of \(lay.describe(range)) cleared, then an invalidation reaching each VA",
                        found: "\(n) entr\(n == 1 ? "y" : "ies") from \(lay.describe(r)) invalidated only while a sibling was still valid (first clear \(contCleared[k].map { describe($0.event) } ?? "-"))",
                        "a TLB may hold shattered entries for \(lay.describe(r)) refilled from a valid sibling of the contiguous range \(lay.describe(range)); no later invalidation reached them")
            } else {
                finding(.staleLeaf, level: nil, va: lay.va(r.lowerBound), expected: "vaale1is/vaae1is on it or vmalle1is",
                        found: "none", "\(n) contiguous leaf entr\(n == 1 ? "y" : "ies") for \(lay.describe(r)) cleared and never invalidated")
            }
        }
        for (k, c) in contCleared.sorted(by: { $0.key < $1.key }) where (contLive[k] ?? 0) > 0 {
            let range = k ..< k + (c.size == pageSize ? contPteSize : contPmdSize)
            finding(.contSplit, level: nil, va: lay.va(k), expected: "the contiguous range \(lay.describe(range)) cleared whole or kept whole",
                    found: "\(contLive[k]!) of its entries still valid after \(describe(c.event))",
                    "part of the contiguous range \(lay.describe(range)) was cleared while the rest stays mapped with the Contiguous bit: the TLB may keep translating the cleared part from the rest")
        }
        if let i = firstUncompleted {
            finding(.tlbiIncomplete, level: nil, va: nil, expected: "dsb(ish) after the last TLBI", found: "\(describe(i)) and none after",
                    "the step ends with an invalidation that no dsb(ish) completed: another CPU may still use the old entries")
        }
    }

    /// Entries cleared and never invalidated after the clear: leaves, or table entries (the walk cache).
    private mutating func stale(_ p: PendingInvalidations, isTable: Bool) {
        for (size, s) in p.notInvalidated {
            for r in s.ranges {
                let n = UInt64(r.count) / size
                let what = "\(n) \(isTable ? "table" : "leaf") entr\(n == 1 ? "y" : "ies") of \(Quantity.human(size)) for \(lay.describe(r))"
                let cached = isTable ? "the walk cache may keep using the table below" : "a stale translation may stay cached"
                if p.everInvalidated.overlaps(r) {
                    finding(.invalidatedBeforeClear, level: nil, va: lay.va(r.lowerBound), expected: "invalidation after the clear",
                            found: "invalidation only before it", "\(what) invalidated before being cleared: \(cached)")
                } else {
                    finding(isTable ? .staleWalk : .staleLeaf, level: nil, va: lay.va(r.lowerBound),
                            expected: isTable ? "vaae1is in the entry's span or vmalle1is" : "vaale1is/vaae1is on it or vmalle1is",
                            found: "none", "\(what) cleared and never invalidated: \(cached)")
                }
            }
        }
    }
}
