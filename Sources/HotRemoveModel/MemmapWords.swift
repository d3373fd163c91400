// What the memmap holds where a walk can take a page for a page table.
//
// The generic vmemmap_pmd_populate() asks only pmd_none(): a base-page walk
// (vmemmap_populate_basepages()) over a VA that a live PMD block maps goes on
// to pte_offset_kernel() of the block, __va(pmd_page_paddr(pmd)) +
// pte_index(addr), which is always a word of the block's first page, and
// vmemmap_pte_populate() writes a PTE there when the word reads zero
// (pte_none()).  That page is memmap: the struct pages of the pfns it
// describes.  Whether a word of it is zero follows from what wrote it last, as
// the kernel documents it (mm/sparse.c, mm/memory_hotplug.c, mm/page_alloc.c,
// include/linux/mm_types.h, v5.9 to 6.1), built as the shim builds it
// (CONFIG_DEBUG_VM: page_init_poison() with its default page_init_poisoning)
// and with the scenario's init_on_alloc:
//
//  * a vmemmap block holds what its allocation left: zeros from the page
//    allocator with init_on_alloc; otherwise what the page's last user left
//    (unknown); PAGE_POISON_PATTERN from memblock at boot (memblock_alloc_try_nid_raw()
//    and, from v5.15, memmap_alloc() poison it); device memory from an altmap
//    (unknown: nothing zeroes it);
//  * sparse_add_section() poisons the struct pages of the range it adds
//    (all ones), remove_pfn_range_from_zone() those of a range going offline
//    or away (d33695b16a9f, v5.6: "Poison struct pages because they are now
//    uninitialized again");
//  * onlining initialises them (__init_single_page()) and frees the pages to
//    the buddy allocator; memremap_pages() initialises device pages
//    (memmap_init_range() for the altmap's pages, memmap_init_zone_device()
//    for the rest); boot memory's struct pages describe pages in use;
//  * a walk that wrote a descriptor there left it.
//
// Only the blocks' first pages matter, and every block is given its
// allocation's contents when it is mapped, so the record is kept by memmap
// offset whatever maps it: a word outside a live block is never read.

import HotRemoveScenario

package struct MemmapWords: Sendable, Equatable {
    /// What wrote a word last.
    package enum Source: Int, CaseIterable, Sendable {
        /// an allocation zeroed by init_on_alloc
        case zeroed
        /// a page allocation not zeroed: what its last user left
        case leftOver
        /// memory an altmap gave: device memory, or hot-added RAM holding its own memmap (never zeroed)
        case deviceMemory
        /// page_init_poison(): PAGE_POISON_PATTERN
        case poisoned
        /// hot-added RAM, online: free pages in the buddy allocator (nothing else runs on the machine)
        case freeRAM
        /// memmap_init_zone_device()
        case device
        /// memmap_init_range() of hot-plugged pages that stay PageReserved (a device range's altmap pages)
        case reserved
        /// the struct page of a page in use (boot memory, memory that holds its own memmap): its words
        /// depend on what the page is used for
        case inUse
        /// a descriptor a walk wrote
        case descriptor
    }

    /// What a walk reads in a word.
    package enum Value: Equatable, Sendable {
        case zero, nonzero
        case unknown(String)
    }

    /// by Source.rawValue: the memmap kernel offsets each source wrote last
    private var written = [IntervalSet](repeating: IntervalSet(), count: Source.allCases.count)

    package mutating func set(_ r: Range<UInt64>, _ s: Source) {
        guard !r.isEmpty else { return }
        for i in written.indices where i != s.rawValue && written[i].overlaps(r) { written[i].remove(r) }
        written[s.rawValue].insert(r)
    }

    package func source(at off: UInt64) -> Source? {
        Source.allCases.first { written[$0.rawValue].contains(off) }
    }

    /// What a vmemmap allocation leaves in its memory (nil: not memmap backing).
    package static func allocation(_ b: Backing, initOnAlloc: Bool) -> Source? {
        switch b {
        case .bootMemmap: return .poisoned
        case .allocatedMemmap: return initOnAlloc ? .zeroed : .leftOver
        case .altmapMemmap: return .deviceMemory
        case .linear, .neighbour: return nil
        }
    }

    /// The word vmemmap_pte_populate() reads for the memmap page at `page` (a kernel offset) when a PMD
    /// block maps it: entry pte_index(page) of the block's first page.
    package static func slot(ofPage page: UInt64, _ g: Geometry) -> UInt64 {
        alignDown(page, g.pmdSize) + (page / g.pageSize) % (g.pageSize / 8) * 8
    }

    /// The word at memmap offset `off`, as a walk reads it.
    package func value(at off: UInt64, _ lay: Layout) -> Value {
        guard let s = source(at: off) else { return .unknown("memory the model has no record of") }
        switch s {
        case .zeroed: return .zero
        case .poisoned, .descriptor: return .nonzero
        case .leftOver:
            return .unknown("what the page's last user left there: init_on_alloc is off, so vmemmap_alloc_block() did not zero the block")
        case .deviceMemory:
            return .unknown("memory an altmap gave for the block (device memory, or hot-added RAM that holds its own memmap), which nothing zeroes")
        case .inUse:
            return .unknown("\(StructPage.field(at: off, lay)) of the struct page of a page in use (\(Quantity.hex(StructPage.pa(at: off, lay)))), which depends on what the page is used for")
        case .freeRAM, .device, .reserved:
            return StructPage.value(s, at: off, lay)
        }
    }
}

/// struct page as include/linux/mm_types.h lays it out on arm64, v5.9 to 6.1: 0 flags; 8, 16 lru
/// (ZONE_DEVICE pages: pgmap, zone_device_data); 24 mapping; 32 index; 40 private; 48 _mapcount (or
/// page_type) and 52 _refcount; 56 memcg_data with CONFIG_MEMCG (the usual 64 bytes; 56 without).
package enum StructPage {
    package static func pfnAndField(_ off: UInt64, _ lay: Layout) -> (pfn: UInt64, field: UInt64) {
        let rel = off &- lay.off(lay.g.vmemmapStart)
        return ((lay.physOffset >> UInt64(lay.g.pageShift)) + rel / lay.structPageSize, rel % lay.structPageSize)
    }

    /// The physical address of the page whose struct page holds memmap offset `off`.
    package static func pa(at off: UInt64, _ lay: Layout) -> UInt64 { pfnAndField(off, lay).pfn << UInt64(lay.g.pageShift) }

    package static func name(ofField f: UInt64, _ size: UInt64) -> String {
        guard size == 56 || size == 64 else { return "byte \(f)" }
        switch f {
        case 0: return "flags"
        case 8: return "lru.next"
        case 16: return "lru.prev"
        case 24: return "mapping"
        case 32: return "index"
        case 40: return "private"
        case 48: return "_mapcount/_refcount"
        case 56: return "memcg_data"
        default: return "byte \(f)"
        }
    }

    package static func field(at off: UInt64, _ lay: Layout) -> String {
        name(ofField: pfnAndField(off, lay).field, lay.structPageSize)
    }

    /// A word of an initialised struct page: zero or not by its field.
    package static func value(_ s: MemmapWords.Source, at off: UInt64, _ lay: Layout) -> MemmapWords.Value {
        let (pfn, f) = pfnAndField(off, lay)
        let size = lay.structPageSize
        guard size == 56 || size == 64 else {
            return .unknown("byte \(f) of a \(size)-byte struct page, a what-if size with no field layout of its own")
        }
        switch f {
        // set_page_links(): the zone in the top bits, ZONE_NORMAL, ZONE_MOVABLE or ZONE_DEVICE: never zone 0
        case 0: return .nonzero
        // lru: INIT_LIST_HEAD() points it at itself, or a free list links it; ZONE_DEVICE: pgmap, then
        // zone_device_data = NULL
        case 8: return .nonzero
        case 16: return s == .device ? .zero : .nonzero
        case 24, 32: return .zero
        // set_buddy_order(): the head of a free MAX_ORDER - 1 block (online_pages() frees whole ones: a
        // section holds them aligned) keeps its order in private
        case 40: return s == .freeRAM && pfn % (1 << UInt64(lay.g.maxOrder - 1)) == 0 ? .nonzero : .zero
        // _mapcount -1 (page_mapcount_reset()) or the buddy's page_type: never zero whatever _refcount is
        case 48: return .nonzero
        case 56: return .zero
        default: return .unknown("byte \(f) of a struct page")
        }
    }
}

extension Memory {
    /// What the memmap page at kernel VA `pageVA` is, for a report: the physical range whose struct pages
    /// it holds, present (live struct pages) or not (no struct page lives there), and whose word is at
    /// `wordVA`.
    package func describeMemmapPage(_ pageVA: UInt64, word wordVA: UInt64, _ lay: Layout) -> String {
        let g = lay.g, shift = UInt64(g.pageShift)
        let first = StructPage.pfnAndField(lay.off(pageVA), lay).pfn
        let last = StructPage.pfnAndField(lay.off(pageVA) + g.pageSize - 1, lay).pfn
        let r = first << shift ..< (last + 1) << shift
        let live = present.clipped(to: r)
        var parts: [String] = []
        for x in live.ranges {
            let what = device.overlaps(x) ? "device memory" : early.overlaps(x) ? "boot memory" : "hot-added RAM"
            parts.append("the live struct pages of present \(what) [\(Quantity.hex(x.lowerBound)), \(Quantity.hex(x.upperBound)))")
        }
        for x in IntervalSet(r).subtracting(live).ranges {
            parts.append("the memmap of [\(Quantity.hex(x.lowerBound)), \(Quantity.hex(x.upperBound))), memory that is not present: no struct page lives there, the words are what the block's allocation (or a removal's poisoning) left")
        }
        let (pfn, f) = StructPage.pfnAndField(lay.off(wordVA), lay)
        let pa = pfn << shift, field = StructPage.name(ofField: f, lay.structPageSize)
        let word = present.contains(pa) ? "into the \(field) of the struct page of \(Quantity.hex(pa))"
            : "where the \(field) of the struct page of \(Quantity.hex(pa)) would be"
        return "it holds " + parts.joined(separator: " and ") + "; the descriptor went \(word)"
    }
}
