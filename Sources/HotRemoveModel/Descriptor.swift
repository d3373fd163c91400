// The attribute bits of the leaf descriptors the v5.7 kernel writes, from the
// architecture's descriptor format and arch/arm64/include/asm/pgtable-prot.h
// (v5.7: PTE_DIRTY is no longer part of PROT_NORMAL since v5.4; no KPTI, so nG = 0).
// ObservedRun.attrs is a descriptor with its output address masked out, so
// these constants compare with it directly.

import HotRemoveScenario

public enum Descriptor {
    public static let valid: UInt64 = 1 << 0
    /// bits[1:0] = 0b11: a table (non-last level) or a page (last level); 0b01: a block.
    public static let typeMask: UInt64 = 3
    public static let af: UInt64 = 1 << 10
    public static let shInner: UInt64 = 3 << 8
    /// AttrIndx = MT_NORMAL (4)
    public static let attrNormal: UInt64 = 4 << 2
    public static let dbm: UInt64 = 1 << 51
    public static let cont: UInt64 = 1 << 52
    public static let pxn: UInt64 = 1 << 53
    public static let uxn: UInt64 = 1 << 54
    /// AP[2]: PTE_RDONLY
    public static let rdonly: UInt64 = 1 << 7
    /// PTE_NG
    public static let ng: UInt64 = 1 << 11
    /// PTE_WRITE is PTE_DBM in v5.7
    public static let write: UInt64 = dbm

    /// PAGE_KERNEL as a page descriptor: 0x0068000000000713.
    public static let pageKernel: UInt64 = 3 | af | shInner | attrNormal | dbm | pxn | uxn
    /// PAGE_KERNEL made into a block by pmd/pud_set_huge(): type bits 01.
    public static let blockKernel: UInt64 = (pageKernel & ~typeMask) | 1
    /// PROT_SECT_NORMAL (vmemmap PMD blocks on 4K): no DBM/PTE_WRITE bit.
    public static let sectNormal: UInt64 = 1 | af | shInner | attrNormal | pxn | uxn

    /// What a descriptor value is, given the level of the table holding it.
    package enum Kind { case none, table, block, page, invalid }
    package static func kind(_ value: UInt64, lastLevel: Bool) -> Kind {
        if value == 0 { return .none }
        if value & valid == 0 { return .invalid }
        if value & typeMask == 3 { return lastLevel ? .page : .table }
        return lastLevel ? .invalid : .block
    }

    package static func describe(_ attrs: UInt64) -> String {
        var parts: [String] = []
        switch attrs & ~(cont) {
        case pageKernel: parts.append("PAGE_KERNEL")
        case blockKernel: parts.append("PAGE_KERNEL block")
        case sectNormal: parts.append("PROT_SECT_NORMAL")
        default: parts.append(Quantity.hex(attrs))
        }
        if attrs & cont != 0 { parts.append("CONT") }
        return parts.joined(separator: "|")
    }
}

/// A run of leaf entries: pages, blocks, or (in a snapshot) entries that are not valid.
public enum RunKind: String, Sendable, Codable { case page, block, invalid }
