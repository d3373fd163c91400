// Comparing what the C code did with what the revision's contract says it
// does: the result, the counters the contract fixes, the faults, and the page
// tables after the step.  Each difference is explained once, in kernel terms.

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

    // MARK: result

    static func sameKind(_ p: StepPrediction.Outcome, _ r: StepResult) -> Bool {
        switch (p, r) {
        case (.ok, .ok), (.refused, .refused), (.oops, .oops), (.invalid, .invalid), (.error, .error): return true
        default: return false
        }
    }

    func result(_ p: StepPrediction.Outcome, _ r: StepResult, _ out: inout FindingList) {
        let same: Bool
        if case .error(let a) = p, case .error(let b) = r { same = a == b } else { same = ContractCheck.sameKind(p, r) }
        guard !same else { return }
        out.add(finding("result", expected: "\(p)", found: "\(r)",
                        "the step should end \(p) under \(contract.name)'s contract but ended \(r)"))
    }

    // MARK: counters

    func counters(_ p: PredictedCounters, _ o: ObservedCounters, _ out: inout FindingList) {
        let g = lay.g
        for l in Level.allCases {
            let e = p.expectedClears(l)
            if !e.admits(o.clears[l.rawValue]) {
                out.add(finding("clears", level: l, expected: "\(e)", found: "\(o.clears[l.rawValue])",
                                "entries cleared in \(l) tables: every leaf the walk reaches plus the parent entry of every table freed"))
            }
            let tf = p.tablesFreed[l.rawValue]
            if tf != o.tablesFreed[l.rawValue] {
                out.add(finding("tables-freed", level: l, expected: "\(tf)", found: "\(o.tablesFreed[l.rawValue])",
                                "\(l) table pages returned to the allocator: \(tableRule)"))
            }
        }
        let blockOrder = (g.pmdSize / g.pageSize).trailingZeroBitCount
        for order in 0 ..< min(p.dataFreedByOrder.count, o.dataFreedByOrder.count) where p.dataFreedByOrder[order] != o.dataFreedByOrder[order] {
            out.add(finding("data-freed", expected: "\(p.dataFreedByOrder[order])", found: "\(o.dataFreedByOrder[order])",
                            "vmemmap backing freed at order \(order): one free_pages() per cleared leaf (order \(blockOrder) for a PMD block), none for the linear map, none for reserved or altmap backing"))
        }
        if p.altmapPagesFreed != o.altmapPagesFreed {
            out.add(finding("altmap-freed", expected: "\(p.altmapPagesFreed)", found: "\(o.altmapPagesFreed)",
                            contract.altmapBacking ? "vmem_altmap_free() pages: every leaf cleared by a vmemmap_free() that was given an altmap"
                                                   : "\(contract.name) ignores the altmap when freeing"))
        }
        let ev = p.expectedTlbiVA
        if !ev.admits(o.tlbiVA) {
            out.add(finding("tlbi-va", expected: "\(ev)", found: "\(o.tlbiVA)", "vaale1is count: \(flushRule)"))
        }
        if p.tlbiAll != o.tlbiAll {
            out.add(finding("tlbi-all", expected: "\(p.tlbiAll)", found: "\(o.tlbiAll)", "vmalle1is count: \(flushRule)"))
        }
        if p.tlbiWalk != o.tlbiWalk {
            out.add(finding("tlbi-walk", expected: "\(p.tlbiWalk)", found: "\(o.tlbiWalk)",
                            "vaae1is count: one __flush_tlb_kernel_pgtable() per table page freed"))
        }
        if p.warnCount != o.warns {
            let conds = p.warns.isEmpty ? "none" : p.warns.sorted { $0.key < $1.key }.map { "\($0.value)x \($0.key)" }.joined(separator: ", ")
            out.add(finding("warns", expected: "\(p.warnCount)", found: "\(o.warns)", "WARN_ON()s expected: \(conds)"))
        }
    }

    private var flushRule: String {
        contract.blockFlush == .firstPageOnly
            ? "\(contract.name) issues exactly one vaale1is per cleared leaf, blocks included (flush_tlb_kernel_range(addr, addr + PAGE_SIZE))"
            : "\(contract.name) flushes each page leaf with one vaale1is and each block over its walked part, page by page, or with one vmalle1is beyond MAX_TLBI_OPS pages"
    }
    private var tableRule: String {
        contract.floorCeiling
            ? "a table reached by the walk is freed iff it is empty after the unmap pass and pgtable_range_aligned() accepts it against floor/ceiling"
            : "a linear-map table reached by the walk is freed iff it is empty after the unmap pass; vmemmap tables never"
    }

    // MARK: faults

    func faults(_ p: PredictedCounters, _ observed: [ObservedFault], total: UInt64, _ out: inout FindingList) {
        var seen: [FaultKind: UInt64] = [:]
        for f in observed { seen[f.kind, default: 0] += 1 }
        let expectedTotal = p.faults.values.reduce(0, +)
        if UInt64(observed.count) < total {
            // the recorder kept only the first faults: judge the total and the kinds listed
            if expectedTotal != total {
                out.add(finding("faults", expected: "\(expectedTotal) faults", found: "\(total) faults",
                                "allocator faults: a free of PageReserved backing or tables is refused as free-reserved; no other fault is expected"))
            }
            for kind in seen.keys.sorted(by: { $0.rawValue < $1.rawValue }) where p.faults[kind] == nil {
                out.add(finding("faults", expected: "no \(kind.rawValue)", found: "\(seen[kind]!)+ \(kind.rawValue)",
                                "allocator faults of a kind the contract does not produce"))
            }
            return
        }
        for kind in Set(seen.keys).union(p.faults.keys).sorted(by: { $0.rawValue < $1.rawValue }) {
            let e = p.faults[kind] ?? 0, f = seen[kind] ?? 0
            if e != f {
                out.add(finding("faults", expected: "\(e) \(kind.rawValue)", found: "\(f) \(kind.rawValue)",
                                "allocator faults: a free of PageReserved backing or tables is refused as free-reserved; no other fault is expected"))
            }
        }
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
        for o in observed {
            guard let p = predicted.last(where: { $0.start == o.start }) else { continue }
            if p.alloc != o.alloc || p.align != o.align {
                out.add(finding("altmap-counters", expected: "alloc \(p.alloc) align \(p.align)", found: "alloc \(o.alloc) align \(o.align)",
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
