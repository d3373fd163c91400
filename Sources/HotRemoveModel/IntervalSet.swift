// Sets of addresses kept as sorted, disjoint, non-touching half-open ranges.
// Every region the model reasons about (mapped VAs, table spans, present
// memory) is one of these, so an operation costs the number of ranges it
// touches, never the number of pages they cover.

import HotRemoveScenario

/// Round `x` down / up to a multiple of `unit` (unit > 0).

@inline(__always) package func alignDown(_ x: UInt64, _ unit: UInt64) -> UInt64 { x - x % unit }
@inline(__always) package func alignUp(_ x: UInt64, _ unit: UInt64) -> UInt64 { alignDown(x + unit - 1, unit) }
@inline(__always) package func ceilDiv(_ x: UInt64, _ unit: UInt64) -> UInt64 { (x + unit - 1) / unit }

public struct IntervalSet: Equatable, Sendable, CustomStringConvertible {
    public private(set) var ranges: [Range<UInt64>] = []

    public init() {}
    public init(_ r: Range<UInt64>) { if !r.isEmpty { ranges = [r] } }
    public init<S: Sequence>(_ rs: S) where S.Element == Range<UInt64> {
        let sorted = rs.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        for r in sorted { append(r) }
    }

    public var isEmpty: Bool { ranges.isEmpty }
    public var measure: UInt64 { ranges.reduce(0) { $0 + UInt64($1.count) } }
    /// The smallest range holding every member.
    public var hull: Range<UInt64>? { ranges.isEmpty ? nil : ranges.first!.lowerBound ..< ranges.last!.upperBound }
    public var description: String {
        ranges.isEmpty ? "{}" : ranges.map { "[\(Quantity.hex($0.lowerBound)), \(Quantity.hex($0.upperBound)))" }.joined(separator: " ")
    }

    /// Appends a range that starts at or after every member (merging when it touches the last).
    package mutating func append(_ r: Range<UInt64>) {
        guard !r.isEmpty else { return }
        if let last = ranges.last, r.lowerBound <= last.upperBound {
            if r.lowerBound >= last.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound ..< max(last.upperBound, r.upperBound)
                return
            }
            insert(r)
            return
        }
        ranges.append(r)
    }

    /// Index of the first range whose upper bound is > x (or >= x when `touching`).
    private func firstIndex(endingAfter x: UInt64, touching: Bool = false) -> Int {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let u = ranges[mid].upperBound
            if touching ? u >= x : u > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    public func contains(_ x: UInt64) -> Bool {
        let i = firstIndex(endingAfter: x)
        return i < ranges.count && ranges[i].lowerBound <= x
    }

    public func overlaps(_ r: Range<UInt64>) -> Bool {
        guard !r.isEmpty else { return false }
        let i = firstIndex(endingAfter: r.lowerBound)
        return i < ranges.count && ranges[i].lowerBound < r.upperBound
    }

    public mutating func insert(_ r: Range<UInt64>) {
        guard !r.isEmpty else { return }
        let i = firstIndex(endingAfter: r.lowerBound, touching: true)
        var j = i
        var lo = r.lowerBound, hi = r.upperBound
        while j < ranges.count && ranges[j].lowerBound <= r.upperBound {
            lo = min(lo, ranges[j].lowerBound)
            hi = max(hi, ranges[j].upperBound)
            j += 1
        }
        // (the common cases without building a replacement array: the checker inserts per trace event)
        if j == i { ranges.insert(lo ..< hi, at: i) }
        else if j == i + 1 { ranges[i] = lo ..< hi }
        else { ranges.replaceSubrange(i ..< j, with: CollectionOfOne(lo ..< hi)) }
    }

    public mutating func remove(_ r: Range<UInt64>) {
        guard !r.isEmpty else { return }
        let i = firstIndex(endingAfter: r.lowerBound)
        guard i < ranges.count, ranges[i].lowerBound < r.upperBound else { return }
        // one range touched: trim or split it in place
        if i + 1 == ranges.count || ranges[i + 1].lowerBound >= r.upperBound {
            let x = ranges[i]
            switch (x.lowerBound < r.lowerBound, x.upperBound > r.upperBound) {
            case (false, false): ranges.remove(at: i)
            case (true, false): ranges[i] = x.lowerBound ..< r.lowerBound
            case (false, true): ranges[i] = r.upperBound ..< x.upperBound
            case (true, true):
                ranges[i] = x.lowerBound ..< r.lowerBound
                ranges.insert(r.upperBound ..< x.upperBound, at: i + 1)
            }
            return
        }
        var j = i
        var keep: [Range<UInt64>] = []
        while j < ranges.count && ranges[j].lowerBound < r.upperBound {
            let x = ranges[j]
            if x.lowerBound < r.lowerBound { keep.append(x.lowerBound ..< r.lowerBound) }
            if x.upperBound > r.upperBound { keep.append(r.upperBound ..< x.upperBound) }
            j += 1
        }
        if i < j { ranges.replaceSubrange(i ..< j, with: keep) }
    }

    public mutating func formUnion(_ o: IntervalSet) {
        if o.ranges.count <= 2 { for r in o.ranges { insert(r) } } else { self = union(o) }
    }
    /// Empties the set, keeping its storage for the next members.
    package mutating func removeAll() { ranges.removeAll(keepingCapacity: true) }
    public mutating func subtract(_ o: IntervalSet) { self = subtracting(o) }

    public func union(_ o: IntervalSet) -> IntervalSet {
        if o.isEmpty { return self }
        if isEmpty { return o }
        var out = IntervalSet()
        var i = 0, j = 0
        while i < ranges.count || j < o.ranges.count {
            let takeMine = j == o.ranges.count || (i < ranges.count && ranges[i].lowerBound <= o.ranges[j].lowerBound)
            out.append(takeMine ? ranges[i] : o.ranges[j])
            if takeMine { i += 1 } else { j += 1 }
        }
        return out
    }

    public func intersection(_ o: IntervalSet) -> IntervalSet {
        var out = IntervalSet()
        var i = 0, j = 0
        while i < ranges.count && j < o.ranges.count {
            let lo = max(ranges[i].lowerBound, o.ranges[j].lowerBound)
            let hi = min(ranges[i].upperBound, o.ranges[j].upperBound)
            if lo < hi { out.ranges.append(lo ..< hi) }
            if ranges[i].upperBound < o.ranges[j].upperBound { i += 1 } else { j += 1 }
        }
        return out
    }

    public func subtracting(_ o: IntervalSet) -> IntervalSet {
        if o.isEmpty || isEmpty { return self }
        var out = IntervalSet()
        var j = 0
        for r in ranges {
            var lo = r.lowerBound
            while j < o.ranges.count && o.ranges[j].upperBound <= lo { j += 1 }
            var k = j
            while k < o.ranges.count && o.ranges[k].lowerBound < r.upperBound {
                if o.ranges[k].lowerBound > lo { out.ranges.append(lo ..< o.ranges[k].lowerBound) }
                lo = max(lo, o.ranges[k].upperBound)
                k += 1
            }
            if lo < r.upperBound { out.ranges.append(lo ..< r.upperBound) }
        }
        return out
    }

    /// The members inside `r` (binary search: costs the ranges touched).
    public func clipped(to r: Range<UInt64>) -> IntervalSet {
        guard !r.isEmpty else { return IntervalSet() }
        var out = IntervalSet()
        var i = firstIndex(endingAfter: r.lowerBound)
        while i < ranges.count && ranges[i].lowerBound < r.upperBound {
            let lo = max(ranges[i].lowerBound, r.lowerBound), hi = min(ranges[i].upperBound, r.upperBound)
            out.ranges.append(lo ..< hi)
            i += 1
        }
        return out
    }

    /// Moves the members inside `r` into `other`; true when there were any.
    package mutating func move(_ r: Range<UInt64>, into other: inout IntervalSet) -> Bool {
        guard overlaps(r) else { return false }
        var i = firstIndex(endingAfter: r.lowerBound)
        while i < ranges.count && ranges[i].lowerBound < r.upperBound {
            other.insert(max(ranges[i].lowerBound, r.lowerBound) ..< min(ranges[i].upperBound, r.upperBound))
            i += 1
        }
        remove(r)
        return true
    }

    /// Every `unit`-aligned block that holds a member.
    public func roundedOut(to unit: UInt64) -> IntervalSet {
        var out = IntervalSet()
        for r in ranges { out.append(alignDown(r.lowerBound, unit) ..< alignUp(r.upperBound, unit)) }
        return out
    }

    /// Only the `unit`-aligned blocks lying wholly inside.
    public func roundedIn(to unit: UInt64) -> IntervalSet {
        var out = IntervalSet()
        for r in ranges {
            let lo = alignUp(r.lowerBound, unit), hi = alignDown(r.upperBound, unit)
            if lo < hi { out.ranges.append(lo ..< hi) }
        }
        return out
    }

    /// Number of `unit`-sized blocks in a set made of whole aligned blocks.
    public func blocks(of unit: UInt64) -> UInt64 { measure / unit }
}
