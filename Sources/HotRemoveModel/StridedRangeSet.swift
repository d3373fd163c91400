// Sets of addresses kept as arithmetic progressions of equal ranges, for the TLBI
// addresses of a step: a free pass issues one vaae1is per table page, so its
// operand addresses are one 4K range every table span.  An IntervalSet would hold
// one range per table (half a million for 1 TiB of PTE tables); here the whole
// level is one progression, and appending, union and equality cost the number
// of progressions.

import HotRemoveScenario

/// `count` ranges of `width` bytes, the k-th from `start + k * stride`.

public struct RangeProgression: Equatable, Sendable {
    public var start: UInt64
    public var width: UInt64
    /// in a StridedRangeSet: 0 when `count` is 1, else > width (the ranges neither overlap nor touch)
    public var stride: UInt64
    public var count: UInt64

    public init(start: UInt64, width: UInt64, stride: UInt64, count: UInt64) {
        self.start = start; self.width = width; self.stride = count == 1 ? 0 : stride; self.count = count
    }

    package func range(_ k: UInt64) -> Range<UInt64> { let a = start + k * stride; return a ..< a + width }
    package var lastStart: UInt64 { start + (count - 1) * stride }
    package var end: UInt64 { lastStart + width }
    /// the progression without its first `k` ranges (k < count)
    package func dropping(_ k: UInt64) -> RangeProgression {
        RangeProgression(start: start + k * stride, width: width, stride: stride, count: count - k)
    }
}

/// A set of addresses as the progressions of its ranges, in a canonical form: the set's maximal ranges
/// (sorted, disjoint, not touching: IntervalSet's ranges) grouped from the lowest, each group taking the
/// next range, then the one after it if it has the same width (which fixes the stride), then every
/// following range of that width at that stride.  The form is a function of the set, so two sets are
/// equal exactly when their progressions are (`==` compares them, never a rendering).
public struct StridedRangeSet: Equatable, Sendable, CustomStringConvertible {
    public private(set) var progressions: [RangeProgression] = []

    public init() {}
    /// The set of `ranges` (any order, overlapping or not).
    public init<S: Sequence>(_ ranges: S) where S.Element == Range<UInt64> {
        for r in ranges { insert(r) }
    }

    public var isEmpty: Bool { progressions.isEmpty }
    /// The number of maximal ranges.
    public var rangeCount: UInt64 { progressions.reduce(0) { $0 + $1.count } }
    public var measure: UInt64 { progressions.reduce(0) { $0 + $1.width * $1.count } }
    /// Every maximal range in increasing order (as many as rangeCount: for rendering, not for comparing).
    public var ranges: [Range<UInt64>] {
        progressions.flatMap { p in (0 ..< p.count).lazy.map { p.range($0) } }
    }
    public var description: String {
        isEmpty ? "{}" : progressions.map { p in
            p.count == 1 ? "[\(Quantity.hex(p.start)), \(Quantity.hex(p.end)))"
                : "\(p.count)x \(Quantity.hex(p.width)) from \(Quantity.hex(p.start)) every \(Quantity.hex(p.stride))"
        }.joined(separator: " ")
    }

    private var lastRange: Range<UInt64>? { progressions.last.map { $0.range($0.count - 1) } }

    /// Adds `r`, merging it with the members it overlaps or touches.
    public mutating func insert(_ r: Range<UInt64>) {
        insert(RangeProgression(start: r.lowerBound, width: UInt64(r.count), stride: 0, count: 1))
    }

    /// Adds the ranges of `p` (ranges of width 0 add nothing).  In O(1) when `p` starts at or after the
    /// last member's start (the order the model and the trace produce); else through `union`.
    public mutating func insert(_ p: RangeProgression) {
        guard p.count > 0, p.width > 0 else { return }
        if p.count > 1 && p.stride <= p.width {
            // ranges that overlap or touch their neighbour make one range
            insert(p.start ..< p.end)
            return
        }
        if let last = lastRange, p.start < last.lowerBound {
            self = union(StridedRangeSet(progression: p))
            return
        }
        var rest = p
        if let last = lastRange, rest.start <= last.upperBound {
            // the ranges of `p` that start at or before the last member's end all merge into it
            let merging = rest.count == 1 ? 1 : min(rest.count, (last.upperBound - rest.start) / rest.stride + 1)
            let lastMerged = rest.range(merging - 1)
            if lastMerged.upperBound > last.upperBound {
                dropLastRange()
                push(RangeProgression(start: last.lowerBound, width: lastMerged.upperBound - last.lowerBound, stride: 0, count: 1))
            }
            guard merging < rest.count else { return }
            rest = rest.dropping(merging)
        }
        push(rest)
    }

    private init(progression p: RangeProgression) { progressions = [p] }

    /// Appends `p`, whose ranges all start after the last member's end (not touching it): the canonical
    /// grouping goes on from the last progression.
    private mutating func push(_ p: RangeProgression) {
        // the first range: it extends the last progression when it has the same width and, from the
        // progression's third range on, the same stride
        if var last = progressions.last, last.width == p.width,
           last.count == 1 || p.start == last.start &+ last.count &* last.stride {
            if last.count == 1 { last.stride = p.start - last.start }
            last.count += 1
            progressions[progressions.count - 1] = last
        } else {
            progressions.append(RangeProgression(start: p.start, width: p.width, stride: 0, count: 1))
        }
        guard p.count > 1 else { return }
        // the others: they continue the progression holding the first one when its stride is theirs
        // (or it holds the first alone), else they are a progression of their own
        var last = progressions[progressions.count - 1]
        if last.count == 1 || last.stride == p.stride {
            last.stride = p.stride
            last.count += p.count - 1
            progressions[progressions.count - 1] = last
        } else {
            progressions.append(p.dropping(1))
        }
    }

    /// Removes the highest range: the grouping of the others stays as it was (it never looks ahead
    /// further than the range it adds).
    private mutating func dropLastRange() {
        var last = progressions.removeLast()
        guard last.count > 1 else { return }
        last.count -= 1
        if last.count == 1 { last.stride = 0 }
        progressions.append(last)
    }

    /// A position in a set's progressions: the progression and how many of its ranges are behind.
    private struct Cursor {
        package let set: [RangeProgression]
        package var index = 0, done: UInt64 = 0
        package init(_ set: [RangeProgression]) { self.set = set }
        /// the ranges not yet taken of the current progression
        package var rest: RangeProgression? { index < set.count ? set[index].dropping(done) : nil }
        package mutating func advance(_ n: UInt64) {
            done += n
            if done == set[index].count { index += 1; done = 0 }
        }
    }

    /// How many ranges at the front of `y` are ranges of `x`: `y` starts on one of `x`'s ranges, has
    /// their width, and steps a multiple of `x`'s stride (0 when it does not).
    private static func coveredFront(of y: RangeProgression, by x: RangeProgression) -> UInt64 {
        guard x.width == y.width, y.start >= x.start, y.start <= x.lastStart else { return 0 }
        if x.count == 1 || y.count == 1 { return y.start == x.start || (x.count > 1 && (y.start - x.start) % x.stride == 0) ? 1 : 0 }
        guard (y.start - x.start) % x.stride == 0, y.stride % x.stride == 0 else { return 0 }
        return min(y.count, (x.lastStart - y.start) / y.stride + 1)
    }

    /// The union, merged progression by progression: the side starting lower gives the ranges that start
    /// before the other side does, and ranges one side shares with the other (the same lattice, as a
    /// level's walk TLBIs share the addresses of the level below) are skipped on the sparser side.
    public func union(_ o: StridedRangeSet) -> StridedRangeSet {
        if o.isEmpty { return self }
        if isEmpty { return o }
        var out = StridedRangeSet()
        var a = Cursor(progressions), b = Cursor(o.progressions)
        while let x = a.rest, let y = b.rest {
            let yInX = StridedRangeSet.coveredFront(of: y, by: x)
            if yInX > 0 { b.advance(yInX); continue }
            let xInY = StridedRangeSet.coveredFront(of: x, by: y)
            if xInY > 0 { a.advance(xInY); continue }
            if x.start <= y.start {
                let n = x.count == 1 ? 1 : min(x.count, (y.start - x.start) / x.stride + 1)
                out.insert(RangeProgression(start: x.start, width: x.width, stride: x.stride, count: n))
                a.advance(n)
            } else {
                let n = y.count == 1 ? 1 : min(y.count, (x.start - y.start) / y.stride + 1)
                out.insert(RangeProgression(start: y.start, width: y.width, stride: y.stride, count: n))
                b.advance(n)
            }
        }
        while let x = a.rest { out.insert(x); a.advance(x.count) }
        while let y = b.rest { out.insert(y); b.advance(y.count) }
        return out
    }

    public mutating func formUnion(_ o: StridedRangeSet) {
        if let first = o.progressions.first, let last = lastRange, first.start >= last.lowerBound {
            for p in o.progressions { insert(p) }
        } else {
            self = union(o)
        }
    }
}
