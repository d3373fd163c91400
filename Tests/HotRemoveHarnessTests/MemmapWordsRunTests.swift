import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// fix2025/fix2026's base-page walk under a live vmemmap PMD block reads the block's first page as a PTE
/// table (pte_offset_kernel() of a block) and writes a descriptor where the word it reads is zero
/// (vmemmap_pte_populate(): `if (pte_none(*pte))`).  That page is memmap; what its words hold is derived
/// by hand below from the kernel's documented behaviour, and both the C (reading the words the shim keeps
/// there) and the model must write exactly there.
///
/// The machine of findings/fix2025-inv.write-outside-table.json: 4K/39, 128 MiB sections, 56-byte struct
/// page, physOffset 1G, boot memory [1G, +128M).  Memmap offsets (from VMEMMAP_START): the struct page of
/// pa p is at (p - 1G) / 4K * 56, so section k (from 1G) has its memmap at k * 0x1c0000 (1.75 MiB), and a
/// 2 MiB sub-section 512 * 56 = 0x7000 (7 pages).  A PMD block is 2 MiB; entry i of "its PTE table" is the
/// word at 8 * i of its first page, i = (memmap VA / 4K) % 512.
@Suite struct MemmapWordsRunTests {
    static let ramSection121: Scenario.Step = .init(op: .add, start: 0x4_0800_0000, size: 128 * M)

    func scenario(_ steps: [Scenario.Step], bootStart: UInt64 = 0x4000_0000, initOnAlloc: Bool = true) -> Scenario {
        var sc = Scenario(name: "memmap-words", geometry: geometry("4K/39"), sectionSizeBits: 27, structPageSize: 56,
                          physSize: 0x5_4000_0000, bootStart: bootStart, bootSize: 128 * M, steps: steps)
        sc.initOnAlloc = initOnAlloc
        return sc
    }

    func predicted(_ r: ScenarioRun, step: Int) -> StepPrediction {
        let m = ModelJudge(scenario: r.scenario, revision: r.revision)
        _ = m.checkBoot(r.boot)
        for i in 0..<step { _ = m.check(step: i, r.steps[i]) }
        return m.prediction(step: step)
    }

    func strayWrites(_ report: CheckResult, step: Int) -> [Finding] {
        report.findings.filter { $0.rule == "inv.write-outside-table" && $0.step == step }
    }

    /// A device add at `step` that writes `descriptors` PTEs into memmap words it finds zero: the model
    /// predicts that many, the altmap gives as many pages, the C writes each outside a table page (returned).
    @discardableResult
    func expectDescriptorsWritten(_ r: ScenarioRun, step: Int, _ descriptors: UInt64,
                                  sourceLocation: SourceLocation = #_sourceLocation) -> [Finding] {
        #expect(predicted(r, step: step).effects.sets[Level.pte.rawValue] == descriptors, sourceLocation: sourceLocation)
        #expect(r.steps[step].altmaps.map(\.alloc) == [descriptors], sourceLocation: sourceLocation)
        let report = Checker.check(r)
        #expect(report.contractMismatches == 0, "\(report.findings.map(\.line))", sourceLocation: sourceLocation)
        let stray = strayWrites(report, step: step)
        #expect(stray.count == Int(descriptors), sourceLocation: sourceLocation)
        return stray
    }

    /// The reproducer.  RAM section 121 (pa 0x408000000) has its memmap at 121 * 0x1c0000 = 0xd3c0000, in PMD
    /// blocks 105 [0xd200000, +2M) and 106, both allocated by its add from the page allocator: zeroed
    /// (init_on_alloc).  The device sub-section at 0x407200000 (section 120) has its memmap at 0x3c7200 * 56 =
    /// 0xd38f000, 7 pages in block 105: entries 399..405 of block 105's first page, bytes 0xc78..0xca8.  That
    /// page is the memmap of pfns 0xd200000 / 56 = 0x3c0000 on, pa [0x400000000, 0x40004a000): section 120,
    /// never added, so nothing wrote it after the allocation: all 7 words are zero, 7 descriptors, each with
    /// one page from the device's altmap.  Bytes 0xc78..0xca8 are struct page 0x39 (0xc78 = 57 * 56) whole:
    /// where pa 0x400039000's flags .. _mapcount would be.
    @Test(arguments: ["fix2025", "fix2026"])
    func absentMemoryIsZeroedByItsBlocksAllocation(_ rev: String) throws {
        let r = try ScenarioRunner.run(scenario([Self.ramSection121,
                                                 .init(op: .add, start: 0x4_0720_0000, size: 2 * M, kind: .device,
                                                       altmap: .init(reserve: 0))]), revision: rev)
        let stray = expectDescriptorsWritten(r, step: 1, 7)
        for f in stray {
            #expect(f.message.contains("the memmap of [0x400000000, 0x40004a000), memory that is not present"))
            #expect(!f.message.contains("live struct page"))
        }
        #expect(stray.first?.message.contains("where the flags of the struct page of 0x400039000 would be") == true)
    }

    /// A device sub-section at 0x410000000 (section 122, memmap at 122 * 0x1c0000 = 0xd580000: entries
    /// 0x180..0x186 of block 106, bytes 3072..3120 of its first page).  Block 106's first page [0xd400000, +4K)
    /// is section 121's memmap from byte 0xd400000 - 0xd3c0000 = 0x40000 = 4681 * 56 + 8: byte b holds field
    /// (b + 8) % 56 of struct page 4681 + (b + 8) / 56.  3080 = 55 * 56: the 7 words are struct page 4736
    /// (pa 0x408000000 + 4736 * 4K = 0x409280000) whole.  Section 121 is online and, nothing else running,
    /// its pages are free in the buddy allocator: 4736 % 1024 = 640, a tail of its MAX_ORDER - 1 block.
    /// __init_single_page() + __free_pages_core(): flags (ZONE_NORMAL) non-zero, lru pointing at itself (two
    /// non-zero words), mapping 0, index 0, private 0 (only a block's head keeps its order there), _mapcount
    /// -1: descriptors go into mapping, index and private, 3 of 7.
    @Test func liveRAMGetsDescriptorsInItsZeroWordsOnly() throws {
        let r = try ScenarioRunner.run(scenario([Self.ramSection121,
                                                 .init(op: .add, start: 0x4_1000_0000, size: 2 * M, kind: .device,
                                                       altmap: .init(reserve: 0))]), revision: "fix2025")
        let stray = expectDescriptorsWritten(r, step: 1, 3)
        for (f, field) in zip(stray, ["mapping", "index", "private"]) {
            #expect(f.message.contains("the live struct pages of present hot-added RAM [0x409249000, 0x409293000)"))
            #expect(f.message.contains("into the \(field) of the struct page of 0x409280000"))
        }
    }

    /// The same after section 121 went offline: remove_pfn_range_from_zone() poisons its struct pages
    /// (PAGE_POISON_PATTERN, all ones), block 106 stays (offline removes nothing): no word reads zero, no
    /// descriptor, no altmap page taken.
    @Test func memoryGoneOfflineIsPoisoned() throws {
        let r = try ScenarioRunner.run(scenario([Self.ramSection121,
                                                 .init(op: .offline, start: 0x4_0800_0000, size: 128 * M),
                                                 .init(op: .add, start: 0x4_1000_0000, size: 2 * M, kind: .device,
                                                       altmap: .init(reserve: 0))]), revision: "fix2025")
        #expect(r.steps[1].result == .ok)
        expectDescriptorsWritten(r, step: 2, 0)
    }

    /// Boot memory [1G + 128M, +128M) (section 1): its memmap [0x1c0000, 0x380000) takes PMD blocks 0 and 1
    /// from memblock at boot, which poisons them (memblock_alloc_try_nid_raw(), memmap_alloc() from v5.15,
    /// CONFIG_DEBUG_VM).  Block 0's first page is section 0's memmap, never added: poison.  A device
    /// sub-section at 0x40200000 (section 0) has its memmap at 0x200 * 56 = 0x7000, entries 7..13 of block 0:
    /// all ones, no descriptor.
    @Test func bootBlocksArePoisonedByMemblock() throws {
        let r = try ScenarioRunner.run(scenario([.init(op: .add, start: 0x4020_0000, size: 2 * M, kind: .device,
                                                       altmap: .init(reserve: 0))], bootStart: 0x4800_0000),
                                       revision: "fix2025")
        #expect(r.steps[0].result == .ok)
        expectDescriptorsWritten(r, step: 0, 0)
    }

    /// Without init_on_alloc block 105 holds what its pages' last user left: the harness does not pretend to
    /// know.  The device add is not checked (said so, with the reason), the trace's own rules still are (the
    /// C's 7 stray writes: its pages happen to be zero in the host), and no contract mismatch is claimed.
    @Test func withoutInitOnAllocTheWalkIsNotChecked() throws {
        let r = try ScenarioRunner.run(scenario([Self.ramSection121,
                                                 .init(op: .add, start: 0x4_0720_0000, size: 2 * M, kind: .device,
                                                       altmap: .init(reserve: 0))], initOnAlloc: false),
                                       revision: "fix2025")
        #expect(predicted(r, step: 1).notPredicted?.contains("init_on_alloc is off") == true)
        let report = Checker.check(r)
        #expect(report.contractMismatches == 0, "\(report.findings.map(\.line))")
        let notChecked = report.findings.filter { $0.classification == .notChecked }
        #expect(notChecked.map(\.step) == [1])
        #expect(notChecked.map(\.rule) == ["harness.unknown-memory"])
        #expect(strayWrites(report, step: 1).count == 7)
        #expect(report.stepsChecked == 1)
    }
}
