// Where things live in one scenario's kernel: the linear map, the vmemmap,
// sections and sub-sections, and which table holds which kind of entry once
// the folded levels are taken into account (arch/arm64/include/asm/memory.h,
// include/linux/mmzone.h at v5.7).
//
// Internally the model uses *kernel offsets*: off = va - PAGE_OFFSET.  Every
// kernel VA the model meets is at or above PAGE_OFFSET, so offsets never wrap
// and every range has an exclusive end that fits in 64 bits.

import HotRemoveScenario

/// One scenario's address arithmetic.
package struct Layout: Sendable {
    package let g: Geometry
    package let physOffset: UInt64
    package let structPageSize: UInt64
    package let sectionSize: UInt64

    package init(_ s: Scenario) {
        g = s.geometry
        physOffset = s.physOffset
        structPageSize = UInt64(s.structPageSize)
        sectionSize = s.sectionSize
    }

    package var pageSize: UInt64 { g.pageSize }
    package func off(_ va: UInt64) -> UInt64 { va &- g.pageOffset }
    package func va(_ off: UInt64) -> UInt64 { off &+ g.pageOffset }

    /// __phys_to_virt(): the linear map puts PHYS_OFFSET at PAGE_OFFSET.
    package func linear(_ pa: UInt64) -> UInt64 { pa &- physOffset }
    package func linear(_ r: Range<UInt64>) -> Range<UInt64> { linear(r.lowerBound) ..< linear(r.upperBound) }

    /// pfn_to_page(): vmemmap = VMEMMAP_START - (memstart_addr >> PAGE_SHIFT), one struct page per pfn.
    package func memmap(_ pa: UInt64) -> UInt64 {
        let pfn = pa >> UInt64(g.pageShift), base = physOffset >> UInt64(g.pageShift)
        return off(g.vmemmapStart) &+ (pfn &- base) &* structPageSize
    }
    package func memmap(_ r: Range<UInt64>) -> Range<UInt64> { memmap(r.lowerBound) ..< memmap(r.upperBound) }

    package func section(containing pa: UInt64) -> Range<UInt64> {
        let s = alignDown(pa, sectionSize)
        return s ..< s + sectionSize
    }
    /// __add_pages()/__remove_pages() work section by section: the range cut at section boundaries.
    package func sectionPieces(_ r: Range<UInt64>) -> [Range<UInt64>] {
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
    package var linearBounds: (floor: UInt64, ceiling: UInt64) { (g.pageOffset, g.pageEnd) }
    package var vmemmapBounds: (floor: UInt64, ceiling: UInt64) { (g.vmemmapStart, g.vmemmapEnd) }

    package func hexVA(_ off: UInt64) -> String { Quantity.hex(va(off)) }
    package func describe(_ r: Range<UInt64>) -> String { "[\(hexVA(r.lowerBound)), \(hexVA(r.upperBound)))" }
}
