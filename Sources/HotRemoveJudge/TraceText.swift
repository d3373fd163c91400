// The ordered trace in kernel terms: `tlbi vaale1is`, `free_pages pfn`, a table entry named by the VA it maps.

import Foundation
import HotRemoveModel
import HotRemoveScenario

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
