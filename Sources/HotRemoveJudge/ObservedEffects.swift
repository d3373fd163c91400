// The observed side of a step's effects: StepEffects (HotRemoveModel) filled from what the harness
// recorded of the C code, so that the model's prediction and the observation are compared as one type.

import HotRemoveModel
import HotRemoveScenario

extension ObservedCounters: StepCounters {}

extension StepEffects {
    /// The observed faults named like the model's: `where` is the line for a BUG, a pfn for a bad free.
    package static func faultSites(_ o: StepObservation, _ g: Geometry) -> [String: UInt64] {
        // most steps have no fault: the lookups below are built only for a step that names a page
        guard !o.faults.isEmpty else { return [:] }
        let pageSize = g.pageSize
        var out: [String: UInt64] = [:]
        var tables: [UInt64: ObservedTable] = [:]
        for t in o.before.tables { tables[t.pa] = t }
        // a vmemmap or vmalloc leaf names its backing before the linear map, which maps all RAM
        let live = o.before.runs.filter { $0.kind != .invalid }
        let linear = g.pageOffset ..< g.pageEnd
        let others = live.filter { !linear.contains($0.va) }.sorted { $0.pa < $1.pa }
        let linearRuns = live.filter { linear.contains($0.va) }.sorted { $0.pa < $1.pa }
        func leaf(_ pa: UInt64) -> ObservedRun? {
            for runs in [others, linearRuns] {
                if let r = runs.last(where: { $0.pa <= pa }), pa < r.pa + r.count * r.entrySize { return r }
            }
            return nil
        }
        for f in o.faults {
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

    public init(_ o: StepObservation, geometry g: Geometry) {
        let pageSize = g.pageSize
        let result: String
        switch o.result {
        case .ok: result = "ok"
        case .error(let e): result = "error \(e)"
        case .refused: result = "refused (NOTIFY_BAD)"
        case .oops: result = "oops"
        case .invalid(let why): result = "invalid: \(why)"
        case .blocked(let lock): result = "blocked on \(lock)"
        }
        self.init(result: result, o.counters)
        for w in o.warns { warns[StepEffects.warnSite(file: StepEffects.kernelFile(of: w.file), w.condition), default: 0] += w.count }
        for (k, n) in o.counters.faultsByKind { faults[k.rawValue] = n }
        faultSites = StepEffects.faultSites(o, g)
        if let trace = o.trace {
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
