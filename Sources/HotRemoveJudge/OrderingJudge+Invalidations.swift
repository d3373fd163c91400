// The ordering rules on TLB maintenance: `vaale1is` of any VA inside a leaf drops that leaf only (last level:
// never a walk-cache entry), `vaae1is` drops the leaf and the walk-cache entries for that VA, `vmalle1is`
// drops everything cached so far; an invalidation is complete only at the next dsb(ish) after it (Arm ARM
// D5.10.2).  Invalidations of user addresses (below PAGE_OFFSET) reach no kernel mapping.

import HotRemoveModel
import HotRemoveScenario

extension OrderingJudge {
    /// tlbi vaale1is: the leaves over `count` pages from `a`.
    mutating func tlbiVA(_ i: Int, _ e: ObservedEvent) {
        guard e.a >= pageOffset else { return }
        let p = lay.off(e.a)
        leaf.invalidate(p ..< p + max(e.count, 1) * pageSize)
        invalidateCont(p ..< p + max(e.count, 1) * pageSize)
        issued(i, e)
    }

    /// tlbi vaae1is: the leaf and the walk-cache entries for one VA.
    mutating func tlbiWalk(_ i: Int, _ e: ObservedEvent) {
        guard e.a >= pageOffset else { return }
        let p = lay.off(e.a)
        leaf.invalidate(p ..< p + pageSize)
        invalidateCont(p ..< p + pageSize)
        walk.invalidate(p ..< p + 1)
        issued(i, e)
    }

    /// tlbi vmalle1is: everything cleared so far.
    mutating func tlbiAll(_ i: Int, _ e: ObservedEvent) {
        leaf.invalidateAll(); walk.invalidateAll()
        invalidateCont(nil)
        leaf.everInvalidated.insert(0 ..< 1 << 62); walk.everInvalidated.insert(0 ..< 1 << 62)
        issued(i, e)
    }

    /// dsb(ish): every invalidation this CPU issued so far is complete.
    mutating func dsbIsh(_ i: Int, _ e: ObservedEvent) {
        leaf.complete(); walk.complete()
        lastCompletion = (i, e); firstUncompleted = nil
    }

    private mutating func issued(_ i: Int, _ e: ObservedEvent) {
        lastInvalidation = (i, e); firstUncompleted = firstUncompleted ?? (i, e)
    }
}
