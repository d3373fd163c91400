// The generic memory-hotplug layer around the arch routines, stated as what mm/sparse.c,
// mm/memory_hotplug.c and mm/memremap.c guarantee, not as their loops: which sub-sections a
// step leaves present, which memmap an add populates and what a removal hands vmemmap_free()
// (and with which altmap), the deferral of the memmap-from-range RFC
// (<20190122103708.11043-4-osalvador@suse.de>), and when a memory block may hold its
// own memmap.  Every statement is a set (IntervalSet, ranges of physical addresses, pfns or
// kernel offsets) or a predicate over sets; Hotplug applies them step by step.  The shim's C
// (CShim/kernel/hotplug.c) is a separate transcription of the same code, checked against these
// statements, never read to write them.
//
// Sources: ba72b4c8cf60 ("mm/sparsemem: support sub-section hotplug", v5.3: the sub-section
// map, section_activate()/section_deactivate(), free_map_bootmem() for early sections);
// v5.7 mm/sparse-vmemmap.c __populate_section_memmap() and 6cda72047ea4 ("mm/sparse: only
// sub-section aligned range would be populated", v5.9); ef69bc9f689d ("mm/sparse: never
// partially remove memmap for early section", v5.9; it changes nothing an early section of
// this harness can meet, see `depopulation`); the memmap-from-range RFC (its __kfree_section_memmap(),
// free_deferred_vmemmap_range(), mark_vmemmap_pages()); a08a2ae34613 ("mm,memory_hotplug:
// allocate memmap from the added memory range", v5.14: mhp_supports_memmap_on_memory(),
// try_remove_memory()) and 6b8f0798b85a ("mm/memory_hotplug: split memmap_on_memory requests
// across memblocks", v6.8: one altmap per memory block, the blocks before a failed one removed).
// The 2026 mainline sparse code (mm/sparse-vmemmap.c) still says the same of every statement here
// but the rounding of __populate_section_memmap(), which 6cda72047ea4 replaced by a check.

import HotRemoveScenario

package struct Sparse {
    package let lay: Layout
    package var g: Geometry { lay.g }
    private var pageShift: UInt64 { UInt64(g.pageShift) }

    // MARK: presence: the sub-section map

    /// The sub-sections (SUBSECTION_SHIFT 21, whatever the page size) whose bits a piece of an add or a removal
    /// sets or clears: subsection_mask_set() takes every sub-section the piece touches.
    package static func subsections(_ piece: Range<UInt64>) -> IntervalSet {
        IntervalSet(piece).roundedOut(to: subsectionSize)
    }

    /// fill_subsection_map(): a piece is refused with -EEXIST when one of its sub-sections is present already
    /// ("bitmap_intersects(map, subsection_map)"), e.g. left present by an add that failed in a later section.
    package static func activationRefused(_ piece: Range<UInt64>, present: IntervalSet) -> Bool {
        subsections(piece).ranges.contains { present.overlaps($0) }
    }

    /// __add_pages()/__remove_pages() hand the sparse code the range one section at a time ("Select all
    /// remaining pages up to the next section boundary").
    package func pieces(_ r: Range<UInt64>) -> [Range<UInt64>] { lay.sectionPieces(r) }

    // MARK: the memmap an add populates

    /// The memmap (kernel offsets) section_activate() populates for `piece`, nil for none.  A piece of an early
    /// section that does not cover it whole reuses the boot memmap, which spans the whole section ("If we
    /// hot-add memory into such a section then we do not need to populate the memmap"); otherwise
    /// __populate_section_memmap() maps the struct pages of the piece's sub-sections (v5.7 rounds the piece
    /// out to them; from 6cda72047ea4 it must already be sub-section aligned: the same range here).
    package func populated(_ piece: Range<UInt64>, early: IntervalSet) -> Range<UInt64>? {
        let section = lay.section(containing: piece.lowerBound)
        if UInt64(piece.count) < lay.sectionSize && early.overlaps(section) { return nil }
        guard let sub = Self.subsections(piece).hull else { return nil }
        return lay.memmap(sub)
    }

    // MARK: what a removal hands vmemmap_free()

    /// What section_deactivate() frees for one piece.
    package enum Depopulation: Equatable {
        /// free_map_bootmem(): the whole memmap of an early section once its sub-section map is empty, with no
        /// altmap (the boot memmap came from memblock)
        case bootMemmap(Range<UInt64>)
        /// depopulate_section_memmap(): the memmap of exactly this piece, with the caller's altmap (the memmap-from-range RFC may
        /// defer it: see `deferredFrees`)
        case pieceMemmap(Range<UInt64>)
    }

    /// v5.7: "if (section_is_early && memmap) free_map_bootmem(memmap); else depopulate_section_memmap()".  An
    /// early section here is boot memory, section aligned and present whole, and RAM goes section by section:
    /// its removal always empties its map, so ef69bc9f689d (no partial depopulation of an early section) and
    /// v5.7 agree on every removal this harness can make.
    package func depopulation(_ piece: Range<UInt64>, presentAfter: IntervalSet, early: IntervalSet) -> Depopulation {
        let section = lay.section(containing: piece.lowerBound)
        if early.overlaps(section) && !presentAfter.overlaps(section) { return .bootMemmap(lay.memmap(section)) }
        return .pieceMemmap(lay.memmap(piece))
    }

    // MARK: the memmap from the added range (<20190122103708.11043-4-osalvador@suse.de>)

    /// The pfns a range's altmap gave its memmap, from its first pfn on: what mark_vmemmap_pages() makes
    /// PageVmemmap ("for (i = 0; i < nr_pages; i++, pfn++)", nr_pages = altmap->alloc, pfn = base_pfn + reserve).
    package static func vmemmapPfns(_ alt: ModelAltmap) -> Range<UInt64> {
        alt.basePfn + alt.reserve ..< alt.basePfn + alt.reserve + alt.alloc
    }

    /// The head page's _refcount after mark_vmemmap_pages(): "number of sections that used this altmap",
    /// nr_sects = altmap->free / PAGES_PER_SECTION.
    package func headSections(_ alt: ModelAltmap) -> UInt64 { alt.free / (lay.sectionSize >> pageShift) }

    /// The vmemmap_free() calls (kernel offsets, in order, each with no altmap) of the removal that brings the
    /// head's _refcount to 0: free_deferred_vmemmap_range() frees "the hole range to vmemmap_free backwards",
    /// windows of the closing piece's memmap size n that end at that memmap's end e, last first, as long as a
    /// window starts at or above the head's struct page: { [e - (k+1)n, e - kn) : e - (k+1)n >= head } for
    /// k = 0, 1, ...  (One window per section when the pieces are whole sections, as RAM's are.)
    package func deferredFrees(closing piece: Range<UInt64>, headPfn: UInt64) -> [Range<UInt64>] {
        let mm = lay.memmap(piece), head = lay.memmap(headPfn << pageShift)
        let n = UInt64(mm.count), e = mm.upperBound
        guard n > 0, e > head else { return [] }
        let windows = (e - head) / n
        return (0 ..< windows).map { k in e - (k + 1) * n ..< e - k * n }
    }

    /// The pfns whose struct pages an add initialises when it populates the memmap of `piece` (neither
    /// PageVmemmap nor counted otherwise than 1 afterwards): mm/ initialises only the pfns of the range added
    /// (memmap_init_zone() when RAM goes online, memmap_init_zone_device() for ZONE_DEVICE), and leaves the
    /// other struct pages of a memmap that stayed mapped as they were: a deferral's head page among them.
    package func initialisedPfns(_ piece: Range<UInt64>) -> Range<UInt64> {
        piece.lowerBound >> pageShift ..< piece.upperBound >> pageShift
    }

    // MARK: memmap on memory (v5.14)

    /// mhp_supports_memmap_on_memory() for one memory block (one section on arm64): "b) The vmemmap pages span
    /// complete PMDs" and "c) The vmemmap pages (and thereby the pages that will be exposed to the buddy) have to
    /// cover full pageblocks" (a pageblock is a PMD on arm64: pageblock_order = HUGETLB_PAGE_ORDER).  Stated
    /// over the block at PHYS_OFFSET (every block looks alike): its memmap is a union of whole PMDs of the
    /// vmemmap, and the pages after those the memmap takes are a union of whole pageblocks.
    package var memmapOnMemorySupported: Bool {
        let pmd = g.pmdSize, pageblock = g.pmdSize
        let block = lay.physOffset ..< lay.physOffset + lay.sectionSize
        let memmap = IntervalSet(lay.memmap(block))
        let memmapBytes = UInt64(lay.memmap(block).count)
        let rest = IntervalSet(block.lowerBound + memmapBytes ..< block.upperBound)
        return memmap.roundedIn(to: pmd) == memmap && rest.roundedIn(to: pageblock) == rest
    }

    /// The memory blocks (sections on arm64, memory_block_size_bytes()) an add with its memmap on memory is
    /// made of, each an arch_add_memory() with an altmap of its own (6b8f0798b85a).
    package func memoryBlocks(_ r: Range<UInt64>) -> [Range<UInt64>] { lay.sectionPieces(r) }

    /// The altmap of one memory block: base_pfn its first pfn, free its pages, no reserve ("mhp_altmap.free =
    /// PHYS_PFN(size); mhp_altmap.base_pfn = PHYS_PFN(start)").
    package func blockAltmap(_ block: Range<UInt64>) -> ModelAltmap {
        ModelAltmap(start: block.lowerBound, size: UInt64(block.count), basePfn: block.lowerBound >> pageShift,
                    reserve: 0, free: UInt64(block.count) >> pageShift)
    }
}
