// The TLBI address sets: progressions in a canonical form, so that equality is set
// equality, and a rendering that is today's (IntervalSet's) byte for byte.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct StridedRangeSetTests {
    func progression(_ start: UInt64, _ width: UInt64, _ stride: UInt64, _ count: UInt64) -> RangeProgression {
        RangeProgression(start: start, width: width, stride: stride, count: count)
    }

    @Test func rangesAreGroupedGreedilyFromTheLowest() {
        // [0,1) [2,3) [10,11) [12,13) [14,15): [0,1) and [2,3) fix stride 2; [10,11) is not 0 + 2*2 = 4, so it
        // starts a progression of its own, which [12,13) and [14,15) continue at stride 2
        let s = StridedRangeSet([0 ..< 1, 2 ..< 3, 10 ..< 11, 12 ..< 13, 14 ..< 15])
        #expect(s.progressions == [progression(0, 1, 2, 2), progression(10, 1, 2, 3)])
        #expect(s.rangeCount == 5 && s.measure == 5)
        // another width ends a progression: [20,22) after them is alone (stride 0), [30,32) continues it at 10
        var t = s
        t.insert(20 ..< 22)
        #expect(t.progressions.last == progression(20, 2, 0, 1))
        t.insert(30 ..< 32)
        #expect(t.progressions.last == progression(20, 2, 10, 2))
    }

    @Test func theFormIsTheSetsWhateverTheWayItWasBuilt() {
        // {[0,1) [4,5) [8,9)}: three inserts in order, out of order, with a duplicate, and one progression
        let inOrder = StridedRangeSet([0 ..< 1, 4 ..< 5, 8 ..< 9])
        let shuffled = StridedRangeSet([8 ..< 9, 0 ..< 1, 4 ..< 5, 4 ..< 5])
        var asProgression = StridedRangeSet()
        asProgression.insert(progression(0, 1, 4, 3))
        #expect(inOrder.progressions == [progression(0, 1, 4, 3)])
        #expect(shuffled == inOrder && asProgression == inOrder)
        // one address more, or one moved, is another set
        #expect(StridedRangeSet([0 ..< 1, 4 ..< 5, 8 ..< 9, 12 ..< 13]) != inOrder)
        #expect(StridedRangeSet([0 ..< 1, 5 ..< 6, 8 ..< 9]) != inOrder)
    }

    @Test func touchingAndOverlappingRangesMerge() {
        // [9,10) touches [8,9): the last range becomes [8,10), which ends the progression at [0,1) [4,5)
        var s = StridedRangeSet([0 ..< 1, 4 ..< 5, 8 ..< 9])
        s.insert(9 ..< 10)
        #expect(s.progressions == [progression(0, 1, 4, 2), progression(8, 2, 0, 1)])
        #expect(s.ranges == [0 ..< 1, 4 ..< 5, 8 ..< 10])
        // four ranges of width 1 at stride 1 are the one range [9,13), which merges with [8,10)
        s.insert(progression(9, 1, 1, 4))
        #expect(s.ranges == [0 ..< 1, 4 ..< 5, 8 ..< 13])
        // [20,22) [25,27) [30,32) after a range [12,21) ending inside the first: [12,22) then a progression of two
        var t = StridedRangeSet([12 ..< 21])
        t.insert(progression(20, 2, 5, 3))
        #expect(t.progressions == [progression(12, 10, 0, 1), progression(25, 2, 5, 2)])
    }

    /// The walk TLBIs of freeing 2 GiB of 4K tables at 0x40000000: 1024 PTE tables (one 4K operand
    /// every 2 MiB) and 2 PMD tables (every 1 GiB), whose operands are PTE tables' operands too.
    @Test func aLevelSharingTheLatticeOfTheLevelBelowAddsNothing() {
        let pte = StridedRangeSet([]).inserting(progression(0x4000_0000, 0x1000, 0x20_0000, 1024))
        let pmd = StridedRangeSet([]).inserting(progression(0x4000_0000, 0x1000, 0x4000_0000, 2))
        #expect(pte.union(pmd) == pte && pmd.union(pte) == pte)
        #expect(pte.union(pmd).progressions == [progression(0x4000_0000, 0x1000, 0x20_0000, 1024)])
        // the PMD operands 4K further on touch the PTE tables' operands at 0x40000000 and 0x80000000:
        // [0x40000000, 0x40002000), then the PTE operands of 0x40200000..0x7fe00000 (511), then
        // [0x80000000, 0x80002000), then 0x80200000..0xbfe00000 (511)
        let shifted = StridedRangeSet([]).inserting(progression(0x4000_1000, 0x1000, 0x4000_0000, 2))
        let expected = [progression(0x4000_0000, 0x2000, 0, 1), progression(0x4020_0000, 0x1000, 0x20_0000, 511),
                        progression(0x8000_0000, 0x2000, 0, 1), progression(0x8020_0000, 0x1000, 0x20_0000, 511)]
        #expect(pte.union(shifted).progressions == expected)
        #expect(shifted.union(pte).progressions == expected)
        // one table's operand 4K off is a different set, whose rendering differs too (1024 ranges: the summary)
        var moved = StridedRangeSet()
        for k: UInt64 in 0 ..< 1024 {
            let a = 0x4000_0000 + k * 0x20_0000 + (k == 500 ? 0x1000 : 0)
            moved.insert(a ..< a + 0x1000)
        }
        #expect(moved != pte)
        #expect(moved.rangeCount == 1024 && moved.measure == pte.measure)
        #expect(StepEffects.render(moved) != StepEffects.render(pte))
        // 1024 x 4K = 0x400000 bytes; the last operand 0x40000000 + 1023 * 2M = 0xbfe00000
        #expect(StepEffects.render(pte).hasPrefix("1024 ranges, 0x400000 bytes: [0x40000000, 0x40001000) [0x40200000, 0x40201000) .. [0xbfe00000, 0xbfe01000) (checksum "))
    }

    @Test func aDifferenceInOneAddressIsADifferenceOfTheField() {
        var e = StepEffects(), f = StepEffects()
        let tables = progression(0xffff_0000_4000_0000, 0x1000, 0x20_0000, 512)
        var walks = StridedRangeSet()
        walks.insert(tables)
        e.tlbiWalkAddresses = .addresses(walks)
        f.tlbiWalkAddresses = .addresses(walks)
        #expect(StepEffects.differences(expected: e, found: f).isEmpty)
        var oneMore = walks
        oneMore.insert(0xffff_0000_8000_0000 ..< 0xffff_0000_8000_1000)   // the 513th table's operand
        f.tlbiWalkAddresses = .addresses(oneMore)
        let d = StepEffects.differences(expected: e, found: f)
        #expect(d.map(\.field) == ["tlbiWalkAddresses"])
        #expect(d.first?.expected.hasPrefix("512 ranges, 0x200000 bytes: ") == true)
        #expect(d.first?.found.hasPrefix("513 ranges, 0x201000 bytes: ") == true)
        // a text (a decoded report, "not traced") compares with a set by the set's rendering
        #expect(StepEffects.TLBIAddresses.text("none") == .addresses(StridedRangeSet()))
        #expect(StepEffects.notTraced != .addresses(StridedRangeSet()))
    }

    // MARK: against IntervalSet, on random sets

    /// Today's rendering (Effects.swift before the strided sets), kept here as the oracle the new one must match.
    func intervalSetRendering(_ s: IntervalSet) -> String {
        guard !s.isEmpty else { return "none" }
        func r(_ x: Range<UInt64>) -> String { "[\(Quantity.hex(x.lowerBound)), \(Quantity.hex(x.upperBound)))" }
        if s.ranges.count <= 6 { return s.ranges.map(r).joined(separator: " ") }
        var h: UInt64 = 0xcbf29ce484222325   // FNV-1a over the bounds
        for x in s.ranges { for v in [x.lowerBound, x.upperBound] { h = (h ^ v) &* 0x100000001b3 } }
        return "\(s.ranges.count) ranges, \(Quantity.hex(s.measure)) bytes: \(r(s.ranges[0])) \(r(s.ranges[1])) .. \(r(s.ranges[s.ranges.count - 1])) (checksum \(String(h, radix: 16)))"
    }

    /// The canonical grouping written out plainly over a sorted list of maximal ranges.
    func greedyGrouping(_ ranges: [Range<UInt64>]) -> [RangeProgression] {
        var out: [RangeProgression] = []
        for r in ranges {
            let w = UInt64(r.count)
            if var p = out.last, p.width == w, p.count == 1 || r.lowerBound == p.start + p.count * p.stride {
                if p.count == 1 { p.stride = r.lowerBound - p.start }
                p.count += 1
                out[out.count - 1] = p
            } else {
                out.append(RangeProgression(start: r.lowerBound, width: w, stride: 0, count: 1))
            }
        }
        return out
    }

    /// A random set built both ways: progressions of a few widths and strides on a small lattice (so that
    /// they overlap, touch and coincide), inserted in random order.
    func randomSets(_ rng: inout SeededGenerator) -> (StridedRangeSet, IntervalSet) {
        var strided = StridedRangeSet(), plain = IntervalSet()
        for _ in 0 ..< rng.next(6) {
            let width = [1, 1, 2, 4, 8][Int(rng.next(5))] as UInt64
            let stride = [0, 1, 2, 4, 8, 16, 32][Int(rng.next(7))] as UInt64
            let count = 1 + rng.next(rng.next(2) == 0 ? 3 : 40)
            let start = rng.next(2) == 0 ? 4 * rng.next(50) : rng.next(200)   // often on one lattice
            strided.insert(RangeProgression(start: start, width: width, stride: stride, count: count))
            for k in 0 ..< count { plain.insert(start + k * stride ..< start + k * stride + width) }
        }
        return (strided, plain)
    }

    @Test func randomSetsAgreeWithIntervalSet() {
        var rng = SeededGenerator(seed: 14)
        for _ in 0 ..< 3000 {
            let (a, pa) = randomSets(&rng)
            let (b, pb) = randomSets(&rng)
            #expect(a.ranges == pa.ranges)
            #expect(a.progressions == greedyGrouping(pa.ranges))
            let u = a.union(b), pu = pa.union(pb)
            #expect(u.ranges == pu.ranges)
            #expect(u.progressions == greedyGrouping(pu.ranges))
            #expect(b.union(a) == u)
            var f = a
            f.formUnion(b)
            #expect(f == u)
            #expect((a == b) == (pa == pb))
            #expect(StepEffects.render(a) == intervalSetRendering(pa))
            #expect(StepEffects.render(u) == intervalSetRendering(pu))
        }
    }
}

extension StridedRangeSet {
    func inserting(_ p: RangeProgression) -> StridedRangeSet { var s = self; s.insert(p); return s }
}

/// A small seeded generator (SplitMix64), so that the random cases are the same on every run.
struct SeededGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
    mutating func next(_ bound: UInt64) -> UInt64 { bound == 0 ? 0 : next() % bound }
}
