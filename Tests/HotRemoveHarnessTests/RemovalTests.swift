import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The three revisions' removals, with hand-derived expectations.
@Suite struct RemovalTests {
    @Test func pmdBlocksV6FlushesWholeBlock() throws {
        let s = try pmdBlockRun("v6").steps[1]
        // V6: flush_tlb_kernel_range(addr, next) over each 2 MiB block = 512 pages = MAX_TLBI_OPS, not more,
        // so 512 vaale1is per block: 512 linear blocks + 8 vmemmap blocks = 520 blocks x 512 = 266240.
        #expect(s.effects.tlbiVA == 520 * 512)
        #expect(s.effects.tlbiAll == 0)
        // linear map: the two PMD tables are empty afterwards and V6 frees empty tables without floor/ceiling;
        // vmemmap: V6 never frees vmemmap tables.  One vaae1is per freed table.
        #expect(s.effects.tablesFreed == [0, 0, 2, 0])
        #expect(s.effects.tlbiWalk == 2)
        // data: only the 8 vmemmap blocks (order 9); the linear map frees no data
        #expect(s.effects.dataFreedByOrder[9] == 8)
        #expect(s.effects.dataFreedByOrder.reduce(0, +) == 8)
        // cleared: 512 + 8 block entries, 2 PUD entries that pointed at the freed PMD tables
        #expect(s.effects.clears == [0, 2, 520, 0])
        #expect(s.warns.isEmpty && s.faults.isEmpty)
    }

    @Test func pmdBlocksFinalOneTlbiPerBlock() throws {
        let s = try pmdBlockRun("final").steps[1]
        // final: "One TLBI should be sufficient here": 1 vaale1is per block, 520 blocks.
        #expect(s.effects.tlbiVA == 520)
        #expect(s.effects.tlbiAll == 0)
        // linear PMD tables [7G,8G) and [8G,9G) (relative to PAGE_OFFSET): empty, start >= PAGE_OFFSET and
        // end <= PAGE_END -> freed.  The vmemmap PMD table still maps boot memmap -> kept.  PUD table kept
        // (boot memory's PUD blocks).
        #expect(s.effects.tablesFreed == [0, 0, 2, 0])
        #expect(s.effects.tlbiWalk == 2)
        #expect(s.effects.dataFreedByOrder[9] == 8)
        #expect(s.effects.dataFreedByOrder.reduce(0, +) == 8)
        #expect(s.warns.isEmpty && s.faults.isEmpty)
    }

    @Test(arguments: [("v6", UInt64(8 * 512), UInt64(1)), ("final", UInt64(1 + 8), UInt64(0)),
                      ("altmap", UInt64(1 + 8), UInt64(0))])
    func pudBlock(_ rev: String, tlbiVA: UInt64, tlbiAll: UInt64) throws {
        // [8G, +1G) on 4K/48 with 1 GiB sections: one PUD block + 8 vmemmap PMD blocks.  V6 flushes the PUD
        // block's 1 GiB = 262144 pages > MAX_TLBI_OPS (512): flush_tlb_all(), one vmalle1is; its 8 vmemmap
        // blocks cost 512 vaale1is each.  final/altmap: one vaale1is per block, 9.  No table page is freed
        // (the PUD block lives in the boot PUD table; the vmemmap blocks share boot's PMD table).
        let r = try run(rev, "4K/48", [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G)])
        let s = r.steps[1]
        #expect(s.effects.tlbiVA == tlbiVA)
        #expect(s.effects.tlbiAll == tlbiAll)
        #expect(s.effects.tablesFreed == [0, 0, 0, 0])
        #expect(s.effects.clears == [0, 1, 8, 0])
        #expect(s.after.runs == r.boot.runs)
    }

    // vmemmap of a section far from boot memory gets tables of its own, a vmalloc neighbour shares the tables
    // at VMEMMAP_START.  4K/48: memory [1G, 2G) below boot memory [2G, 6G) has its memmap at VMEMMAP_START
    // (first block in PGD[507] next to the neighbour at VMEMMAP_START - 2M); memory at 80G has its memmap at
    // offset 79G/64 = 1264 MiB, in the PMD table for vmemmap [1 GiB, 2 GiB) of PGD[508], which nothing else uses.
    func vmemmapScenario(_ rev: String) throws -> ScenarioRun {
        let g = geometry("4K/48")
        return try run(rev, "4K/48", bootStart: 2 * G, neighbours: [.init(va: g.vmemmapStart - 2 * M, size: 64 * K)],
                       [.init(op: .add, start: 1 * G, size: G), .init(op: .add, start: 80 * G, size: G),
                        .init(op: .remove, start: 1 * G, size: G), .init(op: .remove, start: 80 * G, size: G)])
    }

    @Test func vmemmapV6FreesBackingNotTables() throws {
        let r = try vmemmapScenario("v6")
        for s in r.steps[2...3] {
            // 8 vmemmap blocks freed per section; linear PUD block cleared; V6 never frees vmemmap tables
            #expect(s.effects.dataFreedByOrder[9] == 8)
            #expect(s.effects.tablesFreed == [0, 0, 0, 0])
        }
        // the PMD table made for the 80G section's memmap stays, empty
        let g = geometry("4K/48")
        let farTable = g.vmemmapStart + 2 * M + G   // inside PGD[508]'s PUD entry 1
        #expect(r.steps[3].after.tables.contains { $0.level == .pmd && $0.vaStart <= farTable && farTable < $0.vaStart + $0.vaSpan && $0.live == 0 })
    }

    @Test func vmemmapFinalFreesOnlyTablesInsideVmemmap() throws {
        let r = try vmemmapScenario("final")
        let g = geometry("4K/48")
        // removing [1G, 2G): its memmap's first block is in PGD[507]'s PMD table, which starts below
        // VMEMMAP_START (floor) and holds the neighbour: kept.  The other 7 share boot's table: kept.
        #expect(r.steps[2].effects.tablesFreed == [0, 0, 0, 0])
        #expect(r.steps[2].after.tables.contains { $0.level == .pmd && $0.vaStart < g.vmemmapStart && g.vmemmapStart < $0.vaStart + $0.vaSpan })
        // removing [80G, 81G): its PMD table [VMEMMAP_START + 2M + 1G, +1G) is empty and inside
        // [VMEMMAP_START, VMEMMAP_END): freed, with its PUD entry cleared and one vaae1is.
        #expect(r.steps[3].effects.tablesFreed == [0, 0, 1, 0])
        #expect(r.steps[3].effects.tlbiWalk == 1)
        #expect(r.steps[3].after.unreachableTablePages == 0)
        // and the neighbour's mapping is untouched
        let n = g.vmemmapStart - 2 * M
        #expect(r.steps[3].after.runs(in: n, n + 64 * K).map(\.count).reduce(0, +) == 16)
    }

    // 64K/42: two levels (PGD -> PTE tables of 8192 entries spanning 512 MiB).  A 1 GiB section's memmap is
    // 16 pages of 64K.  VMEMMAP_START = -2G - 2M; boot memory's memmap [0, 4 MiB) sits in the PTE tables for
    // [-2.5G, -2G) and [-2G, -1.5G).  Memory at 600G has memmap offset 599 MiB: the table for [-1.5G, -1G),
    // its own.  final frees that PTE table (there is no PMD level to free); V6 frees none.
    @Test(arguments: [("v6", UInt64(0)), ("final", UInt64(1))])
    func vmemmap64K42(_ rev: String, pteTablesFreed: UInt64) throws {
        let r = try run(rev, "64K/42", [.init(op: .add, start: 600 * G, size: G), .init(op: .remove, start: 600 * G, size: G)])
        let s = r.steps[1]
        #expect(s.effects.dataFreedByOrder[0] == 16)
        // the linear map: two 512 MiB blocks in the PGD, cleared; no table
        #expect(s.effects.tablesFreed == [0, 0, 0, pteTablesFreed])
        #expect(s.after.unreachableTablePages == 0)
    }

    // 16K/47: three levels (PGD 64 GiB entries -> PMD tables -> PTE tables of 2048 x 16K = 32 MiB).  One 16K
    // memmap page covers 256 struct pages = 4 MiB of memory, so a PTE table covers 8 GiB of memory's memmap.
    // Memory at 16G (offset 15G, memmap offset 60 MiB) has a PTE table of its own; boot memory's memmap is
    // in the first two.  final frees that PTE table (its PMD table still maps boot's memmap); V6 none.
    @Test(arguments: [("v6", UInt64(0)), ("final", UInt64(1))])
    func vmemmap16K47(_ rev: String, pteTablesFreed: UInt64) throws {
        let r = try run(rev, "16K/47", [.init(op: .add, start: 16 * G, size: G), .init(op: .remove, start: 16 * G, size: G)])
        let s = r.steps[1]
        // 1 GiB / 16K = 65536 pages x 64 B = 4 MiB of memmap = 256 pages of 16K
        #expect(s.effects.dataFreedByOrder[0] == 256)
        #expect(s.effects.tablesFreed[Level.pte.rawValue] == pteTablesFreed)
        #expect(s.after.unreachableTablePages == 0)
    }

    @Test func bootMemoryRemoval() throws {
        // [2G, +1G) is a boot (early) section.  final: prevent_bootmem_remove_notifier says NOTIFY_BAD.
        let f = try run("final", "4K/48", [.init(op: .remove, start: 2 * G, size: G)]).steps[0]
        #expect(f.result == .refused)
        #expect(f.effects.clears == [0, 0, 0, 0])
        // V6 has no notifier: the section's 8 vmemmap blocks were allocated by memblock at boot and are
        // PageReserved, so WARN_ON(!page || PageReserved(page)) fires 8 times and the allocator refuses the
        // frees (8 free-reserved faults).  The PUD block of the linear map is cleared.
        let v = try run("v6", "4K/48", [.init(op: .remove, start: 2 * G, size: G)]).steps[0]
        #expect(v.result == .ok)
        #expect(v.warns.count == 1 && v.warns.first?.count == 8)   // one WARN_ON() site, fired 8 times
        #expect(v.warns.allSatisfy { $0.file == "hotremove_v6.c" && $0.condition == "!page || PageReserved(page)" })
        #expect(v.faults.count == 8 && v.faults.allSatisfy { $0.kind == .freeReserved })
        #expect(v.effects.clears == [0, 1, 8, 0])
    }

    @Test(arguments: ["v6", "final", "altmap"])
    func failedAddUnmapsLinearMap(_ rev: String) throws {
        // rodata_full: the linear map of [8G, +1G) needs 1 PMD table + 512 PTE tables; __add_pages() fails, so
        // arch_add_memory() removes it again: every PTE cleared, the 513 tables freed, the state as before.
        let r = try run(rev, "4K/48", rodata: true, [.init(op: .add, start: 8 * G, size: G, failAddPages: true)])
        let s = r.steps[0]
        #expect(s.result == .error(-22))
        #expect(s.effects.tablesAllocated == [0, 0, 1, 512])
        #expect(s.effects.tablesFreed == [0, 0, 1, 512])
        #expect(s.effects.clears[Level.pte.rawValue] == 262_144)
        #expect(s.after.runs == r.boot.runs)
        #expect(s.after.tables.map(\.pa) == r.boot.tables.map(\.pa))
        #expect(s.after.unreachableTablePages == 0)
    }

    @Test func altmapBalances() throws {
        // altmap revision: one 2 MiB device sub-section with an altmap: the 2 MiB vmemmap block comes from the
        // altmap (alloc 512) and goes back to it on removal (vmem_altmap_free(512): alloc back to 0); no data
        // page reaches the page allocator either way.
        let r = try run("altmap", "4K/48", [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device, altmap: .init()),
                                            .init(op: .remove, start: 8 * G, size: 2 * M)])
        #expect((r.steps[0].altmaps.first?.alloc ?? .max) == 512)
        #expect((r.steps[1].altmaps.first?.alloc ?? .max) == 0)
        #expect(r.steps[1].effects.altmapPagesFreed == 512)
        #expect(r.steps[1].effects.dataFreedByOrder.reduce(0, +) == 0)
        #expect(r.steps[0].effects.allocationsByOrder.reduce(0, +) == r.steps[0].effects.tablesAllocated.reduce(0, +))
        #expect(r.steps[1].warns.isEmpty && r.steps[1].faults.isEmpty)
    }

    @Test(arguments: ["v6", "final", "altmap"])
    func correctScenariosRaiseNoWarnOrFault(_ rev: String) throws {
        // adds and removals of hot-added RAM, aligned or not, with and without blocks: nothing the kernel would not do
        for (section, rodata, start) in [(30, false, 8 * G), (27, false, 8 * G + 128 * M), (30, true, 8 * G)] {
            let r = try run(rev, "4K/48", section: section, rodata: rodata,
                            [.init(op: .add, start: start, size: G), .init(op: .remove, start: start, size: G)])
            for s in r.steps {
                #expect(s.warns.isEmpty && s.faults.isEmpty, "\(rev) step \(s.index)")
                #expect(s.after.unreachableTablePages == 0)
            }
        }
    }
}
