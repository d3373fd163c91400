import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// A seeded campaign: random scenarios checked on every chosen revision, in parallel,
/// every distinct finding shrunk to a minimal reproducer.
public struct CampaignOptions: Sendable {
    public var seed: UInt64
    public var count: Int
    public var revisions: [String]
    public var jobs: Int
    public var outDir: String?
    public var shrink: Bool
    public var progress: (@Sendable (String) -> Void)?
    /// run the revisions' code in worker processes (crash and hang isolation)
    public var isolate: Bool
    /// per (scenario, revision) time limit in isolated runs, seconds
    public var timeout: UInt32
    /// the executable isolated runs use as their worker (`__worker`, `__shrink`); nil: the campaign runs
    /// in this process
    public var worker: String?
    public init(seed: UInt64, count: Int, revisions: [String], jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                outDir: String? = nil, shrink: Bool = true, isolate: Bool = true, timeout: UInt32 = 20,
                worker: String? = Isolation.toolExecutable, progress: (@Sendable (String) -> Void)? = nil) {
        self.seed = seed; self.count = count; self.revisions = revisions; self.jobs = max(1, jobs)
        self.outDir = outDir; self.shrink = shrink; self.progress = progress
        self.isolate = isolate; self.timeout = timeout; self.worker = worker
    }
    /// geometries every chosen revision is compiled for (mutants: three)
    public var geometries: [Geometry] {
        revisions.allSatisfy { name in Registry.revisions.contains { $0.name == name } }
            ? Geometry.all : Registry.mutantGeometries.compactMap { Geometry(name: $0) }
    }
}

/// What a campaign found, in a stable order (the report is byte-identical for a seed).
public struct CampaignReport: Codable, Sendable {
    public struct RevisionSummary: Codable, Sendable {
        public var revision: String
        public var scenarios: Int
        public var stepsChecked: Int
        /// steps not run: an earlier step oopsed holding the hotplug locks (nil: none)
        public var stepsBlocked: Int?
        public var contractMismatches: Int
        public var invariantViolations: Int
        public var faults: Int
        public var crashes: Int
        public var harnessErrors: Int

        /// Nothing counted yet.
        package init(revision: String) {
            self.revision = revision
            scenarios = 0; stepsChecked = 0; contractMismatches = 0; invariantViolations = 0; faults = 0; crashes = 0; harnessErrors = 0
        }

        /// Counts one checked scenario in.
        package mutating func count(_ r: CheckResult) {
            scenarios += 1
            stepsChecked += r.stepsChecked
            if let b = r.stepsBlocked { stepsBlocked = (stepsBlocked ?? 0) + b }
            contractMismatches += r.contractMismatches
            invariantViolations += r.invariantViolations
            faults += r.faults
            if r.crash != nil { crashes += 1 }
        }
    }
    public struct FindingGroup: Codable, Sendable {
        public var revision: String
        public var classification: String
        public var rule: String
        /// the catalogue's class of these findings (FindingCatalogue), nil when none fits
        public var findingClass: String?
        /// where upstream stands on them, as the catalogue says
        public var status: String
        public var scenarios: Int
        /// of those, the scenarios whose era fields lie outside the revision's kernel (nil: none)
        public var whatIfScenarios: Int?
        public var firstScenario: String
        public var example: String
        public var reproducer: String?
    }
    public var seed: UInt64
    public var count: Int
    public var completed: Int
    public var interrupted: Bool
    public var revisions: [RevisionSummary]
    public var findings: [FindingGroup]
    /// scenarios the harness could not run (the first few), with why
    public var errors: [String] = []
    /// reproducers that could not be written, with why (the command exits 4)
    public var writeErrors: [String]?

    package init(seed: UInt64, count: Int, completed: Int, interrupted: Bool, revisions: [RevisionSummary], findings: [FindingGroup], errors: [String] = [], writeErrors: [String]? = nil) {
        self.seed = seed; self.count = count; self.completed = completed; self.interrupted = interrupted; self.revisions = revisions; self.findings = findings; self.errors = errors; self.writeErrors = writeErrors
    }
}

package final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    package init(_ v: T) { value = v }
    package func with<R>(_ f: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return f(&value) }
}

public enum Campaign {
    package struct CaseResult: Sendable {
        package var perRevision: [CheckResult?]
        package var errors: [String?]
    }

    /// Checks scenario `index` of the campaign on every revision.
    package static func runCase(_ o: CampaignOptions, _ index: Int) -> CaseResult {
        let sc = ScenarioGenerator.generate(seed: o.seed, index: index, geometries: o.geometries)
        var results: [CheckResult?] = []
        var errors: [String?] = []
        for rev in o.revisions {
            do {
                results.append(try Checker.check(sc, revision: rev))
                errors.append(nil)
            } catch {
                results.append(nil)
                errors.append("\(error)")
            }
        }
        return CaseResult(perRevision: results, errors: errors)
    }

    public static func run(_ o: CampaignOptions, stop: @escaping @Sendable () -> Bool = { false }) -> CampaignReport {
        let nrev = o.revisions.count
        let pairs = o.count * nrev
        // Results are folded in as each scenario's revisions are all in: memory stays bounded by the
        // scenarios in flight, not the campaign's size.
        let pending = Locked([Int: [Isolation.Outcome?]]())
        let acc = Locked(Accumulator(o))
        let done = Locked(0)
        let start = Date()
        let lastProgress = Locked(Date())
        let deliver: @Sendable (Int, Isolation.Outcome) -> Void = { p, out in
            let i = p / nrev
            let complete = pending.with { pend -> [Isolation.Outcome?]? in
                var mine = pend[i] ?? [Isolation.Outcome?](repeating: nil, count: nrev)
                mine[p % nrev] = out
                if mine.allSatisfy({ $0 != nil }) { pend[i] = nil; return mine }
                pend[i] = mine
                return nil
            }
            if let complete {
                let c = caseResult(o, i, complete.map { $0! })
                acc.with { $0.fold(i, c) }
            }
            let d = done.with { $0 += 1; return $0 }
            guard let report = o.progress else { return }
            let now = Date()
            let due = lastProgress.with { last -> Bool in
                guard now.timeIntervalSince(last) >= 1 || d == pairs else { return false }
                last = now
                return true
            }
            if due {
                let rate = Double(d / nrev) / max(now.timeIntervalSince(start), 1e-3)
                report("fuzz: \(d / nrev)/\(o.count) scenarios (\(Int(rate))/s), seed \(o.seed)\n")
            }
        }
        let next = Locked(0)
        if o.isolate, let exe = o.worker {
            let chunk = max(8, min(256, pairs / (o.jobs * 4) + 1))
            DispatchQueue.concurrentPerform(iterations: o.jobs) { _ in
                while !stop() {
                    let from = next.with { n -> Int in let f = n; n += chunk; return f }
                    guard from < pairs else { return }
                    Isolation.runChunk(executable: exe, seed: o.seed, revisions: o.revisions, geometries: o.geometries,
                                       from: from, to: min(pairs, from + chunk), timeout: o.timeout, stop: stop, deliver: deliver)
                }
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: o.jobs) { _ in
                while !stop() {
                    let p = next.with { n -> Int in let i = n; n += 1; return i }
                    guard p < pairs else { return }
                    let sc = ScenarioGenerator.generate(seed: o.seed, index: p / nrev, geometries: o.geometries)
                    do { deliver(p, .result(try Checker.check(sc, revision: o.revisions[p % nrev]))) } catch {
                        deliver(p, .error("\(error)"))
                    }
                }
            }
        }
        return report(o, acc.with { $0 }, quick: stop())
    }

    /// One scenario's outcomes on every revision; a crash or hang becomes a fault finding.
    package static func caseResult(_ o: CampaignOptions, _ i: Int, _ outs: [Isolation.Outcome]) -> CaseResult {
        var rs: [CheckResult?] = [], es: [String?] = []
        for (k, out) in outs.enumerated() {
            switch out {
            case .result(let r): rs.append(r); es.append(nil)
            case .error(let e): rs.append(nil); es.append(e)
            case .crash(let why):
                let sc = ScenarioGenerator.generate(seed: o.seed, index: i, geometries: o.geometries)
                let hang = why.hasPrefix("HANG")
                let stepNo = why.range(of: #"step (\d+)"#, options: .regularExpression)
                    .flatMap { Int(why[$0].dropFirst(5)) } ?? -1
                let f = Finding(step: stepNo, classification: .fault, rule: hang ? "hang" : "crash", level: nil, va: nil,
                                expected: hang ? "the step finishes within \(o.timeout) s" : "no fatal signal",
                                found: why, message: "\(o.revisions[k]) \(hang ? "hung" : "crashed"): \(why)")
                rs.append(CheckResult(scenario: sc.name, revision: o.revisions[k], geometry: sc.geometry.name,
                                      stepsChecked: 0, findings: [f], crash: why))
                es.append(nil)
            }
        }
        return CaseResult(perRevision: rs, errors: es)
    }

    /// What the finished scenarios add up to, whatever order they finish in: sums, and per
    /// (revision, class, rule) the number of scenarios and the first (lowest-index) example.
    package struct Accumulator: Sendable {
        package struct Key: Hashable, Sendable { let rev: String; let cls: String; let rule: String; let findingClass: String }
        package var sums: [CampaignReport.RevisionSummary]
        package var groups: [Key: (count: Int, first: Int, example: String, whatIf: Int, status: String)] = [:]
        package var completed = 0
        /// (scenario, revision slot, text): the lowest-index few kept
        package var errors: [(Int, Int, String)] = []
        package let revisions: [String]
        package let seed: UInt64

        package init(_ o: CampaignOptions) {
            revisions = o.revisions
            seed = o.seed
            sums = o.revisions.map { CampaignReport.RevisionSummary(revision: $0) }
        }

        package mutating func fold(_ i: Int, _ r: CaseResult) {
            completed += 1
            for (k, rev) in revisions.enumerated() {
                if let e = r.errors[k] {
                    sums[k].harnessErrors += 1
                    errors.append((i, k, "fuzz-\(seed)-\(i) on \(rev): \(e)"))
                    if errors.count > 40 { errors.sort { ($0.0, $0.1) < ($1.0, $1.1) }; errors.removeLast(errors.count - 20) }
                    continue
                }
                guard let c = r.perRevision[k] else { continue }
                sums[k].count(c)
                var seen = Set<Key>()
                let geometry = Geometry(name: c.geometry), whatIf = c.whatIf == nil ? 0 : 1
                for f in c.findings {
                    let cat = FindingCatalogue.shared
                    let key = Key(rev: rev, cls: f.classification.rawValue, rule: f.rule,
                                  findingClass: cat.classOf(f, revision: rev, geometry: geometry)?.id ?? "")
                    guard seen.insert(key).inserted else { continue }
                    if let g = groups[key] {
                        groups[key] = i < g.first ? (g.count + 1, i, f.line, g.whatIf + whatIf, g.status)
                            : (g.count + 1, g.first, g.example, g.whatIf + whatIf, g.status)
                    } else {
                        groups[key] = (1, i, f.line, whatIf, cat.statusText(f, revision: rev, geometry: geometry))
                    }
                }
            }
        }
    }

    /// Shrinks scenario `index` while the finding stays and writes it to `path`.  With isolation the shrinking
    /// runs in a worker process (a candidate may crash); if that worker dies, the unshrunk scenario is written.
    package static func writeReproducer(_ o: CampaignOptions, index: Int, revision: String, classification: String,
                                rule: String, to path: String) throws -> String {
        let sc = ScenarioGenerator.generate(seed: o.seed, index: index, geometries: o.geometries)
        var repro = sc
        let crashLike = rule == "crash" || rule == "hang"
        let shrink = o.shrink
        if shrink, !crashLike, o.isolate, let exe = o.worker {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: exe)
            proc.arguments = ["__shrink", "--seed", "\(o.seed)", "--index", "\(index)", "--revision", revision,
                              "--geometries", o.geometries.map(\.name).joined(separator: ","),
                              "--class", classification, "--rule", rule, "--out", path]
            proc.standardOutput = FileHandle.nullDevice
            proc.standardError = FileHandle.nullDevice
            if (try? proc.run()) != nil {
                proc.waitUntilExit()
                if proc.terminationReason == .exit && proc.terminationStatus == 0 { return path }
            }
        } else if shrink, !crashLike {
            repro = shrinkInProcess(sc, revision: revision, classification: classification, rule: rule)
        }
        repro.description = "reproducer: \(classification) \(rule) on \(revision); from seed \(o.seed) index \(index)"
            + (crashLike ? " (not shrunk: the revision crashes)" : shrink ? "" : " (not shrunk)")
        try AtomicFile.writeNew(repro.jsonData(), to: path)
        return path
    }

    /// `<revision>-<class>-<rule>-s<seed>-i<index>.json`: unique per campaign and finding, so campaigns
    /// sharing a directory never overwrite each other's reproducers.
    public static func reproducerName(revision: String, classification: String, rule: String, seed: UInt64, index: Int) -> String {
        func safe(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }) }
        return "\(safe(revision))-\(safe(classification))-\(safe(rule))-s\(seed)-i\(index).json"
    }

    package static func shrinkInProcess(_ sc: Scenario, revision: String, classification: String, rule: String) -> Scenario {
        Shrinker.shrink(sc) { candidate in
            // a reproducer is a file `hotremove check` accepts: only candidates that pass validation
            guard (try? candidate.validate()) != nil,
                  let c = try? Checker.check(candidate, revision: revision) else { return false }
            return c.findings.contains { $0.rule == rule && $0.classification.rawValue == classification }
        }
    }

    /// `quick`: after an interruption reproducers are written as found, not shrunk.
    package static func report(_ o: CampaignOptions, _ acc: Accumulator, quick: Bool = false) -> CampaignReport {
        let sums = acc.sums, groups = acc.groups, completed = acc.completed
        let errors = acc.errors.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(20).map(\.2)
        let order = groups.keys.sorted { ($0.rev, $0.cls, $0.rule, $0.findingClass) < ($1.rev, $1.cls, $1.rule, $1.findingClass) }
        var names = Set<String>()
        var findings: [CampaignReport.FindingGroup] = []
        var writeErrors: [String] = []
        for key in order {
            let g = groups[key]!
            var path: String?
            if let dir = o.outDir {
                var name = reproducerName(revision: key.rev, classification: key.cls, rule: key.rule, seed: o.seed, index: g.first)
                // two classes of one rule first seen in one scenario: the second is named by its class
                if !names.insert(name).inserted { name = name.replacingOccurrences(of: ".json", with: "--\(key.findingClass).json") }
                let p = URL(fileURLWithPath: dir).appendingPathComponent(name).path
                var opts = o
                if quick { opts.shrink = false }
                do {
                    path = try writeReproducer(opts, index: g.first, revision: key.rev, classification: key.cls, rule: key.rule, to: p)
                } catch let e as CommandError {
                    writeErrors.append("reproducer \(p): \(e.message)")
                } catch {
                    writeErrors.append("reproducer \(p): \(error)")
                }
            }
            findings.append(.init(revision: key.rev, classification: key.cls, rule: key.rule,
                                  findingClass: key.findingClass.isEmpty ? nil : key.findingClass, status: g.status,
                                  scenarios: g.count, whatIfScenarios: g.whatIf > 0 ? g.whatIf : nil,
                                  firstScenario: "fuzz-\(o.seed)-\(g.first)", example: g.example, reproducer: path))
        }
        return CampaignReport(seed: o.seed, count: o.count, completed: completed, interrupted: completed < o.count,
                              revisions: sums, findings: findings, errors: errors,
                              writeErrors: writeErrors.isEmpty ? nil : writeErrors)
    }
}
