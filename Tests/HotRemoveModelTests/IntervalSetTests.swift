import Testing
@testable import HotRemoveModel

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
}
