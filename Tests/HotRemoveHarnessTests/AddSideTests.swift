import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The v5.7 add side, checked against hand-derived expectations.
@Suite struct AddSideTests {
    @Test func pudBlockFor1GiBAligned4K48() throws {
        // 4K/48: PAGE_OFFSET = -(1<<48) = 0xffff000000000000, physOffset 1G.  Adding [8G, +1G): VA =
        // PAGE_OFFSET + 8G - 1G = 0xffff0001c0000000; addr, next and phys are 1 GiB aligned and blocks are
        // allowed, so use_1G_block() puts down one PUD block with PAGE_KERNEL made a block (no CONT at PUD).
        let r = try run("final", "4K/48", [.init(op: .add, start: 8 * G, size: G)])
        let g = geometry("4K/48")
        let linear = r.steps[0].after.runs(in: g.pageOffset + 5 * G, g.pageEnd)
        #expect(linear == [ObservedRun(va: 0xffff_0001_c000_0000, count: 1, entrySize: G, pa: 8 * G,
                                       attrs: pageKernelBlock, level: .pud, kind: .block)])
        // the PUD table under PGD[0] already exists (boot memory), so no table is allocated for the linear map
        #expect(r.steps[0].after.tables(.pmd, in: g.pageOffset, g.pageEnd).isEmpty)
    }

    @Test func noBlockMappings4K48() throws {
        // rodata_full sets NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS: 1 GiB / 2 MiB = 512 PTE tables under one new
        // PMD table (PUD entry 7 of the boot PUD table), 262144 PTEs, none with PTE_CONT.
        let r = try run("final", "4K/48", rodata: true, [.init(op: .add, start: 8 * G, size: G)])
        let g = geometry("4K/48")
        let lo = g.pageOffset + 7 * G, hi = lo + G
        let after = r.steps[0].after
        #expect(after.tables(.pmd, in: lo, hi).count == 1)
        #expect(after.tables(.pte, in: lo, hi).count == 512)
        #expect(after.runs(in: lo, hi) == [ObservedRun(va: lo, count: 262_144, entrySize: 4 * K, pa: 8 * G,
                                                       attrs: pageKernelPage, level: .pte, kind: .page)])
        #expect(after.runs(in: lo, hi).allSatisfy { $0.attrs & contBit == 0 })
    }

    @Test func contBitsOnPmdBlocksWhenNot1GiBAligned() throws {
        // sectionSizeBits 27 (v5.12): [8G + 128M, +1G) is 128 MiB aligned, not 1 GiB: PMD blocks.  CONT_PMD_SIZE on
        // 4K is 16 x 2 MiB = 32 MiB; every 32 MiB chunk of the range is aligned, so all 512 blocks carry PTE_CONT.
        let r = try run("final", "4K/48", section: 27, [.init(op: .add, start: 8 * G + 128 * M, size: G)])
        let g = geometry("4K/48")
        let lo = g.pageOffset + 7 * G + 128 * M
        let blocks = r.steps[0].after.runs(in: lo, lo + G)
        #expect(blocks.map(\.count).reduce(0, +) == 512)
        #expect(blocks.allSatisfy { $0.entrySize == 2 * M && $0.kind == .block && $0.attrs == pageKernelBlock | contBit })
    }

    @Test(arguments: [(64, 8), (56, 7)])
    func vmemmapPmdBlocks4K(structPage: Int, blocks: UInt64) throws {
        // 4K: ARM64_SWAPPER_USES_SECTION_MAPS, so the memmap is mapped with 2 MiB PMD blocks (PROT_SECT_NORMAL).
        // A 1 GiB section has 262144 pages: 64-byte struct page -> 16 MiB = 8 blocks; 56 bytes -> 14 MiB = 7.
        // Start VA: VMEMMAP_START + (8G - 1G)/4K * size = +112 MiB (64) or +98 MiB (56), both 2 MiB aligned.
        let r = try run("final", "4K/48", structPage: structPage, [.init(op: .add, start: 8 * G, size: G)])
        let g = geometry("4K/48")
        let start = g.vmemmapStart + (7 * G >> 12) * UInt64(structPage)
        let runs = r.steps[0].after.runs(in: start, start + 16 * M)
        #expect(runs.map(\.count).reduce(0, +) == blocks)
        #expect(runs.allSatisfy { $0.entrySize == 2 * M && $0.kind == .block && $0.attrs == protSectNormal })
        #expect((runs.first?.va ?? .max) == start)
        // eight order-9 allocations for 64 bytes, seven for 56
        #expect(r.steps[0].effects.allocationsByOrder[9] == blocks)
    }

    @Test(arguments: [("16K/47", 64, 256), ("16K/47", 56, 224), ("64K/42", 64, 16), ("64K/48", 56, 14)])
    func vmemmapBasePages(g: String, structPage: Int, pages: UInt64) throws {
        // 16K/64K: vmemmap_populate_basepages().  16K: 65536 pages per GiB x 64 B = 4 MiB = 256 pages of 16K,
        // x 56 B = 3.5 MiB = 224 pages.  64K: 16384 pages x 64 B = 1 MiB = 16 pages; x 56 = 896 KiB = 14 pages.
        // (The start, (8G-1G)/page * size, is page aligned in each case: 7G/16K*56 = 1568 pages of 16K,
        // 7G/64K*56 = 392 pages of 64K.)
        let geo = geometry(g)
        let r = try run("final", g, structPage: structPage, [.init(op: .add, start: 8 * G, size: G)])
        let start = geo.vmemmapStart + (7 * G >> UInt64(geo.pageShift)) * UInt64(structPage)
        let runs = r.steps[0].after.runs(in: start, start + 4 * M)
        #expect(runs.map(\.count).reduce(0, +) == pages)
        #expect(runs.allSatisfy { $0.entrySize == geo.pageSize && $0.kind == .page && $0.attrs == pageKernelPage })
        #expect(r.steps[0].effects.allocationsByOrder[0] >= pages)
    }

    @Test func twoLevels64K42() throws {
        // 64K/42: 2 levels, PGDIR_SHIFT = 13*2+3 = 29, so a PGD entry maps 512 MiB and the PMD is folded into it
        // (PMD_SIZE = 512 MiB).  [8G, +1G) is 512 MiB aligned: two blocks in the PGD itself; CONT_PMD_SIZE is
        // 32 x 512 MiB = 16 GiB, so no PTE_CONT.  No table page is allocated for the linear map.
        let r = try run("final", "64K/42", [.init(op: .add, start: 8 * G, size: G)])
        let g = geometry("64K/42")
        #expect(g.levels == 2)
        let lo = g.pageOffset + 7 * G
        #expect(r.steps[0].after.runs(in: lo, lo + G) == [ObservedRun(va: lo, count: 2, entrySize: 512 * M, pa: 8 * G,
                                                                       attrs: pageKernelBlock, level: .pgd, kind: .block)])
        #expect(r.steps[0].effects.tablesAllocated[Level.pte.rawValue] == 0 || r.steps[0].after.tables(.pte, in: lo, lo + G).isEmpty)
    }

    @Test func deviceSubsectionWithAltmap() throws {
        // altmap revision (v5.9 vmemmap_populate): one 2 MiB sub-section at 8G with an altmap (reserve 0, free =
        // the 512 pfns of the range).  Its memmap (512 x 64 B = 32 KiB) sits in the 2 MiB PMD block of
        // vmemmap that altmap_alloc_block_buf(PMD_SIZE) takes from the range itself: pfn 8G>>12 is 512-aligned,
        // so align = 0 and alloc = 512; the block's output address is 8G.  Nothing comes from the allocator
        // but page-table pages.
        let r = try run("altmap", "4K/48", [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device, altmap: .init(reserve: 0))])
        let s = r.steps[0]
        #expect(s.result == .ok)
        #expect((s.altmaps.first?.alloc ?? .max) == 512)
        #expect((s.altmaps.first?.align ?? .max) == 0)
        #expect(s.effects.allocationsByOrder.reduce(0, +) == s.effects.tablesAllocated.reduce(0, +))
        let g = geometry("4K/48")
        let va = (g.vmemmapStart + (7 * G >> 12) * 64) & ~(2 * M - 1)
        #expect((s.after.runs(in: va, va + 2 * M).first?.pa ?? 0) == 8 * G)
    }

    @Test func neighbourSharesUpperTablesWithVmemmap() throws {
        // 4K/48: VMEMMAP_START = -(2^41) - 2M = 0xfffffdffffe00000 lies in PGD[507] (512 GiB entries), PUD[511],
        // PMD[511].  A vmalloc-area page at VMEMMAP_START - 2M is PGD[507] PUD[511] PMD[510]: same PUD table and
        // same PMD table as the first vmemmap block.  VMALLOC_END - 2M (= -1G - 2^41 - 64K - 2M) is PUD[510] of
        // the same PUD table.
        let g = geometry("4K/48")
        let n1 = g.vmemmapStart - 2 * M, n2 = g.vmallocEnd - 2 * M
        let r = try run("final", "4K/48", neighbours: [.init(va: n1, size: 64 * K), .init(va: n2, size: 64 * K)], [])
        let pmdTables = r.boot.tables.filter { $0.level == .pmd && $0.vaStart <= g.vmemmapStart && g.vmemmapStart < $0.vaStart + $0.vaSpan }
        #expect(pmdTables.count == 1)
        #expect(pmdTables.first.map { $0.vaStart <= n1 && n1 < $0.vaStart + $0.vaSpan } == true)
        let pudTables = r.boot.tables.filter { $0.level == .pud && $0.vaStart <= n2 && n2 < $0.vaStart + $0.vaSpan }
        #expect(pudTables.count == 1)
        #expect(pudTables.first.map { $0.vaStart <= g.vmemmapStart && g.vmemmapStart < $0.vaStart + $0.vaSpan } == true)
        #expect(r.boot.runs(in: n1, n1 + 64 * K).map(\.count).reduce(0, +) == 16)
    }

    @Test(arguments: Registry.revisions.map(\.name))
    func everyInstanceBootsAndAdds(revision: String) throws {
        // each geometry: 1 GiB at 8G becomes mapped over exactly its linear VA range
        for g in Geometry.all {
            let r = try run(revision, g.name, [.init(op: .add, start: 8 * G, size: G)])
            let lo = g.pageOffset + 7 * G
            let runs = r.steps[0].after.runs(in: lo, lo + G)
            #expect(r.steps[0].result == .ok, "\(revision) \(g)")
            #expect((runs.first?.va ?? .max) == lo && (runs.last?.end ?? .max) == lo + G, "\(revision) \(g)")
            #expect(runs.reduce(0) { $0 + $1.count * $1.entrySize } == G, "\(revision) \(g)")
        }
    }
}
