import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// `hotremove history`: the curated scenarios (or the given ones) on every revision of the patch
/// history, checked against the model, folded into one table: a row per revision in posting order, a
/// column per invariant or fault rule that fired anywhere (cells: scenarios affected), the contract
/// mismatches, and whether the revision has a contract at all.  Each revision runs in a worker process
/// (`history --worker`, internal) so that a posting that crashes is a `crash` cell, not the end of the table.
enum HistoryCommand {
    /// One revision's row.
    struct Row: Codable {
        var revision: String
        /// "contract" or "invariants only"
        var checkedAgainst: String
        var scenarios: Int
        /// scenarios with at least one contract mismatch
        var contractMismatches: Int
        /// rule (or "crash", "hang") -> scenarios affected
        var cells: [String: Int]
        /// scenarios the harness could not run on this revision, with why (the first few)
        var notRun: Int
        var errors: [String]
        /// rule -> where upstream stands on the findings of that cell (FindingCatalogue)
        var statuses: [String: [String]] = [:]
    }
    struct Table: Codable {
        var scenarios: Int
        var columns: [String]
        var rows: [Row]
    }

    static func run(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["revisions", "revision", "from", "jobs", "timeout"],
                              flags: ["markdown", "json", "worker", "no-isolation"])
        if a.flags.contains("worker") { return try worker(a) }
        if a.flags.contains("markdown") && a.flags.contains("json") { throw CommandError(.usage, "--markdown and --json: choose one") }
        // every --revisions and --revision given, as check takes them (a repeated option adds, never replaces)
        let given = (a.all["revisions"] ?? []) + (a.all["revision"] ?? [])
        let revs = try revisionNames(given.isEmpty ? nil : given)
        let scenarios = a.positional.isEmpty ? CuratedScenarios.all : try a.positional.map { try CLI.loadScenario($0) }
        guard !scenarios.isEmpty else { throw CommandError(.usage, "history: no scenarios") }
        let jobs = try a.int("jobs", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...64)
        let timeout = UInt32(try a.int("timeout", default: CLI.defaultTimeout, range: 1...3600))
        c.err("history: \(scenarios.count) scenarios on \(revs.count) revisions (\(revs.joined(separator: " "))), \(jobs) workers\n")
        Interrupts.install()

        let outcomes = Locked([String: [Isolation.Outcome?]]())
        let next = Locked(0)
        let worker = a.flags.contains("no-isolation") ? nil : settings.worker
        DispatchQueue.concurrentPerform(iterations: min(jobs, revs.count)) { _ in
            while !Interrupts.requested() {
                let k = next.with { n -> Int in let i = n; n += 1; return i }
                guard k < revs.count else { return }
                let rev = revs[k]
                var mine = [Isolation.Outcome?](repeating: nil, count: scenarios.count)
                if let exe = worker {
                    runWorkers(exe, rev, files: a.positional, count: scenarios.count, timeout: timeout) { mine[$0] = $1 }
                } else {
                    for (i, sc) in scenarios.enumerated() where !Interrupts.requested() { mine[i] = checkOne(sc, rev) }
                }
                outcomes.with { $0[rev] = mine }
                let crashes = mine.filter { if case .crash = $0 { return true } else { return false } }.count
                c.err("history: \(rev) done (\(scenarios.count) scenarios\(crashes > 0 ? ", \(crashes) crashed or hung" : ""))\n")
            }
        }
        let table = tabulate(revs, scenarios.count, outcomes.with { $0 })
        if a.flags.contains("json") { c.out(JSONOutput.encode(table) + "\n") }
        else { c.out(render(table, markdown: a.flags.contains("markdown"))) }
        if Interrupts.requested() {
            // what finished is in the table; what did not is counted under "not run"
            c.err("history: interrupted; the table covers the scenarios that finished (\(table.rows.map { "\($0.revision) \($0.notRun) not run" }.joined(separator: ", ")))\n")
            return ExitCode.interrupted.rawValue
        }
        if table.rows.contains(where: { $0.contractMismatches > 0 }) { return ExitCode.contractMismatch.rawValue }
        // what was not run is never reported as checked: the table says "not run", the reason goes to standard
        // error, and the exit is that of `check` refusing the input
        let notRun = table.rows.filter { $0.notRun > 0 }
        for r in notRun { c.err("history: \(r.revision): \(r.notRun) scenarios not run; first: \(r.errors.first ?? "-")\n") }
        return notRun.isEmpty ? 0 : ExitCode.badInput.rawValue
    }

    /// The history in posting order (`pre` only when named).
    static func revisionNames(_ specs: [String]?) throws -> [String] {
        // by default the patch history, without v5.6 (pre), which has no hot-remove to tabulate
        guard let specs else { return Registry.revisions.map(\.name).filter { $0 != "pre" }.sorted(by: postingOrder) }
        return try CLI.revisionNames(specs).sorted(by: postingOrder)
    }

    static let posting = ["pre", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",
                          "final", "altmap", "fix2025", "fix2026"]
    static func postingOrder(_ a: String, _ b: String) -> Bool {
        (posting.firstIndex(of: a) ?? posting.count, a) < (posting.firstIndex(of: b) ?? posting.count, b)
    }

    /// One scenario on one revision, as `check` runs it: a step the revision's kernel is not asked (its input
    /// invalid given what the earlier steps left, e.g. an add over memory already present) is an error, and
    /// the scenario counts as not run on that revision, never as checked.
    static func checkOne(_ sc: Scenario, _ rev: String) -> Isolation.Outcome {
        do { return .result(try Checker.check(sc, revision: rev, rejectInvalid: true)) } catch { return .error("\(error)") }
    }

    // MARK: table

    static func tabulate(_ revs: [String], _ count: Int, _ outcomes: [String: [Isolation.Outcome?]]) -> Table {
        var rows: [Row] = []
        var columns = Set<String>()
        for rev in revs {
            let contract = RevisionContract.named(Registry.revision(named: rev)?.contract ?? rev) != nil
            var row = Row(revision: rev, checkedAgainst: contract ? "contract" : "invariants only", scenarios: 0,
                          contractMismatches: 0, cells: [:], notRun: 0, errors: [])
            // a revision never started (interrupted first) ran none of the scenarios
            for out in outcomes[rev] ?? Array(repeating: nil, count: count) {
                switch out {
                case .result(let r)?:
                    row.scenarios += 1
                    if r.contractMismatches > 0 { row.contractMismatches += 1 }
                    let findings = r.findings.filter { $0.classification != .contractMismatch }
                    for rule in Set(findings.map(\.rule)) {
                        row.cells[rule, default: 0] += 1
                    }
                    for (f, status) in zip(r.findings, r.statuses) where f.classification != .contractMismatch
                        && !(row.statuses[f.rule] ?? []).contains(status) {
                        row.statuses[f.rule, default: []].append(status)
                    }
                case .crash(let why)?:
                    row.scenarios += 1
                    row.cells[why.hasPrefix("HANG") ? "hang" : "crash", default: 0] += 1
                    if row.errors.count < 5 { row.errors.append(why) }
                case .error(let e)?:
                    row.notRun += 1
                    if row.errors.count < 5 { row.errors.append(e) }
                case nil:
                    row.notRun += 1
                }
            }
            columns.formUnion(row.cells.keys)
            rows.append(row)
        }
        // invariants first, then faults, then crashes and hangs
        func rank(_ r: String) -> Int { r.hasPrefix("inv.") ? 0 : r.hasPrefix("fault.") ? 1 : r == "crash" || r == "hang" ? 2 : 3 }
        return Table(scenarios: count, columns: columns.sorted { (rank($0), $0) < (rank($1), $1) }, rows: rows)
    }

    static func render(_ t: Table, markdown: Bool) -> String {
        let head = ["revision"] + t.columns + ["contract mismatches", "checked against"] + (t.rows.contains { $0.notRun > 0 } ? ["not run"] : [])
        let body = t.rows.map { r in
            [r.revision] + t.columns.map { "\(r.cells[$0] ?? 0)" } + ["\(r.contractMismatches)", r.checkedAgainst]
                + (head.last == "not run" ? ["\(r.notRun)"] : [])
        }
        var s = ""
        if markdown {
            s += "| " + head.joined(separator: " | ") + " |\n"
            s += "| " + head.indices.map { $0 == 0 || $0 == head.count - 1 && head[$0] == "checked against" ? "---" : "---:" }.joined(separator: " | ") + " |\n"
            for b in body { s += "| " + b.joined(separator: " | ") + " |\n" }
        } else {
            let widths = head.indices.map { i in max(head[i].count, body.map { $0[i].count }.max() ?? 0) }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, v in
                    let pad = String(repeating: " ", count: widths[i] - v.count)
                    return i == 0 || head[i] == "checked against" ? v + pad : pad + v
                }.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
            }
            s += line(head)
            for b in body { s += line(b) }
        }
        s += "\n\(t.scenarios) scenarios per revision; cells: scenarios with at least one finding of the column's rule.\n"
        // where upstream stands, per status: the rule and the revisions whose cells it explains
        var byStatus: [String: [String: [String]]] = [:]
        for r in t.rows { for (rule, sts) in r.statuses { for st in sts { byStatus[st, default: [:]][rule, default: []].append(r.revision) } } }
        if !byStatus.isEmpty {
            s += "\nwhere upstream stands (findings/README.md has each class):\n"
            for st in byStatus.keys.sorted() {
                s += "  \(st):\n"
                for (rule, revs) in byStatus[st]!.sorted(by: { $0.key < $1.key }) {
                    s += "    \(rule): \(revs.joined(separator: " "))\n"
                }
            }
        }
        for r in t.rows where !r.errors.isEmpty {
            s += "\(r.revision): \(r.errors.joined(separator: "; "))\n"
        }
        return s
    }

    // MARK: workers

    /// Runs every scenario on `rev` in worker processes (`history --worker`), one after another, starting a
    /// new worker after the scenario a worker died in.
    static func runWorkers(_ exe: String, _ rev: String, files: [String], count: Int, timeout: UInt32,
                           deliver: (Int, Isolation.Outcome) -> Void) {
        Isolation.runWorkers(executable: exe, indices: 0..<count, stop: { Interrupts.requested() }, deliver: deliver) { next in
            ["history", "--worker", "--revisions", rev, "--from", "\(next)", "--timeout", "\(timeout)"] + files
        }
    }

    /// `history --worker --revisions R --from N [FILE...]`: checks scenarios N... on R, one line each
    /// (BEGIN i, then RESULT i JSON or ERROR i why; the crash guard writes CRASH/HANG lines).
    static func worker(_ a: Arguments) throws -> Int32 {
        guard let rev = a.options["revisions"], Registry.revision(named: rev) != nil,
              let from = Int(a.options["from"] ?? "") else {
            throw CommandError(.usage, "history --worker is internal to history")
        }
        let timeout = UInt32(a.options["timeout"] ?? "\(CLI.defaultTimeout)") ?? UInt32(CLI.defaultTimeout)
        let scenarios = a.positional.isEmpty ? CuratedScenarios.all : try a.positional.map { try CLI.loadScenario($0) }
        guard (0...scenarios.count).contains(from) else { throw CommandError(.usage, "history --worker: --from \(from) is past the scenarios") }
        Isolation.serve(from..<scenarios.count, timeout: timeout) { i in ("\(scenarios[i].name) \(rev)", { checkOne(scenarios[i], rev) }) }
        return 0
    }
}
