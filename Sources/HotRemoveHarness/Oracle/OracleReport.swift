import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The oracle's report: a header (kernel, revision, era, placement, what differs by era), one
/// row per step (what each side allocated and freed, the cost), then the findings like `check`'s.
package enum OracleReport {
    package static func tables(_ t: [OracleView.Region: [Int: (allocated: Int, freed: Int)]]) -> String {
        var parts: [String] = []
        for r in OracleView.Region.allCases {
            for level in 1...3 {
                guard let c = t[r]?[level] else { continue }
                let name = "\(r == .linear ? "lin" : "vmm") \(OracleComparison.levelName(level))"
                if c.allocated > 0 { parts.append("\(name) +\(c.allocated)") }
                if c.freed > 0 { parts.append("\(name) -\(c.freed)") }
            }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    package static func text(_ r: OracleResult) -> String {
        let verdict = r.mismatches == 0 ? "agrees" : "DIFFERS (\(r.mismatches) findings)"
        var s = "\(r.scenario.name): kernel \(r.kernel.name) (\(r.kernel.package), \(r.kernel.release)) vs harness \(r.revision) in era \(r.era.name): \(verdict)\n"
        s += "  placement: scenario + \(Quantity.hex(r.plan.delta)) = guest physical; virtio-mem region \(Quantity.hex(r.plan.regionBase)) +\(Quantity.human(r.plan.regionSize)); \(r.plan.rodataFull ? "rodata=full" : r.kernel.layout.blockMappingArguments); harness calls per 128M block: \(r.plan.calls.count)\n"
        s += String(format: "  cost: boot %.1f s, boot tables read %.2f s; TTBR1_EL1 %@, MAIR_EL1 %@\n", r.bootSeconds, r.bootReadSeconds,
                    Quantity.hex(r.ttbr1), Quantity.hex(r.mair))
        for n in r.eraNotes { s += "  \(n)\n" }
        let phases = r.timings.keys.sorted().map { k -> String in
            let v = r.timings[k]!
            return String(format: "%@ %.2f s", k, v.reduce(0, +) / Double(v.count)) + (v.count > 1 ? " (mean of \(v.count))" : "")
        }
        s += "  cost per phase: \(phases.joined(separator: ", "))\n"
        func pad(_ t: String, _ n: Int) -> String { t.count >= n ? t : t + String(repeating: " ", count: n - t.count) }
        s += "  " + pad("step", 6) + pad("action", 9) + pad("guest range", 26) + pad("kernel leaves", 22)
            + pad("table pages kernel | harness", 56) + "request   read\n"
        for st in r.steps {
            let range = "[\(Quantity.hex(st.guestRange.lowerBound)), +\(Quantity.human(UInt64(st.guestRange.count))))"
            let mark = st.findings.contains { $0.classification == .mismatch } ? "  *" : ""
            s += "  " + pad("\(st.index)", 6) + pad(st.action.rawValue, 9) + pad(range, 26)
                + pad("\(st.kernelEntries) in \(st.kernelRuns) runs", 22)
                + pad("\(tables(st.kernelTables)) | \(tables(st.harnessTables))", 56)
                + String(format: "%6.2f s %6.2f s", st.requestSeconds, st.readSeconds) + mark + "\n"
        }
        let mismatches = r.findings.filter { $0.classification == .mismatch }
        if mismatches.isEmpty { s += "  no differences but the era's\n" }
        for f in mismatches.prefix(60) { s += "  \(f)\n" }
        if mismatches.count > 60 { s += "  ... \(mismatches.count - 60) more\n" }
        // era differences once per rule and place, with the steps they were seen at
        var seen: [String: (first: OracleFinding, steps: [Int])] = [:]
        var order: [String] = []
        for f in r.findings where f.classification == .eraDifference {
            // one line per rule and region (a table-span line per level)
            let key = "\(f.rule) \(f.region?.rawValue ?? "")" + (f.rule == "era.table-span" ? f.message : "")
            if seen[key] == nil { order.append(key); seen[key] = (f, []) }
            seen[key]!.steps.append(f.step)
        }
        for k in order {
            let (f, steps) = seen[k]!
            let at = steps.map { $0 < 0 ? "boot" : "\($0)" }.joined(separator: ",")
            s += "  [era-difference at \(at)] \(f.rule)\(f.region.map { " @ \($0.rawValue)" } ?? ""): \(f.message) (kernel: \(f.kernel); harness: \(f.harness))\n"
        }
        return s
    }

    package struct JSONFinding: Codable {
        package var step: Int, classification: String, rule: String
        package var region: String?, offset: String?, kernel: String, harness: String, message: String
    }
    package struct JSONStep: Codable {
        package var step: Int, action: String, guestStart: String, size: String, harnessResult: String
        package var kernelEntries: UInt64, kernelTables: String, harnessTables: String
        package var requestSeconds: Double, readSeconds: Double, tablePagesRead: Int
    }
    package struct JSONResult: Codable {
        package var scenario: String, kernel: String, kernelPackage: String, revision: String, era: String
        package var agrees: Bool, mismatches: Int, bootSeconds: Double, eraNotes: [String]
        package var steps: [JSONStep], findings: [JSONFinding]
    }

    package static func json(_ r: OracleResult) -> JSONResult {
        JSONResult(scenario: r.scenario.name, kernel: r.kernel.name, kernelPackage: r.kernel.package, revision: r.revision,
                   era: r.era.name, agrees: r.mismatches == 0, mismatches: r.mismatches, bootSeconds: r.bootSeconds,
                   eraNotes: r.eraNotes,
                   steps: r.steps.map { JSONStep(step: $0.index, action: $0.action.rawValue, guestStart: Quantity.hex($0.guestRange.lowerBound),
                                                 size: Quantity.human(UInt64($0.guestRange.count)), harnessResult: $0.harnessResult,
                                                 kernelEntries: $0.kernelEntries, kernelTables: tables($0.kernelTables),
                                                 harnessTables: tables($0.harnessTables), requestSeconds: $0.requestSeconds,
                                                 readSeconds: $0.readSeconds, tablePagesRead: $0.tablePagesRead) },
                   findings: r.findings.map { JSONFinding(step: $0.step, classification: $0.classification.rawValue, rule: $0.rule,
                                                          region: $0.region?.rawValue, offset: $0.offset.map(Quantity.hex),
                                                          kernel: $0.kernel, harness: $0.harness, message: $0.message) })
    }
}
