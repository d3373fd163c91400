import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The finding catalogue (Catalogue/findings.json, compiled in): every rule the checker states with its
/// source, and every class of finding it reports about kernel code with where upstream stands.  Reports show
/// a finding's status next to it; findings/README.md is generated from it (`hotremove findings --markdown`).
public struct FindingCatalogue: Codable, Sendable {
    public struct Rule: Codable, Sendable {
        public var rule: String
        public var states: String
        public var source: String
    }

    /// Where upstream stands on a class of findings.
    public struct Status: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case fixed, hypothetical, whatIf = "what-if", harnessLimit = "harness-limit", open
            /// the order summaries group by: what is known and fixed first, what is open last
            package var heading: String {
                switch self {
                case .fixed: return "fixed upstream"
                case .hypothetical: return "acknowledged upstream as hypothetical"
                case .whatIf: return "what-if (an environment or code no kernel ran)"
                case .harnessLimit: return "harness limit"
                case .open: return "open: no upstream fix known"
                }
            }
        }
        public var kind: Kind
        public var commit: String?
        public var release: String?
        public var title: String?
        /// what-if: the field or code outside any kernel; harness limit: why
        public var of: String?
        public var why: String?
        /// hypothetical: the words upstream used, and where
        public var quote: String?
        public var by: String?

        public var text: String {
            switch kind {
            case .fixed:
                // a fix seen in a release whose commit is not identified says so, and why it is known
                guard let commit else { return "fixed upstream in \(release ?? "?") (\(why ?? "commit not identified"))" }
                return "fixed upstream by \(commit) (\(release ?? "?"))"
            case .hypothetical: return "acknowledged upstream as hypothetical: \(quote ?? "")\(by.map { " (\($0))" } ?? "")"
            case .whatIf: return "what-if: \(of ?? "")"
            case .harnessLimit: return "harness limit: \(why ?? "")"
            case .open: return "open: no upstream fix known"
            }
        }
    }

    public struct FindingClass: Codable, Sendable {
        public var id: String
        public var rule: String
        public var revisions: [String]
        public var status: Status
        public var title: String
        public var what: String
        /// only findings at a VA of this region: "linear" or "vmemmap"
        public var region: String?
        /// only on these granules ("4K", "16K", "64K")
        public var granules: [String]?
        /// only findings whose text holds this
        public var message: String?
        /// upstream's own words on it, where they qualify the status
        public var acknowledged: String?
        /// reproducers in findings/
        public var reproducers: [String]?
    }

    /// A campaign run against the catalogue: what it ran and what it found.
    public struct Campaign: Codable, Sendable {
        public var command: String
        public var result: String
    }

    public var version: Int
    public var about: String
    public var rules: [Rule]
    public var classes: [FindingClass]
    public var campaigns: [Campaign]?

    public static let shared: FindingCatalogue = {
        do {
            return try JSONDecoder().decode(FindingCatalogue.self, from: Data(PackageResources.findings_json))
        } catch {
            // the file is part of the build; a broken one is caught by its test before it ships
            preconditionFailure("Catalogue/findings.json: \(error)")
        }
    }()

    public func rule(_ name: String) -> Rule? { rules.first { $0.rule == name } }

    /// The class a finding on `revision` belongs to: the first whose rule, revisions, region, granule and
    /// message all fit.
    public func classOf(_ f: Finding, revision: String, geometry: Geometry?) -> FindingClass? {
        classes.first { c in
            guard c.rule == f.rule, c.revisions.contains(revision) else { return false }
            if let region = c.region {
                guard let va = f.va, let g = geometry else { return false }
                let here = (g.pageOffset ..< g.pageEnd).contains(va) ? "linear"
                    : (g.vmemmapStart ..< g.vmemmapEnd).contains(va) ? "vmemmap" : "other"
                guard here == region else { return false }
            }
            if let granules = c.granules {
                guard let g = geometry, granules.contains("\(g.pageSize >> 10)K") else { return false }
            }
            if let m = c.message, !(f.message + " " + f.found).contains(m) { return false }
            return true
        }
    }

    /// The status of a finding in words, for a report: its class's, or why it has none.
    public func statusText(_ f: Finding, revision: String, geometry: Geometry?) -> String {
        if revision.hasPrefix("mut_") { return "a mutant's finding (deliberately broken code)" }
        if f.classification == .contractMismatch { return "a contract mismatch: a harness or model bug until explained" }
        return classOf(f, revision: revision, geometry: geometry)?.status.text ?? "not catalogued"
    }
}
