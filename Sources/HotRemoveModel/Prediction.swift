// What the model predicts for one step: the result, the effects a revision's
// contract fixes (StepEffects), and the page tables after.

import HotRemoveScenario

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

        /// StepEffects.result's words, with what a reader of a report is told beside them
        public var description: String {
            switch self {
            case .oops: return "oops (BUG)"
            case .blocked(let lock): return "not run: blocked on \(lock.rawValue)"
            default: return StepEffects.result(self)
            }
        }
    }

    public var step: Int
    public var revision: String
    public var outcome: Outcome
    public var effects: StepEffects
    public var after: ModelSnapshot
    /// what the step tears down, in the order the kernel does it
    public var torn: [TornRange]
    /// why tables were (or were not) freed, for reports
    public var notes: [String]
    /// why the model predicts nothing for the step (it reads memory whose contents the model cannot know)
    public var notPredicted: String? = nil

    public var warnCount: UInt64 { effects.warnCount }

    public func describe() -> String {
        let c = effects
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
        for (f, n) in c.faults.sorted(by: { $0.key < $1.key }) { lines.append("  fault x\(n): \(f)") }
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
