// The observed side of a step's effects: what the recorders' lists (WARN_ON() sites, faults, the trace)
// add to the effects the harness counted, so that the model's prediction and the observation are one type.

import HotRemoveModel
import HotRemoveScenario

extension StepEffects {
    /// The observed faults named like the model's: `where` is the line for a BUG, a pfn for a bad free.
    static func faultSites(_ faults: [ObservedFault], before: ObservedState, _ g: Geometry) -> [String: UInt64] {
        // most steps have no fault: the lookups below are built only for a step that names a page
        guard !faults.isEmpty else { return [:] }
        let pageSize = g.pageSize
        var out: [String: UInt64] = [:]
        var tables: [UInt64: ObservedTable] = [:]
        for t in before.tables { tables[t.pa] = t }
        // a vmemmap or vmalloc leaf names its backing before the linear map, which maps all RAM
        let live = before.runs.filter { $0.kind != .invalid }
        let linear = g.pageOffset ..< g.pageEnd
        let others = live.filter { !linear.contains($0.va) }.sorted { $0.pa < $1.pa }
        let linearRuns = live.filter { linear.contains($0.va) }.sorted { $0.pa < $1.pa }
        func leaf(_ pa: UInt64) -> ObservedRun? {
            for runs in [others, linearRuns] {
                if let r = runs.last(where: { $0.pa <= pa }), pa < r.pa + r.count * r.entrySize { return r }
            }
            return nil
        }
        for f in faults {
            let site: String
            switch f.kind {
            case .bug: site = faultSite(bug: f.detail)
            case .poisonRead: site = "\(f.kind.rawValue) at pa \(Quantity.hex(f.location))"
            default:
                let pa = f.location * pageSize
                if let t = tables[pa] {
                    site = faultSite(f.kind, table: t.level, va: t.vaStart)
                } else if let r = leaf(pa) {
                    site = faultSite(f.kind, backingOf: r.va + (pa - r.pa) / r.entrySize * r.entrySize)
                } else {
                    site = "\(f.kind.rawValue): pfn \(Quantity.hex(f.location))"
                }
            }
            out[site, default: 0] += 1
        }
        return out
    }

    /// The result as the harness observed it, in the words of the model's outcome.
    public static func result(_ r: StepResult) -> String { result(StepPrediction.Outcome(r)) }

    /// Adds what the recorders' lists say to the counted effects: the WARN_ON() sites, what each fault hit
    /// (named from the tables `before` the step), and the TLBI addresses of `trace` (nil: not traced).
    public mutating func record(warns sites: [ObservedWarn], faults list: [ObservedFault], trace: [ObservedEvent]?,
                                before: ObservedState, geometry g: Geometry) {
        let pageSize = g.pageSize
        for w in sites { warns[StepEffects.warnSite(file: StepEffects.kernelFile(of: w.file), w.condition), default: 0] += w.count }
        faultSites = StepEffects.faultSites(list, before: before, g)
        if let trace {
            var va = StridedRangeSet(), walk = StridedRangeSet()
            // a loop's TLBIs at once: repetition k of a body event reaches [a + k*da, a + k*da + len), k = 1...n,
            // one progression (one range when da <= len: the repetitions touch each other)
            func add(_ e: ObservedEvent, repetitions n: UInt64, to set: inout StridedRangeSet) {
                let len = e.kind == .tlbiVA ? max(e.count, 1) * pageSize : 4096
                if n == 0 { set.insert(e.a ..< e.a + len); return }
                let (span, wraps) = n.multipliedReportingOverflow(by: e.da)
                if !wraps && span <= UInt64.max - len && e.a <= UInt64.max - len - span {
                    set.insert(RangeProgression(start: e.a + e.da, width: len, stride: e.da, count: n))
                    return
                }
                for k in 1 ... n { let a = e.a &+ k &* e.da; set.insert(a ..< a + len) }
            }
            for record in FoldedTrace(trace) {
                switch record {
                case let .event(_, e):
                    if e.kind == .tlbiVA { add(e, repetitions: 0, to: &va) }
                    if e.kind == .tlbiWalk { add(e, repetitions: 0, to: &walk) }
                case let .loop(body, n, _):
                    for b in body {
                        if b.kind == .tlbiVA { add(b, repetitions: n, to: &va) }
                        if b.kind == .tlbiWalk { add(b, repetitions: n, to: &walk) }
                    }
                }
            }
            tlbiVAAddresses = .addresses(va); tlbiWalkAddresses = .addresses(walk)
        } else {
            tlbiVAAddresses = StepEffects.notTraced; tlbiWalkAddresses = StepEffects.notTraced
        }
    }
}
