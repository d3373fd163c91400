// What the TLB may still hold of the entries a step cleared: the bookkeeping behind the ordering rules.

import HotRemoveModel

/// Cleared entries, by entry (or span) size, in kernel offsets: not yet invalidated, or invalidated and not
/// yet completed by a dsb(ish).
struct PendingInvalidations {
    /// one slot per entry size met (a handful: page, PMD, PUD, PGD entries); searched linearly
    var sizes: [UInt64] = []
    var cleared: [IntervalSet] = []
    var invalidated: [IntervalSet] = []
    /// every VA an invalidation reached in the step, cleared or not (says "invalidated before the clear")
    var everInvalidated = IntervalSet()

    private mutating func slot(_ size: UInt64) -> Int {
        if let i = sizes.firstIndex(of: size) { return i }
        sizes.append(size); cleared.append(IntervalSet()); invalidated.append(IntervalSet())
        return sizes.count - 1
    }
    mutating func clear(_ r: Range<UInt64>, size: UInt64) { cleared[slot(size)].insert(r) }
    /// Marks `r` (entries of `size`) invalidated, not yet complete.
    mutating func markInvalidated(_ r: IntervalSet, size: UInt64) { invalidated[slot(size)].formUnion(r) }
    /// An invalidation reaching `pages` (rounded out to each entry size: any VA inside an entry drops it).
    mutating func invalidate(_ pages: Range<UInt64>) {
        everInvalidated.insert(pages)
        for k in sizes.indices where !cleared[k].isEmpty {
            let size = sizes[k]
            _ = cleared[k].move(alignDown(pages.lowerBound, size) ..< alignUp(pages.upperBound, size), into: &invalidated[k])
        }
    }
    mutating func invalidateAll() {
        for k in sizes.indices where !cleared[k].isEmpty {
            invalidated[k].formUnion(cleared[k])
            cleared[k].removeAll()
        }
    }
    mutating func complete() { for k in invalidated.indices where !invalidated[k].isEmpty { invalidated[k].removeAll() } }
    /// nothing cleared waits for an invalidation or its completion
    var isQuiet: Bool { cleared.allSatisfy(\.isEmpty) && invalidated.allSatisfy(\.isEmpty) }
    /// Is any part of `r` (entries of `size`) still reachable through the TLB?
    func unsafe(_ r: Range<UInt64>, size: UInt64) -> (notInvalidated: Bool, notCompleted: Bool) {
        guard let k = sizes.firstIndex(of: size) else { return (false, false) }
        return (cleared[k].overlaps(r), invalidated[k].overlaps(r))
    }
    /// What is still cleared and not invalidated, by entry size, smallest first.
    var notInvalidated: [(size: UInt64, entries: IntervalSet)] {
        sizes.indices.filter { !cleared[$0].isEmpty }.map { (sizes[$0], cleared[$0]) }.sorted { $0.size < $1.size }
    }
}
