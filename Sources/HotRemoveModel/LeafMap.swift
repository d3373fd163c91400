// The model's leaf mappings: runs of uniform leaf entries (start, count,
// entry size), never one record per page.

import HotRemoveScenario

/// Where a leaf's backing memory came from; decides what tearing it down frees.

package enum Backing: Hashable, Sendable {
    /// the linear map: the memory itself, nothing to free
    case linear
    /// a vmalloc-area mapping that belongs to someone else
    case neighbour
    /// vmemmap backing taken from memblock at boot: PageReserved
    case bootMemmap
    /// vmemmap backing from the page allocator
    case allocatedMemmap
    /// vmemmap backing from the altmap of the device range that starts at this PA
    case altmapMemmap(UInt64)
}

/// `count` like leaf entries of `size` bytes each from kernel offset `start`.
package struct LeafRun: Equatable, Sendable {
    package var start: UInt64
    package var count: UInt64
    package var size: UInt64
    /// the table the entries live in (folding applied)
    package var level: Level
    package var kind: RunKind
    package var attrs: UInt64
    /// output address of the first entry; nil when the allocator chose it
    package var pa: UInt64?
    package var backing: Backing

    package var end: UInt64 { start + count * size }
    package var range: Range<UInt64> { start ..< end }

    /// Entries [i0, i1) of this run.
    package func slice(_ i0: UInt64, _ i1: UInt64) -> LeafRun {
        var r = self
        r.start = start + i0 * size
        r.count = i1 - i0
        r.pa = pa.map { $0 + i0 * size }
        return r
    }

    /// Can `next` continue this run (adjacent, alike, contiguous output)?
    package func continues(into next: LeafRun) -> Bool {
        guard end == next.start, size == next.size, level == next.level, kind == next.kind,
              attrs == next.attrs, backing == next.backing else { return false }
        switch (pa, next.pa) {
        case (nil, nil): return true
        case let (a?, b?): return a + count * size == b
        default: return false
        }
    }

    /// Indices of the entries that overlap `r`.
    package func entries(overlapping r: Range<UInt64>) -> Range<UInt64>? {
        let lo = max(r.lowerBound, start), hi = min(r.upperBound, end)
        guard lo < hi else { return nil }
        return (lo - start) / size ..< ceilDiv(hi - start, size)
    }
}

package struct LeafMap: Sendable, Equatable {
    package private(set) var runs: [LeafRun] = []

    package var isEmpty: Bool { runs.isEmpty }

    /// Index of the first run ending after `x`.
    private func firstIndex(endingAfter x: UInt64) -> Int {
        var lo = 0, hi = runs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if runs[mid].end > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    package func indices(overlapping r: Range<UInt64>) -> Range<Int> {
        let i = firstIndex(endingAfter: r.lowerBound)
        var j = i
        while j < runs.count && runs[j].start < r.upperBound { j += 1 }
        return i ..< j
    }

    package func runs(overlapping r: Range<UInt64>) -> ArraySlice<LeafRun> { runs[indices(overlapping: r)] }

    /// Adds leaves where there were none.
    package mutating func insert(_ run: LeafRun) {
        guard run.count > 0 else { return }
        var i = firstIndex(endingAfter: run.start)
        precondition(i == runs.count || runs[i].start >= run.end, "leaf runs overlap")
        var r = run
        if i > 0 && runs[i - 1].continues(into: r) {
            var prev = runs[i - 1]
            prev.count += r.count
            r = prev
            runs.remove(at: i - 1)
            i -= 1
        }
        if i < runs.count && r.continues(into: runs[i]) {
            r.count += runs[i].count
            runs[i] = r
        } else {
            runs.insert(r, at: i)
        }
    }

    /// Adds the entries of `run` whose slots are still empty: re-writing an
    /// identical entry (a repeated add over what an oops left behind) changes nothing.
    /// Inserts the entries of `run` whose slots are empty; returns how many went in.
    @discardableResult
    package mutating func insertWhereEmpty(_ run: LeafRun) -> UInt64 {
        let taken = coverage(in: run.range)
        if taken.isEmpty { insert(run); return run.count }
        var n: UInt64 = 0
        for gap in IntervalSet(run.range).subtracting(taken.roundedOut(to: run.size)).ranges {
            insert(run.slice((gap.lowerBound - run.start) / run.size, (gap.upperBound - run.start) / run.size))
            n += UInt64(gap.count) / run.size
        }
        return n
    }

    /// Removes from every run overlapping `window` the entries `pick` names
    /// (indices within that run); returns the removed entries as runs.
    package mutating func remove(in window: Range<UInt64>, pick: (LeafRun) -> Range<UInt64>?) -> [LeafRun] {
        let idx = indices(overlapping: window)
        guard !idx.isEmpty else { return [] }
        var removed: [LeafRun] = []
        var kept: [LeafRun] = []
        for run in runs[idx] {
            guard let e = pick(run), !e.isEmpty else { kept.append(run); continue }
            if e.lowerBound > 0 { kept.append(run.slice(0, e.lowerBound)) }
            removed.append(run.slice(e.lowerBound, e.upperBound))
            if e.upperBound < run.count { kept.append(run.slice(e.upperBound, run.count)) }
        }
        runs.replaceSubrange(idx, with: kept)
        return removed
    }

    /// The VAs mapped by leaves inside `window`.
    package func coverage(in window: Range<UInt64>) -> IntervalSet {
        var s = IntervalSet()
        for r in runs(overlapping: window) { s.append(max(r.start, window.lowerBound) ..< min(r.end, window.upperBound)) }
        return s
    }
}
