import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// `hotremove` with no command: the curated scenarios and a short seeded campaign on every
/// revision and geometry, with a summary table.  Exit 0 when every revision conforms to its
/// contract (findings are reported, they are the point); 1 on any contract mismatch.
enum MainJob {
    static func run(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["seed", "count", "jobs", "out", "report", "timeout"], flags: ["quick", "json"])
        guard a.positional.isEmpty else { throw CommandError(.usage, "unknown command \"\(a.positional[0])\"\n\n\(CLI.usage)") }
        let seed = try a.seed(default: 1)
        let count = try a.int("count", default: a.flags.contains("quick") ? 60 : 600, range: 0...1_000_000)
        let jobs = try a.int("jobs", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        let timeout = try a.timeout()
        if let out = a.options["out"] {
            guard !out.isEmpty else { throw CommandError(.usage, "--out: an empty directory name") }
            try AtomicFile.checkDirectoryWritable(out, what: "--out")
        }
        if let path = a.options["report"] { try AtomicFile.checkWritable(path, what: "--report") }
        let revs = Registry.defaultRevisions.map(\.name)
        Interrupts.install()

        // curated scenarios, every geometry, every revision
        let curated = CuratedScenarios.all
        c.err("hotremove: \(curated.count) curated scenarios x \(revs.count) revisions\n")
        let curatedResults = Locked([CheckResult?](repeating: nil, count: curated.count * revs.count))
        let next = Locked(0)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while true {
                let i = next.with { n -> Int in let i = n; n += 1; return i }
                guard i < curated.count * revs.count else { return }
                let r = try? Checker.check(curated[i / revs.count], revision: revs[i % revs.count])
                curatedResults.with { $0[i] = r }
            }
        }
        var sums = revs.map { CampaignReport.RevisionSummary(revision: $0) }
        var curatedFindings: [String] = []
        for (i, r) in curatedResults.with({ $0 }).enumerated() {
            let k = i % revs.count
            guard let r else { sums[k].harnessErrors += 1; continue }
            sums[k].count(r)
            for f in r.findings where f.classification == .contractMismatch { curatedFindings.append("\(r.scenario) on \(r.revision): \(f.line)") }
        }

        // a short seeded campaign
        c.err("hotremove: campaign seed \(seed), \(count) scenarios\n")
        let report = count > 0
            ? Campaign.run(CampaignOptions(seed: seed, count: count, revisions: revs, jobs: jobs, outDir: a.options["out"],
                                           shrink: a.options["out"] != nil, timeout: timeout, worker: settings.worker,
                                           progress: { c.err($0) }),
                           stop: Interrupts.requested)
            : CampaignReport(seed: seed, count: 0, completed: 0, interrupted: false, revisions: [], findings: [], errors: [])
        for (k, s) in report.revisions.enumerated() {
            sums[k].scenarios += s.scenarios
            sums[k].stepsChecked += s.stepsChecked
            if let b = s.stepsBlocked { sums[k].stepsBlocked = (sums[k].stepsBlocked ?? 0) + b }
            sums[k].contractMismatches += s.contractMismatches
            sums[k].invariantViolations += s.invariantViolations
            sums[k].faults += s.faults
            sums[k].crashes += s.crashes
            sums[k].harnessErrors += s.harnessErrors
        }
        let total = CampaignReport(seed: seed, count: report.count, completed: report.completed, interrupted: report.interrupted,
                                   revisions: sums, findings: report.findings, errors: report.errors, writeErrors: report.writeErrors)
        return try FuzzCommand.finish(total, title: "curated scenarios (\(curated.count)) + campaign seed \(seed) (\(report.completed) scenarios)",
                                      json: a.flags.contains("json"), reportPath: a.options["report"], c,
                                      extra: curatedFindings.prefix(20).map { "  curated: \($0)\n" })
    }

    /// The finding groups under the catalogue's status headings, known and fixed first, open last, then
    /// what the catalogue has no class for.
    static func byStatus(_ groups: [CampaignReport.FindingGroup]) -> [(String, [CampaignReport.FindingGroup])] {
        let cat = FindingCatalogue.shared
        func kind(_ g: CampaignReport.FindingGroup) -> FindingCatalogue.Status.Kind? {
            g.findingClass.flatMap { id in cat.classes.first { $0.id == id }?.status.kind }
        }
        var out = FindingCatalogue.Status.Kind.allCases.map { k in (k.heading, groups.filter { kind($0) == k }) }
        out.append(("not catalogued (contract mismatches, mutants, new findings)", groups.filter { kind($0) == nil }))
        return out.filter { !$0.1.isEmpty }
    }

    static func summary(_ r: CampaignReport, title: String) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var s = "\(title)\n"
        s += "revision   scenarios     steps  contract-mismatches  invariant-violations   faults  crashes  errors\n"
        for v in r.revisions {
            s += v.revision.padding(toLength: 9, withPad: " ", startingAt: 0) + pad("\(v.scenarios)", 11) + pad("\(v.stepsChecked)", 10)
            s += pad("\(v.contractMismatches)", 21) + pad("\(v.invariantViolations)", 22) + pad("\(v.faults)", 9)
            s += pad("\(v.crashes)", 9) + pad("\(v.harnessErrors)", 8) + "\n"
        }
        let blocked = r.revisions.compactMap { v in v.stepsBlocked.map { "\(v.revision) \($0)" } }
        if !blocked.isEmpty {
            s += "steps not run (blocked: an earlier step oopsed holding the hotplug locks): \(blocked.joined(separator: ", "))\n"
        }
        if !r.findings.isEmpty {
            s += "findings by where upstream stands (revision, rule: scenarios affected; example):\n"
            for (heading, groups) in byStatus(r.findings) {
                s += "\(heading):\n"
                for f in groups {
                    let whatIf = f.whatIfScenarios.map { " (\($0) of them what-ifs)" } ?? ""
                    s += "  \(f.revision) \(f.classification) \(f.rule): \(f.scenarios) scenarios\(whatIf), first \(f.firstScenario)\n"
                    s += "      status: \(f.status)\n"
                    s += "      \(f.example)\n"
                    if let p = f.reproducer { s += "      reproducer: \(p)\n" }
                }
            }
        }
        for e in r.errors { s += "  harness error: \(e)\n" }
        if r.interrupted { s += "interrupted: \(r.completed) of \(r.count) scenarios done\n" }
        return s
    }
}
