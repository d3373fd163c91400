// The order in which a mapping walk allocates pages, worked out by counting:
// the walks go up in VA, and at each address allocate the missing tables top
// down and then the data.  That fixes which allocation an injected failure
// ("the Nth allocation of the step fails") hits, without visiting pages.

import HotRemoveScenario

/// The allocation an injected failure hits.

package struct AllocationPoint: Equatable {
    /// the page (kernel offset) the walk was at
    package var key: UInt64
    /// the level of the table being allocated, or nil for a data allocation
    package var level: Level?
}

package struct AllocationOrder {
    package let plan: MappingPlan
    package let newTables: [IntervalSet]
    package let levels: [Level]   // table levels below the PGD, top down
    package let pageSize: UInt64
    /// whether the data allocations come from the page allocator (not an altmap)
    package let countsData: Bool

    package init(_ plan: MappingPlan, _ pt: PageTables, _ g: Geometry, countsData: Bool) {
        self.plan = plan
        newTables = plan.newTables(pt)
        levels = g.tableLevels.filter { $0 != .pgd }
        pageSize = g.pageSize
        self.countsData = countsData
    }

    /// The page at which the walk makes its first allocation.
    package var firstKey: UInt64 { alignDown(plan.walk.lowerBound, pageSize) }

    /// Page allocations made at pages <= x (x >= firstKey).
    package func allocations(upTo x: UInt64, _ g: Geometry) -> UInt64 {
        var n: UInt64 = 0
        for l in levels {
            let s = g.tableSpan(l)
            n += newTables[l.rawValue].clipped(to: 0 ..< alignDown(x, s) + s).blocks(of: s)
        }
        if countsData && plan.unit > 0 {
            n += plan.units.clipped(to: 0 ..< alignDown(x, plan.unit) + plan.unit).blocks(of: plan.unit)
        }
        return n
    }

    package func total(_ g: Geometry) -> UInt64 {
        var n: UInt64 = 0
        for l in levels { n += newTables[l.rawValue].blocks(of: g.tableSpan(l)) }
        if countsData && plan.unit > 0 { n += plan.units.blocks(of: plan.unit) }
        return n
    }

    /// Does a new table of level `l` (or a data unit) get allocated exactly at page `x`?
    private func startsAt(_ set: IntervalSet, unit: UInt64, _ x: UInt64) -> Bool {
        guard set.contains(x) else { return false }
        return x == firstKey || alignDown(x, unit) == x
    }

    /// The n-th (1-based) page allocation of this walk, if the walk makes that many.
    package func point(ofAllocation n: UInt64, _ g: Geometry) -> AllocationPoint? {
        guard n >= 1, n <= total(g) else { return nil }
        // smallest page x with allocations(upTo: x) >= n
        var lo = firstKey / pageSize, hi = alignUp(plan.walk.upperBound, pageSize) / pageSize
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if allocations(upTo: mid * pageSize, g) >= n { hi = mid } else { lo = mid + 1 }
        }
        let x = lo * pageSize
        var k = n - (x == firstKey ? 0 : allocations(upTo: x - pageSize, g))
        for l in levels where startsAt(newTables[l.rawValue], unit: g.tableSpan(l), x) {
            k -= 1
            if k == 0 { return AllocationPoint(key: x, level: l) }
        }
        return AllocationPoint(key: x, level: nil)
    }

    /// The key of the j-th (1-based) data unit in VA order.
    package func keyOfUnit(_ j: UInt64) -> UInt64? {
        guard plan.unit > 0 else { return nil }
        var left = j
        for r in plan.units.ranges {
            let c = UInt64(r.count) / plan.unit
            if left <= c { return max(firstKey, r.lowerBound + (left - 1) * plan.unit) }
            left -= c
        }
        return nil
    }

    /// Tables of level `l` allocated before the walk stopped at `p`.
    package func tablesAllocated(before p: AllocationPoint, _ l: Level, _ g: Geometry) -> IntervalSet {
        let s = g.tableSpan(l)
        var out = p.key == firstKey ? IntervalSet()
            : newTables[l.rawValue].clipped(to: 0 ..< p.key).roundedOut(to: s)
        // at the failing address the tables above the failing one (all of them for a data failure) were made
        let madeHere = p.level.map { l < $0 } ?? true
        if madeHere && startsAt(newTables[l.rawValue], unit: s, p.key) {
            let t = alignDown(p.key, s)
            out.insert(t ..< t + s)
        }
        return out
    }

    /// Leaves created before the walk stopped at `p`.
    package func leaves(before p: AllocationPoint) -> [LeafRun] {
        guard p.key > firstKey else { return [] }
        var out: [LeafRun] = []
        for r in plan.leaves where r.start < p.key {
            let n = min(r.count, ceilDiv(p.key - r.start, r.size))
            out.append(r.slice(0, n))
        }
        return out
    }
}
