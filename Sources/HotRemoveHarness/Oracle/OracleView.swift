/// What one side (the real kernel or the harness) shows of the hot-plugged ranges after a step,
/// in coordinates both sides share: each leaf's VA as an offset from its region's base (the VA the
/// linear map, or the vmemmap, gives the first byte of memstart_addr), linear-map output addresses
/// in scenario physical addresses, attributes as fields (memory type through each side's MAIR).
package struct OracleView: Equatable, Sendable {
    package enum Region: String, Codable, Sendable, CaseIterable { case linear, vmemmap }

    /// A run of like leaves: `count` entries of `size` from `offset`, outputs consecutive.
    package struct Run: Equatable, Sendable {
        package var region: Region
        package var offset: UInt64
        package var count: UInt64
        package var size: UInt64
        package var level: Int
        package var kind: PageTableWalker.LeafKind
        package var attributes: LeafAttributes
        /// linear map: the scenario physical address of the first entry; vmemmap: nil (its backing
        /// pages are allocated, their addresses differ between any two machines)
        package var output: UInt64?
        package var end: UInt64 { offset &+ count &* size }
    }

    /// A page-table page, by the span it translates.
    package struct TableSpan: Hashable, Sendable {
        package var region: Region
        /// hardware level of the table's entries: 1 (PUD table), 2 (PMD table), 3 (PTE table)
        package var level: Int
        package var offset: UInt64
    }

    package var runs: [Run] = []
    /// table pages whose span meets a window, by span, and by physical address (for the counts of
    /// tables allocated and freed between two steps)
    package var tables: Set<TableSpan> = []
    package var tablePages: [Region: [Int: Set<UInt64>]] = [:]

    /// One leaf as a side reads it, before coordinates are shared.
    package struct Leaf {
        package var va: UInt64
        package var level: Int
        package var kind: PageTableWalker.LeafKind
        package var size: UInt64
        package var output: UInt64
        package var attributes: UInt64
    }

    package struct Table {
        package var level: Int
        package var pa: UInt64
        package var spanStart: UInt64
        package var span: UInt64
    }

    /// Where one side's regions are: base VAs and windows (VA ranges of the hot-plugged memory).
    package struct Frame {
        package var base: [Region: UInt64]
        package var windows: [Region: [Range<UInt64>]]
        package var mair: UInt64
        /// VA offset in the linear region -> scenario physical address
        package var linearOutputDelta: UInt64

        /// the region a VA falls in (inside one of its windows), if any
        package func region(of va: UInt64, size: UInt64) -> Region? {
            for r in Region.allCases {
                for w in windows[r] ?? [] where w.upperBound > va && w.lowerBound < va &+ size { return r }
            }
            return nil
        }
    }

    /// The view of the leaves and tables one side read.
    package init(leaves: [Leaf], tables: [Table], frame: Frame) {
        var out: [Run] = []
        for l in leaves.sorted(by: { $0.va < $1.va }) {
            guard let region = frame.region(of: l.va, size: l.size), let base = frame.base[region] else { continue }
            let offset = l.va &- base
            let attrs = LeafAttributes(l.attributes, mair: frame.mair)
            let output: UInt64? = region == .linear && l.kind != .invalid ? l.output &- frame.linearOutputDelta : nil
            if var last = out.last, last.region == region, last.end == offset, last.size == l.size, last.level == l.level,
               last.kind == l.kind, last.attributes == attrs,
               (output == nil && last.output == nil) || (output != nil && last.output.map { $0 &+ last.count &* last.size } == output) {
                last.count += 1
                out[out.count - 1] = last
            } else {
                out.append(Run(region: region, offset: offset, count: 1, size: l.size, level: l.level, kind: l.kind,
                               attributes: attrs, output: output))
            }
        }
        runs = out
        for t in tables where t.level > 0 {
            guard let region = frame.region(of: t.spanStart, size: t.span), let base = frame.base[region] else { continue }
            self.tables.insert(TableSpan(region: region, level: t.level, offset: t.spanStart &- base))
            tablePages[region, default: [:]][t.level, default: []].insert(t.pa)
        }
    }

    package init() {}

    /// Table pages allocated and freed per region and level from `before` to `self`.
    package func tableChanges(since before: OracleView) -> [Region: [Int: (allocated: Int, freed: Int)]] {
        var out: [Region: [Int: (allocated: Int, freed: Int)]] = [:]
        for r in Region.allCases {
            for level in 1...3 {
                let now = tablePages[r]?[level] ?? [], then = before.tablePages[r]?[level] ?? []
                let a = now.subtracting(then).count, f = then.subtracting(now).count
                if a > 0 || f > 0 { out[r, default: [:]][level] = (a, f) }
            }
        }
        return out
    }
}
