// The reference model of one scenario run: predicts each step from its own
// state, compares the prediction with what the C code did (the revision's
// contract), checks the global invariants on the observation, then moves on
// by its own prediction.

public final class ReferenceModel {
    public let scenario: Scenario
    public let revision: String
    /// false for a revision the model has no contract for: only invariants are checked
    public let hasContract: Bool

    let contract: RevisionContract
    let engine: Hotplug
    let lay: Layout
    private(set) var state: ModelState
    let bootState: ModelState
    private var pending: (index: Int, model: StepModel)?
    /// the leaves before and after a step are compared where they differ only (off: everywhere, for tests)
    var compareWhereChanged = true

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

    public func checkBoot(_ observed: ObservedState) -> [Finding] {
        var out = FindingList()
        let cc = ContractCheck(lay: lay, contract: contract, step: -1, prefix: "boot")
        cc.leaves(bootState.pt.leaves, observed.runs, &out)
        cc.tables(bootState.pt, observed.tables, before: nil, notes: [], &out)
        if observed.unreachableTablePages > 0 {
            out.add(Finding(step: -1, classification: .invariantViolation, rule: "inv.no-leak", expected: "0",
                            found: "\(observed.unreachableTablePages)", message: "page-table pages unreachable right after boot"))
        }
        if observed.reachableFreedPages > 0 {
            out.add(Finding(step: -1, classification: .fault, rule: "inv.reachable-freed", expected: "0",
                            found: "\(observed.reachableFreedPages)", message: "reachable page-table pages are free right after boot"))
        }
        return out.finish()
    }

    private func model(_ index: Int) -> StepModel {
        if let p = pending, p.index == index { return p.model }
        let m = engine.apply(scenario.steps[index], to: state)
        pending = (index, m)
        return m
    }

    /// The prediction for step `index` from the current state, without advancing.
    public func prediction(step index: Int) -> StepPrediction {
        precondition(scenario.steps.indices.contains(index), "no step \(index) in the scenario")
        return prediction(index, model(index))
    }

    private func prediction(_ index: Int, _ m: StepModel) -> StepPrediction {
        StepPrediction(step: index, revision: hasContract ? contract.name : "\(revision) (no contract; final shown)",
                       outcome: m.outcome, counters: m.counters, after: Snapshots.make(m.state, lay),
                       torn: m.torn.map { TornRange(region: $0.target == .linear ? .linear : .vmemmap,
                                                    vaStart: lay.va($0.range.lowerBound), vaEnd: lay.va($0.range.upperBound)) },
                       notes: m.notes.map { "\($0.level) tables \($0.spans.ranges.first.map { lay.describe($0) } ?? "")\($0.spans.ranges.count > 1 ? " and more" : "") \($0.freed ? "freed" : "kept"): \($0.reason)" },
                       notPredicted: m.notPredicted)
    }

    public func check(step index: Int, _ obs: StepObservation) -> [Finding] {
        precondition(scenario.steps.indices.contains(index), "no step \(index) in the scenario")
        var m = model(index)
        pending = nil
        var out = FindingList()
        let step = scenario.steps[index]

        // the harness refused the input: the machine did not change
        if case .invalid(let why) = obs.result {
            if case .invalid = m.outcome { return [] }
            out.add(Finding(step: index, classification: .contractMismatch, rule: "harness.rejected", expected: "\(m.outcome)",
                            found: "invalid: \(why)", message: "the harness rejected a step the model considers valid"))
            return out.finish()
        }
        if case .invalid(let why) = m.outcome {
            out.add(Finding(step: index, classification: .contractMismatch, rule: "harness.accepted-invalid", expected: "invalid",
                            found: "\(obs.result)", message: "the harness ran a step the model considers invalid: \(why)"))
            InvariantCheck(lay: lay, step: index).allocatorClean(obs, &out)
            TLBCheck(lay: lay, step: index).check(obs, &out)
            return out.finish()
        }
        if !hasContract { m = follow(obs.result, step, m) }
        // a wedged machine: the step did not run, on either side; nothing to judge
        if case .blocked(let lock) = m.outcome, case .blocked(let held) = obs.result, lock.rawValue == held {
            state = m.state
            return out.finish()
        }
        for f in m.codeFindings {
            out.add(Finding(step: index, classification: .invariantViolation, rule: f.rule, expected: f.expected, found: f.found,
                            message: f.message))
        }
        // a record the recorders could not keep whole cannot be judged: never a silent pass
        for limit in obs.recorderLimits {
            out.add(Finding(step: index, classification: .contractMismatch, rule: "harness.incomplete-record",
                            expected: "a whole record", found: limit,
                            message: "the step cannot be judged: \(limit)"))
        }

        // the step reads memory the model cannot know: what needs no prediction is still judged (the trace's
        // ordering rules, the allocator's faults), the rest is said to be not checked, never passed
        if let why = m.notPredicted {
            out.add(Finding(step: index, classification: .notChecked, rule: "harness.unknown-memory",
                            expected: "a prediction", found: "\(obs.result)", message: "not checked: \(why)"))
            InvariantCheck(lay: lay, step: index).allocatorClean(obs, &out)
            TLBCheck(lay: lay, step: index, memory: state.mem).check(obs, &out)
            state = m.state
            return out.finish()
        }
        if hasContract {
            let cc = ContractCheck(lay: lay, contract: contract, step: index, prefix: contract.name)
            var predicted = StepEffects(prediction(index, m))
            let observed = StepEffects(obs, geometry: lay.g)
            if obs.trace == nil {
                // without a trace only the counts of TLBIs are known (check says so: --no-trace)
                predicted.tlbiVAAddresses = StepEffects.notTraced; predicted.tlbiWalkAddresses = StepEffects.notTraced
            }
            cc.effects(predicted, observed, obs.warns, &out)
            cc.leaves(m.state.pt.leaves, obs.after.runs, &out)
            cc.tables(m.state.pt, obs.after.tables, before: obs.before.tables, notes: m.notes, &out)
            cc.altmaps(m.state.mem.altmaps, obs.altmaps, &out)
        }
        invariants(index, step, obs, m, &out)
        state = m.state
        return out.finish()
    }

    /// Without a contract the generic state follows what the kernel reported:
    /// a removal that was not refused proceeds, a refused one changes nothing.
    private func follow(_ r: StepResult, _ step: Scenario.Step, _ m: StepModel) -> StepModel {
        switch (m.outcome, r) {
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

    private func invariants(_ index: Int, _ step: Scenario.Step, _ obs: StepObservation, _ m: StepModel, _ out: inout FindingList) {
        let inv = InvariantCheck(lay: lay, step: index)
        inv.allocatorClean(obs, &out)
        // the memory as it was when the step began, to say what a stray write hit
        TLBCheck(lay: lay, step: index, memory: state.mem).check(obs, &out)
        // the range invariants need to know what the kernel tore down: only when the model agrees on how the step ended
        guard !isOops(obs.result) else { return }   // an oops is a fault finding of its own
        guard ContractCheck.sameKind(m.outcome, obs.result) else {
            // with a contract the result difference is already a mismatch; say so either way, never skip in silence
            out.add(Finding(step: index, classification: hasContract ? .contractMismatch : .invariantViolation,
                            rule: "harness.range-invariants-unchecked", expected: "\(m.outcome)", found: "\(obs.result)",
                            message: "the step ended otherwise than the generic hotplug code predicts, so what it tore down is unknown: the range invariants (removed range unmapped, nothing outside changed, no live table freed) were not checked"))
            return
        }
        var torn = IntervalSet()
        for t in m.torn { torn.insert(t.range) }
        let ctx = InvariantCheck.Context(torn: torn,
                                         needed: InvariantCheck.needed(m.state.mem, lay, neighbours: scenario.neighbours),
                                         nothingAdded: step.op != .add)
        let before = leafIndexes(obs.before.runs), after = leafIndexes(obs.after.runs)
        inv.removedRangeUnmapped(after, ctx, &out)
        // outside the region where the leaves differ nothing was lost or gained: compare inside it only
        let changed = compareWhereChanged ? LeafIndex.changedRegion(obs.before.runs, obs.after.runs, lay)
            : IntervalSet(0 ..< UInt64.max)
        inv.outsideUnchanged(LeafIndex(obs.before.runs, lay, withPA: true, within: changed),
                             LeafIndex(obs.after.runs, lay, withPA: true, within: changed), ctx, &out)
        inv.noLiveTableFreed(obs.before, obs.after, before, ctx, &out)
        inv.altmapBalanced(obs, m.state.mem, &out)
        inv.memmapOfRanges(obs, m.state.mem, &out)
    }

    /// The leaves of an observed state grouped by how they look; the last one is kept, as a step's
    /// state after is the next one's before.
    private var lastLeafIndex: (runs: [ObservedRun], index: LeafIndex)?
    private func leafIndexes(_ runs: [ObservedRun]) -> LeafIndex {
        if let c = lastLeafIndex, c.runs == runs { return c.index }
        let x = LeafIndex(runs, lay)
        lastLeafIndex = (runs, x)
        return x
    }

    private func isOops(_ r: StepResult) -> Bool { if case .oops = r { return true } else { return false } }
}

enum Snapshots {
    static func make(_ st: ModelState, _ lay: Layout) -> ModelSnapshot {
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
