// The reference model of one scenario run: predicts each step from its own state (the revision's
// contract over the generic hotplug flow), and moves on by its own prediction.  What it predicts is
// compared with what the C code did by the judge (HotRemoveJudge.ModelJudge); nothing observed feeds a
// prediction, but for a revision without a contract, whose steps the model follows by the outcome the
// kernel reported (follow(_:_:_:)).

import HotRemoveScenario

public final class ReferenceModel {
    public let scenario: Scenario
    public let revision: String
    /// false for a revision the model has no contract for: only invariants are checked
    public let hasContract: Bool

    package let contract: RevisionContract
    package let engine: Hotplug
    package let lay: Layout
    package private(set) var state: ModelState
    package let bootState: ModelState
    private var pending: (index: Int, model: StepModel)?

    public init(scenario: Scenario, revision: String) {
        self.scenario = scenario
        self.revision = revision
        let c = RevisionContract.named(revision)
        hasContract = c != nil
        // without a contract the final revision stands in for tracking the generic state
        contract = c ?? .final
        engine = Hotplug(scenario, contract)
        lay = engine.lay
        bootState = engine.boot()
        state = bootState
    }

    /// The page tables v5.7 builds at boot plus the neighbours mapped after it.
    public var bootSnapshot: ModelSnapshot { Snapshots.make(bootState, lay) }
    /// The page tables as the model believes them now.
    public var currentSnapshot: ModelSnapshot { Snapshots.make(state, lay) }

    /// The model's account of step `index` from the current state, without advancing.
    package func step(_ index: Int) -> StepModel {
        precondition(scenario.steps.indices.contains(index), "no step \(index) in the scenario")
        if let p = pending, p.index == index { return p.model }
        let m = engine.apply(scenario.steps[index], to: state)
        pending = (index, m)
        return m
    }

    /// The prediction for step `index` from the current state, without advancing.
    public func prediction(step index: Int) -> StepPrediction {
        prediction(index, step(index))
    }

    package func prediction(_ index: Int, _ m: StepModel) -> StepPrediction {
        var effects = m.effects
        effects.result = StepEffects.result(m.outcome)
        return StepPrediction(step: index, revision: hasContract ? contract.name : "\(revision) (no contract; final shown)",
                       outcome: m.outcome, effects: effects, after: Snapshots.make(m.state, lay),
                       torn: m.torn.map { TornRange(region: $0.target == .linear ? .linear : .vmemmap,
                                                    vaStart: lay.va($0.range.lowerBound), vaEnd: lay.va($0.range.upperBound)) },
                       notes: m.notes.map { "\($0.level) tables \($0.spans.ranges.first.map { lay.describe($0) } ?? "")\($0.spans.ranges.count > 1 ? " and more" : "") \($0.freed ? "freed" : "kept"): \($0.reason)" },
                       notPredicted: m.notPredicted)
    }

    /// Moves past a step with the model's account of it (`m`, the model's own or the one it followed).
    package func advance(past index: Int, with m: StepModel) {
        precondition(scenario.steps.indices.contains(index), "no step \(index) in the scenario")
        pending = nil
        state = m.state
    }

    /// Without a contract the generic state follows what the kernel reported: a removal that was not refused
    /// proceeds, a refused one changes nothing.
    package func follow(_ reported: StepPrediction.Outcome, _ step: Scenario.Step, _ m: StepModel) -> StepModel {
        switch (m.outcome, reported) {
        case (.refused, .ok) where step.op != .add:
            return Hotplug(scenario, .v6).apply(step, to: state)
        case (.ok, .refused):
            return StepModel(outcome: .refused, state: state)
        case (.ok, .oops), (.refused, .oops), (.error, .oops):
            // a step that oopsed (V1's add over the blocks its rollback left, say) is followed as adding or
            // removing nothing; its task died with the hotplug locks
            var st = state
            st.taskDied(st.mem.kind(of: step))
            return StepModel(outcome: .oops, state: st)
        case (.ok, .error(let e)) where step.op == .add:
            return StepModel(outcome: .error(e), state: state)
        default:
            return m
        }
    }
}

package enum Snapshots {
    package static func make(_ st: ModelState, _ lay: Layout) -> ModelSnapshot {
        let runs = st.pt.leaves.runs.map {
            PredictedRun(va: lay.va($0.start), count: $0.count, entrySize: $0.size, level: $0.level, kind: $0.kind,
                         attrs: $0.attrs, pa: $0.pa)
        }
        var tables: [PredictedTables] = []
        for l in lay.g.tableLevels where l != .pgd {
            let span = lay.g.tableSpan(l)
            for r in st.pt.tables[l.rawValue].ranges {
                tables.append(PredictedTables(level: l, vaStart: lay.va(r.lowerBound), count: UInt64(r.count) / span, span: span))
            }
        }
        return ModelSnapshot(runs: runs, tables: tables)
    }
}
