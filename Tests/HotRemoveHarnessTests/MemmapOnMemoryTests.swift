import Foundation
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// RAM added with "memmap": "memory-block" (v5.14 memory_hotplug.memmap_on_memory, one
/// memory block = one section on arm64).  One test per verdict, counts derived by hand beside each; the C
/// (observed) and the model (predicted) must both give them, and the checker no contract mismatch.
@Suite struct MemmapOnMemoryTests {
    // 4K/48, 128 MiB sections, 64-byte struct page, rodata_full (linear map in pages: no CONT range), boot
    // memory [1G, 5G), physOffset 1G.  Add [8G, +384M) with the memmap on memory: blocks A = [8G, +128M),
    // B = [8G + 128M, +128M), C = [8G + 256M, +128M).  mhp_supports_memmap_on_memory(128M): the memmap of a
    // block is 32768 x 64 B = 2 MiB = one PMD, the rest 126 MiB whole PMDs (pageblocks): supported.
    // Then: remove A and B at once (refused), remove A (the first block first), C, then B.
    //
    // vmemmap: A's memmap is at VMEMMAP_START + (8G - 1G) / 4K x 64 = + 112 MiB, one PMD block; B's + 114M,
    // C's + 116M; all in the PMD table of VMEMMAP_START + [0, 1G), which boot's memmap ([0, 64M)) keeps.
    // linear: each block 32768 PTEs in 64 PTE tables of their own, in the PMD table of [7G, 8G) the add made.
    func blocksRun(_ rev: String) throws -> ScenarioRun {
        try run(rev, "4K/48", section: 27, rodata: true,
                [.init(op: .add, start: 8 * G, size: 384 * M, memmap: .memoryBlock),
                 .init(op: .remove, start: 8 * G, size: 256 * M),
                 .init(op: .remove, start: 8 * G, size: 128 * M),
                 .init(op: .remove, start: 8 * G + 256 * M, size: 128 * M),
                 .init(op: .remove, start: 8 * G + 128 * M, size: 128 * M)])
    }

    func predicted(_ r: ScenarioRun, step: Int) -> StepPrediction {
        let m = ModelJudge(scenario: r.scenario, revision: r.revision)
        _ = m.checkBoot(r.boot)
        for i in 0..<step { _ = m.check(step: i, r.steps[i]) }
        return m.prediction(step: step)
    }

    // Per removal of one block, the linear map (every revision here): 32768 pte_clear() + 32768 vaale1is,
    // 64 empty PTE tables freed (64 pmd_clear() + 64 vaae1is); the last removal (B) also empties the PMD table
    // of [7G, 8G): pud_clear() + vaae1is, freed.  The vmemmap: the block's one PMD entry cleared, 1 vaale1is.
    func expectRemoval(_ c: (clears: [UInt64], tables: [UInt64], va: UInt64, walk: UInt64), last: Bool) {
        #expect(c.clears == [0, last ? 1 : 0, 65, 32768])
        #expect(c.tables == [0, 0, last ? 1 : 0, 64])
        #expect(c.va == 32769)
        #expect(c.walk == (last ? 65 : 64))
    }

    /// altmap (v5.9), and fix2025/fix2026 with it: vmemmap_populate() takes each block's memmap from its altmap
    /// (2 MiB = 512 pfns: alloc 512), never from the page allocator; vmemmap_free() gives it back with
    /// vmem_altmap_free(altmap, 512).  Every altmap balances once its block is gone.
    @Test(arguments: ["altmap", "fix2025"])
    func memmapInTheBlockItself(_ rev: String) throws {
        let r = try blocksRun(rev)
        // the add: no order-9 allocation (the three memmap blocks come from the altmaps)
        #expect(r.steps[0].result == .ok)
        #expect(r.steps[0].effects.allocationsByOrder[9] == 0)
        #expect(r.steps[0].altmaps.map(\.alloc) == [512, 512, 512])
        #expect(predicted(r, step: 0).effects.allocationsByOrder[9] == 0)
        // removing two blocks at once: try_remove_memory(): "wrong granularity", -EINVAL, nothing done
        #expect(r.steps[1].result == .error(-22))
        #expect(r.steps[1].effects.clears == [0, 0, 0, 0])
        #expect(predicted(r, step: 1).outcome == .error(-22))
        for (i, last) in [(2, false), (3, false), (4, true)] {
            let s = r.steps[i].effects, p = predicted(r, step: i).effects
            expectRemoval((s.clears, s.tablesFreed, s.tlbiVA, s.tlbiWalk), last: last)
            expectRemoval((p.clears, p.tablesFreed, p.tlbiVA, p.tlbiWalk), last: last)
            #expect(s.altmapPagesFreed == 512 && p.altmapPagesFreed == 512)
            #expect(s.dataFreedByOrder.reduce(0, +) == 0 && p.dataFreedByOrder.reduce(0, +) == 0)
        }
        #expect(r.steps[4].altmaps.map(\.alloc) == [0, 0, 0])
        let report = Checker.check(r)
        #expect(report.contractMismatches == 0)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.line))")
    }

    /// v6, final (v5.7's vmemmap_populate() ignores the altmap), subpmd: the memmap comes from the page
    /// allocator as without the option (three order-9 blocks) and goes back to it (one order-9 free per
    /// removal); the altmaps stay at alloc 0.  The generic code's refusal is the same.
    @Test(arguments: ["v6", "final", "subpmd"])
    func memmapFromThePageAllocator(_ rev: String) throws {
        let r = try blocksRun(rev)
        #expect(r.steps[0].effects.allocationsByOrder[9] == 3)
        #expect(r.steps[0].altmaps.map(\.alloc) == [0, 0, 0])
        #expect(r.steps[1].result == .error(-22))
        for i in 2...4 {
            let s = r.steps[i].effects, p = predicted(r, step: i).effects
            #expect(s.dataFreedByOrder[9] == 1 && p.dataFreedByOrder[9] == 1)
            #expect(s.altmapPagesFreed == 0 && p.altmapPagesFreed == 0)
        }
        #expect(Checker.check(r).contractMismatches == 0)
    }

    /// 16K/47, the same 128 MiB blocks: the memmap of a block is 8192 x 64 B = 512 KiB, not a whole 32 MiB
    /// PMD: mhp_supports_memmap_on_memory() fails, the driver adds without MHP_MEMMAP_ON_MEMORY (one range, no
    /// altmap), and removing both blocks at once is an ordinary removal: ok.
    @Test func notSupportedOn16K() throws {
        let r = try run("altmap", "16K/47", section: 27,
                        [.init(op: .add, start: 8 * G, size: 256 * M, memmap: .memoryBlock),
                         .init(op: .remove, start: 8 * G, size: 256 * M)])
        #expect(r.steps[0].result == .ok && r.steps[1].result == .ok)
        #expect(r.steps[0].altmaps.isEmpty)
        #expect(r.steps[1].effects.altmapPagesFreed == 0)
        #expect(predicted(r, step: 1).outcome == .ok)
        #expect(Checker.check(r).contractMismatches == 0)
    }

    /// The first allocation of the first block's arch_add_memory() is its linear map's PMD table for [7G, 8G)
    /// (the PGD entry and PUD table are boot's): v5.7's __pgd_pgtable_alloc() BUG_ON(!ptr), an oops.  Nothing
    /// is rolled back, and the block's altmap (add_memory_resource()'s, on the oopsed task's stack) is no more.
    @Test func anOopsInABlockKeepsNoAltmap() throws {
        let r = try run("altmap", "4K/48", section: 27, rodata: true,
                        [.init(op: .add, start: 8 * G, size: 256 * M, failAllocation: 1, memmap: .memoryBlock)])
        guard case .oops = r.steps[0].result else { Issue.record("\(r.steps[0].result)"); return }
        #expect(r.steps[0].altmaps.isEmpty)
        #expect(predicted(r, step: 0).outcome == .oops)
        #expect(Checker.check(r).contractMismatches == 0)
    }

    /// Bad input names the field and the reason.
    @Test(arguments: [
        (#"{"op":"add","start":"8G","size":"256M","memmap":"range","fail":"add_pages"}"#, "steps[0].memmap", "not supported"),
        (#"{"op":"add","start":"8G","size":"256M","memmap":"range","failAllocation":2}"#, "steps[0].memmap", "not supported"),
        (#"{"op":"add","start":"8G","size":"2M","kind":"device","memmap":"range"}"#, "steps[0].memmap", "belongs to an add of RAM"),
        (#"{"op":"add","start":"8G","size":"128M","memmap":"blocks"}"#, "steps[0].memmap", "unknown memmap placement \"blocks\""),
        (#"{"op":"add","start":"8G","size":"2M","kind":"device","memmap":"memory-block"}"#, "steps[0].memmap", "belongs to an add of RAM"),
        (#"{"op":"offline","start":"1G","size":"128M","memmap":"memory-block"}"#, "steps[0].memmap", "belongs to an add of RAM"),
    ])
    func badMemmapIsRefused(_ step: String, _ path: String, _ reason: String) {
        let text = #"{"version":1,"geometry":"4K/48","era":{"sectionSizeBits":27},"steps":["# + step + "]}"
        do {
            _ = try Scenario.parse(data: Data(text.utf8))
            Issue.record("accepted: \(step)")
        } catch let e as ScenarioError {
            #expect(e.path == path, "\(e)")
            #expect(e.reason.contains(reason), "\(e)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// The first block's __add_pages() fails: arch_add_memory() removes the block's linear map again
    /// (32768 PTEs and their 64 PTE tables, then the PMD table of [7G, 8G), empty), returns -EINVAL, and the
    /// blocks after it are never added.
    @Test func aFailedBlockEndsTheAdd() throws {
        let r = try run("altmap", "4K/48", section: 27, rodata: true,
                        [.init(op: .add, start: 8 * G, size: 256 * M, failAddPages: true, memmap: .memoryBlock)])
        #expect(r.steps[0].result == .error(-22))
        let s = r.steps[0].effects
        #expect(s.clears == [0, 1, 64, 32768])
        #expect(s.tablesFreed == [0, 0, 1, 64])
        #expect(predicted(r, step: 0).outcome == .error(-22))
        #expect(Checker.check(r).contractMismatches == 0)
    }
}
