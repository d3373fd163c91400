// The generic layer's statements (Sparse), each against a hand calculation from the kernel sources it
// cites.  Layout facts used below (v5.7 arm64, physOffset 1G): the struct page of PA p lives at the vmemmap
// offset (p - 1G) / PAGE_SIZE * sizeof(struct page).
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct SparseTests {
    func sparse(_ g: String, section: Int, structPage: Int = 64) -> Sparse {
        Sparse(lay: Layout(scenario(g, section: section, structPage: structPage, [])))
    }

    /// 4K/48, 128 MiB sections, 64-byte struct page: a section's memmap is 32768 x 64 B = 2 MiB.  The vmemmap
    /// offset of PA 8G is (8G - 1G) / 4K x 64 = 112 MiB.
    var s4k: Sparse { sparse("4K/48", section: 27) }
    var vmemmap: UInt64 { s4k.lay.off(s4k.g.vmemmapStart) }

    /// A range [8G, +384M) added with its memmap from the range: head pfn 8G >> 12 = 0x200000, its struct page
    /// at vmemmap + 112M.  Closing on the third section C = [8G + 256M, +128M), memmap [116M, 118M): windows
    /// of 2M ending at 118M while they start at or above 112M: [116M, 118M), [114M, 116M), [112M, 114M).
    @Test func deferredFreesOfWholeSections() {
        let c = 8 * G + 256 * M ..< 8 * G + 384 * M
        let w = s4k.deferredFrees(closing: c, headPfn: (8 * G) >> 12).map { ($0.lowerBound - vmemmap) / M ..< ($0.upperBound - vmemmap) / M }
        #expect(w == [116 ..< 118, 114 ..< 116, 112 ..< 114])
    }

    /// Closing on a 2 MiB device piece at 8G + 258M: its memmap is 512 x 64 B = 32K at 112M + 258M / 64 =
    /// 116M + 32K, so e = 116M + 64K and n = 32K: (e - 112M) / n = (4M + 64K) / 32K = 130 windows, the first
    /// [116M + 32K, 116M + 64K), the last [112M, 112M + 32K).
    @Test func deferredFreesOfASubSectionPiece() {
        let w = s4k.deferredFrees(closing: 8 * G + 258 * M ..< 8 * G + 260 * M, headPfn: (8 * G) >> 12)
        #expect(w.count == 130)
        #expect(w.first == vmemmap + 116 * M + 32 * K ..< vmemmap + 116 * M + 64 * K)
        #expect(w.last == vmemmap + 112 * M ..< vmemmap + 112 * M + 32 * K)
    }

    /// A closing piece below the head ([7G, +128M), memmap at 96M, below 112M): the RFC's loop never runs.
    @Test func deferredFreesBelowTheHeadAreNone() {
        #expect(s4k.deferredFrees(closing: 7 * G ..< 7 * G + 128 * M, headPfn: (8 * G) >> 12).isEmpty)
    }

    /// mhp_supports_memmap_on_memory(), by hand (vmemmap_size = section / PAGE_SIZE x sizeof(struct page);
    /// PMD and pageblock: 2M on 4K, 32M on 16K, 512M on 64K):
    ///   4K, 128M, 64 B: 2M, 126M left: supported;  4K, 128M, 56 B: 1.75M: not;
    ///   4K, 1G, 64 B: 16M: supported;  4K, 1G, 56 B: 14M = 7 PMDs, 1010M = 505 pageblocks: supported;
    ///   16K, 1G, 64 B: 4M < 32M: not;  16K, 128M, 128 B: 1M: not;  64K, 512M, 64 B: 512K < 512M: not.
    @Test(arguments: [("4K/48", 27, 64, true), ("4K/48", 27, 56, false), ("4K/48", 30, 64, true),
                      ("4K/48", 30, 56, true), ("16K/47", 30, 64, false), ("16K/47", 27, 128, false),
                      ("64K/42", 29, 64, false)])
    func memmapOnMemorySupport(_ g: String, _ section: Int, _ structPage: Int, _ supported: Bool) {
        #expect(sparse(g, section: section, structPage: structPage).memmapOnMemorySupported == supported)
    }

    /// section_activate(): a 2 MiB piece of an early section reuses the boot memmap (none populated); the
    /// same piece of another section populates its own 32K of memmap (512 struct pages).
    @Test func populatedMemmap() {
        let piece = 2 * G + 2 * M ..< 2 * G + 4 * M
        let early = IntervalSet(2 * G ..< 2 * G + 128 * M)
        #expect(s4k.populated(piece, early: early) == nil)
        let mm = s4k.populated(piece, early: IntervalSet())
        // (2G + 2M - 1G) / 4K x 64 = 16M + 32K
        #expect(mm == vmemmap + 16 * M + 32 * K ..< vmemmap + 16 * M + 64 * K)
    }

    /// section_deactivate(): an early section emptied frees its whole 2M boot memmap; one that keeps a present
    /// sub-section, or a section that is not early, frees the piece's own memmap.
    @Test func depopulation() {
        let sec = 2 * G ..< 2 * G + 128 * M, piece = 2 * G ..< 2 * G + 2 * M
        let early = IntervalSet(sec)
        #expect(s4k.depopulation(sec, presentAfter: IntervalSet(), early: early)
                == .bootMemmap(vmemmap + 16 * M ..< vmemmap + 18 * M))
        #expect(s4k.depopulation(piece, presentAfter: IntervalSet(2 * G + 2 * M ..< 2 * G + 128 * M), early: early)
                == .pieceMemmap(vmemmap + 16 * M ..< vmemmap + 16 * M + 32 * K))
        #expect(s4k.depopulation(piece, presentAfter: IntervalSet(), early: IntervalSet())
                == .pieceMemmap(vmemmap + 16 * M ..< vmemmap + 16 * M + 32 * K))
    }

    /// fill_subsection_map(): -EEXIST exactly when a sub-section of the piece is present already.
    @Test func activationRefusedByPresentSubsections() {
        let present = IntervalSet(8 * G + 2 * M ..< 8 * G + 4 * M)
        #expect(Sparse.activationRefused(8 * G ..< 8 * G + 128 * M, present: present))
        #expect(Sparse.activationRefused(8 * G + 2 * M ..< 8 * G + 4 * M, present: present))
        #expect(!Sparse.activationRefused(8 * G ..< 8 * G + 2 * M, present: present))
        #expect(!Sparse.activationRefused(8 * G + 4 * M ..< 8 * G + 6 * M, present: present))
    }

    /// mark_vmemmap_pages() after the add of [8G, +384M) on 4K/48 with 128M sections: the altmap (base_pfn
    /// 0x200000, free 98304) gave three 2M blocks, alloc 1536: PageVmemmap pfns [0x200000, 0x200600), the head
    /// counting 98304 / 32768 = 3 sections.
    @Test func rangeMarks() {
        var alt = ModelAltmap(start: 8 * G, size: 384 * M, basePfn: 0x200000, reserve: 0, free: 98304)
        alt.alloc = 1536
        #expect(Sparse.vmemmapPfns(alt) == 0x200000 ..< 0x200600)
        #expect(s4k.headSections(alt) == 3)
    }

    /// A memory block's altmap: base_pfn its first pfn, free its pages (128M / 4K = 32768), no reserve.
    @Test func blockAltmap() {
        let a = s4k.blockAltmap(8 * G ..< 8 * G + 128 * M)
        #expect(a.basePfn == 0x200000 && a.free == 32768 && a.reserve == 0 && a.alloc == 0)
    }
}
