// The TLB model: any leaf translation that was mapped may be cached, and any
// table that was installed may sit in the walk cache.  vaale1is at VA v drops
// the leaf entry covering v; vaae1is drops that and the walk-cache entries for
// v; vmalle1is drops everything.  Every cleared leaf and every cleared table
// entry must be followed by an invalidation that reaches it.

struct TLBCheck {
    let lay: Layout
    let step: Int

    private func violation(_ rule: String, level: Level?, va: UInt64?, expected: String, found: String,
                           _ message: String) -> Finding {
        Finding(step: step, classification: .invariantViolation, rule: rule, level: level, va: va,
                expected: expected, found: found, message: message)
    }

    func check(_ obs: StepObservation, _ out: inout FindingList) {
        if let trace = obs.trace { ordered(trace, obs.before, out: &out) } else { counted(obs, &out) }
    }

    /// The pages (kernel offsets) an invalidation event reaches.  Every leaf is
    /// page aligned and at least a page, so "the leaf holding VA v" is "the leaf
    /// holding v's page".
    private func pages(_ e: ObservedEvent) -> Range<UInt64>? {
        let va = e.a
        guard va >= lay.g.pageOffset else { return nil }
        let first = alignDown(lay.off(va), lay.g.pageSize)
        return first ..< first + max(e.count, 1) * lay.g.pageSize
    }

    /// With a trace: walk it backwards, so that only invalidations issued after a clear count for it.
    private func ordered(_ trace: [ObservedEvent], _ before: ObservedState, out: inout FindingList) {
        let g = lay.g
        var tables: [UInt64: ObservedTable] = [:]
        for t in before.tables { tables[t.pa] = t }
        // the backward sweep meets the kernel's ascending walks in descending VA: keep those sets mirrored
        var leafLater = MirroredSet(), walkLater = MirroredSet()
        var leafAny = IntervalSet(), walkAny = IntervalSet()
        var allLater = false, allAny = false
        for e in trace {
            switch e.kind {
            case .tlbiVA: if let p = pages(e) { leafAny.insert(p) }
            case .tlbiWalk: if let p = pages(e) { leafAny.insert(p); walkAny.insert(p) }
            case .tlbiAll: allAny = true
            default: break
            }
        }
        for e in trace.reversed() {
            switch e.kind {
            case .tlbiVA:
                if let p = pages(e) { leafLater.insert(p) }
            case .tlbiWalk:
                if let p = pages(e) { leafLater.insert(p); walkLater.insert(p) }
            case .tlbiAll:
                allLater = true
            case .clear:
                guard !allLater, e.count > 0 else { continue }
                let tablePA = alignDown(e.a, g.pageSize)
                guard let t = tables[tablePA], t.vaStart >= g.pageOffset else { continue }
                let size = t.vaSpan / UInt64(g.entriesPerTable(t.level))
                let first = lay.off(t.vaStart) + (e.a - t.pa) / 8 * size
                let span = first ..< first + e.count * size
                let isTable = t.level != .pte && Descriptor.kind(e.b, lastLevel: false) == .table
                let later = isTable ? walkLater : leafLater
                let any = isTable ? walkAny : leafAny
                let stale = IntervalSet(span).subtracting(later.clipped(to: span).roundedOut(to: size))
                guard let r = stale.ranges.first else { continue }
                let n = stale.measure / size
                let what = "\(n) \(t.level) \(isTable ? "table" : "leaf") entr\(n == 1 ? "y" : "ies") from \(lay.describe(r))"
                let cached = isTable ? "the walk cache may keep using the table below" : "a stale translation may stay cached"
                if allAny || any.overlaps(r) {
                    out.add(violation("inv.tlb-order", level: t.level, va: lay.va(r.lowerBound), expected: "invalidation after the clear",
                                      found: "invalidation only before it",
                                      "\(what) invalidated before being cleared: \(cached)"))
                } else {
                    out.add(violation(isTable ? "inv.tlb-stale-walk" : "inv.tlb-stale-leaf", level: t.level, va: lay.va(r.lowerBound),
                                      expected: isTable ? "vaae1is in the table's span or vmalle1is" : "vaale1is/vaae1is on it or vmalle1is",
                                      found: "none", "\(what) cleared and never invalidated: \(cached)"))
                }
            default:
                break
            }
        }
    }

    /// Without a trace only counts can be judged: one TLBI by VA reaches at most
    /// one leaf, and freed tables with disjoint spans need one vaae1is each.
    private func counted(_ obs: StepObservation, _ out: inout FindingList) {
        let c = obs.counters
        guard c.tlbiAll == 0 else { return }
        let g = lay.g
        let before = LeafIndex(obs.before.runs, lay, withPA: true), after = LeafIndex(obs.after.runs, lay, withPA: true)
        let cleared = before.subtracting(after).entryCount
        if c.tlbiVA + c.tlbiWalk < cleared {
            out.add(violation("inv.tlb-stale-leaf", level: nil, va: nil, expected: ">= \(cleared) TLBIs by VA",
                              found: "\(c.tlbiVA) vaale1is + \(c.tlbiWalk) vaae1is",
                              "\(cleared) leaf entries were cleared but too few invalidations were issued to reach them all"))
        }
        var gone = IntervalSet()
        var needed: UInt64 = 0
        for l in g.tableLevels where l != .pgd {   // top down: a freed table inside a freed parent shares its vaae1is
            let span = g.tableSpan(l)
            let g0 = ObservedTables.spans(obs.before.tables, l, lay).subtracting(ObservedTables.spans(obs.after.tables, l, lay))
            needed += g0.subtracting(gone).blocks(of: span)
            gone.formUnion(g0)
        }
        if c.tlbiWalk < needed {
            out.add(violation("inv.tlb-stale-walk", level: nil, va: nil, expected: ">= \(needed) vaae1is",
                              found: "\(c.tlbiWalk)",
                              "\(needed) page-table pages were unhooked but fewer walk-cache invalidations were issued"))
        }
    }
}

/// An IntervalSet kept in mirrored coordinates (x -> limit - x), so that ranges
/// arriving in descending order are appended rather than inserted at the front.
struct MirroredSet {
    private var s = IntervalSet()
    private let limit: UInt64 = 1 << 62

    mutating func insert(_ r: Range<UInt64>) { s.insert(limit - r.upperBound ..< limit - r.lowerBound) }

    func clipped(to r: Range<UInt64>) -> IntervalSet {
        IntervalSet(s.clipped(to: limit - r.upperBound ..< limit - r.lowerBound).ranges.map { limit - $0.upperBound ..< limit - $0.lowerBound })
    }
}
