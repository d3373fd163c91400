@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct IntervalSetTests {
    @Test func insertMergesTouchingRanges() {
        var s = IntervalSet()
        s.insert(10 ..< 20)
        s.insert(30 ..< 40)
        s.insert(20 ..< 30)   // touches both: one range
        #expect(s.ranges == [10 ..< 40])
        s.remove(15 ..< 25)
        #expect(s.ranges == [10 ..< 15, 25 ..< 40])
        #expect(s.measure == 20)   // 5 + 15
    }

    @Test func setAlgebra() {
        let a = IntervalSet([0 ..< 10, 20 ..< 30])
        let b = IntervalSet([5 ..< 25])
        #expect(a.union(b).ranges == [0 ..< 30])
        #expect(a.intersection(b).ranges == [5 ..< 10, 20 ..< 25])
        #expect(a.subtracting(b).ranges == [0 ..< 5, 25 ..< 30])
        #expect(a.clipped(to: 8 ..< 22).ranges == [8 ..< 10, 20 ..< 22])
    }

    @Test func rounding() {
        let s = IntervalSet([3 ..< 17])
        // blocks of 8 touched: [0, 8), [8, 16), [16, 24)
        #expect(s.roundedOut(to: 8).ranges == [0 ..< 24])
        // whole blocks of 8 inside [3, 17): only [8, 16)
        #expect(s.roundedIn(to: 8).ranges == [8 ..< 16])
        #expect(s.roundedIn(to: 8).blocks(of: 8) == 1)
    }

    @Test func removeTrimsSplitsAndDropsInPlace() {
        // {[0,10) [20,30)}: remove [5,8) splits the first, [20,25) trims the second's start,
        // [28,40) its end, [0,5) drops a whole range; [10,20) touches nothing
        var s = IntervalSet([0 ..< 10, 20 ..< 30])
        s.remove(5 ..< 8); #expect(s.ranges == [0 ..< 5, 8 ..< 10, 20 ..< 30])
        s.remove(20 ..< 25); #expect(s.ranges == [0 ..< 5, 8 ..< 10, 25 ..< 30])
        s.remove(28 ..< 40); #expect(s.ranges == [0 ..< 5, 8 ..< 10, 25 ..< 28])
        s.remove(0 ..< 5); #expect(s.ranges == [8 ..< 10, 25 ..< 28])
        s.remove(10 ..< 20); #expect(s.ranges == [8 ..< 10, 25 ..< 28])
        // one removal across both: [9, 26) leaves [8,9) and [26,28)
        s.remove(9 ..< 26); #expect(s.ranges == [8 ..< 9, 26 ..< 28])
    }

    @Test func moveTakesExactlyTheMembersInside() {
        // {[0,4) [6,10)} moved in [2, 8): [2,4) and [6,8) go to `into` (which holds [8,9): [6,8) joins it)
        var s = IntervalSet([0 ..< 4, 6 ..< 10]), into = IntervalSet(8 ..< 9)
        #expect(s.move(2 ..< 8, into: &into))
        #expect(s.ranges == [0 ..< 2, 8 ..< 10])
        #expect(into.ranges == [2 ..< 4, 6 ..< 9])
        // nothing inside [4, 6) any more: false, both unchanged
        #expect(!s.move(4 ..< 6, into: &into))
        #expect(s.ranges == [0 ..< 2, 8 ..< 10] && into.ranges == [2 ..< 4, 6 ..< 9])
    }
}
