// The eight arm64 configurations of the v5.7 era and their kernel memory map,
// written from the architecture (ARMv8-A VMSA translation granules) and the
// v5.7 definitions in arch/arm64/include/asm/{memory,pgtable,pgtable-hwdef}.h.
// Independent of the C target: nothing here is read from it.

/// Kernel page-table levels by their kernel names.
public enum Level: Int, CaseIterable, Codable, Sendable, Comparable, CustomStringConvertible {
    case pgd = 0, pud = 1, pmd = 2, pte = 3
    public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["PGD", "PUD", "PMD", "PTE"][rawValue] }
}

public struct Geometry: Hashable, Sendable, CustomStringConvertible {
    public let pageShift: Int
    public let vaBits: Int

    public static let all: [Geometry] = [
        Geometry(pageShift: 12, vaBits: 39), Geometry(pageShift: 12, vaBits: 48),
        Geometry(pageShift: 14, vaBits: 36), Geometry(pageShift: 14, vaBits: 47),
        Geometry(pageShift: 14, vaBits: 48), Geometry(pageShift: 16, vaBits: 42),
        Geometry(pageShift: 16, vaBits: 48), Geometry(pageShift: 16, vaBits: 52),
    ]

    public init(pageShift: Int, vaBits: Int) {
        self.pageShift = pageShift
        self.vaBits = vaBits
    }

    /// "4K/48" style names.
    public init?(name: String) {
        guard let g = Geometry.all.first(where: { $0.name == name.uppercased().replacingOccurrences(of: "KB", with: "K") }) else { return nil }
        self = g
    }

    public var name: String { "\((1 << pageShift) >> 10)K/\(vaBits)" }
    public var description: String { name }
    public var pageSize: UInt64 { 1 << UInt64(pageShift) }

    /// Each table level resolves PAGE_SHIFT - 3 bits (8-byte descriptors in one page).
    public var bitsPerLevel: Int { pageShift - 3 }
    /// ARM64_HW_PGTABLE_LEVELS(va_bits) = (va_bits - 4) / (PAGE_SHIFT - 3)
    public var levels: Int { (vaBits - 4) / bitsPerLevel }
    /// ARM64_HW_PGTABLE_LEVEL_SHIFT(n) = (PAGE_SHIFT - 3) * (4 - n) + 3
    private func hwShift(_ n: Int) -> Int { bitsPerLevel * (4 - n) + 3 }

    /// Is this kernel level folded away (no table of its own)?
    public func isFolded(_ l: Level) -> Bool {
        switch l {
        case .pgd, .pte: return false
        case .pud: return levels <= 3
        case .pmd: return levels <= 2
        }
    }
    /// The levels that have tables, top down.
    public var tableLevels: [Level] { Level.allCases.filter { !isFolded($0) } }

    public var pgdirShift: Int { hwShift(4 - levels) }
    /// Shift of the VA span one entry at `l` maps (folded levels take the level above's).
    public func shift(_ l: Level) -> Int {
        switch l {
        case .pte: return pageShift
        case .pmd: return levels > 2 ? hwShift(2) : pgdirShift
        case .pud: return levels > 3 ? hwShift(1) : pgdirShift
        case .pgd: return pgdirShift
        }
    }
    public func entrySize(_ l: Level) -> UInt64 { 1 << UInt64(shift(l)) }
    public func entriesPerTable(_ l: Level) -> Int {
        if l == .pgd { return 1 << (vaBits - pgdirShift) }
        return isFolded(l) ? 1 : 1 << bitsPerLevel
    }
    /// VA span of one whole table at level `l`.
    public func tableSpan(_ l: Level) -> UInt64 {
        l == .pgd ? (1 << UInt64(vaBits)) : entrySize(l) << UInt64(bitsPerLevel)
    }

    /// Block mappings the v5.7 add side may create: PMD blocks everywhere
    /// (SECTION_SHIFT = PMD_SHIFT), PUD (1 GiB) blocks only with 4K pages.
    public var hasPudBlocks: Bool { pageShift == 12 }
    /// CONT_PTE_SHIFT / CONT_PMD_SHIFT at v5.7 (entries per contiguous run, log2).
    public var contPteShift: Int { pageShift == 16 ? 5 : pageShift == 14 ? 7 : 4 }
    public var contPmdShift: Int { pageShift == 16 ? 5 : pageShift == 14 ? 5 : 4 }
    /// ARM64_SWAPPER_USES_SECTION_MAPS: vmemmap with PMD blocks on 4K only.
    public var vmemmapUsesSections: Bool { pageShift == 12 }
    /// MAX_TLBI_OPS = PTRS_PER_PTE
    public var maxTlbiOps: UInt64 { 1 << UInt64(bitsPerLevel) }

    // MARK: v5.7 kernel memory map (no KASAN; vabits_actual == VA_BITS)

    private static func neg(_ x: UInt64) -> UInt64 { 0 &- x }
    public var vaBitsMin: Int { min(vaBits, 48) }
    /// PAGE_OFFSET = -(1 << VA_BITS): the linear map starts the kernel half.
    public var pageOffset: UInt64 { Geometry.neg(1 << UInt64(vaBits)) }
    /// PAGE_END = -(1 << (VA_BITS_MIN - 1))
    public var pageEnd: UInt64 { Geometry.neg(1 << UInt64(vaBitsMin - 1)) }
    /// STRUCT_PAGE_MAX_SHIFT = 6 at v5.7, whatever sizeof(struct page) is.
    public var vmemmapSize: UInt64 { (pageEnd &- pageOffset) >> UInt64(pageShift - 6) }
    public var vmemmapStart: UInt64 { Geometry.neg(vmemmapSize) &- (2 << 20) }
    public var vmemmapEnd: UInt64 { vmemmapStart &+ vmemmapSize }
    /// BPF JIT region (128 MiB) and modules (128 MiB) sit at PAGE_END; vmalloc follows.
    public var vmallocStart: UInt64 { pageEnd &+ (256 << 20) }
    /// VMALLOC_END = -PUD_SIZE - VMEMMAP_SIZE - SZ_64K
    public var vmallocEnd: UInt64 { Geometry.neg(entrySize(.pud)) &- vmemmapSize &- (64 << 10) }
    /// MAX_ORDER at v5.7 with THP: 11 (4K), 12 (16K), 14 (64K)
    public var maxOrder: Int { pageShift == 12 ? 11 : pageShift == 14 ? 12 : 14 }

    public func symbol(_ name: String) -> UInt64? {
        switch name {
        case "PAGE_OFFSET": return pageOffset
        case "PAGE_END": return pageEnd
        case "VMEMMAP_START": return vmemmapStart
        case "VMEMMAP_END": return vmemmapEnd
        case "VMALLOC_START": return vmallocStart
        case "VMALLOC_END": return vmallocEnd
        default: return nil
        }
    }
    public static let symbols = ["PAGE_OFFSET", "PAGE_END", "VMEMMAP_START", "VMEMMAP_END",
                                 "VMALLOC_START", "VMALLOC_END"]
}

/// SUBSECTION_SHIFT = 21 whatever the page size: device memory is hot-plugged in 2 MiB steps.

public let subsectionSize: UInt64 = 2 << 20

extension Geometry {
    public var pmdSize: UInt64 { entrySize(.pmd) }
    public var pudSize: UInt64 { entrySize(.pud) }
    public var contPteSize: UInt64 { pageSize << UInt64(contPteShift) }
    public var contPmdSize: UInt64 { pmdSize << UInt64(contPmdShift) }

    /// The table that a logical level-`l` entry lives in: a PMD entry of a
    /// 2-level kernel is a PGD entry, a PUD entry of a 3-level kernel too.
    public func tableHolding(_ l: Level) -> Level {
        switch l {
        case .pgd, .pte: return l
        case .pud: return isFolded(.pud) ? .pgd : .pud
        case .pmd: return isFolded(.pmd) ? tableHolding(.pud) : .pmd
        }
    }

    /// The table whose entry points at a table of level `l` (pXd_clear() of
    /// the parent is counted at this level).
    public func parentTable(of l: Level) -> Level {
        switch l {
        case .pte: return tableHolding(.pmd)
        case .pmd: return tableHolding(.pud)
        case .pud, .pgd: return .pgd
        }
    }

    /// Table levels below the PGD, deepest first: the order free_empty_tables() settles them.
    public var freeableTableLevels: [Level] { tableLevels.filter { $0 != .pgd }.reversed() }

    /// The next table level below `l`, if any.
    public func childTable(of l: Level) -> Level? {
        tableLevels.first { $0 > l }
    }
}
