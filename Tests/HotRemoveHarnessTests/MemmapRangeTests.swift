import Foundation
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// RAM added with "memmap": "range" (<20190122103708.11043-4-osalvador@suse.de>, RFC v2 2019-01, "allocate memmap from the
/// added memory range for sparse-vmemmap"): one altmap at the start of the whole range, PageVmemmap marks, a
/// head page counting the sections, vmemmap_free() deferred to the last section and done backwards with no
/// altmap.  One test per verdict; every count is derived by hand beside it, and both the C (observed) and the
/// model (predicted) must give it.
@Suite struct MemmapRangeTests {
    // 4K/48, 128 MiB sections, 64-byte struct page, rodata_full (the linear map in pages: no CONT range), boot
    // memory [1G, 5G), physOffset 1G.  Add [8G, +384M) with "range": sections A = [8G, +128M), B = A + 128M,
    // C = A + 256M.  init_altmap_memmap(): base_pfn = 8G >> 12 = 0x200000, free = 384M / 4K = 98304 pfns.
    // Each section's memmap is 32768 x 64 B = 2 MiB = one PMD block: A's at VMEMMAP_START + (8G - 1G) / 4K x 64
    // = + 112 MiB, B's + 114M, C's + 116M, all in the vmemmap PMD table of [0, 1G) that boot's memmap keeps.
    // If vmemmap_populate() takes the altmap, the blocks get pfns 0x200000, 0x200200, 0x200400 in walk order
    // (altmap alloc 3 x 512 = 1536): PA 8G, 8G + 2M, 8G + 4M, all inside A.  mark_vmemmap_pages(): those 1536
    // pages PageVmemmap, the head (pfn 0x200000) _refcount = 98304 / 32768 = 3 sections.
    //
    // The linear map per removed section (rodata_full): 32768 pte_clear() + 32768 vaale1is, its 64 PTE tables
    // freed (64 pmd_clear() + 64 vaae1is); the last section to go also empties the linear PMD table of
    // [7G, 8G) (offsets): 1 pud_clear() + 1 vaae1is.
    static let A = 8 * G, B = 8 * G + 128 * M, C = 8 * G + 256 * M

    func rangeRun(_ rev: String, _ order: [UInt64]) throws -> ScenarioRun {
        try run(rev, "4K/48", section: 27, rodata: true,
                [.init(op: .add, start: 8 * G, size: 384 * M, memmap: .range)]
                + order.map { .init(op: .remove, start: $0, size: 128 * M) })
    }

    func predicted(_ r: ScenarioRun, step: Int) -> StepPrediction {
        let m = ModelJudge(scenario: r.scenario, revision: r.revision)
        _ = m.checkBoot(r.boot)
        for i in 0..<step { _ = m.check(step: i, r.steps[i]) }
        return m.prediction(step: step)
    }

    /// PMD-level clears of a removal: 64 linear PTE tables unhooked plus `vmemmapBlocks` vmemmap blocks.
    func pmdClears(_ r: ScenarioRun, step: Int) -> (observed: UInt64, predicted: UInt64) {
        (r.steps[step].effects.clears[2], predicted(r, step: step).effects.clears[2])
    }

    func rules(_ r: ScenarioRun) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for f in Checker.check(r).findings { out[f.rule, default: []].append(f.step) }
        return out
    }

    /// The add on a revision whose vmemmap_populate() takes the altmap (altmap, fix2025, fix2026): no order-9
    /// allocation, the altmap gives 1536 pfns, 1536 pages marked, the head counts 3 sections, no PageVmemmap
    /// page onlined.
    @Test(arguments: ["altmap", "fix2025", "fix2026"])
    func addMarksTheAltmapPages(_ rev: String) throws {
        let r = try rangeRun(rev, [])
        let s = r.steps[0], p = predicted(r, step: 0).effects
        #expect(s.result == .ok)
        #expect(s.effects.allocationsByOrder[9] == 0 && p.allocationsByOrder[9] == 0)
        #expect(s.altmaps.map(\.alloc) == [1536])
        #expect(s.effects.vmemmapPagesMarked == 1536 && p.vmemmapPagesMarked == 1536)
        #expect(s.effects.vmemmapHeadSections == 3 && p.vmemmapHeadSections == 3)
        #expect(s.effects.vmemmapPagesOnlined == 0)
        // the three blocks map PA 8G, 8G + 2M, 8G + 4M
        let vmemmap = Geometry(name: "4K/48")!.vmemmapStart
        let blocks = s.after.runs(in: vmemmap + 112 * M, vmemmap + 118 * M)
        #expect(blocks.map(\.pa) == [8 * G] && blocks.map(\.count) == [3], "\(blocks)")
        #expect(Checker.check(r).findings.isEmpty)
    }

    /// First section first (A, B, C) on altmap: A's removal opens the deferral (A's first struct page is the
    /// head, PageVmemmap), 3 -> 2: no vmemmap entry cleared, so B's and C's memmap stay mapped on A's pages,
    /// which are gone (inv.memmap-on-removed-memory, steps 1 and 2).  B: 2 -> 1, nothing.  C: 1 -> 0:
    /// vmemmap_free() of C's, B's, A's memmap, in that order, with no altmap: 3 blocks cleared, 3 vaale1is
    /// (one per block), each backing handed to free_pages(): WARN_ON(PageReserved(page)) and the allocator
    /// refuses (3 fault.free-reserved, the first C's at pfn 0x200400); vmem_altmap_free() never runs, the
    /// altmap keeps alloc 1536 (inv.altmap-balance).
    @Test func firstSectionFirstOnAltmap() throws {
        let r = try rangeRun("altmap", [Self.A, Self.B, Self.C])
        for i in 1...2 {
            #expect(pmdClears(r, step: i) == (64, 64))
            #expect(r.steps[i].effects.tlbiVA == 32768)
            #expect(r.steps[i].faults.isEmpty)
        }
        #expect(pmdClears(r, step: 3) == (67, 67))
        #expect(r.steps[3].effects.tlbiVA == 32768 + 3)
        #expect(r.steps[3].faults.map(\.kind) == [.freeReserved, .freeReserved, .freeReserved])
        #expect(r.steps[3].faults.first?.location == 0x200400)
        #expect(r.steps[3].recorder.warns == 3)
        #expect(r.steps[3].effects.altmapPagesFreed == 0)
        #expect(r.steps[3].altmaps.map(\.alloc) == [1536])
        let found = rules(r)
        #expect(Checker.check(r).contractMismatches == 0)
        #expect(found["inv.memmap-on-removed-memory"] == [1, 2])
        #expect(found["fault.free-reserved"] == [3])
        #expect(found["inv.altmap-balance"] == [3])
        #expect(found["inv.range-memmap-left-mapped"] == nil)
    }

    /// The whole range at once: __remove_pages() goes A, B, C in one step, the same three frees at its end.
    @Test func wholeRangeOnAltmap() throws {
        let r = try run("altmap", "4K/48", section: 27, rodata: true,
                        [.init(op: .add, start: 8 * G, size: 384 * M, memmap: .range),
                         .init(op: .remove, start: 8 * G, size: 384 * M)])
        // 3 x 64 linear PTE tables + 3 vmemmap blocks; the linear PMD table of [7G, 8G) goes too
        #expect(pmdClears(r, step: 1) == (195, 195))
        #expect(r.steps[1].effects.clears[1] == 1)
        #expect(r.steps[1].faults.map(\.kind) == [.freeReserved, .freeReserved, .freeReserved])
        let found = rules(r)
        #expect(Checker.check(r).contractMismatches == 0)
        #expect(found["inv.memmap-on-removed-memory"] == nil)
        #expect(found["inv.altmap-balance"] == [1])
    }

    /// Last section first (C, B, A) on altmap: C's and B's first struct pages are not PageVmemmap and no
    /// deferral is open, so each memmap is freed at once (1 block, 1 vaale1is, its backing - in A, PageVmemmap
    /// - to free_pages(): 1 fault.free-reserved each).  A's removal then opens the deferral, 3 -> 2, and it
    /// never closes: A's block stays mapped after the range is gone (inv.range-memmap-left-mapped) and the
    /// altmap keeps 1536 (inv.altmap-balance).
    @Test func lastSectionFirstOnAltmap() throws {
        let r = try rangeRun("altmap", [Self.C, Self.B, Self.A])
        for (i, pfn) in [(1, UInt64(0x200400)), (2, UInt64(0x200200))] {
            #expect(pmdClears(r, step: i) == (65, 65))
            #expect(r.steps[i].faults.map(\.kind) == [.freeReserved])
            #expect(r.steps[i].faults.first?.location == pfn)
        }
        #expect(pmdClears(r, step: 3) == (64, 64))
        #expect(r.steps[3].faults.isEmpty)
        let vmemmap = Geometry(name: "4K/48")!.vmemmapStart
        #expect(r.steps[3].after.runs(in: vmemmap + 112 * M, vmemmap + 118 * M).map(\.pa) == [8 * G])
        let found = rules(r)
        #expect(Checker.check(r).contractMismatches == 0)
        #expect(found["fault.free-reserved"] == [1, 2])
        #expect(found["inv.range-memmap-left-mapped"] == [3])
        #expect(found["inv.altmap-balance"] == [3])
    }

    /// A middle section first (B, A, C) on altmap: B's memmap freed at once (1 fault); A opens the deferral,
    /// 3 -> 2, C only counts it down to 1: C's memmap, still mapped on A's pages, is on removed memory after
    /// A goes (step 2), and A's and C's blocks stay mapped once all is gone (step 3: two findings, the two
    /// blocks are not adjacent, B's between them is gone).
    @Test func middleSectionFirstOnAltmap() throws {
        let r = try rangeRun("altmap", [Self.B, Self.A, Self.C])
        #expect(pmdClears(r, step: 1) == (65, 65))
        #expect(pmdClears(r, step: 2) == (64, 64))
        #expect(pmdClears(r, step: 3) == (64, 64))
        let vmemmap = Geometry(name: "4K/48")!.vmemmapStart
        let left = r.steps[3].after.runs(in: vmemmap + 112 * M, vmemmap + 118 * M)
        // A's block (PA 8G) and C's (PA 8G + 4M): two runs of one block
        #expect(left.map(\.pa) == [8 * G, 8 * G + 4 * M], "\(left)")
        let found = rules(r)
        #expect(Checker.check(r).contractMismatches == 0)
        #expect(found["fault.free-reserved"] == [1])
        #expect(found["inv.memmap-on-removed-memory"] == [2])
        #expect(found["inv.range-memmap-left-mapped"] == [3, 3])
    }

    /// A deferral left open takes whatever lies below the next section removed: add the range, then plain
    /// sections at 10G and 12G; remove C (its memmap freed at once: C's block, 1 fault), then A and B in one
    /// step (A opens the deferral, 3 -> 2, B 2 -> 1: still open), then 12G: the stale head goes 1 -> 0 and
    /// free_deferred_vmemmap_range() walks from 12G's memmap down to A's, (12G - 8G) / 128M + 1 = 33
    /// vmemmap_free() calls.  Blocks still mapped there: 12G's and 10G's (page allocator: 2 order-9 frees),
    /// B's and A's (PA 8G + 2M, 8G: PageVmemmap, 2 fault.free-reserved, B's first at pfn 0x200200): 4 PMD
    /// clears plus the 64 of 12G's linear PTE tables; 12G's linear PMD table ([11G, 12G) offsets) goes too
    /// (1 pud_clear).  10G is still present and its memmap is gone (inv.memmap-unmapped).
    @Test func anOpenDeferralTakesThePresentMemmapBelow() throws {
        let r = try run("altmap", "4K/48", section: 27, rodata: true,
                        [.init(op: .add, start: 8 * G, size: 384 * M, memmap: .range),
                         .init(op: .add, start: 10 * G, size: 128 * M),
                         .init(op: .add, start: 12 * G, size: 128 * M),
                         .init(op: .remove, start: Self.C, size: 128 * M),
                         .init(op: .remove, start: 8 * G, size: 256 * M),
                         .init(op: .remove, start: 12 * G, size: 128 * M)])
        #expect(pmdClears(r, step: 5) == (68, 68))
        #expect(r.steps[5].effects.clears[1] == 1)
        #expect(r.steps[5].effects.dataFreedByOrder[9] == 2)
        #expect(r.steps[5].faults.map(\.kind) == [.freeReserved, .freeReserved])
        #expect(r.steps[5].faults.first?.location == 0x200200)
        let found = rules(r)
        #expect(Checker.check(r).contractMismatches == 0)
        #expect(found["inv.memmap-unmapped"] == [5])
    }

    /// v6, final, v10, subpmd (v5.7's vmemmap_populate() ignores the altmap): the memmap comes from the page
    /// allocator (3 order-9 blocks), the altmap gives nothing (alloc 0), nothing is marked, no deferral opens:
    /// in every order each removal clears its own block and frees it (one order-9 free_pages()), no finding.
    @Test(arguments: ["v6", "final", "v10", "subpmd"])
    func allocatorMemmapInEveryOrder(_ rev: String) throws {
        for order in [[Self.A, Self.B, Self.C], [Self.C, Self.B, Self.A], [Self.B, Self.A, Self.C]] {
            let r = try rangeRun(rev, order)
            #expect(r.steps[0].effects.allocationsByOrder[9] == 3)
            #expect(r.steps[0].effects.vmemmapPagesMarked == 0)
            #expect(r.steps[0].altmaps.map(\.alloc) == [0])
            for i in 1...3 {
                #expect(pmdClears(r, step: i) == (65, 65))
                #expect(r.steps[i].effects.dataFreedByOrder[9] == 1)
                #expect(predicted(r, step: i).effects.dataFreedByOrder[9] == 1)
            }
            let report = Checker.check(r)
            #expect(report.contractMismatches == 0)
            #expect(report.findings.isEmpty, "\(rev) \(order): \(report.findings.map(\.line))")
        }
    }

    /// V2, V3, s390style: the memmap from the page allocator as above; their own orders give the findings they
    /// give without the option (History, findings/README.md) and none of the range's.
    @Test(arguments: ["v2", "v3", "s390style"])
    func allocatorMemmapWithTheirOwnFindings(_ rev: String) throws {
        let r = try rangeRun(rev, [Self.A, Self.B, Self.C])
        #expect(r.steps[0].effects.vmemmapPagesMarked == 0)
        let found = rules(r)
        #expect(Checker.check(r).contractMismatches == 0)
        #expect(found["inv.freed-while-reachable"] != nil)
        for rule in ["inv.memmap-on-removed-memory", "inv.range-memmap-left-mapped", "inv.altmap-balance", "fault.free-reserved"] {
            #expect(found[rule] == nil, "\(rule)")
        }
    }

    /// Device memory added into A's section while the deferral A opened is still open: memmap_init_zone_device()
    /// initialises the device's own struct pages only, so the head page (A's first pfn, 0x200000) keeps its
    /// count: 3 sections, 2 after A went.  B's removal counts it to 1 and frees nothing; C's brings it to 0 and
    /// closes the deferral.  (A harness that took the whole section's struct pages as initialised would reset the
    /// head to 1 and close the deferral at B.)  The device range [8G + 64M, +2M) has its own memmap in A's block.
    @Test func aDeviceAddKeepsTheDeferralsHeadCount() throws {
        let r = try run("altmap", "4K/48", section: 27, rodata: true, [
            .init(op: .add, start: 8 * G, size: 384 * M, memmap: .range),
            .init(op: .remove, start: Self.A, size: 128 * M),
            .init(op: .add, start: 8 * G + 64 * M, size: 2 * M, kind: .device),
            .init(op: .remove, start: Self.B, size: 128 * M),
            .init(op: .remove, start: Self.C, size: 128 * M),
        ])
        #expect(r.steps.allSatisfy { $0.result == .ok })
        // A's memmap block: VMEMMAP_START + 112 MiB (above); C's: + 116 MiB
        let vmemmapStart: UInt64 = 0xffff_fdff_ffe0_0000
        let aMemmap = vmemmapStart + 112 * M, cMemmap = vmemmapStart + 116 * M
        func mapped(_ va: UInt64, after step: Int) -> Bool {
            r.steps[step].after.runs.contains { $0.kind != .invalid && $0.va <= va && va < $0.va + $0.entrySize * $0.count }
        }
        #expect(mapped(aMemmap, after: 3))     // B's removal frees nothing: the head still counts 1
        #expect(mapped(cMemmap, after: 3))
        #expect(!mapped(cMemmap, after: 4))    // C's closes the deferral: C's memmap down to A's goes
        #expect(!mapped(aMemmap, after: 4))
        #expect(Checker.check(r).contractMismatches == 0)
    }

    /// One altmap per range start: [8G, +128M) added with "range", removed, then added again at the same start
    /// with "memory-block" (16K/47: a 128 MiB block's memmap, 8192 x 64 B = 512 KiB, is no whole 32 MiB PMD, so
    /// that add takes no altmap) leaves the one slot the first add took (CShim/kernel/memory_hotplug.c).  The
    /// runner reads the machine's slots, so each step observes that altmap once and a finding about it is
    /// reported once; re-deriving the slots from the steps saw it twice, and the altmap revision's
    /// inv.altmap-balance came out twice in the same step.
    @Test func anAltmapAtOneStartIsObservedOnce() throws {
        let r = try run("altmap", "16K/47", section: 27, [
            .init(op: .add, start: 8 * G, size: 128 * M, memmap: .range),
            .init(op: .remove, start: 8 * G, size: 128 * M),
            .init(op: .add, start: 8 * G, size: 128 * M, memmap: .memoryBlock),
            .init(op: .remove, start: 8 * G, size: 128 * M),
        ])
        for (i, s) in r.steps.enumerated() {
            #expect(s.altmaps.map(\.start) == [8 * G], "step \(i): \(s.altmaps.map { Quantity.hex($0.start) })")
        }
        let c = Checker.check(r)
        for step in r.steps.indices {
            let lines = c.findings.filter { $0.step == step }.map(\.line)
            #expect(Set(lines).count == lines.count, "step \(step) reports a finding twice: \(lines)")
        }
    }
}
