import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// `hotremove explore SCENARIO`: the scenario's last removal beside its walkers, under every
/// schedule that orders conflicting accesses differently (up to a preemption bound), or under
/// seeded random schedules, or under one given schedule.
enum ExploreCommand {
    struct FindingJSON: Codable {
        let rule, thread, detail, schedule: String
        let preemptions, decision: Int
        let conflicting: String?
    }
    struct RevisionJSON: Codable {
        let revision, geometry, mode: String
        let schedules, distinctInterleavings, overBound, notRun: Int
        let seconds, schedulesPerSecond: Double
        /// how the removal ended, each distinct result once ("ok" when it ran)
        let removal: [String]
        let findings: [FindingJSON]
    }

    static func run(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        do { return try explore(args, c, settings) } catch is CLI.Interrupted {
            c.err("hotremove: interrupted\n")
            return ExitCode.interrupted.rawValue
        }
    }

    static func explore(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["revision", "preemptions", "schedules", "seed", "schedule", "timeout"],
                              flags: ["json"])
        guard a.positional.count == 1 else { throw CommandError(.usage, "explore takes one scenario file") }
        let sc = try CLI.loadScenario(a.positional[0])
        let revs = try CLI.revisionNames(a.all["revision"])
        let bound = try a.int("preemptions", default: 2, range: 0...64)
        let random = a.options["seed"] != nil
        let maxSchedules = try a.int("schedules", default: random ? 200 : 1000, range: 1...10_000_000)
        let seed = try a.seed(default: 0)
        if a.options["schedule"] != nil && (random || a.options["schedules"] != nil || a.options["preemptions"] != nil) {
            throw CommandError(.usage, "--schedule replays one schedule: no --seed, --schedules or --preemptions with it")
        }
        guard !sc.walkers.isEmpty else {
            throw CommandError(.badInput, "\(a.positional[0]): no walkers; explore runs the scenario's \"walkers\" beside its last removal")
        }
        guard sc.steps.contains(where: { $0.op == .remove }) else {
            throw CommandError(.badInput, "\(a.positional[0]): no remove step; explore runs the walkers beside the last removal")
        }
        let replay = try a.options["schedule"].map { text -> Schedule in
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CommandError(.usage, "--schedule \"\(text)\": an empty schedule; give runs such as 1:522,0:*,1:*")
            }
            do { return try Schedule.parse(text, threads: sc.walkers.count + 1) } catch let e as Schedule.ParseError {
                throw CommandError(.usage, "--schedule \"\(text)\": \(e)")
            }
        }
        // no time limit: a schedule count bounds the run; a crash still says where
        _ = settings.guardRuns(timeout: 0)
        Interrupts.install()
        // one schedule can take many seconds: a signal also stops the one in hand (it is then not counted)
        let stop = ExploreStop()
        let observer = Interrupts.onRequest { stop.request() }
        defer { Interrupts.removeObserver(observer) }
        let json = a.flags.contains("json")
        var all: [RevisionJSON] = []
        var removalNeverRan: [String] = []
        for rev in revs where !Interrupts.requested() {
            var target: ExploreTarget
            do { target = try ExploreTarget(scenario: sc, revision: rev) } catch let e as HarnessError {
                throw CommandError(.badInput, e.message)
            }
            target.stop = stop
            let step = sc.steps[target.stepIndex]
            if !json {
                c.out("== \(sc.name) on \(rev) (\(sc.geometry.name)): steps[\(target.stepIndex)] remove [\(Quantity.hex(step.start)), +\(Quantity.human(step.size))) beside \(sc.walkers.enumerated().map { "thread \($0.offset + 1) \($0.element.label)" }.joined(separator: ", "))\n")
            }
            // how the removal ended in the schedules run: a refused removal tore nothing down, so no schedule
            // checked anything, and the report must not say "no findings" as if it had
            var removals: [String] = []
            func execute(_ s: Schedule) throws -> Execution {
                do {
                    let ex = try target.execute(s)
                    let r = (ex.removal ?? .ok).text
                    if !removals.contains(r) { removals.append(r) }
                    return ex
                } catch let e as HarnessError {
                    throw CommandError(.badInput, "\(sc.name) on \(rev): \(e.message)")
                }
            }
            let began = Date()
            var report = Explorer.Report()
            var mode: String
            if let replay {
                mode = "replay"
                let ex: Execution
                do { ex = try execute(replay) } catch is Explorer.Stopped {
                    c.err("hotremove: interrupted before the schedule ended; nothing to report\n")
                    return ExitCode.interrupted.rawValue
                }
                if let d = ex.divergedAt {
                    throw CommandError(.usage, "--schedule \(replay): at decision \(d) the schedule names a thread that cannot run there (it ended or waits for a lock)")
                }
                report.schedulesRun = 1
                report.distinctInterleavings = 1
                report.decisions = ex.events.count
                var kinds = Set<String>()
                for f in ex.findings where kinds.insert("\(f.rule) \(f.thread)").inserted { report.findings.append((f, ex.schedule, ex)) }
                if !json { c.out("   executed: \(ex.schedule) (\(ex.events.count) decisions, \(ex.schedule.preemptions) preemption\(ex.schedule.preemptions == 1 ? "" : "s")); removal: \((ex.removal ?? .ok).text)\n") }
            } else if random {
                mode = "random seed \(seed)"
                let first: Execution
                do { first = try execute(Schedule()) } catch is Explorer.Stopped { break }
                let plans = Explorer.randomPlans(seed: seed, count: maxSchedules, preemptions: bound, threads: target.threads,
                                                 length: first.events.count)
                var keys = Set<Int>(), kinds = Set<String>()
                var lastProgress = Date()
                for p in plans {
                    if Interrupts.requested() { break }
                    let ex: Execution
                    do { ex = try execute(p) } catch is Explorer.Stopped { break }
                    report.schedulesRun += 1
                    report.decisions += ex.events.count
                    if keys.insert(ex.interleavingKey).inserted { report.distinctInterleavings += 1 }
                    for f in ex.findings where kinds.insert("\(f.rule) \(f.thread)").inserted {
                        // stopped while shrinking: the finding with the schedule that showed it
                        do {
                            let s = try Explorer.shrink(ex.schedule, rule: f.rule, thread: f.thread, execute: execute)
                            let shrunk = try execute(s)
                            let g = shrunk.findings.first { $0.rule == f.rule && $0.thread == f.thread } ?? f
                            report.findings.append((g, shrunk.schedule, shrunk))
                        } catch is Explorer.Stopped {
                            report.findings.append((f, ex.schedule, ex))
                        }
                    }
                    if Date().timeIntervalSince(lastProgress) >= 1 {
                        lastProgress = Date()
                        progress(c, rev, report, began)
                    }
                }
            } else {
                mode = "systematic, preemption bound \(bound)"
                var lastProgress = Date()
                report = try Explorer.explore(options: .init(preemptionBound: bound, maxSchedules: maxSchedules),
                                              progress: { r in
                                                  if Date().timeIntervalSince(lastProgress) >= 1 {
                                                      lastProgress = Date()
                                                      progress(c, rev, r, began)
                                                  }
                                              }, stop: Interrupts.requested, execute: execute)
            }
            let secs = Date().timeIntervalSince(began)
            let rate = secs > 0 ? Double(report.schedulesRun) / secs : 0
            c.err(String(format: "explore %@: %d schedules in %.2f s, %.1f schedules/s\n", rev, report.schedulesRun, secs, rate))
            var findings: [FindingJSON] = []
            for (f, s, ex) in report.findings {
                let conflicting = describeConflict(f, ex, target)
                findings.append(FindingJSON(rule: f.rule, thread: "\(f.thread) \(target.threadName(f.thread))", detail: f.detail,
                                            schedule: s.description, preemptions: s.preemptions, decision: f.decision,
                                            conflicting: conflicting))
            }
            if json {
                all.append(RevisionJSON(revision: rev, geometry: sc.geometry.name, mode: mode, schedules: report.schedulesRun,
                                        distinctInterleavings: report.distinctInterleavings, overBound: report.overBound,
                                        notRun: report.pending, seconds: secs, schedulesPerSecond: rate, removal: removals,
                                        findings: findings))
                if !removals.contains(StepResult.ok.text) { removalNeverRan.append(rev) }
                continue
            }
            if replay == nil {
                let coverage = report.complete ? "every schedule within the bound"
                    : "\(report.overBound) over the preemption bound, \(report.pending) not run (--schedules)"
                c.out("   \(mode): \(report.schedulesRun) schedules, \(report.distinctInterleavings) distinct interleavings (\(coverage))\n")
            }
            if !removals.contains(StepResult.ok.text) {
                // the walkers ran beside a removal the kernel refused: nothing was torn down, nothing checked
                c.out("   not checked: the removal did not run in any schedule (\(removals.joined(separator: "; ")))\n")
                removalNeverRan.append(rev)
            } else if findings.isEmpty {
                c.out("   no findings\n")
            }
            for f in findings {
                c.out("   [\(f.rule)] thread \(f.thread) \(f.decision < 0 ? "(its ordered trace)" : "at decision \(f.decision)"): \(f.detail)\n")
                if let x = f.conflicting { c.out("     because: \(x)\n") }
                c.out("     schedule (\(f.preemptions) preemption\(f.preemptions == 1 ? "" : "s")): \(f.schedule)\n")
                c.out("     replay: hotremove explore \(a.positional[0]) --revision \(rev) --schedule \(f.schedule)\n")
            }
        }
        if json { c.out(JSONOutput.encode(all) + "\n") }
        if Interrupts.requested() {
            c.err("hotremove: interrupted; the schedules run so far are reported\n")
            return ExitCode.interrupted.rawValue
        }
        if !removalNeverRan.isEmpty {
            c.err("hotremove: the removal of \(a.positional[0]) did not run on \(removalNeverRan.joined(separator: ", ")): nothing was explored there\n")
            return ExitCode.badInput.rawValue
        }
        return 0
    }

    static func progress(_ c: Console, _ rev: String, _ r: Explorer.Report, _ began: Date) {
        let secs = Date().timeIntervalSince(began)
        c.err(String(format: "explore %@: %d schedules, %d distinct, %d findings, %.1f schedules/s\n", rev, r.schedulesRun,
                     r.distinctInterleavings, r.findings.count, secs > 0 ? Double(r.schedulesRun) / secs : 0))
    }

    /// The access of another thread that the finding's access conflicts with, latest first:
    /// e.g. "thread 0 (removal) freed pfn 0x... at decision 1040".
    static func describeConflict(_ f: WalkerFinding, _ ex: Execution, _ t: ExploreTarget) -> String? {
        guard f.decision >= 0, f.decision < ex.events.count else { return nil }
        let e = ex.events[f.decision]
        for i in stride(from: f.decision - 1, through: 0, by: -1) where SchedEvent.conflict(ex.events[i], e) {
            let x = ex.events[i]
            let what: String
            switch x.access {
            case .free, .freeData: what = "freed pfn \(Quantity.hex(x.obj))"
            case .write: what = "wrote entry \(Quantity.hex(x.obj))"
            case .alloc: what = "allocated a page"
            case .lock, .unlock: what = "\(x.access == .lock ? "took" : "released") a lock"
            default: what = "read entry \(Quantity.hex(x.obj))"
            }
            return "thread \(x.thread) (\(t.threadName(x.thread))) \(what) at decision \(i)"
        }
        return nil
    }
}
