import Foundation
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveMutants
import HotRemoveScenario
import Testing

/// Crash and hang isolation, determinism, and interruption.  The crashing, aborting and hanging
/// revisions are test-only mutants of final (CShim/mutants), so the workers are `hotremove-mutants`.
@Suite(.serialized) struct RobustnessTests {
    /// the mutants run in this process (shrinking in-process) and in the workers
    init() { Mutants.register() }

    func tempDir(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: d)
        return d
    }

    @Test func campaignSurvivesCrashingAbortingAndHangingRevisions() throws {
        let worker = try #require(Tools.withMutants, "hotremove-mutants is built next to the tests")
        let out = tempDir("crash")
        // seed 5: scenarios 1 and 2 remove memory whose vmemmap is mapped with base pages, which the
        // mutants' unmap pass reaches (the crash/abort/hang lines sit in unmap_hotplug_pte_range)
        let o = CampaignOptions(seed: 5, count: 6, revisions: ["mut_final_crash", "mut_final_abort", "mut_final_hang", "final"], jobs: 2,
                                outDir: out, shrink: true, isolate: true,
                                // mut_final_hang never returns; 10 s keeps final's checks (debug, or under
                                // the sanitizers) clear of the limit when the suite shares two cores
                                timeout: 10, worker: worker)
        let r = Campaign.run(o)
        #expect(r.completed == 6)
        let byRev = Dictionary(uniqueKeysWithValues: r.revisions.map { ($0.revision, $0) })
        #expect((byRev["mut_final_crash"]?.crashes ?? 0) > 0)
        #expect((byRev["mut_final_abort"]?.crashes ?? 0) > 0)
        #expect((byRev["mut_final_hang"]?.crashes ?? 0) > 0)
        #expect((byRev["final"]?.crashes ?? .max) == 0)
        for (rev, rule) in [("mut_final_crash", "crash"), ("mut_final_abort", "crash"), ("mut_final_hang", "hang")] {
            // the manifest names the same isolation rule
            #expect(Mutants.named(rev)?.rule == rule)
            let g = r.findings.first { $0.revision == rev && $0.rule == rule }
            #expect(g != nil, "\(rev) \(rule)")
            #expect(g?.example.contains(rule == "hang" ? "TIMEOUT" : (rev == "mut_final_abort" ? "SIGABRT" : "SIGSEGV")) == true)
            // the reproducer is a valid scenario that names the step
            if let p = g?.reproducer {
                let sc = try Scenario.parse(data: Data(contentsOf: URL(fileURLWithPath: p)))
                #expect(sc.description.contains("\(rule) on \(rev)"))
            } else {
                Issue.record("no reproducer for \(rev)")
            }
        }
    }

    @Test func sameSeedSameReportWhateverTheWorkers() {
        let a = Campaign.run(CampaignOptions(seed: 11, count: 24, revisions: ["v6", "final"], jobs: 1, isolate: false))
        let b = Campaign.run(CampaignOptions(seed: 11, count: 24, revisions: ["v6", "final"], jobs: 2, isolate: false))
        // no scenario hangs here: a generous limit, so that a slow (sanitized, loaded) worker is not a "hang"
        #expect(Tools.withMutants != nil, "the isolated run has a worker")
        let c = Campaign.run(CampaignOptions(seed: 11, count: 24, revisions: ["v6", "final"], jobs: 2, isolate: true, timeout: 300,
                                             worker: Tools.withMutants))
        #expect(JSONOutput.encode(a) == JSONOutput.encode(b))
        #expect(JSONOutput.encode(a) == JSONOutput.encode(c))
        #expect(a.completed == 24)
    }

    @Test func generatorIsDeterministic() {
        for i in 0..<50 {
            #expect(ScenarioGenerator.generate(seed: 3, index: i) == ScenarioGenerator.generate(seed: 3, index: i))
        }
        #expect(ScenarioGenerator.generate(seed: 3, index: 1) != ScenarioGenerator.generate(seed: 4, index: 1))
    }

    @Test func interruptedCampaignKeepsWhatItFinished() throws {
        guard let exe = Tools.withMutants else { Issue.record("no hotremove-mutants tool"); return }
        let out = tempDir("interrupt")
        let report = out + "/report.json"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["fuzz", "--seed", "2", "--count", "1000000", "--revision", "mut_final_skip_tlbi,final",
                       "--out", out, "--report", report, "--jobs", "2"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 3)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus == ExitCode.interrupted.rawValue)
        let r = try JSONDecoder().decode(CampaignReport.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
        #expect(r.interrupted)
        #expect(r.completed > 0 && r.completed < 1_000_000)
        for f in r.findings {
            if let path = f.reproducer { #expect(FileManager.default.fileExists(atPath: path)) }
        }
        // no temporary files left behind by the atomic writes
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        #expect(!names.contains { $0.contains(".tmp-") })
    }

    /// `run` over three revisions, interrupted while the third runs: what finished is printed and the
    /// message counts the two revisions done before it.  32 GiB added with rodata_full is 8M PTEs to set
    /// and clear (traced) on each revision, most of a second, so the signal lands inside the third run; the step in
    /// hand finishes (one of the scenario's two steps), then the run stops with exit 6.
    @Test func interruptedRunCountsTheRevisionsItFinished() throws {
        let exe = try #require(Tools.shipped)
        let path = tempDir("run-interrupt") + ".json"
        try Data(#"{"version":1,"geometry":"4K/48","config":{"rodataFull":true},"bootMemory":{"start":"1G","size":"8G"},"steps":[{"op":"add","start":"32G","size":"32G"},{"op":"remove","start":"32G","size":"32G"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        // the header of the third revision's run: send the signal then
        let r = try interrupt(exe, ["run", path, "--revision", "v6,final,altmap"], when: " on altmap, ")
        #expect(r.status == ExitCode.interrupted.rawValue, "\(r.err)")
        #expect(r.err.contains("steps run on altmap; 2 revisions before it done"), "\(r.err)")
        #expect(r.out.contains(" on final, "))
    }

    /// `diff` of two scenarios, interrupted once the first one's table is printed, while the second (32 GiB
    /// page-mapped: 8M PTEs a step, traced) runs: the first stays printed, the message counts it, exit 6.
    @Test func interruptedDiffKeepsTheScenariosItCompared() throws {
        let exe = try #require(Tools.shipped)
        let path = tempDir("diff-interrupt") + ".json"
        try Data(#"{"version":1,"name":"big","geometry":"4K/48","config":{"rodataFull":true},"bootMemory":{"start":"1G","size":"8G"},"steps":[{"op":"add","start":"32G","size":"32G"},{"op":"remove","start":"32G","size":"32G"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let r = try interrupt(exe, ["diff", packageRoot + "/scenarios/example.json", path, "--revisions", "v6,final"],
                              when: "== example: v6 vs final")
        #expect(r.status == ExitCode.interrupted.rawValue, "\(r.err)")
        #expect(r.out.contains("== example: v6 vs final") && !r.out.contains("== big:"), "\(r.out)")
        #expect(r.err.contains("interrupted: 1 of 2 scenarios compared"), "\(r.err)")
    }

    /// `explore` interrupted in its first schedule: a 128 MiB page-mapped (rodata_full) removal beside a
    /// lockless ptdump, 32,768 PTEs cleared with the walker reading between them, many seconds a schedule and
    /// thousands of schedules pending.  The schedule in hand stops at its next decision, the report says
    /// interrupted, exit 6.
    @Test func interruptedExploreStopsTheScheduleInHand() throws {
        let exe = try #require(Tools.shipped)
        let path = tempDir("explore-interrupt") + ".json"
        try Data(#"{"version":1,"name":"walk","geometry":"4K/48","era":{"sectionSizeBits":27},"config":{"rodataFull":true},"bootMemory":{"start":"1G","size":"1G"},"steps":[{"op":"add","start":"8G","size":"128M"},{"op":"remove","start":"8G","size":"128M"}],"walkers":[{"kind":"ptdump","lock":"none"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let r = try interrupt(exe, ["explore", path, "--revision", "final", "--schedules", "1000"], when: "== walk on final")
        #expect(r.status == ExitCode.interrupted.rawValue, "\(r.err)")
        #expect(r.err.contains("interrupted"), "\(r.err)")
    }

    /// `bench` interrupted after its first point: the points measured are written and printed, marked
    /// interrupted, without throughput or targets, and the exit is 6.
    @Test func interruptedBenchKeepsThePointsItMeasured() throws {
        let exe = try #require(Tools.shipped)
        let out = tempDir("bench-interrupt") + ".json"
        let r = try interrupt(exe, ["bench", "--sizes", "1G,8G,64G", "--mapping", "no-blocks", "--revisions", "v6,final,altmap",
                                    "--reps", "1", "--no-throughput", "--no-targets", "--out", out],
                              when: "bench: 2/9", onOutput: false)
        #expect(r.status == ExitCode.interrupted.rawValue, "\(r.err)")
        #expect(r.out.contains("(interrupted: only the points measured before the signal"), "\(r.out)")
        let report = try JSONDecoder().decode(Bench.Report.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(report.interrupted == true)
        // the first point finished before the signal, the second (in hand) finishes after it, no third starts
        #expect((1...2).contains(report.points.count), "\(report.points.count) points")
        #expect(report.throughput == nil && report.targets == nil)
        #expect(r.err.contains("points measured (reported; no throughput or targets)"))
    }
}
