import Foundation
import HotRemoveModel

enum FuzzCommand {
    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["seed", "count", "revision", "jobs", "out", "report", "timeout"],
                              flags: ["json", "no-shrink", "no-isolation"])
        guard a.positional.isEmpty else { throw CommandError(.usage, "fuzz takes no scenario files") }
        guard let seedText = a.options["seed"], let seed = UInt64(seedText) else {
            throw CommandError(.usage, "fuzz needs --seed S (a whole number)")
        }
        let count = try a.int("count", default: 1000, range: 1...10_000_000)
        let jobs = try a.int("jobs", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        let revs = try CLI.revisionNames(a.options["revision"])
        let out = a.options["out"] ?? "fuzz-out"
        c.err("fuzz: seed \(seed), \(count) scenarios on \(revs.joined(separator: ",")), \(jobs) workers; reproducers in \(out)/\n")
        let timeout = try a.int("timeout", default: 20, range: 1...3600)
        Interrupts.install()
        // without worker processes a crash of the code under test ends this process: it still says
        // where (CRASH <scenario> <revision> step N ... SIGSEGV) and exits 7
        if a.flags.contains("no-isolation") { CLI.installCrashGuard(timeout: 0) }
        let opts = CampaignOptions(seed: seed, count: count, revisions: revs, jobs: jobs, outDir: out,
                                   shrink: !a.flags.contains("no-shrink"), isolate: !a.flags.contains("no-isolation"),
                                   timeout: UInt32(timeout), progress: { c.err($0) })
        let report = Campaign.run(opts, stop: Interrupts.requested)
        let json = JSONOutput.encode(report) + "\n"
        if let path = a.options["report"] { try AtomicFile.write(Data(json.utf8), to: path) }
        c.out(a.flags.contains("json") ? json : MainJob.summary(report, title: "campaign seed \(seed)"))
        if report.interrupted { return ExitCode.interrupted.rawValue }
        return report.revisions.contains { $0.contractMismatches > 0 } ? ExitCode.contractMismatch.rawValue : 0
    }
}

/// SIGINT/SIGTERM ask long runs to stop after the scenario in hand; what is done is reported.
enum Interrupts {
    private static let flag = Locked(false)
    static let requested: @Sendable () -> Bool = { flag.with { $0 } }
    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { flag.with { $0 = true } }
            src.resume()
            sources.with { $0.append(src) }
        }
    }
    private static let sources = Locked<[DispatchSourceSignal]>([])
}
