// Comparing what the C code did with what the revision's contract says it
// does: the result, the counters the contract fixes, the faults, and the page
// tables after the step.  Each difference is explained once, in kernel terms.

import HotRemoveModel
import HotRemoveScenario

struct ContractCheck {
    let lay: Layout
    let contract: RevisionContract
    let step: Int
    /// rule prefix: the revision's name, or "boot"
    let prefix: String

    private func finding(_ rule: String, level: Level? = nil, va: UInt64? = nil, expected: String, found: String,
                         _ message: String) -> Finding {
        Finding(step: step, classification: .contractMismatch, rule: "\(prefix).\(rule)", level: level, va: va,
                expected: expected, found: found, message: message)
    }

    static func sameKind(_ p: StepPrediction.Outcome, _ r: StepResult) -> Bool {
        switch (p, r) {
        case (.ok, .ok), (.refused, .refused), (.oops, .oops), (.invalid, .invalid), (.error, .error): return true
        case (.blocked(let lock), .blocked(let held)): return lock.rawValue == held
        default: return false
        }
    }

    // MARK: effects

    /// Every field of the step's effects, compared exactly.
    func effects(_ p: StepEffects, _ o: StepEffects, _ sites: [ObservedWarn], _ out: inout FindingList) {
        for d in StepEffects.differences(expected: p, found: o) {
            let (rule, meaning) = StepEffects.fieldRules[d.field] ?? (d.field, "no explanation for this field")
            var why = meaning
            switch d.field {
            case "tlbiVA", "tlbiAll": why += "; \(flushRule)"
            case "tablesFreed": why += "; \(tableRule)"
            case "warns" where !sites.isEmpty: why += " (fired at \(sites.map { "\($0.file):\($0.line)" }.joined(separator: ", ")))"
            case "altmapPagesFreed":
                why += contract.altmapBacking ? ": every leaf cleared by a vmemmap_free() that was given an altmap" : ": \(contract.name) ignores the altmap when freeing"
            default: break
            }
            out.add(finding(rule, expected: d.expected, found: d.found, why))
        }
    }

    private var flushRule: String { contract.flushDescription }
    private var tableRule: String {
        if contract.floorCeiling {
            return "a table reached by the walk is freed iff it is empty after the unmap pass and pgtable_range_aligned() accepts it against floor/ceiling"
        }
        return contract.vmemmapFreesTables
            ? "a table reached by the walk is freed iff it is empty after the unmap pass (no floor/ceiling)"
            : "a linear-map table reached by the walk is freed iff it is empty after the unmap pass; vmemmap tables never"
    }

    // MARK: leaves after

    func leaves(_ predicted: LeafMap, _ observed: [ObservedRun], _ out: inout FindingList) {
        let p = LeafIndex(predicted), o = LeafIndex(observed, lay)
        var diff = IntervalSet()
        for k in Set(p.groups.keys).union(o.groups.keys) {
            let a = p.set(k), b = o.set(k)
            diff.formUnion(a.subtracting(b))
            diff.formUnion(b.subtracting(a))
        }
        for r in diff.ranges {
            let exp = p.describe(r, lay), fnd = o.describe(r, lay)
            let level = p.content(in: r).first?.0.level ?? o.content(in: r).first?.0.level
            out.add(finding("after-leaves", level: level, va: lay.va(r.lowerBound), expected: exp, found: fnd,
                            "leaf entries in \(lay.describe(r)) differ from \(contract.name)'s prediction"))
        }
        // output addresses where the model knows them (linear map, altmap backing)
        let sorted = observed.filter { $0.va >= lay.g.pageOffset }.sorted { $0.va < $1.va }
        var j = 0
        for run in predicted.runs {
            guard let pa = run.pa else { continue }
            let va0 = lay.va(run.start), va1 = lay.va(run.end)
            while j < sorted.count && sorted[j].end <= va0 { j += 1 }
            var k = j
            while k < sorted.count && sorted[k].va < va1 {
                let o = sorted[k]
                if o.entrySize == run.size && o.level == run.level && o.pa &- o.va != pa &- va0 {
                    let at = max(o.va, va0)
                    out.add(finding("after-pa", level: run.level, va: at, expected: Quantity.hex(pa &+ (at &- va0)),
                                    found: Quantity.hex(o.pa &+ (at &- o.va)),
                                    "the leaf at \(Quantity.hex(at)) points at the wrong physical address"))
                    break
                }
                k += 1
            }
        }
    }

    // MARK: tables after

    func tables(_ predicted: PageTables, _ observed: [ObservedTable], before: [ObservedTable]?, notes: [TableNote],
                _ out: inout FindingList) {
        let g = lay.g
        for l in g.freeableTableLevels {
            let span = g.tableSpan(l)
            let o = ObservedTables.spans(observed, l, lay)
            let had = before.map { ObservedTables.spans($0, l, lay) }
            let p = predicted.tables[l.rawValue]
            for r in o.subtracting(p).ranges {
                let n = UInt64(r.count) / span
                let freedNote = notes.first { $0.level == l && $0.freed && $0.spans.overlaps(r) }
                let wasThere = had?.overlaps(r) ?? true
                let why = freedNote.map { "should be freed (\($0.reason)) but is still installed" }
                    ?? (wasThere ? "should not be installed" : "was allocated though the add side needs no table there")
                out.add(finding("after-tables", level: l, va: lay.va(r.lowerBound), expected: "absent", found: "\(n) installed",
                                "\(n) \(l) table\(n == 1 ? "" : "s") for \(lay.describe(r)) \(why)"))
            }
            for r in p.subtracting(o).ranges {
                let n = UInt64(r.count) / span
                let keptNote = notes.first { $0.level == l && !$0.freed && $0.spans.overlaps(r) }
                let wasThere = had?.overlaps(r) ?? true
                let why: String
                if let k = keptNote { why = "was freed but should stay installed: \(k.reason)" }
                else if wasThere { why = "was freed but should stay installed: it still holds entries or the walk does not reach it" }
                else { why = "should have been allocated but is missing" }
                out.add(finding("after-tables", level: l, va: lay.va(r.lowerBound), expected: "\(n) installed", found: "absent",
                                "\(n) \(l) table\(n == 1 ? "" : "s") for \(lay.describe(r)) \(why)"))
            }
        }
    }

    // MARK: altmaps

    func altmaps(_ predicted: [ModelAltmap], _ observed: [ObservedAltmap], _ out: inout FindingList) {
        func fields(basePfn: UInt64, reserve: UInt64, free: UInt64, align: UInt64, alloc: UInt64) -> String {
            "base_pfn \(Quantity.hex(basePfn)) reserve \(reserve) free \(free) align \(align) alloc \(alloc)"
        }
        for o in observed {
            let found = fields(basePfn: o.basePfn, reserve: o.reserve, free: o.free, align: o.align, alloc: o.alloc)
            guard let p = predicted.last(where: { $0.start == o.start }) else {
                out.add(finding("altmap-counters", expected: "no altmap at \(Quantity.hex(o.start))", found: found,
                                "the kernel holds an altmap for \(Quantity.hex(o.start)) that the model does not know"))
                continue
            }
            let expected = fields(basePfn: p.basePfn, reserve: p.reserve, free: p.free, align: p.align, alloc: p.alloc)
            if expected != found {
                out.add(finding("altmap-counters", expected: expected, found: found,
                                "altmap of the device range at \(Quantity.hex(o.start)): vmem_altmap_alloc()/vmem_altmap_free() accounting"))
            }
        }
    }
}

enum ObservedTables {
    /// The spans (kernel offsets) of the observed tables of level `l`.
    static func spans(_ tables: [ObservedTable], _ l: Level, _ lay: Layout) -> IntervalSet {
        var s = IntervalSet()
        for t in tables where t.level == l && t.vaStart >= lay.g.pageOffset {
            let a = lay.off(t.vaStart)
            s.append(a ..< a + t.vaSpan)
        }
        return s
    }
}
