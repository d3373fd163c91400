
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The cost of a section's memmap (docs/MEMMAP.md): vmemmap memory (backing and table pages) and the TLBIs that
/// tear it down, per section, for each granule, SECTION_SIZE_BITS and sizeof(struct page), measured on the
/// C routines.  Scenario per row: boot memory [1G, 5G), two sections added at 8G (so that two memmaps
/// meet), then the first removed.
public enum MemmapCost {
    public struct Row: Sendable, Codable, Equatable {
        public var geometry: String
        public var sectionSizeBits: Int
        public var structPageSize: Int
        /// a revision, "altmap+memory-block" (the memmap on memory, per memory block) or "altmap+range" (seed
        /// 004's RFC: one altmap for both sections, at the first one's start)
        public var variant: String
        /// backing pages the add took (page allocator or altmap), per section, in KiB
        public var memmapKiB: Double
        /// the memmap came from the added memory (an altmap), not the page allocator
        public var onMemory: Bool
        /// vmemmap page-table pages the add made, per section
        public var vmemmapTablePages: Double
        /// removing one section: TLBIs whose VA lies in the vmemmap (vaale1is + vaae1is), and vmalle1is
        public var teardownTLBIs: UInt64
        public var teardownFlushAll: UInt64
        /// removing one section: backing returned (page allocator or altmap), in KiB
        public var freedKiB: Double
        /// findings of the checker on the whole scenario (rule names), e.g. a block shared with the neighbour;
        /// the linear map's CONT findings (inv.tlb-cont-refill, inv.cont-range-split) left out
        public var findings: [String]
    }

    public static let variants = ["final", "fix2025", "subpmd", "altmap+memory-block", "altmap+range"]

    /// The section sizes to measure on a granule: v5.12's (27, 29 on 64K) and v5.7's (30).
    public static func sectionBits(_ g: Geometry) -> [Int] { [g.pageShift == 16 ? 29 : 27, 30] }

    public static func row(geometry g: Geometry, sectionBits: Int, structPage: Int, variant: String) throws -> Row {
        let sec: UInt64 = 1 << UInt64(sectionBits)
        let memoryBlock = variant == "altmap+memory-block", range = variant == "altmap+range"
        let rev = memoryBlock || range ? "altmap" : variant
        let start: UInt64 = 8 << 30
        let sc = Scenario(name: "memmap-cost", geometry: g, sectionSizeBits: sectionBits, structPageSize: structPage,
                          steps: [.init(op: .add, start: start, size: 2 * sec, memmap: memoryBlock ? .memoryBlock : range ? .range : nil),
                                  .init(op: .remove, start: start, size: sec)])
        let r = try ScenarioRunner.run(sc, revision: rev, trace: true)
        let add = r.steps[0], remove = r.steps[1]
        let pageKiB = Double(g.pageSize) / 1024
        func pages(_ byOrder: [UInt64]) -> UInt64 { byOrder.enumerated().reduce(0) { $0 + $1.element << UInt64($1.offset) } }
        let backing = pages(add.effects.allocationsByOrder) - add.effects.tablesAllocated.reduce(0, +)
            + add.altmaps.reduce(0) { $0 + $1.alloc }
        let inVmemmap = { (va: UInt64) in va >= g.vmemmapStart && va < g.vmemmapEnd }
        func vmemmapTables(_ s: ObservedState) -> Int { s.tables.filter { inVmemmap($0.vaStart) }.count }
        var tlbis: UInt64 = 0, all: UInt64 = 0
        ObservedEvent.expand(remove.trace ?? []) { _, e in
            switch e.kind {
            case .tlbiVA where inVmemmap(e.a): tlbis += e.count
            case .tlbiWalk where inVmemmap(e.a): tlbis += 1
            case .tlbiAll: all += e.count
            default: break
            }
            return true
        }
        let freed = pages(remove.effects.dataFreedByOrder) + remove.effects.altmapPagesFreed
        let linearCont: Set<String> = ["inv.tlb-cont-refill", "inv.cont-range-split"]
        let findings = Checker.check(r).findings.map(\.rule).filter { !linearCont.contains($0) }
        return Row(geometry: g.name, sectionSizeBits: sectionBits, structPageSize: structPage, variant: variant,
                   memmapKiB: Double(backing) * pageKiB / 2, onMemory: add.altmaps.contains { $0.alloc > 0 },
                   vmemmapTablePages: Double(vmemmapTables(add.after) - vmemmapTables(add.before)) / 2,
                   teardownTLBIs: tlbis, teardownFlushAll: all, freedKiB: Double(freed) * pageKiB,
                   findings: Array(Set(findings)).sorted())
    }

    /// The table as an SVG image: two panels of log-scale bars, one group per geometry, section size and
    /// struct page size, one bar per variant: the memmap per section (KiB) and the TLBIs tearing down the
    /// first section's memmap.
    public static func svg(_ rows: [Row]) -> String {
        let variants = variants.filter { v in rows.contains { $0.variant == v } }
        var groups: [String] = []
        for r in rows {
            let g = "\(r.geometry) \(1 << (r.sectionSizeBits - 20))M sp\(r.structPageSize)"
            if groups.last != g { groups.append(g) }
        }
        func key(_ r: Row) -> String { "\(r.geometry) \(1 << (r.sectionSizeBits - 20))M sp\(r.structPageSize)" }
        func series(_ value: (Row) -> Double) -> [SVGPlot.Series] {
            variants.map { v in
                .init(name: v, points: rows.filter { $0.variant == v }.compactMap { r in
                    groups.firstIndex(of: key(r)).map { (Double($0), value(r)) }
                })
            }
        }
        let memory = SVGPlot.bars(title: "memmap per section (KiB; from the allocator or the altmap)", yLabel: "KiB",
                                  groups: groups, series: series(\.memmapKiB))
        let tlbis = SVGPlot.bars(title: "TLBIs tearing down the first section's memmap (vaale1is + vaae1is)",
                                 yLabel: "TLBIs", groups: groups, series: series { Double($0.teardownTLBIs) })
        // two documents as nested <svg> panels of one image
        let second = tlbis.replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\"", with: "<svg y=\"460\"")
        let first = memory.replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\"", with: "<svg y=\"0\"")
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"920\" font-family=\"sans-serif\">\n"
            + first + second + "</svg>\n"
    }

    public static func table(_ rows: [Row], markdown: Bool) -> String {
        func num(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }
        let head = ["geometry", "section", "struct page", "variant", "memmap KiB/section", "from", "vmemmap tables/section",
                    "teardown TLBIs (vmemmap)", "vmalle1is", "freed KiB", "findings"]
        let body = rows.map { r in
            [r.geometry, "\(1 << (r.sectionSizeBits - 20))M", "\(r.structPageSize)", r.variant, num(r.memmapKiB),
             r.onMemory ? "altmap" : "allocator",
             num(r.vmemmapTablePages), "\(r.teardownTLBIs)", "\(r.teardownFlushAll)", num(r.freedKiB),
             r.findings.isEmpty ? "-" : r.findings.joined(separator: " ")]
        }
        if markdown {
            var s = "| " + head.joined(separator: " | ") + " |\n|" + head.map { _ in " --- |" }.joined() + "\n"
            for b in body { s += "| " + b.joined(separator: " | ") + " |\n" }
            return s
        }
        let widths = head.indices.map { i in max(head[i].count, body.map { $0[i].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ") + "\n"
        }
        return line(head) + body.map(line).joined()
    }
}
