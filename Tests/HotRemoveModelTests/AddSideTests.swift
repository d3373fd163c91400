// What v5.7's add side creates, derived by hand from __create_pgd_mapping()
// and vmemmap_populate().  Scenarios use PHYS_OFFSET = 1 GiB (the default),
// so the linear map puts PA p at VA 0xffff000000000000 + p - 1G on 4K/48.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct AddSideTests {
    @Test func oneGiBAlignedIsOnePudBlock() {
        // add PA [8G, 9G): VA 0xffff000000000000 + 7G = 0xffff0001c0000000, 1 GiB aligned in VA and PA
        let m = ModelJudge(scenario: scenario("4K/48", [.init(op: .add, start: 8 * G, size: G)]), revision: "final")
        let p = m.prediction(step: 0)
        #expect(p.outcome == .ok)
        let r = run(p.after, at: 0xffff_0001_c000_0000)
        #expect((r?.va ?? .max) == 0xffff_0001_c000_0000)
        #expect((r?.count ?? .max) == 1 && (r?.entrySize ?? .max) == G && r?.kind == .block && r?.level == .pud)
        #expect((r?.attrs ?? .max) == Descriptor.blockKernel && r?.pa == 8 * G)
        // the PUD table for the first 512 GiB of the linear map exists since boot: no table allocated
        #expect(p.effects.tablesAllocated == [0, 0, 0, 0])
    }

    @Test func noBlockMappingsUsesPteTables() {
        // rodata_full: NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS. 1 GiB = 262144 pages under
        // one new PMD table and 512 new PTE tables (1G / 2M); the PUD table is boot's.
        let m = ModelJudge(scenario: scenario("4K/48", rodata: true, [.init(op: .add, start: 8 * G, size: G)]), revision: "final")
        let p = m.prediction(step: 0)
        let r = run(p.after, at: 0xffff_0001_c000_0000)
        #expect((r?.va ?? .max) == 0xffff_0001_c000_0000 && (r?.count ?? .max) == 262_144 && (r?.entrySize ?? .max) == 4 * K)
        #expect((r?.attrs ?? .max) == Descriptor.pageKernel)   // no PTE_CONT
        #expect(p.effects.tablesAllocated[Level.pmd.rawValue] == 1)
        #expect(p.effects.tablesAllocated[Level.pte.rawValue] == 512)
        #expect(p.effects.tablesAllocated[Level.pud.rawValue] == 0)
    }

    @Test func twoMiBAlignedGetsContOn32MiBChunks() {
        // device memory at PA 8G + 2M, 1 GiB: VA [0xffff0001c0200000, 0xffff000200200000).
        // No whole 1 GiB entry inside, so 512 PMD blocks. CONT_PMD chunks (32M) wholly inside:
        // [7G + 32M, 8G) offset-wise = 31 chunks = 496 blocks; before them [7G + 2M, 7G + 32M) = 15
        // plain blocks, after them [8G, 8G + 2M) = 1 plain block in the next PUD entry.
        let m = ModelJudge(scenario: scenario("4K/48", [.init(op: .add, start: 8 * G + 2 * M, size: G, kind: .device)]),
                               revision: "final")
        let p = m.prediction(step: 0)
        let head = run(p.after, at: 0xffff_0001_c020_0000)
        #expect((head?.va ?? .max) == 0xffff_0001_c020_0000 && (head?.count ?? .max) == 15 && (head?.attrs ?? .max) == Descriptor.blockKernel)
        let cont = run(p.after, at: 0xffff_0001_c200_0000)
        #expect((cont?.va ?? .max) == 0xffff_0001_c200_0000 && (cont?.count ?? .max) == 496 && (cont?.attrs ?? .max) == Descriptor.blockKernel | Descriptor.cont)
        let tail = run(p.after, at: 0xffff_0002_0000_0000)
        #expect((tail?.va ?? .max) == 0xffff_0002_0000_0000 && (tail?.count ?? .max) == 1 && (tail?.attrs ?? .max) == Descriptor.blockKernel)
        #expect(head?.level == .pmd && (tail?.entrySize ?? .max) == 2 * M)
        // two new PMD tables, for the GiBs at offsets 7G and 8G (boot's GiB is a PUD block)
        #expect(p.effects.tablesAllocated[Level.pmd.rawValue] == 2)
    }

    @Test func vmemmapOfOneSectionOn4K() {
        // memmap of PA 8G: VMEMMAP_START + (8G - 1G) / 4K * 64 = 0xfffffdffffe00000 + 7 * 16M = 0xfffffe0006e00000.
        // A 1 GiB section has 262144 struct pages: 16 MiB with 64 bytes = 8 PMD blocks.
        let m = ModelJudge(scenario: scenario("4K/48", [.init(op: .add, start: 8 * G, size: G)]), revision: "final")
        let r = run(m.prediction(step: 0).after, at: 0xffff_fe00_06e0_0000)
        #expect((r?.va ?? .max) == 0xffff_fe00_06e0_0000 && (r?.count ?? .max) == 8 && (r?.entrySize ?? .max) == 2 * M)
        #expect((r?.attrs ?? .max) == Descriptor.sectNormal && r?.level == .pmd && r.map { $0.pa == nil } ?? false)

        // 56-byte struct page: 262144 * 56 = 14 MiB = 7 blocks, from VMEMMAP_START + 7 * 14M = 0xfffffe0006000000
        let m56 = ModelJudge(scenario: scenario("4K/48", structPage: 56, [.init(op: .add, start: 8 * G, size: G)]), revision: "final")
        let r56 = run(m56.prediction(step: 0).after, at: 0xffff_fe00_0600_0000)
        #expect((r56?.va ?? .max) == 0xffff_fe00_0600_0000 && (r56?.count ?? .max) == 7)
    }

    @Test func vmemmapBasePagesOn64K() {
        // 64K/48: VMEMMAP_SIZE = 2^47 >> 10 = 2^37, VMEMMAP_START = -2^37 - 2M = 0xffffffdfffe00000.
        // memmap of PA 8G: + (7G / 64K) * 64 = + 7M -> 0xffffffe000500000.
        // 16 GiB = 16 sections of 16384 struct pages (1 MiB of memmap each): 16 MiB = 256 pages of 64K.
        let m = ModelJudge(scenario: scenario("64K/48", [.init(op: .add, start: 8 * G, size: 16 * G)]), revision: "final")
        let r = run(m.prediction(step: 0).after, at: 0xffff_ffe0_0050_0000)
        #expect((r?.va ?? .max) == 0xffff_ffe0_0050_0000 && (r?.count ?? .max) == 256 && (r?.entrySize ?? .max) == 64 * K)
        #expect(r?.kind == .page && (r?.attrs ?? .max) == Descriptor.pageKernel)
    }

    @Test func bootBuildsLinearMapAndVmemmap() {
        // boot [1G, 2G) on 4K/48: one PUD block at PAGE_OFFSET; memmap [VMEMMAP_START, +16M) = 8 blocks,
        // the first in the PMD table below 0xfffffe0000000000, the other 7 in the next one.
        let m = ModelJudge(scenario: scenario("4K/48", []), revision: "final")
        let s = m.bootSnapshot
        #expect((run(s, at: 0xffff_0000_0000_0000)?.entrySize ?? .max) == G)
        #expect((run(s, at: 0xffff_fdff_ffe0_0000)?.count ?? .max) == 8)
        #expect(s.hasTable(.pmd, vaStart: 0xffff_fdff_c000_0000))
        #expect(s.hasTable(.pmd, vaStart: 0xffff_fe00_0000_0000))
        // PUD tables: linear [PAGE_OFFSET, +512G), vmemmap [0xfffffd8000000000, +512G) and [0xfffffe0000000000, +512G)
        #expect(s.tableCount(.pud) == 3)
    }

    @Test func injectedFailureInTheLinearMapIsABug() {
        // NO_BLOCK 1 GiB at 8G: allocations go PMD table (1st, at the range start), PTE table (2nd,
        // same address), then the PTE table for the next 2 MiB (3rd): failing the 3rd is
        // BUG_ON(!ptr) in __pgd_pgtable_alloc(), after the first 2 MiB (512 pages) were mapped.
        let m = ModelJudge(scenario: scenario("4K/48", rodata: true, [.init(op: .add, start: 8 * G, size: G, failAllocation: 3)]),
                               revision: "final")
        let p = m.prediction(step: 0)
        #expect(p.outcome == .oops)
        #expect((run(p.after, at: 0xffff_0001_c000_0000)?.count ?? .max) == 512)
        #expect(run(p.after, at: 0xffff_0001_c020_0000) == nil)
        #expect(p.effects.tablesAllocated[Level.pmd.rawValue] == 1 && p.effects.tablesAllocated[Level.pte.rawValue] == 1)
    }

    @Test func injectedFailureInTheMemmapUnwinds() {
        // 1 GiB at 8G with blocks: the linear map needs no table (PUD block, boot's PUD table), so the
        // memmap blocks are allocations 1..8. Failing the 3rd: blocks 1 and 2 are made, the piece's
        // memmap goes to vmemmap_free() (2 blocks freed at order 9), the linear map is removed, -ENOMEM.
        let m = ModelJudge(scenario: scenario("4K/48", [.init(op: .add, start: 8 * G, size: G, failAllocation: 3)]), revision: "final")
        let p = m.prediction(step: 0)
        #expect(p.outcome == .error(-12))
        #expect(p.effects.dataFreedByOrder[9] == 2)
        #expect(run(p.after, at: 0xffff_fe00_06e0_0000) == nil)
        #expect(run(p.after, at: 0xffff_0001_c000_0000) == nil)
        // vaale1is: final flushes each of the 2 memmap blocks and the 1 GiB PUD block with one
        // page each; the fixmap slots the add side uses are counted apart (fixmapClears), not as TLBIs
        #expect(p.effects.tlbiVA == 3)
    }
}

/// What the kernel's own walks do over what an earlier step left: hand-derived from v5.7's
/// init_pmd()/pmd_set_huge()/pgattr_change_is_safe() and 6.1's vmemmap_pte_populate().
@Suite struct LeftoverMappingTests {
    @Test func reAddingOverLiveContBlocksIsABug() {
        // pre (v5.6): arch_add_memory() returns __add_pages()'s error with the linear map still in place.
        // 4K/48, PHYS_OFFSET 1G, 128 MiB sections: [8G+768M, +512M) has its linear map at
        // [0xffff0001f0000000, 0xffff000210000000), across the 1 GiB PMD-table boundary at offset 8G, written
        // as CONT blocks (32 MiB aligned); __add_pages() fails (-EINVAL), the blocks stay.  The same add again
        // finds the first entry live and CONT: pmd_set_huge() refuses any change to it ("live contiguous
        // mappings may not be manipulated at all"), writes nothing, and init_pmd()'s
        // BUG_ON(!pgattr_change_is_safe()) fires: no set, no allocation.
        var failing = Scenario.Step(op: .add, start: 8 * G + 768 * M, size: 512 * M)
        failing.failAddPages = true
        let add = Scenario.Step(op: .add, start: 8 * G + 768 * M, size: 512 * M)
        let m = ModelJudge(scenario: scenario("4K/48", section: 27, [failing, add]), revision: "pre")
        let p0 = m.prediction(step: 0)
        #expect(p0.outcome == .error(-22))
        // 512 MiB of 2 MiB blocks, one run across the two PMD tables
        let left = run(p0.after, at: 0xffff_0001_f000_0000)
        #expect(left?.count == 256 && left?.entrySize == 2 * M)
        #expect((left?.attrs ?? 0) & Descriptor.cont != 0)
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        let p1 = m.prediction(step: 1)
        #expect(p1.outcome == .oops)
        #expect(p1.effects.sets == [0, 0, 0, 0])
        #expect(p1.effects.allocationsByOrder.allSatisfy { $0 == 0 })
        #expect(p1.effects.faults(.bug) == 1)
    }

    @Test func aRetriedAddAfterAnOopsIsBlocked() {
        // final: the add's second table allocation fails, BUG_ON(!ptr) kills the task with device_hotplug_lock
        // and mem_hotplug_lock held; the same add again sleeps on device_hotplug_lock and does nothing
        var failing = Scenario.Step(op: .add, start: 8 * G + 768 * M, size: 512 * M)
        failing.failAllocation = 2
        let add = Scenario.Step(op: .add, start: 8 * G + 768 * M, size: 512 * M)
        let m = ModelJudge(scenario: scenario("4K/48", section: 27, [failing, add]), revision: "final")
        #expect(m.prediction(step: 0).outcome == .oops)
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        let p1 = m.prediction(step: 1)
        #expect(p1.outcome == .blocked(.deviceHotplug))
        #expect(p1.effects.sets == [0, 0, 0, 0])
    }

    @Test func aBasePageMemmapUnderALiveBlockIsWrittenIntoTheBlock() {
        // fix2025, 4K/39, 128 MiB sections, 56-byte struct page: RAM [0x408000000, +128M) gets a vmemmap
        // PMD block at 0xffffffff0d000000 (pfn 0x408000 * 56 = 0x0e0e0000 bytes into the vmemmap, whose
        // 2 MiB block [0x0e000000, 0x0e200000) also holds the struct pages of pfns from 0x406db7).
        // A 2 MiB device range at 0x407200000 has its memmap (512 * 56 = 28 KiB, 7 pages) inside that
        // block; being smaller than a section's memmap it goes to vmemmap_populate_basepages(), whose
        // vmemmap_pmd_populate() sees a non-none PMD and returns it: pte_offset_kernel() of the block is
        // its output page, so 7 "PTEs" go into the struct pages, 7 altmap pfns are used, no table is made.
        let ram = Scenario.Step(op: .add, start: 0x4_0800_0000, size: 128 * M)
        let dev = Scenario.Step(op: .add, start: 0x4_0720_0000, size: 2 * M, kind: .device, altmap: .init(reserve: 0, free: nil))
        let m = ModelJudge(scenario: scenario("4K/39", boot: 128 * M, section: 27, structPage: 56, [ram, dev]), revision: "fix2025")
        _ = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        let p = m.prediction(step: 1)
        #expect(p.outcome == .ok)
        #expect(p.effects.sets[Level.pte.rawValue] == 7)
        #expect(p.effects.tablesAllocated == [0, 0, 0, 0])
        #expect(run(p.after, at: 0xffff_ffff_0d00_0000)?.entrySize == 2 * M)
    }
}
