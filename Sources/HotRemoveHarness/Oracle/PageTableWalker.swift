/// Physical memory as the walker reads it: one 4 KiB table page at a time.
package protocol PhysicalMemory {
    /// the 512 little-endian descriptors of the table page at `pa`
    func tablePage(at pa: UInt64) throws -> [UInt64]
}

/// A walk of arm64 stage-1 translation tables with the 4 KiB granule and 48-bit VAs (four levels,
/// the walk starting at level 0), as the MMU walks them from TTBR1_EL1 (Arm ARM D8.2 "Translation
/// table walk", D8.3 "Translation table descriptor formats"): bits[1:0] of a descriptor are 0b11
/// for a table (levels 0-2) or a page (level 3), 0b01 for a block (levels 1 and 2); anything else
/// with bit 0 clear is invalid.  Only entries whose span meets one of `windows` are followed, so
/// reading the hot-plugged ranges' tables costs what they hold, not what the kernel maps.
package struct PageTableWalker {
    package static let pageShift: UInt64 = 12
    package static let levels = 4
    /// OA bits of a 48-bit output address: [47:12]
    package static let outputMask: UInt64 = 0x0000_ffff_ffff_f000

    package enum LeafKind: String, Codable, Sendable { case page, block, invalid }

    package struct Leaf: Equatable, Codable, Sendable {
        /// first VA the entry maps (sign-extended: TTBR1 addresses have bits [63:48] set)
        package var va: UInt64
        /// hardware level of the entry (0-3)
        package var level: Int
        package var kind: LeafKind
        package var size: UInt64
        /// output address (for `.invalid`: 0)
        package var output: UInt64
        /// the descriptor without its output address (the whole descriptor for `.invalid`)
        package var attributes: UInt64
    }

    package struct Table: Equatable, Codable, Sendable {
        /// hardware level of the table's entries (0 is the root)
        package var level: Int
        package var pa: UInt64
        package var spanStart: UInt64
        package var span: UInt64
    }

    package struct Walk: Equatable, Sendable {
        package var leaves: [Leaf] = []
        package var tables: [Table] = []
        package var tablePagesRead = 0
    }

    /// VA span of one entry at `level`: 512 GiB, 1 GiB, 2 MiB, 4 KiB.
    package static func entrySize(_ level: Int) -> UInt64 { 1 << (pageShift + 9 * UInt64(levels - 1 - level)) }
    package static func tableSpan(_ level: Int) -> UInt64 { level == 0 ? 1 << 48 : entrySize(level) << 9 }
    /// the table base in TTBR1_EL1: BADDR[47:1] (bit 0 is CnP, bits [63:48] the ASID), 4 KiB-aligned
    /// for a 512-entry level-0 table
    package static func tableBase(ttbr: UInt64) -> UInt64 { ttbr & outputMask }

    package struct Malformed: Error, CustomStringConvertible { package let description: String }

    /// Walks the tables under `root` (the TTBR1 half: VAs 0xffff000000000000 and up).
    package static func walk(root: UInt64, memory: PhysicalMemory, windows: [Range<UInt64>]) throws -> Walk {
        var w = Walk()
        let ttbr1Base: UInt64 = 0xffff_0000_0000_0000
        w.tables.append(Table(level: 0, pa: root, spanStart: ttbr1Base, span: tableSpan(0)))
        try descend(table: root, level: 0, spanStart: ttbr1Base, memory: memory, windows: windows, into: &w)
        return w
    }

    private static func meets(_ lo: UInt64, _ size: UInt64, _ windows: [Range<UInt64>]) -> Bool {
        let hi = lo &+ size  // 0 when the span ends at the top of the address space
        return windows.contains { $0.upperBound > lo && (hi == 0 || $0.lowerBound < hi) }
    }

    private static func descend(table pa: UInt64, level: Int, spanStart: UInt64, memory: PhysicalMemory,
                                windows: [Range<UInt64>], into w: inout Walk) throws {
        let entries = try memory.tablePage(at: pa)
        w.tablePagesRead += 1
        guard entries.count == 512 else { throw Malformed(description: "table page \(pa): \(entries.count) entries read") }
        let size = entrySize(level)
        for (i, d) in entries.enumerated() where d != 0 {
            let va = spanStart &+ UInt64(i) &* size
            guard meets(va, size, windows) else { continue }
            if d & 1 == 0 {
                w.leaves.append(Leaf(va: va, level: level, kind: .invalid, size: size, output: 0, attributes: d))
                continue
            }
            let isTableOrPage = d & 2 != 0
            if level < 3 && isTableOrPage {
                let next = d & outputMask
                w.tables.append(Table(level: level + 1, pa: next, spanStart: va, span: size))
                try descend(table: next, level: level + 1, spanStart: va, memory: memory, windows: windows, into: &w)
            } else if level == 3 && isTableOrPage {
                w.leaves.append(Leaf(va: va, level: 3, kind: .page, size: size, output: d & outputMask,
                                     attributes: d & ~outputMask))
            } else if level == 1 || level == 2 {
                // a block's output address has its low bits (below the block size) zero
                let oa = d & outputMask & ~(size - 1)
                w.leaves.append(Leaf(va: va, level: level, kind: .block, size: size, output: oa,
                                     attributes: d & ~outputMask))
            } else {
                // 0b01 at level 0 (no 512 GiB blocks with 4 KiB pages) or at level 3: reserved, invalid
                w.leaves.append(Leaf(va: va, level: level, kind: .invalid, size: size, output: 0, attributes: d))
            }
        }
    }
}

/// The attribute fields of a leaf descriptor that the comparison names (Arm ARM D8.3: stage 1
/// lower attributes [11:2] and upper attributes [63:50]).
package struct LeafAttributes: Equatable, Codable, Sendable, CustomStringConvertible {
    package var attrIndx: Int
    package var ap: Int
    package var sh: Int
    package var af: Bool
    package var nG: Bool
    package var dbm: Bool
    package var cont: Bool
    package var pxn: Bool
    package var uxn: Bool
    package var gp: Bool
    /// bits [58:55], for the kernel's own use (PTE_SPECIAL, PTE_DEVMAP, ...)
    package var software: Int
    /// the memory type AttrIndx selects in MAIR_EL1 ("Normal WB", "Device-nGnRnE", ...)
    package var memoryType: String

    package init(_ bits: UInt64, mair: UInt64) {
        attrIndx = Int((bits >> 2) & 7)
        ap = Int((bits >> 6) & 3)
        sh = Int((bits >> 8) & 3)
        af = bits & (1 << 10) != 0
        nG = bits & (1 << 11) != 0
        gp = bits & (1 << 50) != 0
        dbm = bits & (1 << 51) != 0
        cont = bits & (1 << 52) != 0
        pxn = bits & (1 << 53) != 0
        uxn = bits & (1 << 54) != 0
        software = Int((bits >> 55) & 0xf)
        memoryType = LeafAttributes.memoryType(mairByte: UInt8((mair >> (8 * UInt64(attrIndx))) & 0xff))
    }

    /// MAIR_ELx.Attr<n> (Arm ARM D19.2 MAIR_EL1): 0b0000dd00 Device, otherwise Normal with outer
    /// and inner nibbles (0b1111 write-back read/write-allocate, 0b0100 non-cacheable, 0b1011 /
    /// 0b1010 / 0b1000 write-through...).
    package static func memoryType(mairByte m: UInt8) -> String {
        if m & 0xf0 == 0 {
            switch m {
            case 0x00: return "Device-nGnRnE"
            case 0x04: return "Device-nGnRE"
            case 0x08: return "Device-nGRE"
            case 0x0c: return "Device-GRE"
            default: return "Device(0x\(String(m, radix: 16)))"
            }
        }
        switch m {
        case 0xff: return "Normal WB"
        case 0x44: return "Normal NC"
        case 0xbb: return "Normal WT"
        case 0xf0: return "Normal WB tagged"
        default: return "Normal(0x\(String(m, radix: 16)))"
        }
    }

    /// The kernel's ptdump words for the fields (arch/arm64/mm/dump.c's pte_bits).
    package var description: String {
        var p: [String] = []
        p.append(ap & 2 != 0 ? "ro" : "RW")
        p.append(ap & 1 != 0 ? "USR" : "")
        p.append(pxn ? "NX" : "x")
        p.append(sh == 3 ? "SHD" : sh == 2 ? "OSH" : sh == 0 ? "NSH" : "SH1")
        if af { p.append("AF") }
        if nG { p.append("NG") }
        if cont { p.append("CON") }
        if dbm { p.append("DBM") }
        if uxn { p.append("UXN") }
        if gp { p.append("GP") }
        if software != 0 { p.append("SW\(software)") }
        p.append(memoryType)
        return p.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Fields that differ between two leaves' attributes: (field name, "kernel vs harness" text).
    package func differences(from o: LeafAttributes) -> [(field: String, text: String)] {
        func b(_ v: Bool) -> String { v ? "1" : "0" }
        var d: [(String, String)] = []
        if memoryType != o.memoryType { d.append(("memory-type", "memory type \(memoryType) vs \(o.memoryType)")) }
        if ap != o.ap { d.append(("AP", "AP \(ap) vs \(o.ap)")) }
        if sh != o.sh { d.append(("SH", "SH \(sh) vs \(o.sh)")) }
        if af != o.af { d.append(("AF", "AF \(b(af)) vs \(b(o.af))")) }
        if nG != o.nG { d.append(("nG", "nG \(b(nG)) vs \(b(o.nG))")) }
        if dbm != o.dbm { d.append(("DBM", "DBM \(b(dbm)) vs \(b(o.dbm))")) }
        if cont != o.cont { d.append(("Contiguous", "Contiguous \(b(cont)) vs \(b(o.cont))")) }
        if pxn != o.pxn { d.append(("PXN", "PXN \(b(pxn)) vs \(b(o.pxn))")) }
        if uxn != o.uxn { d.append(("UXN", "UXN \(b(uxn)) vs \(b(o.uxn))")) }
        if gp != o.gp { d.append(("GP", "GP \(b(gp)) vs \(b(o.gp))")) }
        if software != o.software { d.append(("software", "software bits [58:55] \(software) vs \(o.software)")) }
        return d
    }
}
