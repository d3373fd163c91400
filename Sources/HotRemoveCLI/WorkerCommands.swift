import Foundation
import HotRemoveHarness
import HotRemoveScenario

/// `hotremove __worker`: a range of a campaign's (scenario, revision) pairs, checked in this process and
/// reported line by line to the campaign that started it (Isolation).
enum WorkerCommand {
    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["seed", "revisions", "geometries", "from", "to", "timeout"], flags: [])
        guard let seed = UInt64(a.options["seed"] ?? ""), let from = Int(a.options["from"] ?? ""),
              let to = Int(a.options["to"] ?? ""), let revs = a.options["revisions"]?.split(separator: ",").map(String.init),
              let geos = a.options["geometries"]?.split(separator: ",").compactMap({ Geometry(name: String($0)) }),
              0 <= from, from <= to, !revs.isEmpty else {
            throw CommandError(.usage, "__worker is internal to campaigns")
        }
        Isolation.worker(seed: seed, revisions: revs, geometries: geos, from: from, to: to,
                         timeout: UInt32(a.options["timeout"] ?? "20") ?? 20)
        return 0
    }
}

/// `hotremove __shrink`: shrink one campaign finding in a process of its own.
enum ShrinkCommand {
    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["seed", "index", "revision", "geometries", "class", "rule", "out"], flags: [])
        guard let seed = UInt64(a.options["seed"] ?? ""), let index = Int(a.options["index"] ?? ""),
              let rev = a.options["revision"], let cls = a.options["class"], let rule = a.options["rule"],
              let out = a.options["out"],
              let geos = a.options["geometries"]?.split(separator: ",").compactMap({ Geometry(name: String($0)) }) else {
            throw CommandError(.usage, "__shrink is internal to campaigns")
        }
        let sc = ScenarioGenerator.generate(seed: seed, index: index, geometries: geos)
        var small = Campaign.shrinkInProcess(sc, revision: rev, classification: cls, rule: rule)
        small.description = "reproducer: \(cls) \(rule) on \(rev); from seed \(seed) index \(index)"
        try AtomicFile.writeNew(small.jsonData(), to: out)
        return 0
    }
}
