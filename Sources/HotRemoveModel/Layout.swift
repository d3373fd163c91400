// Where things live in one scenario's kernel: the linear map, the vmemmap,
// sections and sub-sections, and which table holds which kind of entry once
// the folded levels are taken into account (arch/arm64/include/asm/memory.h,
// include/linux/mmzone.h at v5.7).
//
// Internally the model uses *kernel offsets*: off = va - PAGE_OFFSET.  Every
// kernel VA the model meets is at or above PAGE_OFFSET, so offsets never wrap
// and every range has an exclusive end that fits in 64 bits.

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
    func childTable(of l: Level) -> Level? {
        tableLevels.first { $0 > l }
    }
}

/// One scenario's address arithmetic.
struct Layout: Sendable {
    let g: Geometry
    let physOffset: UInt64
    let structPageSize: UInt64
    let sectionSize: UInt64

    init(_ s: Scenario) {
        g = s.geometry
        physOffset = s.physOffset
        structPageSize = UInt64(s.structPageSize)
        sectionSize = s.sectionSize
    }

    var pageSize: UInt64 { g.pageSize }
    func off(_ va: UInt64) -> UInt64 { va &- g.pageOffset }
    func va(_ off: UInt64) -> UInt64 { off &+ g.pageOffset }

    /// __phys_to_virt(): the linear map puts PHYS_OFFSET at PAGE_OFFSET.
    func linear(_ pa: UInt64) -> UInt64 { pa &- physOffset }
    func linear(_ r: Range<UInt64>) -> Range<UInt64> { linear(r.lowerBound) ..< linear(r.upperBound) }

    /// pfn_to_page(): vmemmap = VMEMMAP_START - (memstart_addr >> PAGE_SHIFT), one struct page per pfn.
    func memmap(_ pa: UInt64) -> UInt64 {
        let pfn = pa >> UInt64(g.pageShift), base = physOffset >> UInt64(g.pageShift)
        return off(g.vmemmapStart) &+ (pfn &- base) &* structPageSize
    }
    func memmap(_ r: Range<UInt64>) -> Range<UInt64> { memmap(r.lowerBound) ..< memmap(r.upperBound) }

    func section(containing pa: UInt64) -> Range<UInt64> {
        let s = alignDown(pa, sectionSize)
        return s ..< s + sectionSize
    }
    /// __add_pages()/__remove_pages() work section by section: the range cut at section boundaries.
    func sectionPieces(_ r: Range<UInt64>) -> [Range<UInt64>] {
        var out: [Range<UInt64>] = []
        var x = r.lowerBound
        while x < r.upperBound {
            let next = min(alignDown(x, sectionSize) + sectionSize, r.upperBound)
            out.append(x ..< next)
            x = next
        }
        return out
    }

    // Region bounds handed to free_empty_tables() as floor and ceiling (VAs).
    var linearBounds: (floor: UInt64, ceiling: UInt64) { (g.pageOffset, g.pageEnd) }
    var vmemmapBounds: (floor: UInt64, ceiling: UInt64) { (g.vmemmapStart, g.vmemmapEnd) }

    func hexVA(_ off: UInt64) -> String { Quantity.hex(va(off)) }
    func describe(_ r: Range<UInt64>) -> String { "[\(hexVA(r.lowerBound)), \(hexVA(r.upperBound)))" }
}
