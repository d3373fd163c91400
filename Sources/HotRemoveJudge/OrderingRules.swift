// The architecture's ordering rules for tearing down kernel mappings, judged on
// the ordered trace of one step.  What the MMU may still hold at any moment:
//
//  * a leaf translation (page, block) for every VA whose leaf entry was valid;
//    `vaale1is` of any VA inside a leaf drops that leaf only (last level: never a
//    walk-cache entry), `vaae1is` drops the leaf and the walk-cache entries for
//    that VA, `vmalle1is` drops everything cached so far (not what is cleared
//    after it).  A block is dropped by an invalidation of any VA inside it.
//  * a walk-cache copy of every table entry that was valid, that is a pointer to
//    the table page below it, for every VA in that entry's span.
//  * an invalidation is complete only at the next `dsb(ish)` after it (Arm ARM
//    D5.10.2, "TLB maintenance instructions": completion is guaranteed by a DSB).
//
// So a page may go back to an allocator only when every path by which the MMU
// could still reach it is gone: the entry pointing at it cleared, then an
// invalidation that reaches every cached copy (a leaf invalidation for a data page,
// a walk-cache invalidation for a table page), then completion.  This is the rule
// Mark Rutland stated on V2 (2019-04-15): "1) clear the pointer to a table
// 2) invalidate any corresponding TLB entries 3) free the table page".

import HotRemoveModel
import HotRemoveScenario

public enum OrderingRule: String, CaseIterable, Sendable {
    /// a cleared leaf entry is never invalidated afterwards
    case staleLeaf = "inv.tlb-stale-leaf"
    /// a cleared table entry is never walk-cache invalidated afterwards
    case staleWalk = "inv.tlb-stale-walk"
    /// the only invalidation reaching a cleared entry came before the clear
    case invalidatedBeforeClear = "inv.tlb-order"
    /// a data page freed while a cleared leaf to it may still be cached
    case freeBeforeLeafTLBI = "inv.free-before-leaf-tlbi"
    /// a table page freed while a cleared pointer to it may still be in the walk cache
    case freeBeforeWalkTLBI = "inv.free-before-walk-tlbi"
    /// a page freed while a valid entry still points at it
    case freedWhileReachable = "inv.freed-while-reachable"
    /// a data page freed that no leaf cleared in the step mapped
    case freedDataNotBacking = "inv.freed-data-not-backing"
    /// an invalidation never completed by a dsb(ish) before the step ends
    case tlbiIncomplete = "inv.tlbi-incomplete"
    /// an entry of a contiguous range invalidated while a sibling was still valid, and never after
    case contRefill = "inv.tlb-cont-refill"
    /// a contiguous range left partly cleared
    case contSplit = "inv.cont-range-split"
    /// a valid entry changed to another valid one (output, size, type or CONT) without a break
    case breakBeforeMake = "inv.break-before-make"
    /// a descriptor written into a page that is not a page-table page (a block's output page, a freed table)
    case writeOutsideTable = "inv.write-outside-table"

    /// One sentence for reports and README.
    public var statement: String {
        switch self {
        case .staleLeaf: return "every cleared leaf entry is invalidated (vaale1is/vaae1is of a VA inside it, or vmalle1is) after it is cleared"
        case .staleWalk: return "every cleared table entry is walk-cache invalidated (vaae1is of a VA in its span, or vmalle1is) after it is cleared; vaale1is does not reach the walk cache"
        case .invalidatedBeforeClear: return "an invalidation only counts for entries cleared before it"
        case .freeBeforeLeafTLBI: return "a data page is freed only after its cleared leaf was invalidated and a dsb(ish) completed that invalidation"
        case .freeBeforeWalkTLBI: return "a table page is freed only after the entry pointing at it was cleared, walk-cache invalidated, and a dsb(ish) completed that invalidation"
        case .freedWhileReachable: return "no page is freed while a valid entry still points at it"
        case .freedDataNotBacking: return "a data page freed by the teardown is the backing of a leaf cleared in the same step"
        case .tlbiIncomplete: return "every invalidation is completed by a dsb(ish) before the teardown returns"
        case .contRefill: return "an entry of a contiguous range is gone only when an invalidation reaching its VA comes after every entry of the range is invalid: until then the MMU may refill the whole range, shattered, from a valid sibling (Arm ARM D8.6.1, the Contiguous bit)"
        case .contSplit: return "a contiguous range is cleared whole or not at all"
        case .writeOutsideTable: return "descriptors are written only into live page-table pages: a walk that takes a block's output page for a table (pte_offset_kernel() of a block) writes into the memory the block maps"
        case .breakBeforeMake: return "a valid entry is never changed to another valid entry with a different output address, size, type or Contiguous bit without first being made invalid and invalidated (Arm ARM D8.14, break-before-make)"
        }
    }
}

/// One event of the ordered trace in kernel terms, for findings and `run --trace`.
public struct TraceText {
    let lay: Layout
    public init(_ scenario: Scenario) { lay = Layout(scenario) }
    init(lay: Layout) { self.lay = lay }

    public func describe(_ e: ObservedEvent, index: Int, tables: [UInt64: ObservedTable] = [:],
                         warns: [ObservedWarn] = [], faults: [ObservedFault] = []) -> String {
        let g = lay.g
        let n = e.count > 1 ? " x\(e.count)" : ""
        switch e.kind {
        case .set, .clear:
            let t = tables[alignDown(e.a, g.pageSize)]
            let lvl = t.map { "\($0.level)" } ?? (Level(rawValue: e.level).map { "\($0)" } ?? "L\(e.level)")
            var at = "entry \(Quantity.hex(e.a))"
            if let t {
                let size = t.vaSpan / UInt64(g.entriesPerTable(t.level))
                let va = t.vaStart &+ (e.a &- t.pa) / 8 &* size
                at = "\(lvl) entry for \(Quantity.hex(va))\(e.count > 1 ? "..+\(Quantity.human(size * e.count))" : "")"
            } else { at = "\(lvl) \(at)" }
            let v = e.kind == .set ? "new \(Quantity.hex(e.b))" : "was \(Quantity.hex(e.b))"
            return "#\(index) \(e.kind == .set ? "set" : "clear") \(at)\(n) (\(v))"
        case .tlbiVA: return "#\(index) tlbi vaale1is \(Quantity.hex(e.a))\(e.count > 1 ? " ..+\(e.count) pages" : "")"
        case .tlbiWalk: return "#\(index) tlbi vaae1is \(Quantity.hex(e.a))"
        case .tlbiAll: return "#\(index) tlbi vmalle1is\(n)"
        case .dsb: return "#\(index) dsb(\(e.level == 0 ? "ishst" : "ish"))\(n)"
        case .isb: return "#\(index) isb\(n)"
        case .free: return "#\(index) free_pages pfn \(Quantity.hex(e.a)) order \(e.level)\(n) (\(e.b == 1 ? "table" : "data"))"
        case .alloc: return "#\(index) alloc pfn \(Quantity.hex(e.a)) order \(e.level)\(n)"
        case .altmapFree: return "#\(index) vmem_altmap_free \(e.a) pfns"
        case .warn:
            guard Int(e.a) < warns.count else { return "#\(index) WARN (site \(e.a))" }
            let w = warns[Int(e.a)]
            return "#\(index) WARN_ON(\(w.condition)) at \(w.file):\(w.line)"
        case .fault:
            guard Int(e.a) < faults.count else { return "#\(index) fault (\(e.a))" }
            let f = faults[Int(e.a)]
            return "#\(index) fault \(f.kind.rawValue) at \(Quantity.hex(f.location)): \(f.detail)"
        case .repeatPrevious: return "the \(e.level) event(s) above repeated \(e.count) more time(s)"
        case .thread: return "#\(index) thread \(e.a)\(e.a == 0 ? " (the removal)" : "") from here (decision \(e.b))"
        case .replace:
            var x = e
            x.kind = .set
            return describe(x, index: index, tables: tables, warns: warns, faults: faults).replacingOccurrences(of: " set ", with: " rewrite ")
                .replacingOccurrences(of: ")", with: ", was \(Quantity.hex(e.db)))")
        }
    }
}

/// The ordering rules alone, for a step that ran beside other threads (`hotremove explore`): the
/// model's comparison needs the step to run alone, the rules only its own ordered trace and the
/// state it started from.
public enum OrderingJudge {
    /// The ordering rules over the events of thread 0 in `trace` (a trace of explore, with `.thread`
    /// records), from the state `before`; `recorderLimits` as in StepObservation (an incomplete
    /// record is a finding, never a pass).
    public static func check(_ scenario: Scenario, step: Int, before: ObservedState, trace: [ObservedEvent],
                             recorderLimits: [String] = []) -> [Finding] {
        var out = FindingList()
        for limit in recorderLimits {
            out.add(Finding(step: step, classification: .contractMismatch, rule: "harness.incomplete-record",
                            expected: "a whole record", found: limit, message: "the step cannot be judged: \(limit)"))
        }
        OrderingCheck(lay: Layout(scenario), step: step).check(trace: trace, before: before, &out)
        return out.finish()
    }
}

/// The ordering rules over one step's trace (see the top of this file).
struct OrderingCheck {
    let lay: Layout
    let step: Int
    /// judge a folded loop through one repetition when the others are it moved along (off: every event, for tests)
    var summarizeLoops = true
    /// the memory when the step began, if known: says whose struct pages a stray write hit
    var memory: Memory?

    private var g: Geometry { lay.g }
    private var oaMask: UInt64 { ((1 << 48) - 1) & ~(g.pageSize - 1) }

    /// A table page known to the judge: reachable at the start of the step, or installed during it.
    struct TableInfo { var level: Level; var vaStart: UInt64; var entrySize: UInt64; var pa: UInt64 }
    /// Cleared entries, by entry (or span) size, in kernel offsets: not yet invalidated / invalidated, not complete.
    private struct Pending {
        /// one slot per entry size met (a handful: page, PMD, PUD, PGD entries); searched linearly
        var sizes: [UInt64] = []
        var cleared: [IntervalSet] = []
        var invalidated: [IntervalSet] = []
        var everInvalidated = IntervalSet()

        private mutating func slot(_ size: UInt64) -> Int {
            if let i = sizes.firstIndex(of: size) { return i }
            sizes.append(size); cleared.append(IntervalSet()); invalidated.append(IntervalSet())
            return sizes.count - 1
        }
        mutating func clear(_ r: Range<UInt64>, size: UInt64) { cleared[slot(size)].insert(r) }
        /// Marks `r` (entries of `size`) invalidated, not yet complete.
        mutating func markInvalidated(_ r: IntervalSet, size: UInt64) { invalidated[slot(size)].formUnion(r) }
        /// An invalidation reaching `pages` (rounded out to each entry size: any VA inside an entry drops it).
        mutating func invalidate(_ pages: Range<UInt64>) {
            everInvalidated.insert(pages)
            for k in sizes.indices where !cleared[k].isEmpty {
                let size = sizes[k]
                _ = cleared[k].move(alignDown(pages.lowerBound, size) ..< alignUp(pages.upperBound, size), into: &invalidated[k])
            }
        }
        mutating func invalidateAll() {
            for k in sizes.indices where !cleared[k].isEmpty {
                invalidated[k].formUnion(cleared[k])
                cleared[k].removeAll()
            }
        }
        mutating func complete() { for k in invalidated.indices where !invalidated[k].isEmpty { invalidated[k].removeAll() } }
        /// nothing cleared waits for an invalidation or its completion
        var isQuiet: Bool { cleared.allSatisfy(\.isEmpty) && invalidated.allSatisfy(\.isEmpty) }
        /// Is any part of `r` (entries of `size`) still reachable through the TLB?
        func unsafe(_ r: Range<UInt64>, size: UInt64) -> (notInvalidated: Bool, notCompleted: Bool) {
            guard let k = sizes.firstIndex(of: size) else { return (false, false) }
            return (cleared[k].overlaps(r), invalidated[k].overlaps(r))
        }
        /// What is still cleared and not invalidated, by entry size, smallest first.
        var notInvalidated: [(size: UInt64, entries: IntervalSet)] {
            sizes.indices.filter { !cleared[$0].isEmpty }.map { (sizes[$0], cleared[$0]) }.sorted { $0.size < $1.size }
        }
    }
    /// A leaf cleared in this step that mapped data outside the linear map (vmemmap, vmalloc).
    private struct ClearedLeaf { var va: Range<UInt64>; var size: UInt64; var level: Level; var event: (Int, ObservedEvent) }

    @discardableResult
    func check(_ obs: StepObservation, _ out: inout FindingList) -> UInt64 {
        guard let trace = obs.trace else { return 0 }
        return check(trace: trace, before: obs.before, &out)
    }

    /// The rules over `trace`, from the state `before`.  A trace recorded beside walkers (explore) says
    /// whose events follow (`.thread`): only the step's own events (thread 0) are judged, as in a
    /// sequential run; another thread's events only keep the judge's picture of the tables exact (a
    /// table a walker installs, a leaf it maps or unmaps), and its TLBIs and barriers count for nothing
    /// here: a dsb(ish) completes only the invalidations of the CPU that issues it, and the removal
    /// may not rely on another CPU's invalidation.
    /// Returns how many loop repetitions were judged as another one moved along (OrderingLoops.swift).
    @discardableResult
    func check(trace: [ObservedEvent], before: ObservedState, _ out: inout FindingList) -> UInt64 {
        let text = TraceText(lay: lay)
        var tables: [UInt64: TableInfo] = [:]
        var observedTables: [UInt64: ObservedTable] = [:]
        for t in before.tables {
            tables[t.pa] = TableInfo(level: t.level, vaStart: t.vaStart, entrySize: t.vaSpan / UInt64(g.entriesPerTable(t.level)), pa: t.pa)
            observedTables[t.pa] = t
        }
        var leaf = Pending(), walk = Pending()
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
        let linear = lay.off(g.pageOffset) ..< lay.off(g.pageEnd)

        // Contiguous ranges (Arm ARM D8.6.1): the range an entry of `size` belongs to, if the entry is CONT.
        // (the geometry's sizes read once: they are computed properties, and these run per event)
        let geoPage = g.pageSize, geoPmd = g.pmdSize, geoContPte = g.contPteSize, geoContPmd = g.contPmdSize
        let pageOffset = g.pageOffset
        func contSize(_ size: UInt64) -> UInt64? {
            size == geoPage ? geoContPte : size == geoPmd ? geoContPmd : nil
        }
        /// valid CONT entries per range (keyed by the range's first offset), from the before-state, kept up to date
        var contLive: [UInt64: Int64] = [:]
        /// cleared CONT entries not yet safely invalidated, per range: (entry size, entries)
        var contPending: [UInt64: (size: UInt64, entries: IntervalSet)] = [:]
        /// ranges some entry of which was cleared in the step
        var contCleared: [UInt64: (size: UInt64, event: (Int, ObservedEvent))] = [:]
        let contRuns = before.runs.filter { $0.kind != .invalid && $0.attrs & Descriptor.cont != 0 }
            .map { (lay.off($0.va), lay.off($0.end), $0.entrySize) }.sorted { $0.0 < $1.0 }
        func live(_ r: Range<UInt64>, size: UInt64) -> Int64 {
            if let n = contLive[r.lowerBound] { return n }
            var n: UInt64 = 0
            var lo = 0, hi = contRuns.count
            while lo < hi { let mid = (lo + hi) / 2; if contRuns[mid].1 <= r.lowerBound { lo = mid + 1 } else { hi = mid } }
            while lo < contRuns.count && contRuns[lo].0 < r.upperBound {
                let x = contRuns[lo]
                if x.2 == size { n += (min(x.1, r.upperBound) - max(x.0, r.lowerBound)) / size }
                lo += 1
            }
            contLive[r.lowerBound] = Int64(n)
            return Int64(n)
        }
        /// Each contiguous range of `cs` overlapping `span`, with the part of `span` in it.
        func contRanges(_ span: Range<UInt64>, _ cs: UInt64, _ body: (Range<UInt64>, Range<UInt64>) -> Void) {
            var x = alignDown(span.lowerBound, cs)
            while x < span.upperBound {
                let r = x ..< x + cs
                body(r, max(span.lowerBound, x) ..< min(span.upperBound, x + cs))
                x += cs
            }
        }
        /// An invalidation reaching `pages` drops a cleared CONT entry only when its whole range is invalid.
        let contSizes = g.contPteSize == g.contPmdSize ? [g.contPteSize] : [g.contPteSize, g.contPmdSize]
        func invalidateCont(_ pages: Range<UInt64>?) {
            guard !contPending.isEmpty else { return }
            for cs in contSizes {
                var keys: [UInt64] = []
                if let p = pages {
                    contRanges(p, cs) { r, _ in if contPending[r.lowerBound] != nil { keys.append(r.lowerBound) } }
                } else {
                    keys = contPending.keys.filter { alignDown($0, cs) == $0 }
                }
                for k in keys {
                    guard let c = contPending[k], (contLive[k] ?? 0) <= 0 else { continue }
                    guard c.size == g.pageSize ? cs == g.contPteSize : cs == g.contPmdSize else { continue }
                    let reach = pages.map { IntervalSet(alignDown($0.lowerBound, c.size) ..< alignUp($0.upperBound, c.size)) }
                    let hit = reach.map { c.entries.intersection($0) } ?? c.entries
                    guard !hit.isEmpty else { continue }
                    leaf.markInvalidated(hit, size: c.size)
                    let rest = c.entries.subtracting(hit)
                    contPending[k] = rest.isEmpty ? nil : (c.size, rest)
                }
            }
        }

        /// The leaf, keyed by its first page, whose backing holds `pa`: a page leaf, or a PMD or PUD block.
        func entryHolding<T>(_ pa: UInt64, in d: [UInt64: T], size: KeyPath<T, UInt64>) -> T? {
            if let x = d[pa] { return x }
            if let x = d[alignDown(pa, g.pmdSize)], x[keyPath: size] > g.pageSize { return x }
            if let x = d[alignDown(pa, g.pudSize)], x[keyPath: size] >= g.pudSize { return x }
            return nil
        }

        /// The VA a leaf valid at the start of the step (outside the linear map) maps `pa` at:
        /// the page itself, or a page inside a block's backing.
        func liveLeafMapping(_ pa: UInt64) -> UInt64? {
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
        func finding(_ rule: OrderingRule, level: Level?, va: UInt64?, expected: String, found: String, _ message: String) {
            out.add(Finding(step: step, classification: .invariantViolation, rule: rule.rawValue, level: level, va: va,
                            expected: expected, found: found, message: message))
        }
        func since(_ clearEvent: (Int, ObservedEvent)) -> String {
            var parts: [String] = []
            if let i = lastInvalidation, i.0 > clearEvent.0 { parts.append("last invalidation \(describe(i))") }
            else { parts.append("no invalidation since the clear") }
            if let c = lastCompletion, c.0 > clearEvent.0 { parts.append("last dsb(ish) \(describe(c))") }
            return parts.joined(separator: "; ")
        }

        // the table page of the last entry written: a walk writes one table's entries in a row
        let pageSize = g.pageSize
        var cachedPage = UInt64.max, cachedTable: TableInfo?
        func table(at pa: UInt64) -> TableInfo? {
            let page = alignDown(pa, pageSize)
            if page != cachedPage { cachedPage = page; cachedTable = tables[page] }
            return cachedTable
        }

        /// Another thread's write: what it changes in the tables (a table installed, a contiguous
        /// range's valid entries, a non-linear leaf mapped or unmapped), nothing judged.
        func otherThreadWrite(_ e: ObservedEvent) {
            guard e.kind == .set || e.kind == .replace || e.kind == .clear,
                  let t = tables[alignDown(e.a, g.pageSize)] else { return }
            /// entry k of the record held `old` (or nothing) and holds `new` (or nothing) after it
            func change(_ value: UInt64, k: UInt64, adds: Bool) {
                guard value != 0, value & Descriptor.valid != 0 else { return }
                let va = t.vaStart &+ ((e.a - t.pa) / 8 + k) &* t.entrySize
                let out = (value & oaMask) &+ k &* t.entrySize
                let kind = Descriptor.kind(value, lastLevel: t.level == .pte)
                if adds, t.level != .pte, kind == .table {
                    let child = g.tableLevels.first { $0 > t.level } ?? .pte
                    tables[out] = TableInfo(level: child, vaStart: va, entrySize: t.entrySize / UInt64(g.entriesPerTable(child)), pa: out)
                    cachedPage = .max
                }
                guard kind == .page || kind == .block else { return }
                if value & Descriptor.cont != 0, let cs = contSize(t.entrySize) {
                    let first = lay.off(va)
                    contRanges(first ..< first + t.entrySize, cs) { r, _ in
                        contLive[r.lowerBound] = live(r, size: t.entrySize) + (adds ? 1 : -1)
                    }
                }
                if !linear.contains(lay.off(va)) { otherThreadLeaves[out] = (va, t.entrySize, adds) }
            }
            for k in 0 ..< max(e.count, 1) {
                switch e.kind {
                case .clear: change(e.b, k: k, adds: false)
                case .replace: change(e.db, k: k, adds: false); change(e.b, k: k, adds: true)
                default: change(e.b, k: k, adds: true)
                }
            }
        }

        /// One event of the unrolled trace, number `i`.
        func judge(_ i: Int, _ e: ObservedEvent) {
            if e.kind == .thread { own = e.a == 0; return }
            guard own else { otherThreadWrite(e); return }
            switch e.kind {
            case .set, .replace:
                guard let t = table(at: e.a) else {
                    let why = liveLeafMapping(e.a).map { va -> String in
                        guard va >= g.vmemmapStart && va < g.vmemmapEnd else { return "the output page of the leaf for \(Quantity.hex(va)) (a data page)" }
                        let page = "into memmap page \(Quantity.hex(va)) (the output of the vmemmap leaf that maps it)"
                        guard let memory else { return page }
                        return "\(page): \(memory.describeMemmapPage(va, word: va + e.a % g.pageSize, lay))"
                    } ?? "no page-table page reachable from swapper_pg_dir or installed in this step"
                    finding(.writeOutsideTable, level: nil, va: nil,
                            expected: "a descriptor written into a live page-table page", found: describe((i, e)),
                            "a descriptor was written at pa \(Quantity.hex(e.a)), \(why)")
                    return
                }
                let kind = Descriptor.kind(e.b, lastLevel: t.level == .pte)
                if e.kind == .replace && e.db & Descriptor.valid != 0 && e.b & Descriptor.valid != 0 {
                    // break-before-make: what a live entry may not change in place
                    let must = oaMask | Descriptor.typeMask | Descriptor.cont
                    if (e.db ^ e.b) & must != 0 {
                        let va = t.vaStart &+ (e.a - t.pa) / 8 &* t.entrySize
                        finding(.breakBeforeMake, level: t.level, va: va,
                                expected: "clear, invalidate, then write the new entry",
                                found: describe((i, e)),
                                "the \(t.level) entry for \(Quantity.hex(va)) went from \(Quantity.hex(e.db)) to \(Quantity.hex(e.b)) while valid: the TLB may hold both translations at once")
                    }
                }
                if kind == .page || kind == .block, e.b & Descriptor.cont != 0, let cs = contSize(t.entrySize) {
                    let first = lay.off(t.vaStart &+ (e.a - t.pa) / 8 &* t.entrySize)
                    contRanges(first ..< first + e.count * t.entrySize, cs) { r, part in
                        contLive[r.lowerBound] = live(r, size: t.entrySize) + Int64(UInt64(part.count) / t.entrySize)
                    }
                }
                // a table installed during the step (an add, or the add a failed add rolls back)
                guard t.level != .pte, kind == .table else { return }
                let child = g.tableLevels.first { $0 > t.level } ?? .pte
                for k in 0 ..< e.count {
                    let va = t.vaStart &+ ((e.a - t.pa) / 8 + k) &* t.entrySize
                    let pa = e.b & oaMask
                    tables[pa] = TableInfo(level: child, vaStart: va, entrySize: t.entrySize / UInt64(g.entriesPerTable(child)), pa: pa)
                    cachedPage = .max
                }
            case .clear:
                guard e.b != 0, e.b & Descriptor.valid != 0, let t = table(at: e.a) else { return }
                let first = lay.off(t.vaStart &+ (e.a - t.pa) / 8 &* t.entrySize)
                guard first &+ e.count &* t.entrySize > first else { return }
                let span = first ..< first + e.count * t.entrySize
                switch Descriptor.kind(e.b, lastLevel: t.level == .pte) {
                case .table:
                    walk.clear(span, size: t.entrySize)
                    for k in 0 ..< e.count {
                        let s = first + k * t.entrySize
                        unhooked[(e.b & oaMask) &+ k &* t.entrySize] = (s ..< s + t.entrySize, t.entrySize, (i, e))
                    }
                case .page, .block:
                    if e.b & Descriptor.cont != 0, let cs = contSize(t.entrySize) {
                        contRanges(span, cs) { r, part in
                            contLive[r.lowerBound] = live(r, size: t.entrySize) - Int64(UInt64(part.count) / t.entrySize)
                            var c = contPending[r.lowerBound] ?? (t.entrySize, IntervalSet())
                            c.entries.insert(part)
                            contPending[r.lowerBound] = c
                            if contCleared[r.lowerBound] == nil { contCleared[r.lowerBound] = (t.entrySize, (i, e)) }
                        }
                    } else {
                        leaf.clear(span, size: t.entrySize)
                    }
                    guard !linear.overlaps(span) else { return }
                    for k in 0 ..< e.count {
                        let s = first + k * t.entrySize
                        let pa = (e.b & oaMask) &+ k &* t.entrySize
                        clearedData[pa] = ClearedLeaf(va: s ..< s + t.entrySize, size: t.entrySize, level: t.level, event: (i, e))
                        lastClearedData = clearedData[pa]
                    }
                default:
                    return
                }
            case .tlbiVA:
                guard e.a >= pageOffset else { return }
                let p = lay.off(e.a)
                leaf.invalidate(p ..< p + max(e.count, 1) * g.pageSize)
                invalidateCont(p ..< p + max(e.count, 1) * g.pageSize)
                lastInvalidation = (i, e); firstUncompleted = firstUncompleted ?? (i, e)
            case .tlbiWalk:
                guard e.a >= pageOffset else { return }
                let p = lay.off(e.a)
                leaf.invalidate(p ..< p + g.pageSize)
                invalidateCont(p ..< p + g.pageSize)
                walk.invalidate(p ..< p + 1)
                lastInvalidation = (i, e); firstUncompleted = firstUncompleted ?? (i, e)
            case .tlbiAll:
                leaf.invalidateAll(); walk.invalidateAll()
                invalidateCont(nil)
                leaf.everInvalidated.insert(0 ..< 1 << 62); walk.everInvalidated.insert(0 ..< 1 << 62)
                lastInvalidation = (i, e); firstUncompleted = firstUncompleted ?? (i, e)
            case .dsb where e.level == 1:
                leaf.complete(); walk.complete()
                lastCompletion = (i, e); firstUncompleted = nil
            case .altmapFree:
                guard let c = lastClearedData else { return }
                let st = leaf.unsafe(c.va, size: c.size)
                guard st.notInvalidated || st.notCompleted else { return }
                finding(.freeBeforeLeafTLBI, level: c.level, va: lay.va(c.va.lowerBound),
                        expected: "clear, invalidation of \(lay.describe(c.va)), dsb(ish), then vmem_altmap_free()",
                        found: "\(describe(c.event)), then \(describe((i, e))); \(st.notInvalidated ? "no invalidation reached the leaf" : "its invalidation was not completed by a dsb(ish)") (\(since(c.event)))",
                        "the altmap pages backing \(lay.describe(c.va)) went back to the device's altmap (the next vmem_altmap_alloc() hands them out again) while a TLB may still translate the VA to them")
            case .free:
                let pages = UInt64(1) << UInt64(e.level)
                for b in 0 ..< max(e.count, 1) {
                    let pa = (e.a + b * pages) << UInt64(g.pageShift)
                    if e.b == 1 {
                        if let u = unhooked[pa] {
                            let st = walk.unsafe(u.span, size: u.size)
                            guard st.notInvalidated || st.notCompleted else { continue }
                            let lvl = tables[pa]?.level
                            finding(.freeBeforeWalkTLBI, level: lvl, va: lay.va(u.span.lowerBound),
                                    expected: "clear, vaae1is in \(lay.describe(u.span)) or vmalle1is, dsb(ish), then free",
                                    found: "\(describe(u.event)), then \(describe((i, e))); \(st.notInvalidated ? "no walk-cache invalidation reached it" : "its invalidation was not completed by a dsb(ish)") (\(since(u.event)))",
                                    "the \(lvl.map { "\($0) " } ?? "")table page \(Quantity.hex(pa)) went back to the allocator while the walk cache may still hold the entry that pointed at it: the MMU can walk a page that is being reused")
                        } else if let t = tables[pa] {
                            finding(.freedWhileReachable, level: t.level, va: t.vaStart,
                                    expected: "its parent entry cleared first", found: "\(describe((i, e))) while the parent entry still points at it",
                                    "\(t.level) table page \(Quantity.hex(pa)) for \(Quantity.hex(t.vaStart)) was handed back to the allocator while still reachable from swapper_pg_dir")
                        }
                    } else {
                        // the leaf that mapped this page: its backing starts here, or the page lies inside a
                        // block's backing freed page by page (V1/V2's free_reserved_page() of boot blocks)
                        let leafOfPage = entryHolding(pa, in: clearedData, size: \.size)
                        if let c = leafOfPage {
                            var st = leaf.unsafe(c.va, size: c.size)
                            if contPending.values.contains(where: { $0.entries.overlaps(c.va) }) { st.notInvalidated = true }
                            guard st.notInvalidated || st.notCompleted else { continue }
                            finding(.freeBeforeLeafTLBI, level: c.level, va: lay.va(c.va.lowerBound),
                                    expected: "clear, vaale1is/vaae1is in \(lay.describe(c.va)) or vmalle1is, dsb(ish), then free",
                                    found: "\(describe(c.event)), then \(describe((i, e))); \(st.notInvalidated ? "no invalidation reached the leaf" : "its invalidation was not completed by a dsb(ish)") (\(since(c.event)))",
                                    "the page at \(Quantity.hex(pa)) went back to the allocator while a TLB may still translate \(lay.describe(c.va)) to it")
                            continue
                        }
                        if let va = liveLeafMapping(pa) {
                            finding(.freedWhileReachable, level: nil, va: va, expected: "its leaf cleared and invalidated first",
                                    found: "\(describe((i, e))) while the leaf for \(Quantity.hex(va)) still maps it",
                                    "the page at \(Quantity.hex(pa)) went back to the allocator while \(Quantity.hex(va)) still maps it")
                        } else {
                            finding(.freedDataNotBacking, level: nil, va: nil, expected: "the backing of a leaf cleared in this step",
                                    found: describe((i, e)),
                                    "free_pages() of \(Quantity.hex(pa)), which no leaf cleared in this step mapped")
                        }
                    }
                }
            default:
                break
            }
        }

        // The trace in order, loops unrolled; a loop whose repetitions are one moved along is judged
        // through one of them (OrderingLoops.swift).
        var index = 0, r = 0, summarized: UInt64 = 0
        while r < trace.count {
            let e = trace[r]
            r += 1
            guard e.kind == .repeatPrevious else { judge(index, e); index += 1; continue }
            let period = e.level
            guard period >= 1, r - 1 >= period else { continue }
            let body = trace[(r - 1 - period) ..< (r - 1)]
            let reps = max(e.count, 1)
            let shape = summarizeLoops && own && reps > 1
                ? LoopShape(body, repetitions: reps, lay: lay, linear: linear, table: { tables[$0] }) : nil
            /// nothing the body's leaf bookkeeping touches is pending
            func quiet(_ s: LoopShape) -> Bool { !s.touchesLeaf || (leaf.isQuiet && contPending.isEmpty) }
            var rep: UInt64 = 1
            while rep <= reps {
                let quietBefore = shape.map(quiet) ?? false
                let findings = out.added
                for x in body { judge(index, x.repetition(rep)); index += 1 }
                if let shape, rep < reps, quietBefore, quiet(shape), out.added == findings {
                    // repetitions rep+1...reps: this one moved along (see OrderingLoops.swift)
                    let first = index
                    for pos in shape.invalidations {
                        let t = body[body.startIndex + pos]
                        let width = max(t.count, 1) * g.pageSize
                        if t.da == width {
                            let lo = lay.off(t.a &+ (rep + 1) &* t.da)
                            leaf.everInvalidated.insert(lo ..< lo + (reps - rep) * width)
                        } else {
                            for k in (rep + 1) ... reps { let lo = lay.off(t.a &+ k &* t.da); leaf.everInvalidated.insert(lo ..< lo + width) }
                        }
                    }
                    let lastRep = first + Int(reps - rep - 1) * period
                    func event(_ pos: Int) -> (Int, ObservedEvent) { (lastRep + pos, body[body.startIndex + pos].repetition(reps)) }
                    if let pos = shape.invalidations.last { lastInvalidation = event(pos) }
                    if let pos = shape.lastCompletion { lastCompletion = event(pos); firstUncompleted = shape.openInvalidation.map(event) }
                    index = lastRep + period
                    summarized += reps - rep
                    break
                }
                rep += 1
            }
        }

        // what is still cached when the step ends
        func stale(_ p: Pending, isTable: Bool) {
            for (size, s) in p.notInvalidated {
                for r in s.ranges {
                    let n = UInt64(r.count) / size
                    let what = "\(n) \(isTable ? "table" : "leaf") entr\(n == 1 ? "y" : "ies") of \(Quantity.human(size)) for \(lay.describe(r))"
                    let cached = isTable ? "the walk cache may keep using the table below" : "a stale translation may stay cached"
                    if p.everInvalidated.overlaps(r) {
                        finding(.invalidatedBeforeClear, level: nil, va: lay.va(r.lowerBound), expected: "invalidation after the clear",
                                found: "invalidation only before it", "\(what) invalidated before being cleared: \(cached)")
                    } else {
                        finding(isTable ? .staleWalk : .staleLeaf, level: nil, va: lay.va(r.lowerBound),
                                expected: isTable ? "vaae1is in the entry's span or vmalle1is" : "vaale1is/vaae1is on it or vmalle1is",
                                found: "none", "\(what) cleared and never invalidated: \(cached)")
                    }
                }
            }
        }
        stale(leaf, isTable: false)
        stale(walk, isTable: true)
        for (k, c) in contPending.sorted(by: { $0.key < $1.key }) {
            let r = c.entries.ranges.first!
            let n = c.entries.measure / c.size
            let range = k ..< k + (c.size == g.pageSize ? g.contPteSize : g.contPmdSize)
            if leaf.everInvalidated.overlaps(r) {
                finding(.contRefill, level: nil, va: lay.va(r.lowerBound),
                        expected: "every entry of \(lay.describe(range)) cleared, then an invalidation reaching each VA",
                        found: "\(n) entr\(n == 1 ? "y" : "ies") from \(lay.describe(r)) invalidated only while a sibling was still valid (first clear \(contCleared[k].map { describe($0.event) } ?? "-"))",
                        "a TLB may hold shattered entries for \(lay.describe(r)) refilled from a valid sibling of the contiguous range \(lay.describe(range)); no later invalidation reached them")
            } else {
                finding(.staleLeaf, level: nil, va: lay.va(r.lowerBound), expected: "vaale1is/vaae1is on it or vmalle1is",
                        found: "none", "\(n) contiguous leaf entr\(n == 1 ? "y" : "ies") for \(lay.describe(r)) cleared and never invalidated")
            }
        }
        for (k, c) in contCleared.sorted(by: { $0.key < $1.key }) where (contLive[k] ?? 0) > 0 {
            let range = k ..< k + (c.size == g.pageSize ? g.contPteSize : g.contPmdSize)
            finding(.contSplit, level: nil, va: lay.va(k), expected: "the contiguous range \(lay.describe(range)) cleared whole or kept whole",
                    found: "\(contLive[k]!) of its entries still valid after \(describe(c.event))",
                    "part of the contiguous range \(lay.describe(range)) was cleared while the rest stays mapped with the Contiguous bit: the TLB may keep translating the cleared part from the rest")
        }
        if let i = firstUncompleted {
            finding(.tlbiIncomplete, level: nil, va: nil, expected: "dsb(ish) after the last TLBI", found: "\(describe(i)) and none after",
                    "the step ends with an invalidation that no dsb(ish) completed: another CPU may still use the old entries")
        }
        return summarized
    }
}
