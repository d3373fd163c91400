// Contiguous ranges (Arm ARM D8.6.1, the Contiguous bit): while any entry of a range is valid, the MMU may
// refill a TLB entry for the whole range from it, so a cleared CONT entry is gone only when an invalidation
// reaching it comes after every entry of its range is invalid.  Ranges are keyed by their first offset.

import HotRemoveModel
import HotRemoveScenario

extension OrderingJudge {
    /// The size of the contiguous range an entry of `size` belongs to when it is CONT, if it can be.
    func contSize(_ size: UInt64) -> UInt64? {
        size == pageSize ? contPteSize : size == pmdSize ? contPmdSize : nil
    }

    /// The valid CONT entries of size `size` in range `r` (counted from the before-state on first need).
    mutating func live(_ r: Range<UInt64>, size: UInt64) -> Int64 {
        if let n = contLive[r.lowerBound] { return n }
        var n: UInt64 = 0
        var lo = 0, hi = contRuns.count
        while lo < hi { let mid = (lo + hi) / 2; if contRuns[mid].1 <= r.lowerBound { lo = mid + 1 } else { hi = mid } }
        while lo < contRuns.count && contRuns[lo].0 < r.upperBound {
            let x = contRuns[lo]
            if x.2 == size { n += (min(x.1, r.upperBound) - max(x.0, r.lowerBound)) / size }
            lo += 1
        }
        contLive[r.lowerBound] = Int64(n)
        return Int64(n)
    }

    /// Each contiguous range of `cs` overlapping `span`, with the part of `span` in it.
    static func contRanges(_ span: Range<UInt64>, _ cs: UInt64, _ body: (Range<UInt64>, Range<UInt64>) -> Void) {
        var x = alignDown(span.lowerBound, cs)
        while x < span.upperBound {
            body(x ..< x + cs, max(span.lowerBound, x) ..< min(span.upperBound, x + cs))
            x += cs
        }
    }

    /// CONT entries of `entrySize` cleared over `span`: pending until their whole range is invalid.
    mutating func clearContiguous(_ span: Range<UInt64>, _ cs: UInt64, entrySize: UInt64, event: (Int, ObservedEvent)) {
        OrderingJudge.contRanges(span, cs) { r, part in
            contLive[r.lowerBound] = live(r, size: entrySize) - Int64(UInt64(part.count) / entrySize)
            var c = contPending[r.lowerBound] ?? (entrySize, IntervalSet())
            c.entries.insert(part)
            contPending[r.lowerBound] = c
            if contCleared[r.lowerBound] == nil { contCleared[r.lowerBound] = (entrySize, event) }
        }
    }

    /// An invalidation reaching `pages` (nil: all) drops a cleared CONT entry only when its whole range is invalid.
    mutating func invalidateCont(_ pages: Range<UInt64>?) {
        guard !contPending.isEmpty else { return }
        for cs in contSizes {
            var keys: [UInt64] = []
            if let p = pages {
                OrderingJudge.contRanges(p, cs) { r, _ in if contPending[r.lowerBound] != nil { keys.append(r.lowerBound) } }
            } else {
                keys = contPending.keys.filter { alignDown($0, cs) == $0 }
            }
            for k in keys {
                guard let c = contPending[k], (contLive[k] ?? 0) <= 0 else { continue }
                guard c.size == pageSize ? cs == contPteSize : cs == contPmdSize else { continue }
                let reach = pages.map { IntervalSet(alignDown($0.lowerBound, c.size) ..< alignUp($0.upperBound, c.size)) }
                let hit = reach.map { c.entries.intersection($0) } ?? c.entries
                guard !hit.isEmpty else { continue }
                leaf.markInvalidated(hit, size: c.size)
                let rest = c.entries.subtracting(hit)
                contPending[k] = rest.isEmpty ? nil : (c.size, rest)
            }
        }
    }
}
