// What the model predicts for one step: the result, the counters a revision's
// contract fixes, and the page tables after.

import HotRemoveScenario

/// The counters a step is expected to produce (arrays indexed by Level.rawValue
/// or by allocation order, as in ObservedCounters).

public struct PredictedCounters: Equatable, Sendable {
    /// entries written with a non-zero value, by the level of the table holding them
    public var sets = [UInt64](repeating: 0, count: 4)
    public var clears = [UInt64](repeating: 0, count: 4)
    public var tablesFreed = [UInt64](repeating: 0, count: 4)
    /// informative: table pages the add side allocates (not part of the teardown contract)
    public var tablesAllocated = [UInt64](repeating: 0, count: 4)
    public var dataFreedByOrder = [UInt64](repeating: 0, count: 24)
    /// every page allocation by order: table pages (order 0) and vmemmap backing
    public var dataAllocatedByOrder = [UInt64](repeating: 0, count: 24)
    public var altmapPagesFreed: UInt64 = 0
    /// seed 004 ("memmap": "range"): see ObservedCounters
    public var vmemmapPagesMarked: UInt64 = 0
    public var vmemmapHeadSections: UInt64 = 0
    public var vmemmapPagesOnlined: UInt64 = 0
    public var tlbiVA: UInt64 = 0
    public var tlbiAll: UInt64 = 0
    public var tlbiWalk: UInt64 = 0
    /// the VAs the vaale1is reach, each one PAGE_SIZE from its 4K-aligned operand address
    public var tlbiVAPages = StridedRangeSet()
    /// the operand addresses of the vaae1is (4K-aligned, one 4K unit each): a level's tables are one progression
    public var tlbiWalkAddresses = StridedRangeSet()
    /// barriers as v5.7's helpers issue them (see Barriers in Hotplug.swift)
    public var dsbIshst: UInt64 = 0, dsbIsh: UInt64 = 0, isb: UInt64 = 0
    /// WARN conditions expected, with how often each fires
    public var warns: [String: UInt64] = [:]
    public var faults: [FaultKind: UInt64] = [:]

    public init() {}

    public var warnCount: UInt64 { warns.values.reduce(0, +) }

    package mutating func warn(_ condition: String, _ n: UInt64 = 1) {
        guard n > 0 else { return }
        warns[condition, default: 0] += n
    }
    /// each fault named by what it hit (StepEffects.faultSite), with how often
    public var faultSites: [String: UInt64] = [:]

    package mutating func fault(_ kind: FaultKind, _ n: UInt64 = 1) {
        guard n > 0 else { return }
        faults[kind, default: 0] += n
    }
    package mutating func fault(_ kind: FaultKind, at site: String) {
        faults[kind, default: 0] += 1
        faultSites[site, default: 0] += 1
    }
}

/// A run of leaf entries in a prediction, in kernel VAs.
public struct PredictedRun: Equatable, Sendable {
    public var va: UInt64
    public var count: UInt64
    public var entrySize: UInt64
    public var level: Level
    public var kind: RunKind
    public var attrs: UInt64
    /// nil when the allocator picks the backing (vmemmap, neighbours)
    public var pa: UInt64?
    public var end: UInt64 { va &+ count &* entrySize }
}

/// `count` adjacent table pages of one level, from `vaStart`, each spanning `span`.
public struct PredictedTables: Equatable, Sendable {
    public var level: Level
    public var vaStart: UInt64
    public var count: UInt64
    public var span: UInt64
}

/// The page tables the model predicts: leaf runs and table pages.
public struct ModelSnapshot: Equatable, Sendable {
    public var runs: [PredictedRun]
    public var tables: [PredictedTables]

    public func tableCount(_ l: Level) -> UInt64 {
        tables.filter { $0.level == l }.reduce(0) { $0 + $1.count }
    }
    /// Is the table page of level `l` translating `vaStart` installed?
    public func hasTable(_ l: Level, vaStart: UInt64) -> Bool {
        tables.contains { $0.level == l && vaStart >= $0.vaStart && (vaStart &- $0.vaStart) / $0.span < $0.count && (vaStart &- $0.vaStart) % $0.span == 0 }
    }
    public func describe() -> String {
        var lines: [String] = []
        for r in runs {
            let pa = r.pa.map { " pa \(Quantity.hex($0))" } ?? ""
            lines.append("  \(r.level) \(r.kind) x\(r.count) of \(Quantity.human(r.entrySize)) at \(Quantity.hex(r.va))\(pa) \(Descriptor.describe(r.attrs))")
        }
        for t in tables {
            lines.append("  \(t.level) table x\(t.count) from \(Quantity.hex(t.vaStart)) (\(Quantity.human(t.span)) each)")
        }
        return lines.joined(separator: "\n")
    }
}

/// A range the step tears down: the linear range, or a range handed to vmemmap_free().
public struct TornRange: Equatable, Sendable {
    public enum Region: String, Sendable { case linear, vmemmap }
    public var region: Region
    public var vaStart: UInt64
    public var vaEnd: UInt64
}

public struct StepPrediction: Sendable {
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        case ok
        case error(Int)
        case refused
        case oops
        /// the model considers the step's input invalid (the harness should reject it)
        case invalid(String)
        /// not run: a task that oopsed in an earlier step holds this lock, which the step takes first
        case blocked(HotplugLock)

        public var description: String {
            switch self {
            case .ok: return "ok"
            case .error(let e): return "error \(e)"
            case .refused: return "refused (NOTIFY_BAD)"
            case .oops: return "oops (BUG)"
            case .invalid(let why): return "invalid: \(why)"
            case .blocked(let lock): return "not run: blocked on \(lock.rawValue)"
            }
        }
    }

    public var step: Int
    public var revision: String
    public var outcome: Outcome
    public var counters: PredictedCounters
    public var after: ModelSnapshot
    /// what the step tears down, in the order the kernel does it
    public var torn: [TornRange]
    /// why tables were (or were not) freed, for reports
    public var notes: [String]
    /// why the model predicts nothing for the step (it reads memory whose contents the model cannot know)
    public var notPredicted: String? = nil

    public var warnCount: UInt64 { counters.warnCount }

    public func describe() -> String {
        let c = counters
        if let why = notPredicted { return "step \(step) [\(revision)]: not predicted: \(why)" }
        var lines = ["step \(step) [\(revision)]: \(outcome)"]
        func levels(_ a: [UInt64]) -> String {
            Level.allCases.filter { a[$0.rawValue] > 0 }.map { "\($0) \(a[$0.rawValue])" }.joined(separator: ", ")
        }
        if c.sets.contains(where: { $0 > 0 }) { lines.append("  sets: \(levels(c.sets))") }
        if c.clears.contains(where: { $0 > 0 }) { lines.append("  clears: \(levels(c.clears))") }
        if c.tablesFreed.contains(where: { $0 > 0 }) { lines.append("  tables freed: \(levels(c.tablesFreed))") }
        if c.tablesAllocated.contains(where: { $0 > 0 }) { lines.append("  tables allocated: \(levels(c.tablesAllocated))") }
        let data = c.dataFreedByOrder.enumerated().filter { $0.element > 0 }.map { "order \($0.offset): \($0.element)" }
        if !data.isEmpty { lines.append("  data freed: \(data.joined(separator: ", "))") }
        if c.altmapPagesFreed > 0 { lines.append("  altmap pages freed: \(c.altmapPagesFreed)") }
        lines.append("  TLBI: vaale1is \(c.tlbiVA), vmalle1is \(c.tlbiAll), vaae1is \(c.tlbiWalk)")
        lines.append("  barriers: dsb(ishst) \(c.dsbIshst), dsb(ish) \(c.dsbIsh), isb \(c.isb)")
        for (w, n) in c.warns.sorted(by: { $0.key < $1.key }) { lines.append("  WARN x\(n): \(w)") }
        for (f, n) in c.faults.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { lines.append("  fault x\(n): \(f.rawValue)") }
        for t in torn { lines.append("  tears down \(t.region.rawValue) [\(Quantity.hex(t.vaStart)), \(Quantity.hex(t.vaEnd)))") }
        lines += notes.map { "  note: \($0)" }
        lines.append("  after:")
        lines.append(after.describe())
        return lines.joined(separator: "\n")
    }
}

/// An allocator fault or a BUG(), by kind.
public enum FaultKind: String, Sendable, Codable {
    case doubleFree = "double-free", freeNeverAllocated = "free-never-allocated"
    case freeWrongOrder = "free-wrong-order", freeReserved = "free-reserved"
    case freeOutsideMemory = "free-outside-memory", poisonRead = "read-freed-table"
    case bug = "BUG"
}
