
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// One scenario on one revision, checked step by step against the model.
public struct CheckResult: Sendable, Codable {
    public var scenario: String
    public var revision: String
    public var geometry: String
    public var stepsChecked: Int
    /// steps not run because an earlier step oopsed holding the hotplug locks (nil: none)
    public var stepsBlocked: Int?
    /// the scenario's era fields outside the revision's own kernel (nil: none): its findings are what-ifs
    public var whatIf: [String]?
    public var findings: [Finding]
    /// set when the revision's code crashed or hung (crash isolation)
    public var crash: String?
    /// checks that could not run on this record (said in every report, never a silent pass)
    public var unchecked: [String] = []

    public var contractMismatches: Int { findings.filter { $0.classification == .contractMismatch }.count }
    public var invariantViolations: Int { findings.filter { $0.classification == .invariantViolation }.count }
    public var faults: Int { findings.filter { $0.classification == .fault }.count }
}

public enum Checker {
    /// Runs `scenario` on `revision` and compares every step with the model's prediction and the invariants.
    public static func check(_ scenario: Scenario, revision: String, trace: Bool = true,
                             rejectInvalid: Bool = false) throws -> CheckResult {
        let run = try ScenarioRunner.run(scenario, revision: revision, trace: trace, rejectInvalid: rejectInvalid)
        return check(run)
    }

    public static func check(_ run: ScenarioRun) -> CheckResult {
        let contract = Registry.revision(named: run.revision)?.contract ?? run.revision
        let model = ModelJudge(scenario: run.scenario, revision: contract)
        var findings = model.checkBoot(run.boot)
        for obs in run.steps {
            findings += model.check(step: obs.index, obs)
        }
        let blocked = run.steps.filter { if case .blocked = $0.result { true } else { false } }.count
        // a step the model could not predict (its finding says why) is not counted as checked
        let notChecked = Set(findings.filter { $0.classification == .notChecked }.map(\.step)).count
        let whatIf = RevisionContract.era(of: contract).whatIf(run.scenario)
        // the step ran and was checked, but not the failure path its scenario asked for
        let notInjected = run.steps.compactMap { o in o.injectionNotReached.map { "steps[\(o.index)]: the allocation failure path (\($0))" } }
        return CheckResult(scenario: run.scenario.name, revision: run.revision, geometry: run.scenario.geometry.name,
                           stepsChecked: run.steps.count - blocked - notChecked, stepsBlocked: blocked > 0 ? blocked : nil,
                           whatIf: whatIf.isEmpty ? nil : whatIf, findings: findings, crash: nil, unchecked: notInjected)
    }
}

extension CheckResult {
    /// Each finding's status in the catalogue (FindingCatalogue), in the order of `findings`.
    public var statuses: [String] {
        let g = Geometry(name: geometry)
        return findings.map { FindingCatalogue.shared.statusText($0, revision: revision, geometry: g) }
    }
}

extension Finding {
    /// One line in kernel terms.
    public var line: String {
        var s = "[\(classification.rawValue)] "
        s += step < 0 ? "boot" : "step \(step)"
        s += " \(rule)"
        if let level { s += " \(level)" }
        if let va { s += " @\(Quantity.hex(va))" }
        s += ": \(message)"
        if !expected.isEmpty || !found.isEmpty { s += " (expected \(expected), found \(found))" }
        return s
    }
}
