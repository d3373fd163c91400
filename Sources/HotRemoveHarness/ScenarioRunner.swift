internal import CShim
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// A scenario executed on one revision: the state after boot (and neighbour
/// mappings) and one observation per step.
public struct ScenarioRun: Sendable {
    public var scenario: Scenario
    public var revision: String
    public var boot: ObservedState
    public var steps: [StepObservation]
}

public enum ScenarioRunner {
    /// The run was asked to stop (an interruption) before it finished.
    public struct Stopped: Error {}

    /// Runs `scenario` on `revision`.  `onlyAdds` skips removals and offlines
    /// (what `hotremove dump` shows).  `trace` records the ordered event trace.
    /// `onStep` sees each observation with the live machine, e.g. to dump it.
    /// A step the harness rejects (unaligned, overlapping, not present...) throws, naming the step; with
    /// `rejectInvalid` false (generated scenarios, where an earlier add may have failed) it is recorded as
    /// an `.invalid` result, which the model predicts too.
    /// `throughStep`: the steps after it are not run.  `stop` is asked before each step; when it
    /// says stop the run throws `Stopped`.
    public static func run(_ scenario: Scenario, revision: String, trace: Bool = true, onlyAdds: Bool = false,
                           rejectInvalid: Bool = true, throughStep: Int? = nil, stop: (() -> Bool)? = nil,
                           onStep: ((StepObservation, Machine) -> Void)? = nil) throws -> ScenarioRun {
        let m = try Machine(revision: revision, scenario: scenario)
        for (i, n) in scenario.neighbours.enumerated() {
            do { try m.mapNeighbour(va: n.va, size: n.size) } catch {
                throw HarnessError("neighbours[\(i)]: \(error)")
            }
        }
        m.traceEnabled = trace
        var before = try m.snapshot()
        let boot = before
        var steps: [StepObservation] = []
        for (i, s) in scenario.steps.enumerated() where !onlyAdds || s.op == .add {
            if let last = throughStep, i > last { break }
            if let stop, stop() { throw Stopped() }
            hr_crash_context_set("\(scenario.name) \(revision) step \(i) \(s.op.rawValue) [\(Quantity.hex(s.start)),+\(Quantity.human(s.size)))")
            m.resetRecorders()
            if let n = s.failAllocation { m.failNthAllocation(n) }
            let result: StepResult
            switch s.op {
            case .add:
                result = m.add(start: s.start, size: s.size, kind: s.kind, altmap: s.altmap, failAddPages: s.failAddPages,
                               memmapOnMemory: s.memmap == .memoryBlock, memmapFromRange: s.memmap == .range)
            case .remove:
                result = m.remove(start: s.start, size: s.size)
            case .offline:
                result = m.offline(start: s.start, size: s.size)
            }
            let pendingFailure = m.pendingAllocationFailure
            m.failNthAllocation(0)
            if rejectInvalid, case .invalid(let why) = result {
                throw HarnessError("steps[\(i)]: \(why)")
            }
            let after: ObservedState
            do { after = try m.snapshot() } catch { throw HarnessError("steps[\(i)]: \(error)") }
            var obs = m.observe(index: i, result: result, before: before, after: after, altmaps: m.altmaps(), traced: trace)
            if let n = s.failAllocation, pendingFailure > 0 {
                obs.injectionNotReached = "failAllocation \(n) not reached: the step made \(n - pendingFailure) page allocations and none failed"
            }
            steps.append(obs)
            onStep?(obs, m)
            before = after
        }
        return ScenarioRun(scenario: scenario, revision: revision, boot: boot, steps: steps)
    }

    /// The kernel code alone: the same steps with the always-on counters only, no trace, no
    /// snapshot, no model (what `bench` quotes the checked campaign against).  Returns the steps run;
    /// `counted`, when given, sees each step's counted effects (tests compare them with a checked run's).
    public static func runBare(_ scenario: Scenario, revision: String,
                               counted: ((Int, StepEffects) -> Void)? = nil) throws -> Int {
        let m = try Machine(revision: revision, scenario: scenario)
        for n in scenario.neighbours { try m.mapNeighbour(va: n.va, size: n.size) }
        m.traceEnabled = false
        for (i, s) in scenario.steps.enumerated() {
            m.resetRecorders()
            if let n = s.failAllocation { m.failNthAllocation(n) }
            switch s.op {
            case .add:
                _ = m.add(start: s.start, size: s.size, kind: s.kind, altmap: s.altmap, failAddPages: s.failAddPages,
                          memmapOnMemory: s.memmap == .memoryBlock, memmapFromRange: s.memmap == .range)
            case .remove: _ = m.remove(start: s.start, size: s.size)
            case .offline: _ = m.offline(start: s.start, size: s.size)
            }
            m.failNthAllocation(0)
            counted?(i, m.counted.effects)
        }
        return scenario.steps.count
    }
}
