import Foundation
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveMutants
import HotRemoveScenario
import Testing

/// The explorer itself, on hand-written two-thread programs run by the C scheduler with no machine.
@Suite struct ExplorerCoreTests {
    // Two entries on different pages.
    let x: UInt64 = 0x1000, y: UInt64 = 0x2000

    func explore(_ a: [(SchedEvent.Access, UInt64)], _ b: [(SchedEvent.Access, UInt64)], bound: Int) -> Explorer.Report {
        Explorer.explore(options: .init(preemptionBound: bound, maxSchedules: 1000)) { SchedSelfTest.run(a, b, plan: $0) }
    }

    /// A = [write x, write y], B = [write y, write x].  Of the C(4,2) = 6 interleavings, only the
    /// order of the two conflicting pairs (A's x vs B's x, A's y vs B's y) matters:
    ///   x: A first, y: A first -> a1 a2 b1 b2
    ///   x: A first, y: B first -> a1 b1 a2 b2 (= b1 a1 a2 b2 = a1 b1 b2 a2 = b1 a1 b2 a2)
    ///   x: B first, y: B first -> b1 b2 a1 a2
    ///   x: B first, y: A first -> impossible (a1 < a2 < b1 < b2 < a1)
    /// so 3 distinct interleavings.  Without preemptions (a thread runs until it ends) only the
    /// first and the third can happen: 2.
    @Test func crossedWritesHaveThreeInterleavings() {
        let a: [(SchedEvent.Access, UInt64)] = [(.write, x), (.write, y)]
        let b: [(SchedEvent.Access, UInt64)] = [(.write, y), (.write, x)]
        let full = explore(a, b, bound: 2)
        #expect(full.distinctInterleavings == 3)
        #expect(full.schedulesRun <= 6)
        #expect(full.complete)
        let none = explore(a, b, bound: 0)
        #expect(none.distinctInterleavings == 2)
    }

    /// Accesses that do not conflict are never reordered: writes of different entries (even of
    /// one page), or reads of one entry, make one interleaving.
    @Test func independentAccessesHaveOneInterleaving() {
        #expect(explore([(.write, x)], [(.write, y)], bound: 2).distinctInterleavings == 1)
        #expect(explore([(.write, x)], [(.write, x + 8)], bound: 2).distinctInterleavings == 1)
        #expect(explore([(.read, x), (.read, x)], [(.read, x)], bound: 2).distinctInterleavings == 1)
    }

    /// A free of a page conflicts with every access to an entry in it: A = [read x, read x+8],
    /// B = [free x's page].  The free can come before, between or after the reads: 3.
    @Test func aFreeConflictsWithTheEntriesOfItsPage() {
        let r = explore([(.read, x), (.read, x + 8)], [(.free, x >> 12)], bound: 2)
        #expect(r.distinctInterleavings == 3)
    }

    @Test func aScheduleRunsAsWrittenAndItsExecutedFormReplaysExactly() {
        let a: [(SchedEvent.Access, UInt64)] = [(.write, x), (.write, y)]
        let b: [(SchedEvent.Access, UInt64)] = [(.write, y), (.write, x)]
        let ex = SchedSelfTest.run(a, b, plan: try! Schedule.parse("0:1,1:2", threads: 2))
        #expect(ex.events.map(\.thread) == [0, 1, 1, 0])
        // thread 0 was preempted (a count); thread 1 ran until it ended, then thread 0 did (stars)
        #expect(ex.schedule.description == "0:1,1:*,0:*")
        #expect(ex.schedule.preemptions == 1)
        let again = SchedSelfTest.run(a, b, plan: try! Schedule.parse(ex.schedule.description, threads: 2))
        #expect(again.events == ex.events)
        #expect(again.divergedAt == nil)
    }

    @Test func schedulesParseAndBadOnesAreRefused() throws {
        #expect(try Schedule.parse("0:12,1:3,0:*", threads: 2).description == "0:12,1:3,0:*")
        #expect(try Schedule.parse("default", threads: 2).runs.isEmpty)
        for bad in ["2:1", "0:0", "abc", "0:", "0:-1", "0:1,,1:1"] {
            #expect(throws: Schedule.ParseError.self) { try Schedule.parse(bad, threads: 2) }
        }
    }
}

/// Walkers beside real removals.
@Suite struct ExploreTests {
    /// One 128 MiB section (v5.12 section size) at 8 GiB on 4K/48: 64 PMD blocks in a PMD table of its
    /// own (the PUD entry of [8G, 9G)), boot memory [1G, 2G) elsewhere.  The removal empties that
    /// table and frees it: V6 frees every empty linear-map table, final and altmap every empty one
    /// whose span lies in [PAGE_OFFSET, PAGE_END) (their floor/ceiling for the linear map).
    static func linear(lock: Scenario.Walker.Lock) -> Scenario {
        var sc = Scenario(name: "linear-ptdump-\(lock.rawValue)", geometry: geometry("4K/48"), sectionSizeBits: 27,
                          bootStart: G, bootSize: G,
                          steps: [.init(op: .add, start: 8 * G, size: 128 * M), .init(op: .remove, start: 8 * G, size: 128 * M)])
        sc.walkers = [.ptdump(lock: lock)]
        return sc
    }

    /// Without the hotplug lock (the code before bf2b59f60ee1) ptdump reads the PUD entry of
    /// [8G, 9G), is preempted, the removal clears the table and frees it, and ptdump reads an
    /// entry of the freed page: one preemption.
    @Test(arguments: ["v6", "final", "altmap"])
    func ptdumpWithoutTheLockReadsAFreedTable(revision: String) throws {
        let t = try ExploreTarget(scenario: Self.linear(lock: .none), revision: revision)
        let r = try Explorer.explore(options: .init(preemptionBound: 1, maxSchedules: 60), execute: t.execute)
        let f = try #require(r.findings.first { $0.finding.kind == .freedTableRead })
        #expect(f.finding.thread == 1)
        #expect(f.schedule.preemptions == 1)
        // the printed schedule replays it exactly
        let replay = try t.execute(try Schedule.parse(f.schedule.description, threads: 2))
        #expect(replay.events == f.execution.events)
        #expect(replay.schedule == f.schedule)
        #expect(replay.findings.contains { $0.kind == .freedTableRead && $0.decision == f.finding.decision && $0.detail == f.finding.detail })
    }

    /// With get_online_mems() around the walk, the removal (which holds mem_hotplug_lock for write)
    /// and the walk exclude each other: the walk comes wholly before or wholly after the removal,
    /// 2 interleavings, and the search is complete with no walker finding.  The removal's own trace
    /// breaks exactly the ordering rules the sequential checker finds on the same removal alone:
    /// inv.tlb-cont-refill on every revision (the 64 blocks are 4 contiguous ranges of 16, cleared and
    /// flushed one block at a time while their siblings are valid), nothing more, nothing less.
    @Test(arguments: ["v6", "final", "altmap"])
    func ptdumpWithTheHotplugLockIsClean(revision: String) throws {
        let t = try ExploreTarget(scenario: Self.linear(lock: .hotplug), revision: revision)
        let r = try Explorer.explore(options: .init(preemptionBound: 3, maxSchedules: 100), execute: t.execute)
        #expect(r.complete)
        #expect(r.distinctInterleavings == 2)
        #expect(r.findings.filter { $0.finding.kind != .ordering }.isEmpty)
        #expect(Set(r.findings.map(\.finding.rule)) == Self.sequentialOrderingRules(Self.linear(lock: .hotplug), revision))
        #expect(Set(r.findings.map(\.finding.rule)) == ["inv.tlb-cont-refill"])
    }

    /// The ordering rules the sequential checker (`check`) breaks on the scenario's last removal.
    static func sequentialOrderingRules(_ sc: Scenario, _ revision: String) -> Set<String> {
        var alone = sc
        alone.walkers = []
        let ordering = Set(OrderingRule.allCases.map(\.rawValue))
        let last = sc.steps.count - 1
        return Set((try? Checker.check(alone, revision: revision))?.findings.filter { $0.step == last && ordering.contains($0.rule) }.map(\.rule) ?? ["check failed"])
    }

    /// 16K/47, the section at PHYS_OFFSET, whose memmap starts at VMEMMAP_START, removed while vmalloc
    /// maps and unmaps [VMEMMAP_START - 2M, VMEMMAP_START): both live in the PTE table of
    /// [VMEMMAP_START - 30M, VMEMMAP_START + 2M) (32M per 16K PTE table) under one PGD entry.
    static var vmemmapBesideVmalloc: Scenario {
        let g = geometry("16K/47")
        var sc = Scenario(name: "vmemmap-vmalloc", geometry: g, sectionSizeBits: 27, bootStart: 4 * G,
                          steps: [.init(op: .add, start: G, size: 128 * M), .init(op: .remove, start: G, size: 128 * M)])
        sc.walkers = [.vmalloc(va: g.vmemmapStart - 2 * M, size: 2 * M)]
        return sc
    }

    /// Clean on V6, which frees no vmemmap table at all (its vmemmap_free() FIXME), and on final,
    /// whose free_empty_tables(start, end, VMEMMAP_START, VMEMMAP_END) keeps the shared PTE table:
    /// its span starts below the floor VMEMMAP_START.  The search within two preemptions is complete.
    /// No finding includes the ordering rules on the removal's trace, though vmalloc allocates pages
    /// and writes entries between the removal's steps in most schedules: its events keep the judge's
    /// picture of the tables, and are not judged as the removal's.
    @Test(arguments: ["v6", "final"])
    func vmallocBesideAVmemmapRemovalIsClean(revision: String) throws {
        let t = try ExploreTarget(scenario: Self.vmemmapBesideVmalloc, revision: revision)
        let r = try Explorer.explore(options: .init(preemptionBound: 2, maxSchedules: 500), execute: t.execute)
        #expect(r.complete)
        #expect(r.findings.isEmpty)
        #expect(r.schedulesRun > 2)
    }

    /// V7 frees vmemmap tables without V8's floor/ceiling: the shared PTE table goes while vmalloc
    /// still uses it (the race V6's FIXME names).
    @Test func v7FreesTheTableVmallocShares() throws {
        let t = try ExploreTarget(scenario: Self.vmemmapBesideVmalloc, revision: "v7")
        let r = try Explorer.explore(options: .init(preemptionBound: 1, maxSchedules: 200, stopAtFirstFinding: true), execute: t.execute)
        #expect(!r.findings.isEmpty)
    }

    /// The sequential checker's ordering rules, re-judged on the removal's own trace in every schedule.
    /// 4K/48 with rodata_full (the linear map at page granularity, no CONT), boot memory [1G, +128M),
    /// one 128 MiB section at 8 GiB removed beside a ptdump that takes the hotplug lock.  Its linear
    /// map is 32768 PTEs in 64 PTE tables of 2 MiB, under a PMD table of its own for [8G, 9G).
    /// final clears each PTE and flushes it (flush_tlb_kernel_range), then frees each empty PTE table
    /// (pmd_clear, __flush_tlb_kernel_pgtable(start): vaae1is of the table's first VA, dsb(ish)) and the
    /// PMD table (pud_clear, vaae1is of 8G's VA).  The mutant mut_final_skip_tlbi drops the per-PTE flush,
    /// so only the vaae1is of each table's first page reaches a leaf (vaae1is drops the leaf of its VA
    /// too): per PTE table 511 of 512 cleared leaves are never invalidated, the first such range
    /// [VA(8G) + 4K, VA(8G) + 2M) = [0xffff0001c0001000, 0xffff0001c0200000) (VA(8G) = PAGE_OFFSET +
    /// 8G - PHYS_OFFSET 1G = 0xffff0001c0000000): inv.tlb-stale-leaf, in every schedule, so first in
    /// the default one (no preemption).  With the lock the walk comes wholly before or after the
    /// removal: 2 interleavings, and no walker finding.
    static var pteLinearLocked: Scenario {
        var sc = Scenario(name: "pte-linear-ptdump-hotplug", geometry: geometry("4K/48"), sectionSizeBits: 27,
                          bootStart: G, bootSize: 128 * M, rodataFull: true,
                          steps: [.init(op: .add, start: 8 * G, size: 128 * M), .init(op: .remove, start: 8 * G, size: 128 * M)])
        sc.walkers = [.ptdump(lock: .hotplug)]
        return sc
    }

    @Test func orderingRulesAreJudgedInEverySchedule() throws {
        Mutants.register()
        let mutant = try ExploreTarget(scenario: Self.pteLinearLocked, revision: "mut_final_skip_tlbi")
        let r = try Explorer.explore(options: .init(preemptionBound: 2, maxSchedules: 50), execute: mutant.execute)
        #expect(r.complete)
        #expect(r.distinctInterleavings == 2)
        #expect(r.findings.map(\.finding.rule) == ["inv.tlb-stale-leaf"])
        let f = try #require(r.findings.first)
        #expect(f.finding.kind == .ordering)
        #expect(f.finding.thread == 0)
        #expect(f.schedule.preemptions == 0)
        #expect(f.finding.detail.hasPrefix("511 leaf entries of 4K for [0xffff0001c0001000, 0xffff0001c0200000) cleared and never invalidated"))
        // every schedule shows it: the walk first, then the removal, too
        let walkFirst = try mutant.execute(try Schedule.parse("1:1", threads: 2))
        #expect(walkFirst.events.first?.thread == 1)
        #expect(walkFirst.findings.map(\.rule) == Array(repeating: "inv.tlb-stale-leaf", count: 9))   // 8 listed + the summary of the rest
        // the printed schedule replays it
        let replay = try mutant.execute(try Schedule.parse(f.schedule.description, threads: 2))
        #expect(replay.findings.contains { $0.rule == "inv.tlb-stale-leaf" && $0.detail == f.finding.detail })
        // final as posted: nothing, in any schedule
        let clean = try ExploreTarget(scenario: Self.pteLinearLocked, revision: "final")
        let c = try Explorer.explore(options: .init(preemptionBound: 2, maxSchedules: 50), execute: clean.execute)
        #expect(c.complete)
        #expect(c.distinctInterleavings == 2)
        #expect(c.findings.isEmpty)
    }

    /// The PMD table of the section's linear map (ExploreTests.linear: 64 PMD blocks in a table of its
    /// own) freed by mut_final_free_before_walk_tlbi_pmd right after pud_clear(), before
    /// __flush_tlb_kernel_pgtable(): inv.free-before-walk-tlbi, and nothing else (the vaae1is that comes
    /// after the free still reaches the cleared PUD entry; every block was flushed).  Beside ptdump
    /// without the lock, in the default schedule (removal first, then the walk: no walker finding).
    @Test func anOrderingFindingBesideWalkerFindings() throws {
        Mutants.register()
        let t = try ExploreTarget(scenario: Self.linear(lock: .none), revision: "mut_final_free_before_walk_tlbi_pmd")
        let ex = try t.execute(Schedule())
        // final's own inv.tlb-cont-refill (above), and the mutant's rule
        #expect(Set(ex.findings.filter { $0.kind == .ordering }.map(\.rule)) == ["inv.free-before-walk-tlbi", "inv.tlb-cont-refill"])
        #expect(ex.findings.contains { $0.kind == .freedTableRead } == false)   // the default schedule: the walk after the removal
        let locked = try ExploreTarget(scenario: Self.linear(lock: .hotplug), revision: "mut_final_free_before_walk_tlbi_pmd")
        let r = try Explorer.explore(options: .init(preemptionBound: 1, maxSchedules: 20), execute: locked.execute)
        #expect(Set(r.findings.map(\.finding.rule)) == ["inv.free-before-walk-tlbi", "inv.tlb-cont-refill"])
        #expect(Set(r.findings.map(\.finding.rule))
                == Self.sequentialOrderingRules(Self.linear(lock: .hotplug), "mut_final_free_before_walk_tlbi_pmd"))
        // judging can be turned off (walkers only)
        var quiet = locked
        quiet.judgeOrdering = false
        #expect(try quiet.execute(Schedule()).findings.isEmpty)
    }

    /// A stop request (what SIGINT and SIGTERM make of themselves in `explore`) ends the schedule in hand
    /// at its next decision: the execution is Stopped, not a result with a made-up deadlock, and once
    /// the request is cleared the same schedule runs to its end.
    @Test func aStopEndsTheScheduleInHand() throws {
        let target = try ExploreTarget(scenario: Self.linear(lock: .none), revision: "final")
        target.stop.request()
        #expect(throws: Explorer.Stopped.self) { try target.execute(Schedule()) }
        let r = try Explorer.explore(options: .init(preemptionBound: 1, maxSchedules: 10), execute: target.execute)
        #expect(r.schedulesRun == 0 && r.findings.isEmpty && r.pending > 0, "the stopped schedule is pending, not run")
        target.stop.request(false)
        let ex = try target.execute(Schedule())
        #expect(ex.removal == .ok && !ex.findings.contains { $0.rule.contains("deadlock") })
    }

    @Test func exploreCommandReportsAndReplays() throws {
        let path = packageRoot + "/scenarios/explore-linear-ptdump.json"
        let r = cli(["explore", path, "--revision", "final", "--preemptions", "1", "--schedules", "60", "--json"])
        #expect(r.code == 0)
        #expect(r.out.contains("walker.freed-table-read"))
        #expect(r.err.contains("schedules/s"))
        let text = cli(["explore", path, "--revision", "final", "--schedule", "1:522,0:*,1:*"])
        #expect(text.code == 0)
        #expect(text.out.contains("[walker.freed-table-read]"))
        #expect(text.out.contains("executed: 1:522,0:*,1:*"))
        // an empty schedule is a usage error, not the default schedule
        #expect(cli(["explore", path, "--revision", "final", "--schedule", ""]).code == ExitCode.usage.rawValue)
    }

    /// A removal the kernel refuses tears nothing down: explore says nothing was checked, never "no
    /// findings".  final's memory notifier refuses to offline boot memory (NOTIFY_BAD: boot memory is not
    /// removable from v5.7 on), so the removal of [1G, +1G) is refused in every schedule; exit 3.
    @Test func aRefusedRemovalIsNotReportedAsChecked() throws {
        let path = tempFile("explore-boot.json", #"{"version":1,"geometry":"4K/48","walkers":[{"kind":"ptdump"}],"steps":[{"op":"remove","start":"1G","size":"1G"}]}"#)
        let r = cli(["explore", path, "--revision", "final", "--preemptions", "1", "--schedules", "20"])
        #expect(r.code == ExitCode.badInput.rawValue, "\(r.out)\n\(r.err)")
        #expect(r.out.contains("not checked: the removal did not run in any schedule (refused"), "\(r.out)")
        #expect(!r.out.contains("no findings"))
        #expect(r.err.contains("did not run on final"))
        struct Row: Decodable { let removal: [String] }
        let js = cli(["explore", path, "--revision", "final", "--preemptions", "1", "--schedules", "20", "--json"])
        #expect(js.code == ExitCode.badInput.rawValue)
        let rows = try JSONDecoder().decode([Row].self, from: Data(js.out.utf8))
        #expect(rows.count == 1 && !rows[0].removal.isEmpty && !rows[0].removal.contains("ok"), "\(js.out)")
    }

    /// fuzz --walkers: generated scenarios with walkers, a few random schedules each; every finding
    /// comes with a reproducer that `explore --schedule` replays to the same finding.
    @Test func fuzzWithWalkersWritesReplayableReproducers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-walkers-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = cli(["fuzz", "--walkers", "--seed", "3", "--count", "19", "--schedules", "10", "--revision", "v6", "--out", dir, "--json"])
        #expect(r.code == 0)
        struct F: Decodable { let rule, scenario, schedule: String }
        struct J: Decodable { let findings: [F] }
        let j = try JSONDecoder().decode(J.self, from: Data(r.out.utf8))
        let f = try #require(j.findings.first)
        let replay = cli(["explore", dir + "/\(f.scenario).json", "--revision", "v6", "--schedule", f.schedule])
        #expect(replay.code == 0)
        #expect(replay.out.contains("[\(f.rule)]"))
    }

    @Test func exploreRefusesBadInput() {
        let path = packageRoot + "/scenarios/explore-linear-ptdump.json"
        #expect(cli(["explore", path, "--schedule", "5:1"]).code == 2)
        #expect(cli(["explore", path, "--schedule", "0:1", "--seed", "3"]).code == 2)
        let noWalkers = cli(["explore", packageRoot + "/scenarios/example.json"])
        #expect(noWalkers.code == 3)
        #expect(noWalkers.err.contains("no walkers"))
    }

    @Test func walkersParseWithClearErrors() throws {
        func parse(_ walkers: String) -> String? {
            let text = """
            {"version": 1, "geometry": "4K/48", "steps": [], "walkers": \(walkers)}
            """
            do { _ = try Scenario.parse(data: Data(text.utf8)); return nil } catch { return "\(error)" }
        }
        #expect(parse(#"[{"kind": "ptdump"}, {"kind": "vmalloc", "va": "VMALLOC_START", "size": "2M"}]"#) == nil)
        #expect(parse(#"[{"kind": "kswapd"}]"#)?.contains("walkers[0].kind: unknown walker") == true)
        #expect(parse(#"[{"kind": "ptdump", "lock": "rcu"}]"#)?.contains("walkers[0].lock") == true)
        #expect(parse(#"[{"kind": "ptdump", "va": "1G"}]"#)?.contains("walkers[0].va: unknown field") == true)
        #expect(parse(#"[{"kind": "vmalloc", "va": "VMALLOC_START", "size": "2M", "lock": "hotplug"}]"#)?.contains("no memory-hotplug lock") == true)
        #expect(parse(#"[{"kind": "vmalloc", "va": "PAGE_OFFSET", "size": "2M"}]"#)?.contains("outside the vmalloc area") == true)
        #expect(parse(#"[{"kind": "vmalloc", "va": "VMALLOC_START", "size": "2M", "ops": ["unmap"]}]"#)?.contains("walkers[0].ops") == true)
        let sc = try Scenario.parse(data: Data("""
            {"version": 1, "geometry": "4K/48", "steps": [], "walkers": [{"kind": "ptdump", "lock": "hotplug"}]}
            """.utf8))
        #expect(try Scenario.parse(data: sc.jsonData()) == sc)
    }
}
