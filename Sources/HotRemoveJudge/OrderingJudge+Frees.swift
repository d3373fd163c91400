// The ordering rules on a page handed back: a page may go back to an allocator only when every path by which
// the MMU could still reach it is gone (Mark Rutland on V2: "1) clear the pointer to a table 2) invalidate any
// corresponding TLB entries 3) free the table page").

import HotRemoveModel
import HotRemoveScenario

extension OrderingJudge {
    /// vmem_altmap_free() names no page (it lowers altmap->alloc): it returns the backing of the leaf
    /// free_hotplug_page_range() was called for, the last non-linear leaf cleared.
    mutating func altmapFree(_ i: Int, _ e: ObservedEvent) {
        guard let c = lastClearedData else { return }
        let st = leaf.unsafe(c.va, size: c.size)
        guard st.notInvalidated || st.notCompleted else { return }
        finding(.freeBeforeLeafTLBI, level: c.level, va: lay.va(c.va.lowerBound),
                expected: "clear, invalidation of \(lay.describe(c.va)), dsb(ish), then vmem_altmap_free()",
                found: "\(describe(c.event)), then \(describe((i, e))); \(st.notInvalidated ? "no invalidation reached the leaf" : "its invalidation was not completed by a dsb(ish)") (\(since(c.event)))",
                "the altmap pages backing \(lay.describe(c.va)) went back to the device's altmap (the next vmem_altmap_alloc() hands them out again) while a TLB may still translate the VA to them")
    }

    /// free_pages() of `count` blocks of 2^order pages from pfn `a`, table pages (b = 1) or data.
    mutating func free(_ i: Int, _ e: ObservedEvent) {
        let pages = UInt64(1) << UInt64(e.level)
        for b in 0 ..< max(e.count, 1) {
            let pa = (e.a + b * pages) << UInt64(g.pageShift)
            if e.b == 1 { freeTable(pa, (i, e)) } else { freeData(pa, (i, e)) }
        }
    }

    private mutating func freeTable(_ pa: UInt64, _ ev: (Int, ObservedEvent)) {
        if let u = unhooked[pa] {
            let st = walk.unsafe(u.span, size: u.size)
            guard st.notInvalidated || st.notCompleted else { return }
            let lvl = tables[pa]?.level
            finding(.freeBeforeWalkTLBI, level: lvl, va: lay.va(u.span.lowerBound),
                    expected: "clear, vaae1is in \(lay.describe(u.span)) or vmalle1is, dsb(ish), then free",
                    found: "\(describe(u.event)), then \(describe(ev)); \(st.notInvalidated ? "no walk-cache invalidation reached it" : "its invalidation was not completed by a dsb(ish)") (\(since(u.event)))",
                    "the \(lvl.map { "\($0) " } ?? "")table page \(Quantity.hex(pa)) went back to the allocator while the walk cache may still hold the entry that pointed at it: the MMU can walk a page that is being reused")
        } else if let t = tables[pa] {
            finding(.freedWhileReachable, level: t.level, va: t.vaStart,
                    expected: "its parent entry cleared first", found: "\(describe(ev)) while the parent entry still points at it",
                    "\(t.level) table page \(Quantity.hex(pa)) for \(Quantity.hex(t.vaStart)) was handed back to the allocator while still reachable from swapper_pg_dir")
        }
    }

    private mutating func freeData(_ pa: UInt64, _ ev: (Int, ObservedEvent)) {
        // the leaf that mapped this page: its backing starts here, or the page lies inside a block's backing
        // freed page by page (V1/V2's free_reserved_page() of boot blocks)
        if let c = entryHolding(pa, in: clearedData, size: \.size) {
            var st = leaf.unsafe(c.va, size: c.size)
            if contPending.values.contains(where: { $0.entries.overlaps(c.va) }) { st.notInvalidated = true }
            guard st.notInvalidated || st.notCompleted else { return }
            finding(.freeBeforeLeafTLBI, level: c.level, va: lay.va(c.va.lowerBound),
                    expected: "clear, vaale1is/vaae1is in \(lay.describe(c.va)) or vmalle1is, dsb(ish), then free",
                    found: "\(describe(c.event)), then \(describe(ev)); \(st.notInvalidated ? "no invalidation reached the leaf" : "its invalidation was not completed by a dsb(ish)") (\(since(c.event)))",
                    "the page at \(Quantity.hex(pa)) went back to the allocator while a TLB may still translate \(lay.describe(c.va)) to it")
        } else if let va = liveLeafMapping(pa) {
            finding(.freedWhileReachable, level: nil, va: va, expected: "its leaf cleared and invalidated first",
                    found: "\(describe(ev)) while the leaf for \(Quantity.hex(va)) still maps it",
                    "the page at \(Quantity.hex(pa)) went back to the allocator while \(Quantity.hex(va)) still maps it")
        } else {
            finding(.freedDataNotBacking, level: nil, va: nil, expected: "the backing of a leaf cleared in this step",
                    found: describe(ev),
                    "free_pages() of \(Quantity.hex(pa)), which no leaf cleared in this step mapped")
        }
    }
}
