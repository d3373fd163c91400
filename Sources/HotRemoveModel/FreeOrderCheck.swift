// Nothing may be freed while it is still reachable: a page-table page goes back to
// the allocator only after the entry pointing at it has been cleared.  Judged on
// the ordered trace (without one, the after-state's reachable-but-free count
// covers the end result only).

struct FreeOrderCheck {
    let lay: Layout
    let step: Int

    func check(_ obs: StepObservation, _ out: inout FindingList) {
        guard let trace = obs.trace else { return }
        let g = lay.g
        // table pages reachable when the step began, keyed by (level, first VA), and by page
        var childPA: [Level: [UInt64: UInt64]] = [:]
        var byPA: [UInt64: ObservedTable] = [:]
        for t in obs.before.tables {
            childPA[t.level, default: [:]][t.vaStart] = t.pa
            byPA[t.pa] = t
        }
        var unhooked = Set<UInt64>()
        for e in trace {
            switch e.kind {
            case .clear:
                // which table pages do the cleared entries point at?
                let tablePA = e.a & ~(g.pageSize - 1)
                guard let parent = byPA[tablePA], let child = g.tableLevels.first(where: { $0 > parent.level }) else { continue }
                let size = parent.vaSpan / UInt64(g.entriesPerTable(parent.level))
                let first = (e.a - parent.pa) / 8
                for k in 0..<e.count {
                    if let pa = childPA[child]?[parent.vaStart &+ (first + k) &* size] { unhooked.insert(pa) }
                }
            case .free where e.b == 1:
                for k in 0..<max(e.count, 1) {
                    let pa = (e.a + k << UInt64(e.level)) << UInt64(g.pageShift)
                    guard let t = byPA[pa], !unhooked.contains(pa) else { continue }
                    out.add(Finding(step: step, classification: .invariantViolation, rule: "inv.freed-while-reachable",
                                    level: t.level, va: t.vaStart, expected: "its parent entry cleared first",
                                    found: "freed while the parent entry still pointed at it",
                                    message: "\(t.level) table for \(lay.describe(lay.off(t.vaStart) ..< lay.off(t.vaStart) &+ t.vaSpan)) was handed back to the allocator while still reachable from swapper_pg_dir"))
                }
            default:
                break
            }
        }
    }
}
