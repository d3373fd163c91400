
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// One difference between the real kernel and the harness, reported like `check`'s findings:
/// a rule, the step, where (region, offset), what the kernel has and what the harness has.
package struct OracleFinding: Equatable, Sendable, CustomStringConvertible {
    package enum Class: String, Sendable {
        /// the harness does not do what the kernel does: a harness (shim, add side, era) bug until explained
        case mismatch
        /// a known difference between the harness's era and the kernel's: not compared, named
        case eraDifference = "era-difference"
    }
    package var step: Int
    package var classification: Class
    package var rule: String
    package var region: OracleView.Region?
    package var offset: UInt64?
    package var kernel: String
    package var harness: String
    package var message: String

    package var description: String {
        let at = region.map { r in "\(r.rawValue)" + (offset.map { " +" + Quantity.hex($0) } ?? "") } ?? ""
        return "[\(step < 0 ? "boot" : "step \(step)")] \(classification.rawValue) \(rule)\(at.isEmpty ? "" : " @ \(at)"): \(message) (kernel: \(kernel); harness: \(harness))"
    }
}

/// The comparison of one step's views.  Everything era-independent is compared: the leaves'
/// offsets from their region's base, levels, block/page, Contiguous bit, attributes and (linear
/// map) output addresses; the table pages per region and level by the span they translate, where
/// both sides' region bases are equally aligned for that level's span (otherwise which table a
/// span falls in is the era's doing, and the counts are reported as an era difference).
package enum OracleComparison {
    package static func levelName(_ level: Int) -> String { ["PGD", "PUD", "PMD", "PTE"][max(0, min(3, level))] }

    package static func describe(_ r: OracleView.Run?) -> String {
        guard let r else { return "not mapped" }
        let what = r.kind == .invalid ? "invalid non-zero entry" : "\(levelName(r.level)) \(r.kind == .block ? "block" : "page") of \(Quantity.human(r.size))"
        return "\(what), \(r.attributes)" + (r.output.map { " -> PA " + Quantity.hex($0) } ?? "")
    }

    /// Leaves: a sweep over both sides' runs; each maximal stretch with the same kind of difference
    /// is one finding.
    package static func compareLeaves(step: Int, kernel: OracleView, harness: OracleView, known: [KnownEraDifference] = [],
                              comparable: (OracleView.Region, UInt64) -> Bool) -> [OracleFinding] {
        var out: [OracleFinding] = []
        for region in OracleView.Region.allCases {
            let k = kernel.runs.filter { $0.region == region }, h = harness.runs.filter { $0.region == region }
            var cuts = Set<UInt64>()
            for r in k + h { cuts.insert(r.offset); cuts.insert(r.end) }
            let points = cuts.sorted()
            var ki = 0, hi = 0
            var open: (rule: String, start: UInt64, end: UInt64, k: OracleView.Run?, h: OracleView.Run?, why: String, era: Bool)?
            func flush() {
                guard let o = open else { return }
                let cls: OracleFinding.Class = !o.era && comparableRule(o.rule, o.k, o.h, region, comparable) ? .mismatch : .eraDifference
                out.append(OracleFinding(step: step, classification: cls, rule: o.rule, region: region, offset: o.start,
                                         kernel: describe(o.k), harness: describe(o.h),
                                         message: "[+\(Quantity.hex(o.start)), +\(Quantity.hex(o.end))) \(o.why)"))
                open = nil
            }
            for (a, b) in zip(points, points.dropFirst()) {
                while ki < k.count && k[ki].end <= a { ki += 1 }
                while hi < h.count && h[hi].end <= a { hi += 1 }
                let kr = ki < k.count && k[ki].offset <= a ? k[ki] : nil
                let hr = hi < h.count && h[hi].offset <= a ? h[hi] : nil
                let d = difference(kr, hr, at: a, region: region, known: known)
                if let d, let o = open, o.rule == d.rule, o.end == a {
                    open!.end = b
                } else {
                    flush()
                    if let d { open = (d.rule, a, b, kr, hr, d.why, d.era) }
                }
            }
            flush()
        }
        return out
    }

    private static func comparableRule(_ rule: String, _ k: OracleView.Run?, _ h: OracleView.Run?, _ region: OracleView.Region,
                                       _ comparable: (OracleView.Region, UInt64) -> Bool) -> Bool {
        // a leaf's placement can only agree where both bases are aligned alike for its size
        let size = max(k?.size ?? 0, h?.size ?? 0)
        return comparable(region, size)
    }

    /// The first property in which two leaves covering offset `a` differ; `era` when every
    /// differing attribute is a known difference between the kernel and the harness's era.
    package static func difference(_ k: OracleView.Run?, _ h: OracleView.Run?, at a: UInt64, region: OracleView.Region,
                           known: [KnownEraDifference]) -> (rule: String, why: String, era: Bool)? {
        switch (k, h) {
        case (nil, nil): return nil
        case (_?, nil): return ("oracle.leaf-absent", "the kernel maps it, the harness does not", false)
        case (nil, _?): return ("oracle.leaf-extra", "the harness maps it, the kernel does not", false)
        case let (k?, h?):
            if k.kind != h.kind || k.size != h.size || k.level != h.level {
                return ("oracle.leaf-size", "mapped with different entries", false)
            }
            // entries must start at the same offsets to be the same entries
            if (a &- k.offset) % k.size != (a &- h.offset) % h.size {
                return ("oracle.leaf-size", "entries at different offsets", false)
            }
            let d = k.attributes.differences(from: h.attributes)
            if !d.isEmpty {
                let explained = d.map { f in known.first { $0.explains(field: f.field, region: region, kernel: k.attributes, harness: h.attributes) } }
                if explained.allSatisfy({ $0 != nil }) {
                    let rules = Set(explained.map { $0!.rule }).sorted()
                    return (rules.joined(separator: ","), explained.map { $0!.explanation }.joined(separator: "; "), true)
                }
                let open = zip(d, explained).filter { $0.1 == nil }.map(\.0)
                let rule = open.contains { $0.field == "Contiguous" } ? "oracle.leaf-cont" : "oracle.leaf-attrs"
                return (rule, "attributes differ: " + open.map(\.text).joined(separator: ", "), false)
            }
            if let ko = k.output, let ho = h.output, ko &+ (a &- k.offset) != ho &+ (a &- h.offset) {
                return ("oracle.leaf-output", "output addresses differ", false)
            }
            return nil
        }
    }

    /// Tables by span, per region and level.
    package static func compareTables(step: Int, kernel: OracleView, harness: OracleView,
                              comparable: (OracleView.Region, UInt64) -> Bool) -> [OracleFinding] {
        var out: [OracleFinding] = []
        for region in OracleView.Region.allCases {
            for level in 1...3 {
                let span = PageTableWalker.tableSpan(level)
                let k = kernel.tables.filter { $0.region == region && $0.level == level }
                let h = harness.tables.filter { $0.region == region && $0.level == level }
                guard k != h else { continue }
                let name = "\(levelName(level)) tables"
                if !comparable(region, span) {
                    // other spans hold the entries: only a different count says something
                    guard k.count != h.count else { continue }
                    out.append(OracleFinding(step: step, classification: .eraDifference, rule: "era.table-span", region: region, offset: nil,
                                             kernel: "\(k.count)", harness: "\(h.count)",
                                             message: "\(name) meeting the hot-plugged ranges: the region's base is aligned differently to \(Quantity.human(span)) in the two eras, so other spans hold the entries"))
                    continue
                }
                let onlyK = k.subtracting(h).map(\.offset).sorted(), onlyH = h.subtracting(k).map(\.offset).sorted()
                if let first = onlyK.first {
                    out.append(OracleFinding(step: step, classification: .mismatch, rule: "oracle.table-absent", region: region, offset: first,
                                             kernel: "\(k.count) \(name)", harness: "\(h.count) \(name)",
                                             message: "\(onlyK.count) \(name) the kernel has, the harness has not (first spans +\(Quantity.hex(first)))"))
                }
                if let first = onlyH.first {
                    out.append(OracleFinding(step: step, classification: .mismatch, rule: "oracle.table-extra", region: region, offset: first,
                                             kernel: "\(k.count) \(name)", harness: "\(h.count) \(name)",
                                             message: "\(onlyH.count) \(name) the harness has, the kernel has not (first spans +\(Quantity.hex(first)))"))
                }
            }
        }
        return out
    }

    /// Table pages allocated and freed in the step, per region and level.
    package static func compareTableCounts(step: Int, kernel: [OracleView.Region: [Int: (allocated: Int, freed: Int)]],
                                   harness: [OracleView.Region: [Int: (allocated: Int, freed: Int)]],
                                   comparable: (OracleView.Region, UInt64) -> Bool) -> [OracleFinding] {
        var out: [OracleFinding] = []
        for region in OracleView.Region.allCases {
            for level in 1...3 {
                let k = kernel[region]?[level] ?? (0, 0), h = harness[region]?[level] ?? (0, 0)
                guard k.allocated != h.allocated || k.freed != h.freed else { continue }
                let cls: OracleFinding.Class = comparable(region, PageTableWalker.tableSpan(level)) ? .mismatch : .eraDifference
                out.append(OracleFinding(step: step, classification: cls,
                                         rule: cls == .mismatch ? "oracle.tables-allocated-freed" : "era.table-span",
                                         region: region, offset: nil,
                                         kernel: "\(k.allocated) allocated, \(k.freed) freed", harness: "\(h.allocated) allocated, \(h.freed) freed",
                                         message: "\(levelName(level)) table pages allocated and freed in the step differ"))
            }
        }
        return out
    }
}
