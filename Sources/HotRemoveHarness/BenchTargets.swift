internal import CShim
import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The throughput and cost targets (docs/PERFORMANCE.md), each measured in one `bench` run: the deciding
/// figure (median and min–max over the repetitions), what it was measured against in the same run,
/// and whether the target is met (on the median).
public enum BenchTargets {
    public struct Target: Codable, Sendable {
        public var id: String
        /// the target as the issue states it
        public var target: String
        public var unit: String
        public var bound: Double
        /// met when the figure is at least (else at most) the bound
        public var atLeast: Bool
        public var measured: Bench.Stat
        /// the same-run figures the measured one is a ratio of, or was taken beside
        public var sameRun: String
        public var met: Bool

        package init(_ id: String, _ target: String, unit: String, bound: Double, atLeast: Bool, _ xs: [Double], sameRun: String) {
            self.id = id; self.target = target; self.unit = unit; self.bound = bound; self.atLeast = atLeast
            measured = Bench.Stat(xs)
            self.sameRun = sameRun
            met = !xs.isEmpty && (atLeast ? measured.median >= bound : measured.median <= bound)
        }
    }

    public struct Options: Sendable {
        public var seed: UInt64 = 99
        /// scenarios per repetition of the campaign rates (the default generator), and of the small ones
        public var campaignCount = 600
        public var smallCount = 600
        public var reps = 3
        public var revisions = ["v6", "final", "altmap"]
        public var jobs = ProcessInfo.processInfo.activeProcessorCount
        /// scenarios of the campaign whose peak RSS is measured (in a child process)
        public var rssCount = 10_000
        public var tebibyte = true
        /// the hotremove executable the 1 TiB and peak-RSS measurements run as a child
        public var worker: String? = Isolation.toolExecutable
        public init() {}
    }

    /// Small: at most 256 MiB added in all and at most 8 steps.
    package static func isSmall(_ sc: Scenario) -> Bool {
        sc.steps.count <= 8 && sc.steps.filter { $0.op == .add }.reduce(0) { $0 + $1.size } <= 256 << 20
    }

    /// Scenarios of the default generator: the first `count`, or the first `count` small ones.
    package static func scenarios(seed: UInt64, count: Int, small: Bool) -> [Scenario] {
        var out: [Scenario] = []
        var i = 0
        while out.count < count {
            let sc = ScenarioGenerator.generate(seed: seed, index: i)
            if !small || isSmall(sc) { out.append(sc) }
            i += 1
        }
        return out
    }

    /// Scenarios per second over `jobs` threads, each scenario on every revision: fully checked
    /// (as a campaign checks it) or the kernel code alone.  Also the count of runs that threw.
    package static func rate(_ scs: [Scenario], revisions: [String], jobs: Int, checked: Bool) -> (perSecond: Double, errors: Int) {
        let next = Locked(0), errors = Locked(0)
        let t0 = Bench.now()
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while true {
                let p = next.with { n -> Int in let i = n; n += 1; return i }
                guard p < scs.count * revisions.count else { return }
                let sc = scs[p / revisions.count], rev = revisions[p % revisions.count]
                do {
                    if checked { _ = try Checker.check(sc, revision: rev) } else { _ = try ScenarioRunner.runBare(sc, revision: rev) }
                } catch { errors.with { $0 += 1 } }
            }
        }
        return (Double(scs.count) / (Double(Bench.now() - t0) / 1e9), errors.with { $0 })
    }

    /// The model's prediction of the removal of `size` of 4K linear map without blocks (milliseconds),
    /// after the add is taken as predicted.
    package static func modelMs(size: UInt64) -> Double {
        let (sc, _) = Bench.scenario(Geometry(pageShift: 12, vaBits: 48), .noBlocks, .linear, size: size)
        let model = ModelJudge(scenario: sc, revision: "final")
        // the model moves on by its own prediction of the add, whatever it is shown
        let empty = ObservedState()
        _ = model.check(step: 0, StepObservation(index: 0, result: .ok, effects: StepEffects(), warns: [], faults: [],
                                                 trace: nil, before: empty, after: empty))
        let t0 = Bench.now()
        _ = model.prediction(step: 1)
        return Bench.ms(Bench.now() - t0)
    }

    /// A child process's wall time and peak RSS (MiB): this tool run with `args`, its output discarded.
    /// The child writes its own VmHWM (CLI.reportPeakRSS): the rusage of a child also counts the
    /// memory of this process, which a spawned child shares until its exec.
    package static func child(_ args: [String], executable: String?) throws -> (seconds: Double, peakMiB: Double, status: Int32) {
        guard let exe = executable else { throw HarnessError("bench: the hotremove executable was not found") }
        let tmp = FileManager.default.temporaryDirectory
        let hwm = tmp.appendingPathComponent("hotremove-bench-vmhwm-\(getpid())").path
        let errFile = tmp.appendingPathComponent("hotremove-bench-stderr-\(getpid())").path
        try? FileManager.default.removeItem(atPath: hwm)
        defer { try? FileManager.default.removeItem(atPath: hwm); try? FileManager.default.removeItem(atPath: errFile) }
        guard FileManager.default.createFile(atPath: errFile, contents: nil), let err = FileHandle(forWritingAtPath: errFile) else {
            throw HarnessError("bench: cannot create \(errFile)")
        }
        defer { try? err.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(["HOTREMOVE_VMHWM_FILE": hwm]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        let t0 = Bench.now()
        do { try p.run() } catch { throw HarnessError("bench: cannot start \(exe): \(error)") }
        p.waitUntilExit()
        let secs = Double(Bench.now() - t0) / 1e9
        let code = p.terminationReason == .exit ? p.terminationStatus : 128 + p.terminationStatus
        if code > 1 {
            let why = (try? String(contentsOfFile: errFile, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
            throw HarnessError("bench: `hotremove \(args.joined(separator: " "))` exited \(code): \(why)")
        }
        guard let text = try? String(contentsOfFile: hwm, encoding: .utf8),
              let kb = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("bench: `hotremove \(args.joined(separator: " "))` did not report its peak RSS (exit status \(code))")
        }
        return (secs, kb / 1024, code)
    }

    /// Every target; `points` are the sweep's (the pass and check ratios come from them).
    public static func measure(_ o: Options, points: [Bench.Point], progress: (String) -> Void) throws -> [Target] {
        var out: [Target] = []
        let revs = o.revisions.joined(separator: "+")

        // campaign rates, checked and bare, alternating in each repetition
        progress("bench: targets: campaign rates, \(o.campaignCount) + \(o.smallCount) small scenarios x \(o.reps) repetitions\n")
        let all = scenarios(seed: o.seed, count: o.campaignCount, small: false)
        let small = scenarios(seed: o.seed, count: o.smallCount, small: true)
        var checked: [Double] = [], bare: [Double] = [], smallChecked: [Double] = [], smallBare: [Double] = [], ratio: [Double] = []
        var errors = 0
        for rep in 0 ..< o.reps {
            let c = rate(all, revisions: o.revisions, jobs: o.jobs, checked: true)
            let b = rate(all, revisions: o.revisions, jobs: o.jobs, checked: false)
            let sc = rate(small, revisions: o.revisions, jobs: o.jobs, checked: true)
            let sb = rate(small, revisions: o.revisions, jobs: o.jobs, checked: false)
            errors += c.errors + b.errors + sc.errors + sb.errors
            checked.append(c.perSecond); bare.append(b.perSecond); smallChecked.append(sc.perSecond); smallBare.append(sb.perSecond)
            ratio.append(c.perSecond / b.perSecond)
            progress("bench: targets: repetition \(rep + 1): \(Int(c.perSecond))/s checked, \(Int(b.perSecond))/s bare; small \(Int(sc.perSecond))/s, \(Int(sb.perSecond))/s\n")
        }
        if errors > 0 { throw HarnessError("bench: \(errors) scenario runs of seed \(o.seed) threw (see `hotremove fuzz`)") }
        func f(_ s: Bench.Stat, _ d: Int = 0) -> String { String(format: "%.\(d)f (%.\(d)f-%.\(d)f)", s.median, s.min, s.max) }
        out.append(Target("campaign", "campaign of the default generator, \(revs), every step checked: >= 5,000 scenarios/s on \(o.jobs) cores",
                          unit: "scenarios/s", bound: 5000, atLeast: true, checked,
                          sameRun: "kernel code alone on the same scenarios: \(f(Bench.Stat(bare)))/s"))
        out.append(Target("campaign-small", "small scenarios (<= 256 MiB added, <= 8 steps): >= 20,000/s",
                          unit: "scenarios/s", bound: 20000, atLeast: true, smallChecked,
                          sameRun: "kernel code alone: \(f(Bench.Stat(smallBare)))/s"))
        out.append(Target("check-overhead", "the checked campaign runs at >= 1/3 of the kernel code alone (same scenarios, same run)",
                          unit: "x", bound: 1.0 / 3, atLeast: true, ratio,
                          sameRun: "checked \(f(Bench.Stat(checked)))/s vs bare \(f(Bench.Stat(bare)))/s"))

        // the passes and the full check, from the sweep's points (the worst point decides)
        func worst(_ ps: [Bench.Point], _ key: (Bench.Point) -> Double) -> Bench.Point? { ps.max { key($0) < key($1) } }
        let passPoints = points.filter { $0.region != .device && $0.rmwSweepMs.median > 0 }
        let ratioReps: (Bench.Point, KeyPath<Bench.Point, Bench.Stat>, KeyPath<Bench.Point, Bench.Stat>) -> [Double] = { p, num, den in
            // min-max of the ratio: the fastest pass against the slowest sweep and the other way round
            [p[keyPath: num].median / p[keyPath: den].median, p[keyPath: num].min / p[keyPath: den].max, p[keyPath: num].max / p[keyPath: den].min]
        }
        func describe(_ p: Bench.Point) -> String { "\(p.geometry) \(p.mapping.rawValue) \(p.region.rawValue) \(p.revision) \(Quantity.human(p.sizeBytes))" }
        let pte = passPoints.filter { $0.mapping == .noBlocks }
        if let w = worst(pte, { $0.unmapVsRmw }) {
            out.append(Target("unmap-counting", "unmap pass <= 2.5x the same-run read-modify-write sweep, counting recorders (4K PTEs)",
                              unit: "x", bound: 2.5, atLeast: false, ratioReps(w, \.unmapMs, \.rmwSweepMs),
                              sameRun: "worst point \(describe(w)): unmap \(String(format: "%.2f", w.unmapMs.median)) ms, rmw sweep \(String(format: "%.2f", w.rmwSweepMs.median)) ms; all points \(pte.map { String(format: "%.2f", $0.unmapVsRmw) }.joined(separator: " "))"))
        }
        if let w = worst(pte, { $0.unmapTracedVsRmw }) {
            out.append(Target("unmap-traced", "unmap pass with the ordered trace on <= 4x the read-modify-write sweep",
                              unit: "x", bound: 4, atLeast: false, ratioReps(w, \.unmapTracedMs, \.rmwSweepMs),
                              sameRun: "worst point \(describe(w)): traced unmap \(String(format: "%.2f", w.unmapTracedMs.median)) ms, rmw sweep \(String(format: "%.2f", w.rmwSweepMs.median)) ms; all points \(pte.map { String(format: "%.2f", $0.unmapTracedVsRmw) }.joined(separator: " "))"))
        }
        let big = passPoints.filter { $0.sizeBytes >= 1 << 30 }
        if let w = worst(big, { $0.freeVsRead }) {
            out.append(Target("free-pass", "free pass <= 3x the read sweep at every size from 1 GiB",
                              unit: "x", bound: 3, atLeast: false, ratioReps(w, \.freeMs, \.readSweepMs),
                              sameRun: "worst point \(describe(w)); all points \(big.map { String(format: "%.2f", $0.freeVsRead) }.joined(separator: " "))"))
        }
        let checkPoints = points.filter { $0.sizeBytes >= 8 << 30 && $0.removeMs.median > 0 }
        if let w = worst(checkPoints, { $0.fullCheckVsRemove }) {
            let reps = [w.fullCheckVsRemove, (w.checkedRemoveMs.min - w.removeMs.max) / w.removeMs.max,
                        (w.checkedRemoveMs.max - w.removeMs.min) / w.removeMs.min]
            out.append(Target("full-check", "full check (snapshots, model, ordered trace, compare) <= 1.5x the bare removal at every size >= 8 GiB",
                              unit: "x", bound: 1.5, atLeast: false, reps,
                              sameRun: "worst point \(describe(w)): checked removal \(String(format: "%.1f", w.checkedRemoveMs.median)) ms, bare \(String(format: "%.1f", w.removeMs.median)) ms; all points \(checkPoints.map { "\($0.mapping.rawValue) \(Quantity.human($0.sizeBytes)) \(String(format: "%.2f", $0.fullCheckVsRemove))" }.joined(separator: ", "))"))
        }

        // 1 TiB end to end, in a child process of its own (its peak RSS is its own): the child is this
        // command's own sweep at 1 TiB (`check` of such a scenario is refused by validation, whose
        // host-memory estimate assumes an unfolded trace); add + the fully checked removal are timed
        if o.tebibyte {
            progress("bench: targets: 1 TiB of 4K linear map without blocks, add + remove + full check (a child `bench --sizes 1T`)\n")
            let json = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-bench-1T-\(getpid()).json").path
            defer {
                for suffix in [".json", "-cost.svg", "-tlbi.svg"] {
                    try? FileManager.default.removeItem(atPath: String(json.dropLast(5)) + suffix)
                }
            }
            let r = try child(["bench", "--sizes", "1T", "--mapping", "no-blocks", "--revisions", "final", "--reps", "1",
                               "--no-throughput", "--no-targets", "--timeout", "1800", "--out", json],
                              executable: o.worker)
            let data = try Data(contentsOf: URL(fileURLWithPath: json))
            guard let p = try JSONDecoder().decode(Bench.Report.self, from: data).points.first else {
                throw HarnessError("bench: the 1 TiB child wrote no point")
            }
            let wall = (p.addMs.median + p.checkedRemoveMs.median) / 1000
            out.append(Target("tib-wall", "1 TiB of 4K linear map without blocks: add + remove + full check (ordered trace included) <= 5 s wall",
                              unit: "s", bound: 5, atLeast: false, [wall],
                              sameRun: "add \(String(format: "%.2f", p.addMs.median / 1000)) s, checked removal \(String(format: "%.2f", p.checkedRemoveMs.median / 1000)) s, bare removal \(String(format: "%.2f", p.removeMs.median / 1000)) s; the child ran \(String(format: "%.0f", r.seconds)) s in all"))
            out.append(Target("tib-rss", "... and <= 3 GiB peak RSS", unit: "MiB", bound: 3072, atLeast: false, [r.peakMiB],
                              sameRun: "the child's VmHWM (its four machines run one after another)"))
        }

        // the model alone
        progress("bench: targets: the model's prediction of a 1 TiB and a 16 TiB removal\n")
        var m1: [Double] = [], m16: [Double] = []
        for _ in 0 ..< o.reps { m1.append(modelMs(size: 1 << 40)); m16.append(modelMs(size: 16 << 40)) }
        out.append(Target("model-1T", "model: prediction of a 1 TiB removal (4K, no blocks) < 1 ms", unit: "ms", bound: 1, atLeast: false, m1,
                          sameRun: "16 TiB: \(f(Bench.Stat(m16), 3)) ms"))
        out.append(Target("model-16T", "model: prediction of a 16 TiB removal < 1 ms (independent of size)", unit: "ms", bound: 1, atLeast: false, m16,
                          sameRun: "1 TiB: \(f(Bench.Stat(m1), 3)) ms"))

        // peak RSS of a campaign, in a child process
        progress("bench: targets: peak RSS of a \(o.rssCount)-scenario campaign (child process)\n")
        let r = try child(["fuzz", "--seed", "\(o.seed)", "--count", "\(o.rssCount)", "--revision", o.revisions.joined(separator: ","),
                           "--no-isolation", "--jobs", "\(o.jobs)", "--out", FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-bench-rss-\(getpid())").path],
                          executable: o.worker)
        guard r.status == 0 || r.status == 1 else { throw HarnessError("bench: the RSS campaign exited \(r.status)") }
        out.append(Target("campaign-rss", "peak RSS of a \(o.rssCount)-scenario campaign (\(revs), in-process, \(o.jobs) jobs) <= 200 MB",
                          unit: "MB", bound: 200, atLeast: false, [r.peakMiB * 1.048576],
                          sameRun: "one run, \(String(format: "%.1f", r.seconds)) s (\(Int(Double(o.rssCount) / r.seconds))/s)"))
        return out
    }

    package static func table(_ ts: [Target]) -> String {
        var s = "target                                                                              measured (min-max)        bound     met\n"
        for t in ts {
            let d = t.unit == "x" || t.unit == "ms" || t.unit == "s" ? 2 : 0
            let m = String(format: "%.\(d)f (%.\(d)f-%.\(d)f) %@", t.measured.median, t.measured.min, t.measured.max, t.unit)
            let b = "\(t.atLeast ? ">=" : "<=") \(String(format: t.bound < 10 ? "%.2f" : "%.0f", t.bound))"
            s += "\(t.id.padding(toLength: 16, withPad: " ", startingAt: 0)) \(t.target)\n"
            s += "                 \(m.padding(toLength: 40, withPad: " ", startingAt: 0)) \(b.padding(toLength: 10, withPad: " ", startingAt: 0)) \(t.met ? "yes" : "NO")\n"
            s += "                 same run: \(t.sameRun)\n"
        }
        return s
    }
}
