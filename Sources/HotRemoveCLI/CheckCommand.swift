import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

enum CheckCommand {
    static func check(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["revision", "timeout", "fail-on", "baseline", "write-baseline"],
                              flags: ["json", "no-trace", "ktap"])
        let runGuard = settings.guardRuns(timeout: try a.timeout())
        Interrupts.install()
        guard !a.positional.isEmpty else { throw CommandError(.usage, "check takes one or more scenario files") }
        let revs = try CLI.revisionNames(a.all["revision"])
        let failOnFindings: Bool
        switch a.options["fail-on"] {
        case nil, "mismatches": failOnFindings = a.options["baseline"] != nil
        case "findings": failOnFindings = true
        case let v?: throw CommandError(.usage, "--fail-on \(v): one of findings, mismatches")
        }
        if a.flags.contains("json") && a.flags.contains("ktap") { throw CommandError(.usage, "--json and --ktap: choose one") }
        if let path = a.options["write-baseline"] {
            try AtomicFile.checkWritable(path, what: "--write-baseline")
            // the baseline must not take the place of a scenario being checked
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            if let input = a.positional.first(where: { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path == target }) {
                throw CommandError(.usage, "--write-baseline \(path): is the scenario \(input) being checked; name another file")
            }
        }
        let baseline = try a.options["baseline"].map(FindingBaseline.load) ?? FindingBaseline()
        let scenarios = try a.positional.map { try CLI.loadScenario($0) }
        let trace = !a.flags.contains("no-trace")
        Interrupts.install()
        /// a result fails when it has a contract mismatch, or (with --fail-on findings / --baseline) a finding not in the baseline
        func fails(_ r: CheckResult) -> Bool {
            r.contractMismatches > 0 || (failOnFindings && !baseline.new(in: r).isEmpty)
        }
        let ktap = a.flags.contains("ktap")
        if ktap { c.out(KTAP.header(tests: scenarios.count * revs.count)) }
        var results: [CheckResult] = []
        var interrupted = false
        runs: for sc in scenarios {
            for rev in revs {
                let run: ScenarioRun
                do { run = try CLI.runScenario(sc, revision: rev, guard: runGuard, trace: trace) } catch is CLI.Interrupted {
                    interrupted = true
                    break runs
                }
                var r = Checker.check(run)
                if !trace { r.unchecked.append("ordering rules and TLBI addresses (run without --no-trace to check them)") }
                results.append(r)
                if ktap {
                    c.out(KTAP.result(r, number: results.count, fails: fails(r), baseline: baseline))
                } else if !a.flags.contains("json") {
                    c.out(text(r, baseline: baseline, countNew: failOnFindings))
                }
            }
        }
        if ktap && interrupted {
            // the plan named every test: those the interruption left are skips that say so
            let pairs = scenarios.flatMap { sc in revs.map { (sc.name, $0) } }
            for (k, (name, rev)) in pairs.enumerated().dropFirst(results.count) {
                c.out(KTAP.notRun(scenario: name, revision: rev, number: k + 1, why: "interrupted"))
            }
        }
        if a.flags.contains("json") {
            struct J: Codable { let scenario, revision, geometry: String; let steps: Int; let stepsBlocked: Int?; let whatIf: [String]?; let findings: [Finding]; let statuses: [String]; let unchecked: [String]; let newFindings: Int }
            c.out(JSONOutput.encode(results.map { J(scenario: $0.scenario, revision: $0.revision, geometry: $0.geometry,
                                                   steps: $0.stepsChecked, stepsBlocked: $0.stepsBlocked, whatIf: $0.whatIf,
                                                   findings: $0.findings, statuses: $0.statuses, unchecked: $0.unchecked,
                                                   newFindings: baseline.new(in: $0).count) }) + "\n")
        }
        if interrupted {
            c.err("hotremove: interrupted: \(results.count) of \(scenarios.count * revs.count) runs checked (reported above)\n")
            return ExitCode.interrupted.rawValue
        }
        if let path = a.options["write-baseline"] {
            do { try AtomicFile.write(Data(FindingBaseline.render(results).utf8), to: path) } catch let e as CommandError {
                throw CommandError(.io, "--write-baseline \(e.message)")
            }
        }
        guard results.contains(where: fails) else { return 0 }
        // exit 1 always says why: a contract mismatch (in the report), or findings the verdict does not accept
        if !results.contains(where: { $0.contractMismatches > 0 }) {
            let n = results.reduce(0) { $0 + baseline.new(in: $1).count }
            let why = a.options["baseline"].map { "not in the baseline \($0)" } ?? "with --fail-on findings, every finding counts"
            c.err("hotremove: exit 1: \(n) finding\(n == 1 ? "" : "s") \(why)\n")
        }
        return ExitCode.contractMismatch.rawValue
    }

    /// One result as text; `countNew`: the verdict counts findings (--fail-on findings, --baseline), so the
    /// line says how many it counts, even against an empty baseline.
    static func text(_ r: CheckResult, baseline: FindingBaseline = FindingBaseline(), countNew: Bool = false) -> String {
        let verdict = r.contractMismatches > 0 ? "CONTRACT MISMATCH"
            : r.findings.isEmpty ? "conforms, no findings" : "conforms; findings"
        var s = "\(r.scenario) on \(r.revision) (\(r.geometry)): \(verdict) — \(r.stepsChecked) steps, "
        if let b = r.stepsBlocked { s += "\(b) not run (blocked: an earlier step oopsed holding the hotplug locks), " }
        s += "\(r.contractMismatches) contract mismatches, \(r.invariantViolations) invariant violations, \(r.faults) faults"
        if countNew || !baseline.isEmpty { s += ", \(baseline.new(in: r).count) not in the baseline" }
        s += "\n"
        if let w = r.whatIf { s += "  what-if: \(w.joined(separator: "; ")): the revision's kernel never ran with this\n" }
        for u in r.unchecked { s += "  not checked: \(u)\n" }
        let statuses = r.statuses
        for (f, status) in zip(r.findings, statuses).prefix(40) { s += "  \(f.line)\n      status: \(status)\n" }
        if r.findings.count > 40 { s += "  ... \(r.findings.count - 40) more\n" }
        return s
    }

    // MARK: diff

    struct Row: Codable {
        var metric: String
        var values: [String]
        var differs: Bool
    }
    struct StepDiff: Codable {
        var step: Int
        var operation: String
        var rows: [Row]
    }

    static func diff(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["revisions", "revision", "timeout"], flags: ["json"])
        let runGuard = settings.guardRuns(timeout: try a.timeout())
        guard !a.positional.isEmpty else { throw CommandError(.usage, "diff takes one or more scenario files") }
        let given = (a.all["revisions"] ?? []) + (a.all["revision"] ?? [])
        let revs = try CLI.revisionNames(given.isEmpty ? nil : given, default: "v6,final")
        guard revs.count >= 2 else { throw CommandError(.usage, "diff needs at least two revisions (--revisions v6,final)") }
        let scenarios = try a.positional.map { try CLI.loadScenario($0) }
        Interrupts.install()
        var all: [String: [StepDiff]] = [:]
        var mismatch = false
        for sc in scenarios {
            let runs: [ScenarioRun]
            do { runs = try revs.map { try CLI.runScenario(sc, revision: $0, guard: runGuard) } } catch is CLI.Interrupted {
                if a.flags.contains("json") {
                    struct J: Codable { let revisions: [String]; let scenarios: [String: [StepDiff]] }
                    c.out(JSONOutput.encode(J(revisions: revs, scenarios: all)) + "\n")
                }
                c.err("hotremove: interrupted: \(all.count) of \(scenarios.count) scenarios compared (reported above)\n")
                return ExitCode.interrupted.rawValue
            }
            let checks = runs.map(Checker.check)
            mismatch = mismatch || checks.contains { $0.contractMismatches > 0 }
            var diffs: [StepDiff] = []
            for (i, step) in sc.steps.enumerated() {
                let obs = runs.map { $0.steps.first { $0.index == i } }
                func row(_ name: String, _ f: (StepObservation) -> String) -> Row {
                    let v = obs.map { $0.map(f) ?? "-" }
                    return Row(metric: name, values: v, differs: Set(v).count > 1)
                }
                let rows = [
                    row("result") { $0.result.text },
                    row("entries cleared") { "\($0.effects.clears.reduce(0, +))" },
                    row("table pages freed") { o in Level.allCases.filter { o.effects.tablesFreed[$0.rawValue] > 0 }
                        .map { "\($0) \(o.effects.tablesFreed[$0.rawValue])" }.joined(separator: " ").nonEmpty },
                    row("data pages freed") { o in o.effects.dataFreedByOrder.enumerated().filter { $0.element > 0 }
                        .map { "o\($0.offset):\($0.element)" }.joined(separator: " ").nonEmpty },
                    row("altmap returned") { "\($0.effects.altmapPagesFreed)" },
                    row("TLBI va/all/walk") { "\($0.effects.tlbiVA)/\($0.effects.tlbiAll)/\($0.effects.tlbiWalk)" },
                    // what 48478b9f7913's PMD_SIZE flush of a vmemmap block costs (VmemmapBlockFlushes)
                    row("TLBI/vmemmap block") { VmemmapBlockFlushes.measure($0, geometry: sc.geometry)?.summary ?? "not traced" },
                    row("WARNs") { "\($0.recorder.warns)" },
                    row("faults") { "\($0.recorder.faults)" },
                    row("leaked tables") { "\($0.after.unreachableTablePages)" },
                    Row(metric: "findings", values: checks.map { r in "\(r.findings.filter { $0.step == i }.count)" },
                        differs: Set(checks.map { r in r.findings.filter { $0.step == i }.count }).count > 1),
                ]
                diffs.append(StepDiff(step: i, operation: "\(step.op.rawValue) [\(Quantity.hex(step.start)), +\(Quantity.human(step.size)))", rows: rows))
            }
            all[sc.name] = diffs
            if !a.flags.contains("json") { c.out(render(sc.name, revs, diffs)) }
        }
        if a.flags.contains("json") {
            struct J: Codable { let revisions: [String]; let scenarios: [String: [StepDiff]] }
            c.out(JSONOutput.encode(J(revisions: revs, scenarios: all)) + "\n")
        }
        return mismatch ? ExitCode.contractMismatch.rawValue : 0
    }

    static func render(_ name: String, _ revs: [String], _ diffs: [StepDiff]) -> String {
        let w = 20
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        var s = "== \(name): \(revs.joined(separator: " vs "))\n"
        var summary: [String] = []
        for d in diffs {
            s += "step \(d.step): \(d.operation)\n"
            s += "  " + pad("", 19) + revs.map { pad($0, w) }.joined() + "\n"
            for r in d.rows {
                s += "  " + pad(r.metric, 19) + r.values.map { pad($0, w) }.joined() + (r.differs ? "  *" : "") + "\n"
                if r.differs { summary.append("step \(d.step) \(r.metric)") }
            }
        }
        s += summary.isEmpty ? "no differences\n" : "differences: \(summary.joined(separator: "; "))\n"
        return s
    }
}

extension String {
    var nonEmpty: String { isEmpty ? "0" : self }
}
