import Foundation
@testable import HotRemoveCLI
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveMutants
import HotRemoveScenario
import Testing

/// The tool run as a process: standard output that cannot be written, report files that are not
/// regular files, campaigns sharing a directory, interruption.
@Suite(.serialized) struct OutputTests {
    struct Ran { var code: Int32; var out: String; var err: String; var signalled: Bool }

    /// Runs the hotremove executable through /bin/sh (for redirections such as `>&-`).
    func sh(_ script: String, tool: String? = Tools.shipped) throws -> Ran {
        let exe = try #require(tool, "the hotremove tools are built next to the tests")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script.replacingOccurrences(of: "HOTREMOVE", with: "'\(exe)'")]
        p.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Ran(code: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self),
                   signalled: p.terminationReason == .uncaughtSignal)
    }

    func tempDir(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-out-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: d)
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static let commands = [
        "revisions", "scenarios", "scenarios --seed 1 --index 1",
        "check scenarios/example.json --revision final", "run scenarios/example.json --revision final",
        "dump scenarios/example.json", "diff scenarios/example.json",
        "fuzz --seed 1 --count 2 --revision final --no-shrink --out OUT",
    ]

    @Test(arguments: OutputTests.commands)
    func fullStandardOutputIsAnIOError(_ command: String) throws {
        let dir = tempDir("full")
        let r = try sh("HOTREMOVE \(command.replacingOccurrences(of: "OUT", with: dir)) >/dev/full")
        #expect(r.code == ExitCode.io.rawValue, "\(command): exit \(r.code) \(r.err)")
        #expect(!r.signalled)
        #expect(r.err.contains("hotremove: standard output: cannot write (No space left on device)"), "\(r.err)")
        #expect(!r.err.contains("CRASH"), "\(command): not blamed on a revision: \(r.err)")
    }

    @Test(arguments: OutputTests.commands)
    func closedStandardOutputIsAnIOError(_ command: String) throws {
        let dir = tempDir("closed")
        let r = try sh("HOTREMOVE \(command.replacingOccurrences(of: "OUT", with: dir)) >&-")
        #expect(r.code == ExitCode.io.rawValue, "\(command): exit \(r.code) \(r.err)")
        #expect(r.err.contains("standard output is closed"), "\(r.err)")
        #expect(!r.err.contains("CRASH"))
    }

    @Test func reportThroughASymlinkLeavesTheLink() throws {
        let dir = tempDir("symlink")
        let target = dir + "/target.json", link = dir + "/link.json"
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let r = try sh("HOTREMOVE fuzz --seed 1 --count 2 --revision final --no-shrink --out \(dir)/out --report \(link)")
        #expect(r.code == 0, "\(r.err)")
        let attrs = try FileManager.default.attributesOfItem(atPath: link)
        #expect(attrs[.type] as? FileAttributeType == .typeSymbolicLink, "the symlink is left in place")
        let report = try JSONDecoder().decode(CampaignReport.self, from: Data(contentsOf: URL(fileURLWithPath: target)))
        #expect(report.completed == 2)
    }

    @Test func reportToAFifoIsWrittenThrough() throws {
        let dir = tempDir("fifo")
        let fifo = dir + "/report.fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let r = try sh("cat \(fifo) > \(dir)/read & HOTREMOVE fuzz --seed 1 --count 2 --revision final --no-shrink --out \(dir)/out --report \(fifo); s=$?; wait; exit $s")
        #expect(r.code == 0, "\(r.err)")
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO, "the fifo is left in place")
        let report = try JSONDecoder().decode(CampaignReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/read")))
        #expect(report.completed == 2)
    }

    @Test func reportToADeviceIsWrittenThrough() throws {
        let dir = tempDir("device")
        let r = try sh("HOTREMOVE fuzz --seed 1 --count 2 --revision final --no-shrink --out \(dir)/out --report /dev/null")
        #expect(r.code == 0, "\(r.err)")
        var st = stat()
        #expect(lstat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "/dev/null is still the device")
        // a device that cannot take it: the summary still reaches standard output, then exit 4
        let full = try sh("HOTREMOVE fuzz --seed 1 --count 2 --revision final --no-shrink --out \(dir)/out --report /dev/full")
        #expect(full.code == ExitCode.io.rawValue)
        #expect(full.out.contains("campaign seed 1"))
        #expect(full.err.contains("--report /dev/full: cannot write (No space left on device)"))
    }

    @Test func twoCampaignsShareAnOutputDirectory() throws {
        let dir = tempDir("shared")
        // mut_final_skip_tlbi leaves stale translations: findings in most campaigns
        Mutants.register()
        let a = Campaign.run(CampaignOptions(seed: 2, count: 6, revisions: ["mut_final_skip_tlbi"], jobs: 1, outDir: dir,
                                             shrink: false, isolate: false))
        let b = Campaign.run(CampaignOptions(seed: 3, count: 6, revisions: ["mut_final_skip_tlbi"], jobs: 1, outDir: dir,
                                             shrink: false, isolate: false))
        #expect(a.writeErrors == nil && b.writeErrors == nil)
        let paths = (a.findings + b.findings).compactMap(\.reproducer)
        #expect(!a.findings.isEmpty && !b.findings.isEmpty)
        #expect(paths.count == a.findings.count + b.findings.count, "every finding has its reproducer")
        #expect(Set(paths).count == paths.count, "no two findings share a file")
        for (report, seed) in [(a, 2), (b, 3)] {
            for f in report.findings {
                let p = try #require(f.reproducer)
                #expect(p.hasSuffix("-s\(seed)-i\(f.firstScenario.split(separator: "-").last!).json"), "\(p)")
                let sc = try Scenario.parse(data: Data(contentsOf: URL(fileURLWithPath: p)))
                #expect(sc.description.contains("from seed \(seed) index"), "the file is this campaign's: \(p)")
            }
        }
    }

    /// A file the user edited is never replaced: a campaign run again over its directory leaves identical
    /// reproducers as they are and refuses to overwrite an edited one (a write error naming it, exit 4);
    /// `scenarios --write` likewise; `--write-baseline` may not name the scenario being checked; and
    /// bench's plots are checked before any point is measured.
    @Test func filesAreNeverReplaced() throws {
        let dir = tempDir("noclobber")
        Mutants.register()
        let o = CampaignOptions(seed: 2, count: 6, revisions: ["mut_final_skip_tlbi"], jobs: 1, outDir: dir, shrink: false, isolate: false)
        let first = Campaign.run(o)
        let path = try #require(first.findings.first?.reproducer)
        // the same campaign again: the same bytes, nothing to report
        #expect(Campaign.run(o).writeErrors == nil)
        try Data("edited\n".utf8).write(to: URL(fileURLWithPath: path))
        let again = Campaign.run(o)
        #expect(again.writeErrors?.contains { $0.contains(path) && $0.contains("exists with other contents") } == true,
                "\(String(describing: again.writeErrors))")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "edited\n")

        let written = tempDir("noclobber-scenarios")
        #expect(cli(["scenarios", "--write", written]).code == 0)
        #expect(cli(["scenarios", "--write", written]).code == 0, "the same files again")
        let one = try #require(try FileManager.default.contentsOfDirectory(atPath: written).first)
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: written + "/" + one))
        let w = cli(["scenarios", "--write", written])
        #expect(w.code == ExitCode.io.rawValue && w.err.contains("not replaced"), "\(w.err)")

        let sc = written + "/" + (try FileManager.default.contentsOfDirectory(atPath: written).first { $0 != one }!)
        let before = try Data(contentsOf: URL(fileURLWithPath: sc))
        #expect(cli(["check", sc, "--revision", "final", "--write-baseline", sc]).code == ExitCode.usage.rawValue)
        #expect(try Data(contentsOf: URL(fileURLWithPath: sc)) == before)

        let bench = tempDir("noclobber-bench")
        try FileManager.default.createDirectory(atPath: bench + "/b-cost.svg", withIntermediateDirectories: true)
        let b = cli(["bench", "--sizes", "1G", "--mapping", "no-blocks", "--revisions", "final", "--reps", "1", "--no-throughput",
                     "--no-targets", "--out", bench + "/b.json"])
        #expect(b.code != 0 && !b.err.contains("bench: 1/"), "refused before the first point: \(b.err)")
    }

    @Test func unwritableReproducersAreAnIOError() throws {
        // the directory exists when checked, then becomes unwritable (a file takes its place)
        let dir = tempDir("lost")
        Mutants.register()
        let o = CampaignOptions(seed: 2, count: 4, revisions: ["mut_final_skip_tlbi"], jobs: 1, outDir: dir + "/sub/x",
                                shrink: false, isolate: false)
        try Data().write(to: URL(fileURLWithPath: dir + "/sub"))
        let r = Campaign.run(o)
        #expect(!r.findings.isEmpty)
        #expect(r.findings.allSatisfy { $0.reproducer == nil })
        #expect((r.writeErrors ?? []).count == r.findings.count)
        let code = try FuzzCommand.finish(r, title: "t", json: false, reportPath: nil,
                                          Console(out: { _ in }, err: { _ in }))
        #expect(code == ExitCode.io.rawValue)
    }

    /// Seed 5, scenario 1 (mutant geometries) removes memory whose vmemmap is mapped with base pages,
    /// where the crash and hang mutants' lines sit (see RobustnessTests).
    func crashingScenario() -> String {
        let sc = ScenarioGenerator.generate(seed: 5, index: 1, geometries: Registry.mutantGeometries.compactMap { Geometry(name: $0) })
        return tempFile("crashing.json", String(decoding: sc.jsonData(), as: UTF8.self))
    }

    /// The mutants live in the test-only twin `hotremove-mutants`; a name it does not know: nothing to run.
    func mutantsMissing(_ r: Ran) -> Bool { r.code == ExitCode.usage.rawValue && r.err.contains("unknown revision") }

    @Test func crashWithoutIsolationIsReportedNotABacktrace() throws {
        let dir = tempDir("noiso")
        let r = try sh("HOTREMOVE fuzz --seed 5 --count 6 --revision mut_final_crash,final --no-isolation --jobs 1 --out \(dir)",
                       tool: Tools.withMutants)
        if mutantsMissing(r) { Issue.record("hotremove-mutants does not know the mutant: \(r.err)"); return }
        #expect(r.code == ExitCode.crashed.rawValue, "\(r.err)")
        #expect(r.err.contains("CRASH fuzz-5-") && r.err.contains("mut_final_crash step") && r.err.contains("SIGSEGV"), "\(r.err)")
    }

    @Test func hangingRunStopsAtTheTimeout() throws {
        let path = crashingScenario()
        let started = Date()
        let r = try sh("HOTREMOVE run \(path) --revision mut_final_hang --timeout 1", tool: Tools.withMutants)
        if mutantsMissing(r) { Issue.record("hotremove-mutants does not know the mutant: \(r.err)"); return }
        #expect(r.code == ExitCode.crashed.rawValue, "\(r.err)")
        #expect(r.err.contains("HANG fuzz-5-1 mut_final_hang step") && r.err.contains("TIMEOUT"), "\(r.err)")
        #expect(Date().timeIntervalSince(started) < 15, "the 1 s limit, not the default")
    }

    /// KTAP is printed as the tests run: when the code under test hangs in the second test and the guard
    /// stops the process (exit 7), the plan and the first test's result are out already.
    @Test func ktapKeepsWhatFinishedBeforeAHang() throws {
        let path = crashingScenario()
        let r = try sh("HOTREMOVE check \(path) --revision final,mut_final_hang --timeout 1 --ktap", tool: Tools.withMutants)
        if mutantsMissing(r) { Issue.record("hotremove-mutants does not know the mutant: \(r.err)"); return }
        #expect(r.code == ExitCode.crashed.rawValue, "\(r.err)")
        #expect(r.out.hasPrefix("KTAP version 1\n1..2\n"), "\(r.out)")
        #expect(r.out.contains("ok 1 fuzz-5-1.final"), "\(r.out)")
        #expect(!r.out.contains(" 2 fuzz-5-1.mut_final_hang"))
    }

    /// 20 add/remove pairs of 1 GiB under rodata_full, named "slow": each step maps or unmaps 262144 PTEs
    /// (about a second here), so an interruption lands inside its run.
    func slowScenario(_ file: String) -> String {
        let pair = #"{"op":"add","start":"8G","size":"1G"},{"op":"remove","start":"8G","size":"1G"}"#
        return tempFile(file, #"{"version":1,"name":"slow","geometry":"4K/48","config":{"rodataFull":true},"steps":["#
            + Array(repeating: pair, count: 20).joined(separator: ",") + "]}")
    }

    @Test func interruptedCheckReportsWhatFinished() throws {
        let exe = try #require(Tools.shipped)
        let path = slowScenario("slow.json")
        // interrupt once the first run is reported (the handlers are in place by then), during the slow one
        let r = try interrupt(exe, ["check", packageRoot + "/scenarios/example.json", path, "--revision", "final"],
                              when: "example on final")
        #expect(r.status == ExitCode.interrupted.rawValue, "\(r.err)")
        #expect(r.out.contains("example on final (4K/48): conforms"), "the finished run is reported")
        #expect(r.err.contains("interrupted: 1 of 2 runs checked"), "\(r.err)")
    }

    /// The same interruption with --ktap: the plan names both tests, the first has its result, and the
    /// one the interruption left is a skip that says so (exit 6).
    @Test func interruptedKtapSkipsWhatDidNotRun() throws {
        let exe = try #require(Tools.shipped)
        let path = slowScenario("slow-ktap.json")
        let r = try interrupt(exe, ["check", packageRoot + "/scenarios/example.json", path, "--revision", "final", "--ktap"],
                              when: "ok 1 example.final")
        let o = r.out
        #expect(r.status == ExitCode.interrupted.rawValue)
        #expect(o.hasPrefix("KTAP version 1\n1..2\n"), "\(o)")
        #expect(o.contains("ok 2 slow.final # SKIP not run: interrupted"), "\(o)")
    }
}
