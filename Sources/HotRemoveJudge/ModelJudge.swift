
import HotRemoveModel
import HotRemoveScenario

/// The reference model's predictions held against what the C code did, step by step: the revision's
/// contract (every effect, the leaves and tables after, the altmaps), the global invariants, and the
/// architecture's ordering rules over the trace.  The model then moves on by its own prediction.
public final class ModelJudge {
    public let model: ReferenceModel
    /// the leaves before and after a step are compared where they differ only (off: everywhere, for tests)
    var compareWhereChanged = true

    public init(scenario: Scenario, revision: String) {
        model = ReferenceModel(scenario: scenario, revision: revision)
    }

    public var scenario: Scenario { model.scenario }
    public var revision: String { model.revision }
    public var hasContract: Bool { model.hasContract }
    public var bootSnapshot: ModelSnapshot { model.bootSnapshot }
    public var currentSnapshot: ModelSnapshot { model.currentSnapshot }
    var lay: Layout { model.lay }
    var contract: RevisionContract { model.contract }

    /// The prediction for step `index` from the current state, without advancing.
    public func prediction(step index: Int) -> StepPrediction { model.prediction(step: index) }

    public func checkBoot(_ observed: ObservedState) -> [Finding] {
        var out = FindingList()
        let cc = ContractCheck(lay: lay, contract: contract, step: -1, prefix: "boot")
        cc.leaves(model.bootState.pt.leaves, observed.runs, &out)
        cc.tables(model.bootState.pt, observed.tables, before: nil, notes: [], &out)
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

    public func check(step index: Int, _ obs: StepObservation) -> [Finding] {
        var m = model.step(index)
        let state = model.state
        defer { model.advance(past: index, with: m) }
        var out = FindingList()
        let step = scenario.steps[index]

        // the harness refused the input: the machine did not change
        if case .invalid(let why) = obs.result {
            if case .invalid = m.outcome { return [] }
            out.add(Finding(step: index, classification: .contractMismatch, rule: "harness.rejected", expected: "\(m.outcome)",
                            found: "invalid: \(why)", message: "the harness rejected a step the model considers valid"))
            m = StepModel(outcome: m.outcome, state: state)   // the machine did not change: neither does the model
            return out.finish()
        }
        if case .invalid(let why) = m.outcome {
            out.add(Finding(step: index, classification: .contractMismatch, rule: "harness.accepted-invalid", expected: "invalid",
                            found: "\(obs.result)", message: "the harness ran a step the model considers invalid: \(why)"))
            InvariantCheck(lay: lay, step: index).allocatorClean(obs, &out)
            TLBCheck(lay: lay, step: index).check(obs, &out)
            return out.finish()
        }
        if !hasContract { m = model.follow(StepPrediction.Outcome(obs.result), step, m) }
        // a wedged machine: the step did not run, on either side; nothing to judge
        if case .blocked(let lock) = m.outcome, case .blocked(let held) = obs.result, lock.rawValue == held {
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
            return out.finish()
        }
        if hasContract {
            let cc = ContractCheck(lay: lay, contract: contract, step: index, prefix: contract.name)
            var predicted = model.prediction(index, m).effects
            if obs.trace == nil {
                // without a trace only the counts of TLBIs are known (check says so: --no-trace)
                predicted.tlbiVAAddresses = StepEffects.notTraced; predicted.tlbiWalkAddresses = StepEffects.notTraced
            }
            cc.effects(predicted, obs.effects, obs.warns, &out)
            cc.leaves(m.state.pt.leaves, obs.after.runs, &out)
            cc.tables(m.state.pt, obs.after.tables, before: obs.before.tables, notes: m.notes, &out)
            cc.altmaps(m.state.mem.altmaps, obs.altmaps, &out)
        }
        invariants(index, step, obs, m, state, &out)
        return out.finish()
    }

    /// `state`: the model's state before the step.
    private func invariants(_ index: Int, _ step: Scenario.Step, _ obs: StepObservation, _ m: StepModel, _ state: ModelState,
                            _ out: inout FindingList) {
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
                                         needed: InvariantCheck.needed(m.state.mem, lay, neighbours: model.scenario.neighbours),
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

extension StepPrediction.Outcome {
    /// What the kernel reported, as the model's outcome (for a revision the model follows: ReferenceModel.follow).
    init(_ r: StepResult) {
        switch r {
        case .ok: self = .ok
        case .error(let e): self = .error(e)
        case .refused: self = .refused
        case .oops: self = .oops
        case .invalid(let why): self = .invalid(why)
        case .blocked(let lock): self = HotplugLock(rawValue: lock).map { .blocked($0) } ?? .invalid("blocked on \(lock)")
        }
    }
}
