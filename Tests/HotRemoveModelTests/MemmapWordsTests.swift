// What a base-page walk under a live vmemmap PMD block reads (MemmapWords.swift), by hand from
// pte_offset_kernel(), include/linux/mm_types.h and the struct page initialisation of v5.9..6.1.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct MemmapWordsTests {
    // 4K/39, 56-byte struct page, physOffset 1G: VMEMMAP_START's offset is where pa 1G's struct page lives
    let lay = Layout(scenario("4K/39", boot: 128 * M, section: 27, structPage: 56, []))
    var base: UInt64 { lay.off(lay.g.vmemmapStart) }

    @Test func theWordIsEntryPteIndexOfTheBlocksFirstPage() {
        let g = lay.g
        // pte_index(addr) = (addr >> 12) & 511; the block's first page is the output of the PMD entry
        let block = base + 105 * 2 * M
        #expect(MemmapWords.slot(ofPage: block, g) == block)
        #expect(MemmapWords.slot(ofPage: block + 0x18f000, g) == block + 399 * 8)
        #expect(MemmapWords.slot(ofPage: block + 2 * M - 4 * K, g) == block + 511 * 8)
        // 64K pages: 8192 entries of 8 bytes, a 512 MiB block
        let g64 = Geometry(name: "64K/48")!
        #expect(MemmapWords.slot(ofPage: 512 * M + 3 * 64 * K, g64) == 512 * M + 3 * 8)
    }

    @Test func freeRAMHasZeroMappingIndexAndTailPrivate() {
        var w = MemmapWords()
        // pa 1G + 1024 pages (pfn 0x40400: a MAX_ORDER - 1 head) and the page after it, 56 bytes each
        let head = base + 1024 * 56
        w.set(head ..< head + 2 * 56, .freeRAM)
        let expectHead: [MemmapWords.Value] = [.nonzero, .nonzero, .nonzero, .zero, .zero, .nonzero, .nonzero]
        let expectTail: [MemmapWords.Value] = [.nonzero, .nonzero, .nonzero, .zero, .zero, .zero, .nonzero]
        #expect((0 ..< 7).map { w.value(at: head + UInt64($0) * 8, lay) } == expectHead)
        #expect((0 ..< 7).map { w.value(at: head + 56 + UInt64($0) * 8, lay) } == expectTail)
    }

    @Test func devicePagesHaveNoZoneDeviceData() {
        var w = MemmapWords()
        w.set(base ..< base + 56, .device)
        // flags, pgmap, zone_device_data = NULL, mapping, index, private, _mapcount -1
        #expect((0 ..< 7).map { w.value(at: base + UInt64($0) * 8, lay) } == [.nonzero, .nonzero, .zero, .zero, .zero, .zero, .nonzero])
        w.set(base ..< base + 56, .reserved)   // memmap_init_range(): lru points at itself
        #expect(w.value(at: base + 16, lay) == .nonzero)
    }

    @Test func theLastWriterWins() {
        var w = MemmapWords()
        w.set(base ..< base + 4 * K, .zeroed)
        w.set(base + 8 ..< base + 16, .descriptor)
        #expect(w.value(at: base, lay) == .zero)
        #expect(w.value(at: base + 8, lay) == .nonzero)
        w.set(base ..< base + 56, .poisoned)
        #expect(w.value(at: base, lay) == .nonzero && w.value(at: base + 48, lay) == .nonzero)
        #expect(w.value(at: base + 56, lay) == .zero)
        w.set(base ..< base + 4 * K, .leftOver)
        if case .unknown(let why) = w.value(at: base + 8, lay) { #expect(why.contains("init_on_alloc is off")) }
        else { Issue.record("a block not zeroed at allocation is unknown") }
    }

    @Test func aWhatIfSizeHasNoFieldLayout() {
        let lay72 = Layout(scenario("4K/39", boot: 128 * M, section: 27, structPage: 72, []))
        var w = MemmapWords()
        let b = lay72.off(lay72.g.vmemmapStart)
        w.set(b ..< b + 72, .freeRAM)
        if case .unknown = w.value(at: b + 24, lay72) {} else { Issue.record("a 72-byte struct page's mapping is not known") }
        w.set(b ..< b + 72, .poisoned)   // poison is all ones whatever the layout
        #expect(w.value(at: b + 24, lay72) == .nonzero)
    }
}
