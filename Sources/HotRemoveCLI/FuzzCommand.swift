import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

enum FuzzCommand {
    static func run(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        if args.contains("--walkers") { return try WalkerFuzzCommand.run(args, c) }
        let a = try Arguments(args, valued: ["seed", "count", "revision", "jobs", "out", "report", "timeout"],
                              flags: ["json", "no-shrink", "no-isolation"])
        guard a.positional.isEmpty else { throw CommandError(.usage, "fuzz takes no scenario files") }
        guard a.options["seed"] != nil else { throw CommandError(.usage, "fuzz needs --seed S (a whole number)") }
        let seed = try a.seed(default: nil)
        let count = try a.int("count", default: 1000, range: 1...10_000_000)
        let jobs = try a.int("jobs", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        let revs = try CLI.revisionNames(a.all["revision"])
        let timeout = try a.timeout()
        let out = a.options["out"] ?? "fuzz-out"
        // output paths are checked before the campaign, not after it
        guard !out.isEmpty else { throw CommandError(.usage, "--out: an empty directory name") }
        try AtomicFile.checkDirectoryWritable(out, what: "--out")
        if let path = a.options["report"] { try AtomicFile.checkWritable(path, what: "--report") }
        c.err("fuzz: seed \(seed), \(count) scenarios on \(revs.joined(separator: ",")), \(jobs) workers; reproducers in \(out)/\n")
        Interrupts.install()
        // without worker processes a crash of the code under test ends this process: it still says
        // where (CRASH <scenario> <revision> step N ... SIGSEGV) and exits 7
        if a.flags.contains("no-isolation") { _ = settings.guardRuns(timeout: 0) }
        let opts = CampaignOptions(seed: seed, count: count, revisions: revs, jobs: jobs, outDir: out,
                                   shrink: !a.flags.contains("no-shrink"), isolate: !a.flags.contains("no-isolation"),
                                   timeout: timeout, worker: settings.worker, progress: { c.err($0) })
        let report = Campaign.run(opts, stop: Interrupts.requested)
        return try finish(report, title: "campaign seed \(seed)", json: a.flags.contains("json"),
                          reportPath: a.options["report"], c)
    }

    /// The summary always reaches standard output; then the report file; lost reproducers or an
    /// unwritable report are exit 4 (after an interruption: 6).
    static func finish(_ report: CampaignReport, title: String, json: Bool, reportPath: String?, _ c: Console,
                       extra: [String] = []) throws -> Int32 {
        let encoded = JSONOutput.encode(report) + "\n"
        c.out(json ? encoded : MainJob.summary(report, title: title))
        for l in extra where !json { c.out(l) }
        var ioFailed = false
        for e in report.writeErrors ?? [] {
            c.err("hotremove: \(e)\n")
            ioFailed = true
        }
        if let path = reportPath {
            do { try AtomicFile.write(Data(encoded.utf8), to: path) } catch let e as CommandError {
                c.err("hotremove: --report \(e.message)\n")
                ioFailed = true
            }
        }
        if report.interrupted { return ExitCode.interrupted.rawValue }
        if ioFailed { return ExitCode.io.rawValue }
        return report.revisions.contains { $0.contractMismatches > 0 || $0.harnessErrors > 0 }
            ? ExitCode.contractMismatch.rawValue : 0
    }
}

/// SIGINT/SIGTERM ask long runs to stop after the scenario in hand; what is done is reported.
enum Interrupts {
    private static let flag = Locked(false)
    static let requested: @Sendable () -> Bool = { flag.with { $0 } }
    /// what else a signal asks to stop (a long C call that cannot wait for the check between steps), by token
    private static let observers = Locked<(next: Int, calls: [Int: @Sendable () -> Void])>((0, [:]))
    /// Calls `f` on a signal until `removeObserver` is given the token returned.
    static func onRequest(_ f: @escaping @Sendable () -> Void) -> Int {
        observers.with { o in o.next += 1; o.calls[o.next] = f; return o.next }
    }
    static func removeObserver(_ token: Int) { observers.with { _ = $0.calls.removeValue(forKey: token) } }
    static func install() {
        guard sources.with({ $0.isEmpty }) else { return }  // once per process
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                flag.with { $0 = true }
                for f in observers.with({ $0.calls.values }) { f() }
            }
            src.resume()
            sources.with { $0.append(src) }
        }
        // libdispatch puts its handler in place on a thread of its own; until then the signal is ignored,
        // and one sent right after a command starts (a test sends it at the first line printed) was lost,
        // leaving an explore to run all its schedules.  Return once the handlers are in (a few ms).
        for _ in 0..<2000 where [SIGINT, SIGTERM].contains(where: ignored) { usleep(500) }
    }
    /// Whether `sig` is still SIG_IGN (handler address 1).
    private static func ignored(_ sig: Int32) -> Bool {
        var current = sigaction()
        sigaction(sig, nil, &current)
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1
    }
    private static let sources = Locked<[DispatchSourceSignal]>([])
}
