// The TLB model when only counters are recorded (`--no-trace`): the ordered
// rules (OrderingRules.swift) need the trace; counts can still show too few
// invalidations.  Runs without a trace say that the ordering was not checked.

import HotRemoveModel
import HotRemoveScenario

struct TLBCheck {
    let lay: Layout
    let step: Int
    /// the memory when the step began (for what a stray write hit), if known
    var memory: Memory?

    private func violation(_ rule: String, level: Level?, va: UInt64?, expected: String, found: String,
                           _ message: String) -> Finding {
        Finding(step: step, classification: .invariantViolation, rule: rule, level: level, va: va,
                expected: expected, found: found, message: message)
    }

    func check(_ obs: StepObservation, _ out: inout FindingList) {
        if obs.trace != nil { OrderingJudge.check(obs, lay: lay, step: step, memory: memory, &out) } else { counted(obs, &out) }
    }

    /// Without a trace only counts can be judged: one TLBI by VA reaches at most
    /// one leaf, and freed tables with disjoint spans need one vaae1is each.
    private func counted(_ obs: StepObservation, _ out: inout FindingList) {
        let c = obs.effects
        guard c.tlbiAll == 0 else { return }
        let g = lay.g
        let before = LeafIndex(obs.before.runs, lay, withPA: true), after = LeafIndex(obs.after.runs, lay, withPA: true)
        let cleared = before.subtracting(after).entryCount
        if c.tlbiVA + c.tlbiWalk < cleared {
            out.add(violation("inv.tlb-stale-leaf", level: nil, va: nil, expected: ">= \(cleared) TLBIs by VA",
                              found: "\(c.tlbiVA) vaale1is + \(c.tlbiWalk) vaae1is",
                              "\(cleared) leaf entries were cleared but too few invalidations were issued to reach them all"))
        }
        var gone = IntervalSet()
        var needed: UInt64 = 0
        for l in g.tableLevels where l != .pgd {   // top down: a freed table inside a freed parent shares its vaae1is
            let span = g.tableSpan(l)
            let g0 = ObservedTables.spans(obs.before.tables, l, lay).subtracting(ObservedTables.spans(obs.after.tables, l, lay))
            needed += g0.subtracting(gone).blocks(of: span)
            gone.formUnion(g0)
        }
        if c.tlbiWalk < needed {
            out.add(violation("inv.tlb-stale-walk", level: nil, va: nil, expected: ">= \(needed) vaae1is",
                              found: "\(c.tlbiWalk)",
                              "\(needed) page-table pages were unhooked but fewer walk-cache invalidations were issued"))
        }
    }
}

