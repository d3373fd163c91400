// The architecture's ordering rules over one step's ordered trace (the rules and their sources: OrderingRule):
// a value that reads the trace event by event, keeping what the MMU may still have cached, and says at the end
// what is left stale.  One method per event class, each in a file of its own:
//   OrderingJudge+Writes.swift         set, rewrite; another thread's writes
//   OrderingJudge+Clears.swift         clear
//   OrderingJudge+Invalidations.swift  vaale1is, vaae1is, vmalle1is, dsb(ish)
//   OrderingJudge+Frees.swift          free_pages(), vmem_altmap_free()
//   OrderingJudge+Contiguous.swift     the contiguous ranges' bookkeeping
//   OrderingJudge+Finish.swift         what is still cached when the step ends
//   OrderingLoops.swift                a folded loop judged through one repetition

import HotRemoveModel
import HotRemoveScenario

public struct OrderingJudge {
    let lay: Layout
    let step: Int
    /// judge a folded loop through one repetition when the others are it moved along (off: every event, for tests)
    var summarizeLoops = true
    /// the memory when the step began, if known: says whose struct pages a stray write hit
    let memory: Memory?
    /// the findings so far: the caller's list, handed in and taken back (its cap per rule spans the step)
    var out: FindingList

    /// A table page known to the judge: reachable at the start of the step, or installed during it.
    struct TableInfo { var level: Level; var vaStart: UInt64; var entrySize: UInt64; var pa: UInt64 }
    /// A leaf cleared in this step that mapped data outside the linear map (vmemmap, vmalloc).
    struct ClearedLeaf { var va: Range<UInt64>; var size: UInt64; var level: Level; var event: (Int, ObservedEvent) }

    // the geometry's figures, read once: they are computed properties, and the rules run per event
    let g: Geometry
    let oaMask: UInt64
    let linear: Range<UInt64>
    let pageSize: UInt64, pmdSize: UInt64, contPteSize: UInt64, contPmdSize: UInt64, pageOffset: UInt64
    let contSizes: [UInt64]
    let text: TraceText
    let before: ObservedState

    // the tables as the step leaves them
    var tables: [UInt64: TableInfo] = [:]
    var observedTables: [UInt64: ObservedTable] = [:]
    /// the table page of the last entry written: a walk writes one table's entries in a row
    var cachedPage = UInt64.max, cachedTable: TableInfo?
    // what is cleared and not yet invalidated or completed: leaf entries, table entries (walk cache)
    var leaf = PendingInvalidations(), walk = PendingInvalidations()
    /// table page -> (span of the entry that pointed at it, clear event)
    var unhooked: [UInt64: (span: Range<UInt64>, size: UInt64, event: (Int, ObservedEvent))] = [:]
    /// data page -> the non-linear leaf that mapped it, cleared in this step
    var clearedData: [UInt64: ClearedLeaf] = [:]
    /// vmem_altmap_free() names no page (it lowers altmap->alloc): it returns the backing of the leaf
    /// free_hotplug_page_range() was called for, the last non-linear leaf cleared
    var lastClearedData: ClearedLeaf?
    /// pages mapped by non-linear leaves that are valid at the start of the step (built on first need)
    var liveData: [UInt64: (va: UInt64, size: UInt64)]?
    /// non-linear leaves another thread (a walker) mapped or unmapped since, by backing page
    var otherThreadLeaves: [UInt64: (va: UInt64, size: UInt64, live: Bool)] = [:]
    /// the events that follow are the step's own (a trace without .thread records is all its own)
    var own = true
    var lastInvalidation: (Int, ObservedEvent)?, lastCompletion: (Int, ObservedEvent)?
    var firstUncompleted: (Int, ObservedEvent)?
    // contiguous ranges (Arm ARM D8.6.1), keyed by the range's first offset
    /// valid CONT entries per range, from the before-state, kept up to date
    var contLive: [UInt64: Int64] = [:]
    /// cleared CONT entries not yet safely invalidated, per range: (entry size, entries)
    var contPending: [UInt64: (size: UInt64, entries: IntervalSet)] = [:]
    /// ranges some entry of which was cleared in the step
    var contCleared: [UInt64: (size: UInt64, event: (Int, ObservedEvent))] = [:]
    /// the before-state's CONT leaves as (start, end, entry size) offsets, by start
    let contRuns: [(UInt64, UInt64, UInt64)]

    /// The judge of step `step` from the state `before`, adding to `findings`.
    init(lay: Layout, step: Int, before: ObservedState, memory: Memory? = nil, findings: FindingList = FindingList()) {
        self.lay = lay; self.step = step; self.before = before; self.memory = memory; out = findings
        g = lay.g
        oaMask = ((1 << 48) - 1) & ~(g.pageSize - 1)
        linear = lay.off(g.pageOffset) ..< lay.off(g.pageEnd)
        pageSize = g.pageSize; pmdSize = g.pmdSize; contPteSize = g.contPteSize; contPmdSize = g.contPmdSize
        pageOffset = g.pageOffset
        contSizes = g.contPteSize == g.contPmdSize ? [g.contPteSize] : [g.contPteSize, g.contPmdSize]
        text = TraceText(lay: lay)
        for t in before.tables {
            tables[t.pa] = TableInfo(level: t.level, vaStart: t.vaStart, entrySize: t.vaSpan / UInt64(g.entriesPerTable(t.level)), pa: t.pa)
            observedTables[t.pa] = t
        }
        contRuns = before.runs.filter { $0.kind != .invalid && $0.attrs & Descriptor.cont != 0 }
            .map { (lay.off($0.va), lay.off($0.end), $0.entrySize) }.sorted { $0.0 < $1.0 }
    }

    /// The rules over a step's trace, into `out`; how many loop repetitions were judged as another one moved
    /// along (OrderingLoops.swift).  A step run without a trace is judged by its counts (TLBCheck).
    @discardableResult
    static func check(_ obs: StepObservation, lay: Layout, step: Int, memory: Memory? = nil,
                      summarizeLoops: Bool = true, _ out: inout FindingList) -> UInt64 {
        guard let trace = obs.trace else { return 0 }
        var judge = OrderingJudge(lay: lay, step: step, before: obs.before, memory: memory, findings: out)
        judge.summarizeLoops = summarizeLoops
        let summarized = judge.run(trace)
        judge.finish()
        out = judge.out
        return summarized
    }

    /// The ordering rules alone, for a step that ran beside other threads (`hotremove explore`): the model's
    /// comparison needs the step to run alone, the rules only its own ordered trace and the state it started
    /// from.  `recorderLimits` as in StepObservation (an incomplete record is a finding, never a pass).
    public static func check(_ scenario: Scenario, step: Int, before: ObservedState, trace: [ObservedEvent],
                              recorderLimits: [String] = []) -> [Finding] {
        var out = FindingList()
        for limit in recorderLimits {
            out.add(Finding(step: step, classification: .contractMismatch, rule: "harness.incomplete-record",
                            expected: "a whole record", found: limit, message: "the step cannot be judged: \(limit)"))
        }
        var judge = OrderingJudge(lay: Layout(scenario), step: step, before: before, findings: out)
        judge.run(trace)
        judge.finish()
        return judge.out.finish()
    }

    /// One event of the unrolled trace, number `i`.  A trace recorded beside walkers (explore) says whose
    /// events follow (`.thread`): only the step's own events (thread 0) are judged, as in a sequential run;
    /// another thread's events only keep the judge's picture of the tables exact, and its TLBIs and barriers
    /// count for nothing here: a dsb(ish) completes only the invalidations of the CPU that issues it, and the
    /// removal may not rely on another CPU's invalidation.
    mutating func event(_ i: Int, _ e: ObservedEvent) {
        if e.kind == .thread { own = e.a == 0; return }
        guard own else { otherThreadWrite(e); return }
        switch e.kind {
        case .set, .replace: write(i, e)
        case .clear: clear(i, e)
        case .tlbiVA: tlbiVA(i, e)
        case .tlbiWalk: tlbiWalk(i, e)
        case .tlbiAll: tlbiAll(i, e)
        case .dsb where e.level == 1: dsbIsh(i, e)
        case .altmapFree: altmapFree(i, e)
        case .free: free(i, e)
        default: break
        }
    }

    // MARK: what the rules share

    /// The table page holding the entry at `pa`, if the judge knows it.
    mutating func table(at pa: UInt64) -> TableInfo? {
        let page = alignDown(pa, pageSize)
        if page != cachedPage { cachedPage = page; cachedTable = tables[page] }
        return cachedTable
    }

    /// A table installed at `pa` below an entry of `parent` for `va` (a walk's or a walker's).
    mutating func install(table pa: UInt64, below parent: TableInfo, va: UInt64) {
        let child = g.tableLevels.first { $0 > parent.level } ?? .pte
        tables[pa] = TableInfo(level: child, vaStart: va, entrySize: parent.entrySize / UInt64(g.entriesPerTable(child)), pa: pa)
        cachedPage = .max
    }

    /// The leaf, keyed by its first page, whose backing holds `pa`: a page leaf, or a PMD or PUD block.
    func entryHolding<T>(_ pa: UInt64, in d: [UInt64: T], size: KeyPath<T, UInt64>) -> T? {
        if let x = d[pa] { return x }
        if let x = d[alignDown(pa, g.pmdSize)], x[keyPath: size] > g.pageSize { return x }
        if let x = d[alignDown(pa, g.pudSize)], x[keyPath: size] >= g.pudSize { return x }
        return nil
    }

    /// The VA a leaf valid at the start of the step (outside the linear map) maps `pa` at: the page itself,
    /// or a page inside a block's backing.
    mutating func liveLeafMapping(_ pa: UInt64) -> UInt64? {
        if liveData == nil {
            var d: [UInt64: (va: UInt64, size: UInt64)] = [:]
            for r in before.runs where r.kind != .invalid && !linear.contains(lay.off(r.va)) {
                for k in 0 ..< r.count { d[r.pa &+ k &* r.entrySize] = (r.va &+ k &* r.entrySize, r.entrySize) }
            }
            liveData = d
        }
        let page = alignDown(pa, g.pageSize)
        if let x = entryHolding(page, in: otherThreadLeaves, size: \.size) {
            return x.live ? x.va + (page - alignDown(page, x.size)) : nil
        }
        return liveData.flatMap { entryHolding(page, in: $0, size: \.size) }.map { $0.va + (page - alignDown(page, $0.size)) }
    }

    func describe(_ x: (Int, ObservedEvent)) -> String { text.describe(x.1, index: x.0, tables: observedTables) }

    mutating func finding(_ rule: OrderingRule, level: Level?, va: UInt64?, expected: String, found: String, _ message: String) {
        out.add(Finding(step: step, classification: .invariantViolation, rule: rule.rawValue, level: level, va: va,
                        expected: expected, found: found, message: message))
    }

    /// What has happened since a clear: the last invalidation and completion after it, if any.
    func since(_ clearEvent: (Int, ObservedEvent)) -> String {
        var parts: [String] = []
        if let i = lastInvalidation, i.0 > clearEvent.0 { parts.append("last invalidation \(describe(i))") }
        else { parts.append("no invalidation since the clear") }
        if let c = lastCompletion, c.0 > clearEvent.0 { parts.append("last dsb(ish) \(describe(c))") }
        return parts.joined(separator: "; ")
    }
}
