import CShim
import Foundation
import HotRemoveModel

/// The command-line tool, as a library so that tests run it in-process.
public enum CLI {
    public static let usage = """
    usage: hotremove [COMMAND] [OPTIONS]

      (no command)                 the main job: curated scenarios and a short seeded campaign
                                   on every revision and geometry, checked against the model
      revisions                    list revisions, geometries and provenance
      dump SCENARIO.json           run the add steps, print the kernel page tables
           [--revision R] [--json]
      run SCENARIO.json            print each step's outcome per revision
           [--revision R|all] [--dump] [--trace [--trace-limit N]] [--json]
      check SCENARIO...            every revision against the model
           [--revision R]... [--json | --ktap] [--fail-on findings|mismatches]
           [--baseline FILE] [--write-baseline FILE] [--no-trace]
      diff SCENARIO...             revisions side by side
           --revisions A,B [--json]
      fuzz --seed S --count N      random scenarios, findings shrunk to reproducers
           [--revision R]... [--out DIR] [--jobs J] [--json]
      history [--revisions A,B,..] [--markdown|--json] [SCENARIO...]  every revision of the patch history, one table
      scenarios [--write DIR]      list (or write out) the curated scenarios
      scenarios --seed S --index I print scenario I of campaign seed S
      bench [--quick] [--sizes ...] ...  teardown cost as memory grows (see README)

    Exit codes: 0 ok, 1 contract mismatch, 2 usage, 3 bad input, 4 I/O, 5 internal, 6 interrupted.
    """

    public static func main(_ args: [String], console: Console = .standard) -> Int32 {
        do {
            guard let cmd = args.first else { return try MainJob.run(Array(args.dropFirst(0)), console) }
            let rest = Array(args.dropFirst())
            switch cmd {
            case "help", "--help", "-h": console.out(usage + "\n"); return 0
            case "revisions": return try revisions(rest, console)
            case "dump": return try dump(rest, console)
            case "run": return try run(rest, console)
            case "check": return try CheckCommand.check(rest, console)
            case "diff": return try CheckCommand.diff(rest, console)
            case "fuzz": return try FuzzCommand.run(rest, console)
            case "history": return try HistoryCommand.run(rest, console)
            case "scenarios": return try scenarios(rest, console)
            case "bench": return try BenchCommand.run(rest, console)
            case "__worker": return try WorkerCommand.run(rest, console)
            case "__shrink": return try ShrinkCommand.run(rest, console)
            default:
                if cmd.hasPrefix("--") { return try MainJob.run(args, console) }
                throw CommandError(.usage, "unknown command \"\(cmd)\"\n\n\(usage)")
            }
        } catch let e as CommandError {
            console.err("hotremove: \(e.message)\n")
            return e.code.rawValue
        } catch {
            console.err("hotremove: \(error)\n")
            return ExitCode.internalError.rawValue
        }
    }

    // MARK: shared helpers

    static func loadScenario(_ path: String) throws -> Scenario {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandError(.io, "\(path): cannot read (\((error as NSError).localizedDescription))")
        }
        do { return try Scenario.parse(data: data) } catch let e as ScenarioError {
            throw CommandError(.badInput, "\(path): \(e)")
        }
    }

    static func revisionNames(_ spec: String?) throws -> [String] {
        guard let spec, spec != "all" else { return Registry.defaultRevisions.map(\.name) }
        let names = spec.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for n in names where Registry.revision(named: n) == nil {
            throw CommandError(.usage, "unknown revision \"\(n)\"; one of \(Registry.revisions.map(\.name).joined(separator: ", ")) or all (mutants: mut_*)")
        }
        guard !names.isEmpty else { throw CommandError(.usage, "no revision named") }
        return names
    }

    /// Single runs report a crash or hang of the code under test (signal, scenario, revision, step) on
    /// standard error and exit with code 7, instead of dying silently.
    nonisolated(unsafe) static var guardInstalled = false
    /// set by the hotremove executable; tests running the CLI in-process leave it off
    nonisolated(unsafe) public static var crashGuard = false
    static func installCrashGuard(timeout: UInt32 = 600) {
        guard crashGuard else { return }
        if !guardInstalled {
            hr_crash_guard_install(2, ExitCode.crashed.rawValue)
            guardInstalled = true
        }
        hr_crash_alarm(timeout)
    }

    static func runScenario(_ sc: Scenario, revision: String, trace: Bool = true, onlyAdds: Bool = false,
                            onStep: ((StepObservation, Machine) -> Void)? = nil) throws -> ScenarioRun {
        do { return try ScenarioRunner.run(sc, revision: revision, trace: trace, onlyAdds: onlyAdds, onStep: onStep) } catch let e as HarnessError {
            throw CommandError(.badInput, "\(sc.name) on \(revision): \(e)")
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

    static func dump(_ args: [String], _ c: Console) throws -> Int32 {
        installCrashGuard()
        let a = try Arguments(args, valued: ["revision"], flags: ["json"])
        guard a.positional.count == 1 else { throw CommandError(.usage, "dump takes one scenario file") }
        let sc = try loadScenario(a.positional[0])
        let rev = try revisionNames(a.options["revision"] ?? "final")
        guard rev.count == 1 else { throw CommandError(.usage, "dump shows one revision") }
        var machineSummary: (free: UInt64, counters: ObservedCounters)?
        let run = try runScenario(sc, revision: rev[0], trace: false, onlyAdds: true) { _, m in
            machineSummary = (m.freePages, m.counters)
        }
        let final = run.steps.last?.after ?? run.boot
        if a.flags.contains("json") {
            struct D: Codable {
                let scenario, revision, geometry: String
                let runs: [ObservedRun]; let tables: [ObservedTable]
                let steps: [String]; let leakedTablePages: Int
            }
            c.out(JSONOutput.encode(D(scenario: sc.name, revision: rev[0], geometry: sc.geometry.name, runs: final.runs,
                                      tables: final.tables, steps: run.steps.map { "\($0.index): \(result($0.result))" },
                                      leakedTablePages: final.unreachableTablePages)) + "\n")
            return 0
        }
        c.out("# \(sc.name) on \(rev[0]), \(sc.geometry.name) (\(sc.geometry.levels) levels)\n")
        for o in run.steps {
            let s = sc.steps[o.index]
            c.out("# step \(o.index): add \(s.kind.rawValue) [\(Quantity.hex(s.start)), +\(Quantity.human(s.size))) -> \(result(o.result))\n")
        }
        c.out(PageTableDump.render(final, geometry: sc.geometry))
        c.out("\n# table pages: \(PageTableDump.tableSummary(final)); leaked \(final.unreachableTablePages)\n")
        if let ms = machineSummary {
            let ctr = ms.counters
            c.out("# allocator: \(ms.free) free pages; last step: tables allocated \(Level.allCases.map { "\($0) \(ctr.tablesAllocated[$0.rawValue])" }.joined(separator: " ")), entries set \(Level.allCases.map { "\($0) \(ctr.sets[$0.rawValue])" }.joined(separator: " ")), dsb(ishst) \(ctr.dsbIshst), isb \(ctr.isb), WARNs \(ctr.warns), faults \(ctr.faults)\n")
        }
        return 0
    }

    static func result(_ r: StepResult) -> String {
        switch r {
        case .ok: return "ok"
        case .error(let e): return "error \(e)"
        case .refused: return "refused by a memory notifier"
        case .oops(let m): return "oops: \(m)"
        case .invalid(let m): return "invalid: \(m)"
        }
    }

    // MARK: run

    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        installCrashGuard()
        let a = try Arguments(args, valued: ["revision", "trace-limit"], flags: ["json", "dump", "no-trace", "trace"])
        guard a.positional.count == 1 else { throw CommandError(.usage, "run takes one scenario file") }
        if a.flags.contains("trace") && a.flags.contains("no-trace") { throw CommandError(.usage, "--trace and --no-trace: choose one") }
        let traceLimit = try a.int("trace-limit", default: 2000, range: 1...Int(Int32.max))
        let sc = try loadScenario(a.positional[0])
        let revs = try revisionNames(a.options["revision"])
        let events = TraceText(sc)
        struct RunJSON: Codable { let revision: String; let steps: [StepReport]; let tables: [[ObservedRun]]? }
        var all: [RunJSON] = []
        for rev in revs {
            if !a.flags.contains("json") { c.out("== \(sc.name) on \(rev), \(sc.geometry.name)\n") }
            var dumps: [[ObservedRun]] = []
            let run = try runScenario(sc, revision: rev, trace: !a.flags.contains("no-trace")) { o, _ in
                if !a.flags.contains("json") {
                    c.out(StepReport(step: sc.steps[o.index], o).text)
                    if a.flags.contains("trace"), let t = o.trace {
                        // the ordered events in kernel terms, entries named by the tables they live in
                        var tables: [UInt64: ObservedTable] = [:]
                        for x in o.before.tables + o.after.tables { tables[x.pa] = x }
                        c.out("  trace (\(t.count) records; like events coalesced, repeating groups folded):\n")
                        var n = 0   // the event number, as findings quote it
                        for (r, e) in t.prefix(traceLimit).enumerated() {
                            if e.kind == .repeatPrevious {
                                let steps = t[max(0, r - e.level) ..< r].map { $0.da != 0 ? "+\(Quantity.hex($0.da))" : "=" }
                                let total = UInt64(e.level) * e.count
                                c.out("    #\(n)..#\(UInt64(n) + total - 1): the \(e.level) event(s) above \(e.count) more time(s), addresses stepping \(steps.joined(separator: " "))\n")
                                n += Int(total)
                            } else {
                                c.out("    \(events.describe(e, index: n, tables: tables, warns: o.warns, faults: o.faults))\n")
                                n += 1
                            }
                        }
                        if t.count > traceLimit { c.out("    ... \(t.count - traceLimit) more records (--trace-limit)\n") }
                    }
                    if a.flags.contains("dump") { c.out(PageTableDump.render(o.after, geometry: sc.geometry)) }
                }
                if a.flags.contains("dump") { dumps.append(o.after.runs) }
            }
            if a.flags.contains("json") {
                all.append(RunJSON(revision: rev, steps: run.steps.map { StepReport(step: sc.steps[$0.index], $0) },
                                   tables: a.flags.contains("dump") ? dumps : nil))
            }
        }
        if a.flags.contains("json") { c.out(JSONOutput.encode(all) + "\n") }
        return 0
    }

    // MARK: scenarios

    static func scenarios(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["write", "seed", "index"], flags: [])
        if let seedText = a.options["seed"] {
            // one scenario of a campaign, as the campaign generated it
            guard let seed = UInt64(seedText) else { throw CommandError(.usage, "--seed \(seedText): a whole number") }
            let i = try a.int("index", default: 0, range: 0...Int(Int32.max))
            c.out(String(decoding: ScenarioGenerator.generate(seed: seed, index: i).jsonData(), as: UTF8.self) + "\n")
            return 0
        }
        let list = CuratedScenarios.all
        if let dir = a.options["write"] {
            for sc in list {
                let path = URL(fileURLWithPath: dir).appendingPathComponent("\(sc.name).json").path
                try AtomicFile.write(sc.jsonData(), to: path)
            }
            c.out("wrote \(list.count) scenarios to \(dir)\n")
            return 0
        }
        for sc in list { c.out("\(sc.name)  (\(sc.geometry.name))  \(sc.description)\n") }
        return 0
    }
}
