import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The outcome of one step in kernel terms, for terminals and for JSON.
public struct StepReport: Codable, Sendable {
    public var index: Int
    public var op: String
    public var range: String
    public var result: String
    public var detail: String?
    public var refusedByNotifier: Bool
    public var entriesCleared: [String: UInt64]
    public var tablePagesFreed: [String: UInt64]
    public var dataPagesFreedByOrder: [String: UInt64]
    public var altmapPagesReturned: UInt64
    public var tlbi: [String: UInt64]
    public var barriers: [String: UInt64]
    public var warns: [String]
    public var faults: [String]
    public var tablePagesAfter: [String: Int]
    public var leakedTablePages: Int
    public var altmaps: [String]

    public init(step s: Scenario.Step, _ o: StepObservation) {
        index = o.index
        op = s.op == .add ? (s.kind == .device ? (s.altmap != nil ? "add device (altmap)" : "add device") : "add ram")
            : s.op.rawValue
        if s.failAddPages { op += " (__add_pages fails)" }
        if let n = s.failAllocation { op += " (allocation #\(n) fails)" }
        if s.memmap == .memoryBlock { op += " (memmap on memory, per memory block)" }
        if s.memmap == .range { op += " (memmap from the range, the 2019 RFC)" }
        range = "[\(Quantity.hex(s.start)), +\(Quantity.human(s.size)))"
        switch o.result {
        case .ok: result = "ok"; detail = o.injectionNotReached
        case .error(let e): result = "error"; detail = "returned \(e)"
        case .refused: result = "refused"; detail = "a memory notifier returned NOTIFY_BAD"
        case .oops(let m): result = "oops"; detail = m
        case .invalid(let m): result = "invalid"; detail = m
        case .blocked(let lock): result = "not run"; detail = StepReport.blockedDetail(lock)
        }
        refusedByNotifier = o.result == .refused
        func levels(_ a: [UInt64]) -> [String: UInt64] {
            Dictionary(uniqueKeysWithValues: Level.allCases.map { ($0.description, a[$0.rawValue]) })
        }
        entriesCleared = levels(o.effects.clears)
        tablePagesFreed = levels(o.effects.tablesFreed)
        dataPagesFreedByOrder = Dictionary(uniqueKeysWithValues: o.effects.dataFreedByOrder.enumerated()
            .filter { $0.element > 0 }.map { ("\($0.offset)", $0.element) })
        altmapPagesReturned = o.effects.altmapPagesFreed
        tlbi = ["vaale1is": o.effects.tlbiVA, "vmalle1is": o.effects.tlbiAll, "vaae1is": o.effects.tlbiWalk]
        barriers = ["dsb(ishst)": o.effects.dsbIshst, "dsb(ish)": o.effects.dsbIsh, "isb": o.effects.isb]
        var warnCounts: [String: Int] = [:]
        var warnOrder: [String] = []
        for w in o.warns {
            let k = "\(w.file):\(w.line): WARN_ON(\(w.condition))"
            if warnCounts[k] == nil { warnOrder.append(k) }
            warnCounts[k, default: 0] += 1
        }
        if o.recorder.warns > UInt64(o.warns.count) { warnOrder.append("(\(o.recorder.warns - UInt64(o.warns.count)) more not listed)") }
        warns = warnOrder.map { key in
            guard let c = warnCounts[key] else { return key }
            return c > 1 ? "\(key) x\(c)" : key
        }
        var faultCounts: [String: (Int, UInt64)] = [:]
        var faultOrder: [String] = []
        for f in o.faults {
            let k = "\(f.kind.rawValue): \(f.detail)"
            if faultCounts[k] == nil { faultOrder.append(k); faultCounts[k] = (0, f.location) }
            faultCounts[k]!.0 += 1
        }
        faults = faultOrder.map { k in
            let (c, loc) = faultCounts[k]!
            return "\(k) (\(c == 1 ? "" : "x\(c), first ")at \(Quantity.hex(loc)))"
        }
        tablePagesAfter = Dictionary(grouping: o.after.tables, by: \.level).reduce(into: [:]) { $0[$1.key.description] = $1.value.count }
        leakedTablePages = o.after.unreachableTablePages
        altmaps = o.altmaps.map { "altmap@\(Quantity.hex($0.start)): alloc \($0.alloc), align \($0.align), free \($0.free)" }
    }

    /// Why a step of a wedged machine did not run, in kernel terms.
    public static func blockedDetail(_ lock: String) -> String {
        "blocked on \(lock), which the task that oopsed in an earlier step died holding (a BUG() kills the task with its locks held)"
    }

    public var text: String {
        func lv(_ d: [String: UInt64]) -> String { Level.allCases.map { "\($0) \(d[$0.description] ?? 0)" }.joined(separator: "  ") }
        var s = "step \(index): \(op) \(range) -> \(result)\(detail.map { " (\($0))" } ?? "")\n"
        s += "  entries cleared    \(lv(entriesCleared))\n"
        s += "  table pages freed  \(lv(tablePagesFreed))\n"
        let data = dataPagesFreedByOrder.sorted { Int($0.key)! < Int($1.key)! }.map { "order \($0.key): \($0.value)" }
        s += "  data pages freed   \(data.isEmpty ? "none" : data.joined(separator: ", "))\n"
        s += "  altmap returned    \(altmapPagesReturned) pages\n"
        s += "  TLBI               vaale1is \(tlbi["vaale1is"]!), vmalle1is \(tlbi["vmalle1is"]!), vaae1is \(tlbi["vaae1is"]!)\n"
        s += "  barriers           dsb(ishst) \(barriers["dsb(ishst)"]!), dsb(ish) \(barriers["dsb(ish)"]!), isb \(barriers["isb"]!)\n"
        s += "  WARNs              \(warns.isEmpty ? "none" : warns.joined(separator: "\n                     "))\n"
        s += "  faults             \(faults.isEmpty ? "none" : faults.joined(separator: "\n                     "))\n"
        s += "  notifier refused   \(refusedByNotifier ? "yes" : "no")\n"
        let t = Level.allCases.compactMap { l in tablePagesAfter[l.description].map { "\(l) \($0)" } }
        s += "  tables after       \(t.joined(separator: ", "))\(leakedTablePages > 0 ? "; \(leakedTablePages) table pages leaked" : "")\n"
        for a in altmaps { s += "  \(a)\n" }
        return s
    }
}

public enum JSONOutput {
    public static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? String(decoding: e.encode(v), as: UTF8.self)) ?? "{}"
    }
}

extension StepResult {
    /// How a step ended, in one line for a terminal.
    public var text: String {
        switch self {
        case .ok: return "ok"
        case .error(let e): return "error \(e)"
        case .refused: return "refused by a memory notifier"
        case .oops(let m): return "oops: \(m)"
        case .invalid(let m): return "invalid: \(m)"
        case .blocked(let lock): return "not run: \(StepReport.blockedDetail(lock))"
        }
    }
}
