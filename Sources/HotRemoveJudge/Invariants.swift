// The global invariants no revision may break, judged on the observed before
// and after states.  Only the generic mm code's choices (what was torn down,
// what memory is still present) come from the model.

import HotRemoveModel
import HotRemoveScenario

struct InvariantCheck {
    let lay: Layout
    let step: Int

    private func violation(_ rule: String, level: Level? = nil, va: UInt64? = nil, expected: String, found: String,
                           _ message: String) -> Finding {
        Finding(step: step, classification: .invariantViolation, rule: rule, level: level, va: va,
                expected: expected, found: found, message: message)
    }

    /// What the generic code tore down in this step (kernel offsets), and which
    /// VAs are still needed by present memory and neighbours afterwards.
    struct Context {
        var torn: IntervalSet
        var needed: IntervalSet
        /// a removal or a no-op step: nothing may appear either
        var nothingAdded: Bool
    }

    static func needed(_ mem: Memory, _ lay: Layout, neighbours: [Scenario.Neighbour]) -> IntervalSet {
        var s = IntervalSet()
        for r in mem.present.ranges {
            s.insert(lay.linear(r))
            s.insert(lay.memmap(r))
        }
        for n in neighbours { s.insert(lay.off(n.va) ..< lay.off(n.va) + n.size) }
        return s
    }

    // 1. nothing in a torn-down range stays mapped
    func removedRangeUnmapped(_ after: LeafIndex, _ ctx: Context, _ out: inout FindingList) {
        guard !ctx.torn.isEmpty else { return }
        for (k, s) in after.wholly(inside: ctx.torn).groups.sorted(by: { $0.key < $1.key }) {
            for r in s.ranges {
                out.add(violation("inv.removed-range-unmapped", level: k.level, va: lay.va(r.lowerBound),
                                  expected: "unmapped", found: "\(k.describe()) x\(UInt64(r.count) / k.size)",
                                  "\(lay.describe(r)) lies inside a range that was torn down but is still mapped"))
            }
        }
        // a leaf only partly inside may stay while present memory still uses the rest of it
        let inner = ctx.torn
        for (k, s) in after.groups.sorted(by: { $0.key < $1.key }) {
            let partial = s.intersection(inner).subtracting(inner.roundedIn(to: k.size))
            guard !partial.isEmpty else { continue }
            var budget = 64
            for r in partial.roundedOut(to: k.size).intersection(s).ranges {
                var x = r.lowerBound
                while x < r.upperBound && budget > 0 {
                    let leaf = x ..< x + k.size
                    if !ctx.needed.overlaps(leaf) {
                        out.add(violation("inv.removed-range-unmapped", level: k.level, va: lay.va(x), expected: "unmapped",
                                          found: "\(k.describe())",
                                          "the \(Quantity.human(k.size)) \(k.kind) at \(lay.describe(leaf)) overlaps a torn-down range and nothing present uses the rest of it, yet it is still mapped"))
                    }
                    x += k.size
                    budget -= 1
                }
            }
        }
    }

    /// The leaves that must survive the step: those not wholly inside a torn-down
    /// range, except a leaf straddling its edge whose other part nothing uses any more.
    /// The straddling ones that must stay are listed apart, to explain findings.
    func mustSurvive(_ before: LeafIndex, _ ctx: Context) -> (all: LeafIndex, straddling: LeafIndex) {
        var all = LeafIndex(), straddling = LeafIndex()
        for (k, s) in before.removing(whollyInside: ctx.torn).groups {
            let edge = s.intersection(ctx.torn.roundedOut(to: k.size))
            var keep = s.subtracting(edge)
            var kept = IntervalSet()
            for r in edge.ranges {
                var x = alignDown(r.lowerBound, k.size)
                while x < r.upperBound {
                    if ctx.needed.overlaps(x ..< x + k.size) { kept.insert(x ..< x + k.size) }
                    x += k.size
                }
            }
            kept = kept.intersection(s)
            keep.formUnion(kept)
            if !keep.isEmpty { all.groups[k] = keep }
            if !kept.isEmpty { straddling.groups[k] = kept }
        }
        return (all, straddling)
    }

    // 2. nothing outside the torn-down ranges changes
    func outsideUnchanged(_ before: LeafIndex, _ after: LeafIndex, _ ctx: Context, _ out: inout FindingList) {
        let survive = mustSurvive(before, ctx)
        let lost = survive.all.subtracting(after)
        for (k, s) in lost.groups.sorted(by: { $0.key < $1.key }) {
            let straddling = s.intersection(survive.straddling.set(k))
            for r in s.subtracting(straddling).ranges {
                out.add(violation("inv.outside-unchanged", level: k.level, va: lay.va(r.lowerBound),
                                  expected: "\(k.describe()) x\(ceilDiv(UInt64(r.count), k.size)) kept", found: "gone or changed",
                                  "\(k.describe()) outside every torn-down range changed or disappeared: \(lay.describe(r))"))
            }
            for r in straddling.ranges {
                let used = ctx.needed.clipped(to: r).ranges.first.map { lay.describe($0) } ?? "-"
                out.add(violation("inv.outside-unchanged", level: k.level, va: lay.va(r.lowerBound),
                                  expected: "\(k.describe()) kept", found: "cleared",
                                  "\(k.describe()) at \(lay.describe(r)) is only partly inside a torn-down range and was cleared, though \(used) in it is still in use"))
            }
        }
        guard ctx.nothingAdded else { return }
        for (k, s) in after.subtracting(before).groups.sorted(by: { $0.key < $1.key }) {
            for r in s.ranges {
                out.add(violation("inv.outside-unchanged", level: k.level, va: lay.va(r.lowerBound), expected: "nothing new",
                                  found: "\(k.describe()) x\(ceilDiv(UInt64(r.count), k.size))",
                                  "a mapping appeared at \(lay.describe(r)) during a step that only removes"))
            }
        }
    }

    // 3. no table page that still holds live entries is freed
    func noLiveTableFreed(_ before: ObservedState, _ after: ObservedState, _ beforeLeaves: LeafIndex, _ ctx: Context,
                          _ out: inout FindingList) {
        let g = lay.g
        let live = mustSurvive(beforeLeaves, ctx).all.coverage
        for l in g.freeableTableLevels {
            let span = g.tableSpan(l)
            let gone = ObservedTables.spans(before.tables, l, lay).subtracting(ObservedTables.spans(after.tables, l, lay))
            let bad = gone.intersection(live.intersection(gone).roundedOut(to: span))
            for r in bad.ranges {
                let kept = live.clipped(to: r)
                out.add(violation("inv.live-table-freed", level: l, va: lay.va(r.lowerBound), expected: "installed",
                                  found: "freed",
                                  "\(UInt64(r.count) / span) \(l) table(s) for \(lay.describe(r)) were freed while still mapping \(kept.ranges.first.map { lay.describe($0) } ?? "-") outside the torn-down range"))
            }
        }
    }

    // 4 and 6: the allocator's view
    func allocatorClean(_ obs: StepObservation, _ out: inout FindingList) {
        var byKind: [FaultKind: [ObservedFault]] = [:]
        for f in obs.faults { byKind[f.kind, default: []].append(f) }
        for (kind, fs) in byKind.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let first = fs[0]
            let what: String
            switch kind {
            case .doubleFree: what = "a page was freed twice"
            case .poisonRead: what = "a freed table page was read (still reachable)"
            case .freeReserved: what = "a PageReserved page (boot memory, ZONE_DEVICE memory or a PageVmemmap page) was handed to free_pages()"
            case .freeNeverAllocated: what = "free_pages() of a page that was never allocated"
            case .freeWrongOrder: what = "free_pages() with the wrong order"
            case .freeOutsideMemory: what = "free_pages() outside memory"
            case .bug: what = "BUG()"
            }
            out.add(Finding(step: step, classification: .fault, rule: "fault.\(kind.rawValue)", va: nil,
                            expected: "no fault", found: "\(fs.count)x, first at \(Quantity.hex(first.location))",
                            message: "\(what): \(first.detail)"))
        }
        if case .oops(let why) = obs.result, byKind[.bug] == nil {
            out.add(Finding(step: step, classification: .fault, rule: "fault.oops", expected: "no oops", found: why,
                            message: "the step ended in an oops: \(why)"))
        }
        if obs.after.reachableFreedPages > obs.before.reachableFreedPages {
            out.add(Finding(step: step, classification: .fault, rule: "inv.reachable-freed",
                            expected: "\(obs.before.reachableFreedPages)", found: "\(obs.after.reachableFreedPages)",
                            message: "page-table pages still reachable from swapper_pg_dir were freed (use after free)"))
        }
        if obs.after.unreachableDataAllocations > obs.before.unreachableDataAllocations {
            let n = obs.after.unreachableDataAllocations - obs.before.unreachableDataAllocations
            out.add(violation("inv.data-leak", expected: "\(obs.before.unreachableDataAllocations)", found: "\(obs.after.unreachableDataAllocations)",
                              "\(n) allocation(s) of data pages (vmemmap backing) are no longer mapped by any leaf yet were never freed (leak)"))
        }
        if obs.after.unreachableTablePages > obs.before.unreachableTablePages {
            let n = obs.after.unreachableTablePages - obs.before.unreachableTablePages
            out.add(violation("inv.no-leak", expected: "\(obs.before.unreachableTablePages)", found: "\(obs.after.unreachableTablePages)",
                              "\(n) page-table page(s) are no longer reachable from swapper_pg_dir yet were never freed (leak)"))
        }
    }

    // 8. the memmap-from-range RFC (<20190122103708.11043-4-osalvador@suse.de>; "memmap": "range"), judged whenever the scenario has added memory so: the memmap of present
    //    memory stays mapped, and never on a removed part of a range that holds memmaps; the memmap of a range
    //    wholly gone is not left mapped (its last section's removal frees every section's)
    func memmapOfRanges(_ obs: StepObservation, _ mem: Memory, _ out: inout FindingList) {
        guard !mem.rangeAdds.isEmpty || mem.deferredHead != nil || !mem.vmemmapPfns.isEmpty else { return }
        let vmemmap = lay.off(lay.g.vmemmapStart) ..< lay.off(lay.g.vmemmapEnd)
        var mapped = IntervalSet()
        var leaves: [(Range<UInt64>, Range<UInt64>)] = []   // kernel offsets, physical backing
        for r in obs.after.runs where r.kind != .invalid {
            let a = lay.off(r.va), b = lay.off(r.end)
            guard a < vmemmap.upperBound, vmemmap.lowerBound < b else { continue }
            mapped.insert(a ..< b)
            for k in 0 ..< r.count {
                let e = a + k * r.entrySize, p = r.pa &+ k &* r.entrySize
                leaves.append((e ..< e + r.entrySize, p ..< p + r.entrySize))
            }
        }
        var needed = IntervalSet()
        for r in mem.present.ranges { needed.insert(lay.memmap(r)) }
        for r in needed.subtracting(mapped).ranges.prefix(4) {
            out.add(violation("inv.memmap-unmapped", va: lay.va(r.lowerBound), expected: "mapped", found: "unmapped",
                              "the struct pages of present memory at \(lay.describe(r)) are not mapped"))
        }
        var removed = IntervalSet()
        for r in mem.rangeAdds { removed.insert(r) }
        removed.subtract(mem.present)
        // the struct pages of present memory whose backing is a removed part of a range
        var onRemoved = IntervalSet(), firstGone: [UInt64: Range<UInt64>] = [:]
        for (v, p) in leaves where needed.overlaps(v) && removed.overlaps(p) {
            for u in needed.clipped(to: v).ranges {
                let back = p.lowerBound + (u.lowerBound - v.lowerBound) ..< p.lowerBound + (u.upperBound - v.lowerBound)
                guard let gone = removed.clipped(to: back).ranges.first else { continue }
                onRemoved.insert(u)
                firstGone[u.lowerBound] = gone
            }
        }
        for u in onRemoved.ranges.prefix(4) {
            let gone = firstGone[u.lowerBound].map { "[\(Quantity.hex($0.lowerBound)), \(Quantity.hex($0.upperBound)))" } ?? "removed memory"
            out.add(violation("inv.memmap-on-removed-memory", va: lay.va(u.lowerBound), expected: "backed by present memory",
                              found: "backed by \(gone)",
                              "struct pages of present memory at \(lay.describe(u)) live in \(gone) and on, memory already removed"))
        }
        // a range with sections present may keep the memmap of those gone (the RFC defers its vmemmap_free())
        var deferrable = IntervalSet()
        for r in mem.rangeAdds where mem.present.overlaps(r) { deferrable.insert(lay.memmap(r)) }
        var left = IntervalSet()
        for (v, _) in leaves where !needed.overlaps(v) && !deferrable.contains(v.lowerBound) { left.insert(v) }
        for v in left.ranges.prefix(4) {
            if let r = mem.rangeAdds.first(where: { lay.memmap($0).overlaps(v) }) {
                out.add(violation("inv.range-memmap-left-mapped", va: lay.va(v.lowerBound), expected: "unmapped",
                                  found: "mapped",
                                  "the range [\(Quantity.hex(r.lowerBound)), \(Quantity.hex(r.upperBound))) is gone, yet its memmap at \(lay.describe(v)) is still mapped"))
            } else {
                out.add(violation("inv.memmap-left-mapped", va: lay.va(v.lowerBound), expected: "unmapped", found: "mapped",
                                  "the vmemmap at \(lay.describe(v)) holds struct pages of no present memory, yet is still mapped"))
            }
        }
    }

    // 7. altmap counters balance once the device range is gone
    func altmapBalanced(_ obs: StepObservation, _ mem: Memory, _ out: inout FindingList) {
        for o in obs.altmaps where o.alloc != 0 {
            guard let a = mem.altmaps.last(where: { $0.start == o.start }), !mem.present.overlaps(a.range) else { continue }
            out.add(violation("inv.altmap-balance", va: nil, expected: "alloc 0", found: "alloc \(o.alloc)",
                              "the range at \(Quantity.hex(o.start)) is gone but its altmap still counts \(o.alloc) pfns allocated"))
        }
    }
}
