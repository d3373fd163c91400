import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The command-line tool, as a library so that tests run it in-process.
public enum CLI {
    public static let usage = """
    usage: hotremove [COMMAND] [OPTIONS]

      (no command)                 the main job: curated scenarios and a short seeded campaign
           [--quick] [--seed S] [--count N] [--jobs J] [--out DIR] [--timeout T] [--json]
      revisions [--json]           list revisions, geometries and provenance
      dump SCENARIO.json           run the steps up to the last add, print the kernel page tables
           [--revision R] [--timeout T] [--json]
      run SCENARIO.json            print each step's outcome per revision
           [--revision R|all]... [--timeout T] [--dump] [--trace [--trace-limit N]] [--json]
      check SCENARIO...            every revision against the model
           [--revision R]... [--timeout T] [--json | --ktap] [--fail-on findings|mismatches]
           [--baseline FILE] [--write-baseline FILE] [--no-trace]
      diff SCENARIO...             revisions side by side
           --revisions A,B [--timeout T] [--json]
      fuzz --seed S --count N      random scenarios, findings shrunk to reproducers
           [--revision R]... [--out DIR] [--report FILE] [--jobs J] [--timeout T] [--json]
      fuzz --walkers --seed S      generated scenarios with walkers, random schedules (see explore)
           [--count N] [--schedules N] [--preemptions K] [--revision R]... [--out DIR] [--json]
      history [--revisions A,B,..] [--markdown|--json] [SCENARIO...]  every revision of the patch history, one table
      scenarios [--write DIR]      list (or write out) the curated scenarios
      scenarios --seed S --index I print (or --write DIR) scenario I of campaign seed S
      bench [--quick] [--sizes ...] ...  teardown cost as memory grows (docs/PERFORMANCE.md)
      explore SCENARIO.json        the last removal beside the scenario's walkers, every interleaving that matters
           [--revision R]... [--preemptions K] [--schedules N] [--seed S] [--schedule STRING] [--json]
      findings [--markdown|--json] every rule and finding class, with where upstream stands
      oracle SCENARIO...           the scenario on a real arm64 kernel under QEMU, compared with the harness
           [--kernel 6.1|6.12] [--revision R] [--era E] [--json] [--plan]
      COMMAND --help               this text

    --revision takes a name or a comma-separated list and may be repeated; --timeout T: seconds
    one revision may spend on one scenario (default 20) before it counts as hung.

    Exit codes: 0 ok, 1 contract mismatch, 2 usage, 3 bad input, 4 I/O (a file or standard
    output could not be read or written), 5 internal, 6 interrupted (SIGINT/SIGTERM; what
    finished is reported), 7 the revision under test crashed or hung in a single run, 8 (oracle)
    QEMU or the oracle kernel is not installed.
    """

    /// seconds one revision may take on one scenario, in every command that runs revisions
    public static let defaultTimeout = 20

    public static func main(_ args: [String], console: Console = .standard, settings: Settings = Settings()) -> Int32 {
        let code = dispatch(args, console, settings)
        reportPeakRSS()
        // results that did not reach standard output are an I/O error, whatever else happened
        if let why = console.outputFailure() {
            console.err("hotremove: \(why)\n")
            return ExitCode.io.rawValue
        }
        return code
    }

    /// For `bench`, which runs this tool as a child to measure its peak RSS: with
    /// HOTREMOVE_VMHWM_FILE set, the process's own high-water RSS (VmHWM, of this process image
    /// only: the rusage a parent gets also counts the parent's memory the child shared before exec)
    /// is written there in kB.
    static func reportPeakRSS() {
        guard let path = ProcessInfo.processInfo.environment["HOTREMOVE_VMHWM_FILE"],
              let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return }
        let kb = line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        try? AtomicFile.write(Data((kb + "\n").utf8), to: path)
    }

    static func dispatch(_ args: [String], _ console: Console, _ settings: Settings) -> Int32 {
        do {
            guard let cmd = args.first else { return try MainJob.run(args, console, settings) }
            let rest = Array(args.dropFirst())
            switch cmd {
            case "help", "--help", "-h": console.out(usage + "\n"); return 0
            case "revisions": return try revisions(rest, console)
            case "dump": return try dump(rest, console, settings)
            case "run": return try run(rest, console, settings)
            case "check": return try CheckCommand.check(rest, console, settings)
            case "diff": return try CheckCommand.diff(rest, console, settings)
            case "fuzz": return try FuzzCommand.run(rest, console, settings)
            case "history": return try HistoryCommand.run(rest, console, settings)
            case "scenarios": return try scenarios(rest, console)
            case "bench": return try BenchCommand.run(rest, console, settings)
            case "explore": return try ExploreCommand.run(rest, console, settings)
            case "findings": return try FindingsCommand.run(rest, console)
            case "oracle": return try OracleCommand.run(rest, console)
            case "__worker": return try WorkerCommand.run(rest, console)
            case "__shrink": return try ShrinkCommand.run(rest, console)
            default:
                if cmd.hasPrefix("--") { return try MainJob.run(args, console, settings) }
                throw CommandError(.usage, "unknown command \"\(cmd)\"\n\n\(usage)")
            }
        } catch let e as CommandError where e.code == .ok {
            console.out(e.message + "\n")  // --help
            return 0
        } catch let e as CommandError {
            console.err("hotremove: \(e.message)\n")
            return e.code.rawValue
        } catch {
            console.err("hotremove: \(error)\n")
            return ExitCode.internalError.rawValue
        }
    }

    // MARK: shared helpers

    /// An input file the user named, read whole: a regular file of at most `limit` bytes, else an error
    /// that says what the path is instead (exit 4) or that it is too large (exit 3).  `what` names the
    /// file's kind in messages ("a scenario is a JSON file").
    static func readInput(_ path: String, what: (kind: String, format: String), limit: Int) throws -> Data {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CommandError(.io, "\(path): cannot read (\(AtomicFile.reason()))")
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw CommandError(.io, "\(path): is a directory, not \(what.kind) file")
        case S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK:
            throw CommandError(.io, "\(path): not a regular file (a device, fifo or socket); \(what.kind) is \(what.format)")
        default: throw CommandError(.io, "\(path): not a regular file")
        }
        guard st.st_size <= limit else {
            throw CommandError(.badInput, "\(path): \(st.st_size) bytes; \(what.kind) is at most \(Quantity.human(UInt64(limit)))iB")
        }
        // read(2) up to the size stat gave (and one byte more, to see a file that grew): Data(contentsOf:)
        // leaks its 4 KiB buffer on an empty file (swift-foundation, as shipped with Swift 6.3.1)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CommandError(.io, "\(path): cannot read (\(AtomicFile.reason()))") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var n = 0
        while n < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + n, $0.count - n) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw CommandError(.io, "\(path): cannot read (\(AtomicFile.reason()))") }
            if got == 0 { break }
            n += got
        }
        guard n <= limit else {
            throw CommandError(.badInput, "\(path): more than \(limit) bytes; \(what.kind) is at most \(Quantity.human(UInt64(limit)))iB")
        }
        return Data(bytes[0..<n])
    }

    static func loadScenario(_ path: String) throws -> Scenario {
        let data = try readInput(path, what: ("a scenario", "a JSON file"), limit: 64 << 20)
        do { return try Scenario.parse(data: data) } catch let e as ScenarioError {
            throw CommandError(.badInput, "\(path): \(e)")
        }
    }

    /// Revision names from every --revision (or --revisions) given, each a name or a comma-separated
    /// list, or "all" (every kernel revision); none given: the default revisions (v6, final, altmap).  Empty
    /// names and repeats are usage errors.
    static func revisionNames(_ specs: [String]?, default d: String? = nil) throws -> [String] {
        let given = specs ?? d.map { [$0] } ?? []
        if given.isEmpty { return Registry.defaultRevisions.map(\.name) }
        var names: [String] = []
        for spec in given {
            // "all" means the same in every command: every kernel revision (`revisions` lists them)
            if spec == "all" { names += Registry.revisions.map(\.name); continue }
            for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
                let n = part.trimmingCharacters(in: .whitespaces)
                guard !n.isEmpty else { throw CommandError(.usage, "--revision \(spec): an empty revision name") }
                guard Registry.revision(named: n) != nil else {
                    throw CommandError(.usage, "unknown revision \"\(n)\"; one of \(Registry.revisions.map(\.name).joined(separator: ", ")) or all (mutants: mut_*)")
                }
                names.append(n)
            }
        }
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted {
            throw CommandError(.usage, "revision \(n) is named twice")
        }
        return names
    }

    /// SIGINT/SIGTERM during a single run: the step in hand finishes, then the run stops.
    struct Interrupted: Error {}

    static func runScenario(_ sc: Scenario, revision: String, guard runGuard: RunGuard, trace: Bool = true,
                            onlyAdds: Bool = false, throughStep: Int? = nil,
                            onStep: ((StepObservation, Machine) -> Void)? = nil) throws -> ScenarioRun {
        do {
            return try runGuard.around {
                try ScenarioRunner.run(sc, revision: revision, trace: trace, onlyAdds: onlyAdds, throughStep: throughStep,
                                       stop: Interrupts.requested, onStep: onStep)
            }
        } catch let e as HarnessError where e.internalFailure {
            // validation guarantees what the C's hr_machine_create() checks: a refusal here is the harness's
            throw CommandError(.internalError, "\(sc.name) on \(revision): \(e) (the scenario passed validation)")
        } catch let e as HarnessError {
            throw CommandError(.badInput, "\(sc.name) on \(revision): \(e)")
        } catch is ScenarioRunner.Stopped {
            throw Interrupted()
        }
    }

    // MARK: revisions

    static func revisions(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: [], flags: ["json"])
        let compiled = Registry.compiledInstances
        if a.flags.contains("json") {
            struct R: Codable { let name, title, provenance: String; let geometries: [String] }
            c.out(JSONOutput.encode(Registry.revisions.map { r in
                R(name: r.name, title: r.title, provenance: r.provenance,
                  geometries: compiled.filter { $0.revision == r.name }.map(\.geometry))
            }) + "\n")
            return 0
        }
        for r in Registry.revisions {
            c.out("\(r.name)\n  \(r.title)\n  \(r.provenance)\n  geometries: \(compiled.filter { $0.revision == r.name }.map(\.geometry).joined(separator: " "))\n")
        }
        c.out("\ngeometries (page size/VA bits -> levels):\n")
        for g in Geometry.all {
            c.out("  \(g.name.padding(toLength: 7, withPad: " ", startingAt: 0)) \(g.levels) levels  PAGE_OFFSET \(PageTableDump.hex16(g.pageOffset))  VMEMMAP_START \(PageTableDump.hex16(g.vmemmapStart))\n")
        }
        return 0
    }

    // MARK: dump

    static func dump(_ args: [String], _ c: Console, _ settings: Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["revision", "timeout"], flags: ["json"])
        let runGuard = settings.guardRuns(timeout: try a.timeout())
        guard a.positional.count == 1 else { throw CommandError(.usage, "dump takes one scenario file") }
        let sc = try loadScenario(a.positional[0])
        let rev = try revisionNames(a.all["revision"], default: "final")
        guard rev.count == 1 else { throw CommandError(.usage, "dump shows one revision") }
        Interrupts.install()
        var machineSummary: (free: UInt64, effects: StepEffects, totals: RecorderTotals)?
        // every step up to the last add (removals in between included: a range may be added again)
        let lastAdd = sc.steps.lastIndex { $0.op == .add } ?? -1
        let run: ScenarioRun
        do {
            run = try runScenario(sc, revision: rev[0], guard: runGuard, trace: false, throughStep: lastAdd) { o, m in
                machineSummary = (m.freePages, o.effects, o.recorder)
            }
        } catch is Interrupted {
            c.err("hotremove: interrupted before the tables were dumped\n")
            return ExitCode.interrupted.rawValue
        }
        let final = run.steps.last?.after ?? run.boot
        if a.flags.contains("json") {
            struct D: Codable {
                let scenario, revision, geometry: String
                let runs: [ObservedRun]; let tables: [ObservedTable]
                let steps: [String]; let leakedTablePages: Int
            }
            c.out(JSONOutput.encode(D(scenario: sc.name, revision: rev[0], geometry: sc.geometry.name, runs: final.runs,
                                      tables: final.tables, steps: run.steps.map { "\($0.index): \($0.result.text)" },
                                      leakedTablePages: final.unreachableTablePages)) + "\n")
            return 0
        }
        c.out("# \(sc.name) on \(rev[0]), \(sc.geometry.name) (\(sc.geometry.levels) levels)\n")
        for o in run.steps {
            let s = sc.steps[o.index]
            c.out("# step \(o.index): \(s.op.rawValue) \(s.kind.rawValue) [\(Quantity.hex(s.start)), +\(Quantity.human(s.size))) -> \(o.result.text)\n")
        }
        c.out(PageTableDump.render(final, geometry: sc.geometry))
        c.out("\n# table pages: \(PageTableDump.tableSummary(final)); leaked \(final.unreachableTablePages)\n")
        if let ms = machineSummary {
            let ctr = ms.effects
            c.out("# allocator: \(ms.free) free pages; last step: tables allocated \(Level.allCases.map { "\($0) \(ctr.tablesAllocated[$0.rawValue])" }.joined(separator: " ")), entries set \(Level.allCases.map { "\($0) \(ctr.sets[$0.rawValue])" }.joined(separator: " ")), dsb(ishst) \(ctr.dsbIshst), isb \(ctr.isb), WARNs \(ms.totals.warns), faults \(ms.totals.faults)\n")
        }
        return 0
    }

    // MARK: run

    static func run(_ args: [String], _ c: Console, _ settings: Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["revision", "timeout", "trace-limit"], flags: ["json", "dump", "no-trace", "trace"])
        let runGuard = settings.guardRuns(timeout: try a.timeout())
        guard a.positional.count == 1 else { throw CommandError(.usage, "run takes one scenario file") }
        if a.flags.contains("trace") && a.flags.contains("no-trace") { throw CommandError(.usage, "--trace and --no-trace: choose one") }
        let traceLimit = try a.int("trace-limit", default: 2000, range: 1...Int(Int32.max))
        let sc = try loadScenario(a.positional[0])
        let revs = try revisionNames(a.all["revision"])
        let events = TraceText(sc)
        Interrupts.install()
        struct RunJSON: Codable { let revision: String; let steps: [StepReport]; let tables: [[ObservedRun]]? }
        var all: [RunJSON] = []
        var interrupted = false
        var revisionsDone = 0
        for rev in revs {
            if !a.flags.contains("json") { c.out("== \(sc.name) on \(rev), \(sc.geometry.name)\n") }
            var dumps: [[ObservedRun]] = []
            var reports: [StepReport] = []
            do {
                _ = try runScenario(sc, revision: rev, guard: runGuard, trace: !a.flags.contains("no-trace")) { o, _ in
                    let report = StepReport(step: sc.steps[o.index], o)
                    if !a.flags.contains("json") {
                        c.out(report.text)
                        if a.flags.contains("trace"), let t = o.trace {
                            // the ordered events in kernel terms, entries named by the tables they live in
                            var tables: [UInt64: ObservedTable] = [:]
                            for x in o.before.tables + o.after.tables { tables[x.pa] = x }
                            c.out("  trace (\(t.count) records; like events coalesced, repeating groups folded):\n")
                            for record in FoldedTrace(t.prefix(traceLimit)) {
                                switch record {
                                case let .event(n, e):   // n: the event number, as findings quote it
                                    c.out("    \(events.describe(e, index: n, tables: tables, warns: o.warns, faults: o.faults))\n")
                                case let .loop(body, more, n):
                                    let steps = body.map { $0.da != 0 ? "+\(Quantity.hex($0.da))" : "=" }
                                    let total = UInt64(body.count) * more
                                    c.out("    #\(n)..#\(UInt64(n) + total - 1): the \(body.count) event(s) above \(more) more time(s), addresses stepping \(steps.joined(separator: " "))\n")
                                }
                            }
                            if t.count > traceLimit { c.out("    ... \(t.count - traceLimit) more records (--trace-limit)\n") }
                        }
                        if a.flags.contains("dump") { c.out(PageTableDump.render(o.after, geometry: sc.geometry)) }
                    }
                    reports.append(report)
                    if a.flags.contains("dump") { dumps.append(o.after.runs) }
                }
            } catch is Interrupted {
                interrupted = true
            }
            if a.flags.contains("json") {
                all.append(RunJSON(revision: rev, steps: reports, tables: a.flags.contains("dump") ? dumps : nil))
            }
            if interrupted {
                c.err("hotremove: interrupted: \(reports.count) of \(sc.steps.count) steps run on \(rev); \(revisionsDone) revision\(revisionsDone == 1 ? "" : "s") before it done\n")
                break
            }
            revisionsDone += 1
        }
        if a.flags.contains("json") { c.out(JSONOutput.encode(all) + "\n") }
        return interrupted ? ExitCode.interrupted.rawValue : 0
    }

    // MARK: scenarios

    static func scenarios(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["write", "seed", "index"], flags: [])
        guard a.positional.isEmpty else { throw CommandError(.usage, "scenarios takes no files (--write DIR writes them)") }
        if let dir = a.options["write"] {
            guard !dir.isEmpty else { throw CommandError(.usage, "--write: an empty directory name") }
            try AtomicFile.checkDirectoryWritable(dir, what: "--write")
        }
        let list: [Scenario]
        if a.options["seed"] != nil || a.options["index"] != nil {
            // one scenario of a campaign, as the campaign generated it
            let seed = try a.seed(default: nil)
            let i = try a.int("index", default: 0, range: 0...Int(Int32.max))
            list = [ScenarioGenerator.generate(seed: seed, index: i)]
            if a.options["write"] == nil {
                c.out(String(decoding: list[0].jsonData(), as: UTF8.self) + "\n")
                return 0
            }
        } else {
            list = CuratedScenarios.all
        }
        if let dir = a.options["write"] {
            for sc in list {
                let path = URL(fileURLWithPath: dir).appendingPathComponent("\(sc.name).json").path
                try AtomicFile.writeNew(sc.jsonData(), to: path)
            }
            c.out("wrote \(list.count) scenario\(list.count == 1 ? "" : "s") to \(dir)\n")
            return 0
        }
        for sc in list { c.out("\(sc.name)  (\(sc.geometry.name))  \(sc.description)\n") }
        return 0
    }
}
