// A difference between what the C code did and what should hold.

import HotRemoveModel
import HotRemoveScenario

public struct Finding: Equatable, Sendable, Codable, CustomStringConvertible {
    public enum Class: String, Sendable, Codable {
        /// the revision did something its own contract says it does not
        case contractMismatch = "contract-mismatch"
        /// a global invariant no revision may break
        case invariantViolation = "invariant-violation"
        /// the allocator caught a bad free, or the kernel oopsed
        case fault
        /// the harness could not judge the step (say why): neither a finding nor a pass
        case notChecked = "not-checked"
    }

    /// -1 for boot
    public var step: Int
    public var classification: Class
    /// short stable id, e.g. "final.tlbi-va", "inv.removed-range-unmapped", "inv.no-leak"
    public var rule: String
    public var level: Level?
    public var va: UInt64?
    public var expected: String
    public var found: String
    /// in kernel terms
    public var message: String

    public init(step: Int, classification: Class, rule: String, level: Level? = nil, va: UInt64? = nil,
                expected: String, found: String, message: String) {
        self.step = step; self.classification = classification; self.rule = rule; self.level = level
        self.va = va; self.expected = expected; self.found = found; self.message = message
    }

    public var description: String {
        let at = [level.map { "\($0)" }, va.map { Quantity.hex($0) }].compactMap { $0 }.joined(separator: " ")
        return "[\(step < 0 ? "boot" : "step \(step)")] \(classification.rawValue) \(rule)\(at.isEmpty ? "" : " @ \(at)"): \(message) (expected \(expected), found \(found))"
    }
}

/// Collects findings, capping how many of one rule get listed one by one.
struct FindingList {
    var items: [Finding] = []
    private var perRule: [String: Int] = [:]
    private var suppressed: [String: (Finding, Int)] = [:]
    let cap: Int
    /// findings added so far, kept or suppressed
    private(set) var added = 0

    init(cap: Int = 8) { self.cap = cap }

    mutating func add(_ f: Finding) {
        added += 1
        let n = perRule[f.rule, default: 0]
        perRule[f.rule] = n + 1
        if n < cap {
            items.append(f)
        } else {
            let prev = suppressed[f.rule]
            suppressed[f.rule] = (prev?.0 ?? f, (prev?.1 ?? 0) + 1)
        }
    }

    /// The findings, with one summary per rule whose list was cut.
    mutating func finish() -> [Finding] {
        for (rule, (first, extra)) in suppressed.sorted(by: { $0.key < $1.key }) {
            items.append(Finding(step: first.step, classification: first.classification, rule: rule, level: first.level,
                                 va: first.va, expected: "-", found: "\(extra) more",
                                 message: "\(extra) more findings of \(rule) like the ones above, the next at \(first.va.map(Quantity.hex) ?? "-")"))
        }
        suppressed = [:]
        return items
    }
}
