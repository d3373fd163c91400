import Foundation
import HotRemoveModel

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
    public init(seed: UInt64, count: Int, revisions: [String], jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                outDir: String? = nil, shrink: Bool = true, progress: (@Sendable (String) -> Void)? = nil) {
        self.seed = seed; self.count = count; self.revisions = revisions; self.jobs = max(1, jobs)
        self.outDir = outDir; self.shrink = shrink; self.progress = progress
    }
}

/// What a campaign found, in a stable order (the report is byte-identical for a seed).
public struct CampaignReport: Codable, Sendable {
    public struct RevisionSummary: Codable, Sendable {
        public var revision: String
        public var scenarios: Int
        public var stepsChecked: Int
        public var contractMismatches: Int
        public var invariantViolations: Int
        public var faults: Int
        public var crashes: Int
        public var harnessErrors: Int
    }
    public struct FindingGroup: Codable, Sendable {
        public var revision: String
        public var classification: String
        public var rule: String
        public var scenarios: Int
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
}

final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ v: T) { value = v }
    func with<R>(_ f: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return f(&value) }
}

public enum Campaign {
    struct CaseResult: Sendable {
        var perRevision: [CheckResult?]
        var errors: [String?]
    }

    /// Checks scenario `index` of the campaign on every revision.
    static func runCase(_ o: CampaignOptions, _ index: Int) -> CaseResult {
        let sc = ScenarioGenerator.generate(seed: o.seed, index: index)
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
        let results = Locked([CaseResult?](repeating: nil, count: o.count))
        let next = Locked(0)
        let done = Locked(0)
        let start = Date()
        let lastProgress = Locked(Date())
        DispatchQueue.concurrentPerform(iterations: o.jobs) { _ in
            while !stop() {
                let i = next.with { n -> Int in let i = n; n += 1; return i }
                guard i < o.count else { return }
                let r = runCase(o, i)
                results.with { $0[i] = r }
                let d = done.with { $0 += 1; return $0 }
                if let p = o.progress {
                    let now = Date()
                    let due = lastProgress.with { last -> Bool in
                        guard now.timeIntervalSince(last) >= 1 || d == o.count else { return false }
                        last = now
                        return true
                    }
                    if due {
                        let rate = Double(d) / max(now.timeIntervalSince(start), 1e-3)
                        p("fuzz: \(d)/\(o.count) scenarios (\(Int(rate))/s), seed \(o.seed)\n")
                    }
                }
            }
        }
        return report(o, results.with { $0 })
    }

    static func report(_ o: CampaignOptions, _ results: [CaseResult?]) -> CampaignReport {
        var sums = o.revisions.map {
            CampaignReport.RevisionSummary(revision: $0, scenarios: 0, stepsChecked: 0, contractMismatches: 0,
                                           invariantViolations: 0, faults: 0, crashes: 0, harnessErrors: 0)
        }
        struct Key: Hashable { let rev: String; let cls: String; let rule: String }
        var groups: [Key: (count: Int, first: Int, example: String)] = [:]
        var order: [Key] = []
        var completed = 0
        for (i, r) in results.enumerated() {
            guard let r else { continue }
            completed += 1
            for (k, rev) in o.revisions.enumerated() {
                if r.errors[k] != nil { sums[k].harnessErrors += 1; continue }
                guard let c = r.perRevision[k] else { continue }
                sums[k].scenarios += 1
                sums[k].stepsChecked += c.stepsChecked
                sums[k].contractMismatches += c.contractMismatches
                sums[k].invariantViolations += c.invariantViolations
                sums[k].faults += c.faults
                if c.crash != nil { sums[k].crashes += 1 }
                var seen = Set<Key>()
                for f in c.findings {
                    let key = Key(rev: rev, cls: f.classification.rawValue, rule: f.rule)
                    guard seen.insert(key).inserted else { continue }
                    if let g = groups[key] { groups[key] = (g.count + 1, g.first, g.example) } else {
                        groups[key] = (1, i, f.line)
                        order.append(key)
                    }
                }
            }
        }
        order.sort { ($0.rev, $0.cls, $0.rule) < ($1.rev, $1.cls, $1.rule) }
        var findings: [CampaignReport.FindingGroup] = []
        for key in order {
            let g = groups[key]!
            var path: String?
            if o.shrink, let dir = o.outDir {
                let sc = ScenarioGenerator.generate(seed: o.seed, index: g.first)
                let small = Shrinker.shrink(sc) { candidate in
                    guard let c = try? Checker.check(candidate, revision: key.rev) else { return false }
                    return c.findings.contains { $0.rule == key.rule && $0.classification.rawValue == key.cls }
                }
                var repro = small
                repro.description = "reproducer: \(key.cls) \(key.rule) on \(key.rev); from seed \(o.seed) index \(g.first)"
                let safeRule = key.rule.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
                let p = URL(fileURLWithPath: dir).appendingPathComponent("\(key.rev)-\(String(safeRule)).json").path
                if (try? AtomicFile.write(repro.jsonData(), to: p)) != nil { path = p }
            }
            findings.append(.init(revision: key.rev, classification: key.cls, rule: key.rule, scenarios: g.count,
                                  firstScenario: "fuzz-\(o.seed)-\(g.first)", example: g.example, reproducer: path))
        }
        return CampaignReport(seed: o.seed, count: o.count, completed: completed, interrupted: completed < o.count,
                              revisions: sums, findings: findings)
    }
}
