import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// `hotremove fuzz --walkers`: the campaign's generated scenarios with walkers added beside their
/// last removal, each run under seeded random schedules.  In-process (no crash isolation): the
/// walkers' own faults are findings, and the default revisions do not crash on generated scenarios.
enum WalkerFuzzCommand {
    /// The walkers scenario `index` of a campaign gets: a ptdump, with or without the hotplug
    /// lock, and a vmalloc range just below vmemmap when no neighbour is there.
    static func withWalkers(_ base: Scenario, seed: UInt64, index: Int) -> Scenario {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(index) &+ 0x5DEE_CE66)
        var sc = base
        sc.walkers = [.ptdump(lock: rng.next() % 2 == 0 ? .none : .hotplug)]
        let g = sc.geometry
        let va = g.vmemmapStart - (2 << 20), size: UInt64 = 2 << 20
        if rng.next() % 2 == 0, !sc.neighbours.contains(where: { va < $0.va + $0.size && $0.va < va + size }) {
            sc.walkers.append(.vmalloc(va: va, size: size))
        }
        return sc
    }

    struct Finding: Codable { let revision, rule, scenario, thread, schedule, replay: String; var scenarios: Int }
    struct Summary: Codable { let revision: String; var scenarios, skipped, schedules, findings: Int }

    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["seed", "count", "revision", "out", "schedules", "preemptions"],
                              flags: ["walkers", "json"])
        guard a.positional.isEmpty else { throw CommandError(.usage, "fuzz takes no scenario files") }
        guard a.options["seed"] != nil else { throw CommandError(.usage, "fuzz needs --seed S (a whole number)") }
        let seed = try a.seed(default: nil)
        let count = try a.int("count", default: 100, range: 1...1_000_000)
        let perScenario = try a.int("schedules", default: 20, range: 1...100_000)
        let bound = try a.int("preemptions", default: 2, range: 0...64)
        let revs = try CLI.revisionNames(a.all["revision"])
        let out = a.options["out"] ?? "fuzz-out"
        guard !out.isEmpty else { throw CommandError(.usage, "--out: an empty directory name") }
        try AtomicFile.checkDirectoryWritable(out, what: "--out")
        c.err("fuzz --walkers: seed \(seed), \(count) scenarios, \(perScenario) random schedules each (up to \(bound) preemptions) on \(revs.joined(separator: ",")); reproducers in \(out)/\n")
        Interrupts.install()
        var summaries = revs.map { Summary(revision: $0, scenarios: 0, skipped: 0, schedules: 0, findings: 0) }
        var findings: [String: Finding] = [:]
        var order: [String] = []
        let began = Date()
        var last = Date()
        outer: for i in 0..<count {
            let sc = withWalkers(ScenarioGenerator.generate(seed: seed, index: i), seed: seed, index: i)
            for (r, rev) in revs.enumerated() {
                if Interrupts.requested() { break outer }
                guard let target = try? ExploreTarget(scenario: sc, revision: rev) else { summaries[r].skipped += 1; continue }
                let first: Execution
                do { first = try target.execute(Schedule()) } catch { summaries[r].skipped += 1; continue }
                summaries[r].scenarios += 1
                var seenHere = Set<String>()
                let plans = [Schedule()] + Explorer.randomPlans(seed: seed ^ UInt64(i), count: perScenario, preemptions: bound,
                                                                threads: target.threads, length: first.events.count)
                for p in plans {
                    guard let ex = try? (p.runs.isEmpty ? first : target.execute(p)) else { continue }
                    summaries[r].schedules += 1
                    for f in ex.findings where seenHere.insert(f.rule).inserted {
                        summaries[r].findings += 1
                        let key = "\(rev) \(f.rule)"
                        if var known = findings[key] { known.scenarios += 1; findings[key] = known; continue }
                        let shrunk = (try? Explorer.shrink(ex.schedule, rule: f.rule, thread: f.thread, execute: target.execute)) ?? ex.schedule
                        let path = URL(fileURLWithPath: out).appendingPathComponent("\(sc.name).json").path
                        try AtomicFile.writeNew(sc.jsonData(), to: path)
                        findings[key] = Finding(revision: rev, rule: f.rule, scenario: sc.name,
                                                thread: target.threadName(f.thread), schedule: shrunk.description,
                                                replay: "hotremove explore \(path) --revision \(rev) --schedule \(shrunk)", scenarios: 1)
                        order.append(key)
                    }
                }
            }
            if Date().timeIntervalSince(last) >= 1 {
                last = Date()
                c.err("fuzz --walkers: \(i + 1)/\(count) scenarios, \(summaries.reduce(0) { $0 + $1.schedules }) schedules, \(findings.count) distinct findings, \(String(format: "%.1f", Double(summaries.reduce(0) { $0 + $1.schedules }) / Date().timeIntervalSince(began))) schedules/s\n")
            }
        }
        if a.flags.contains("json") {
            struct J: Codable { let seed: UInt64; let revisions: [Summary]; let findings: [Finding] }
            c.out(JSONOutput.encode(J(seed: seed, revisions: summaries, findings: order.map { findings[$0]! })) + "\n")
        } else {
            c.out("fuzz --walkers: seed \(seed), \(count) scenarios, \(perScenario) random schedules each\n")
            c.out("revision   scenarios  skipped  schedules  findings\n")
            for s in summaries {
                c.out(s.revision.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + String(format: "%9d  %7d  %9d  %8d\n", s.scenarios, s.skipped, s.schedules, s.findings))
            }
            if !order.isEmpty { c.out("findings (revision, rule: scenarios; first, shrunk):\n") }
            for k in order {
                let f = findings[k]!
                c.out("  \(f.revision) \(f.rule): \(f.scenarios) scenario\(f.scenarios == 1 ? "" : "s"), first \(f.scenario) (\(f.thread)), schedule \(f.schedule)\n      replay: \(f.replay)\n")
            }
        }
        return Interrupts.requested() ? ExitCode.interrupted.rawValue : 0
    }
}
