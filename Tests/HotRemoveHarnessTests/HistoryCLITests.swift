import Foundation
@testable import HotRemoveCLI
@testable import HotRemoveHarness
import HotRemoveScenario
import Testing

/// `hotremove history`: one table over revisions in posting order, crashes as cells, clear usage errors.
@Suite struct HistoryCLITests {
    /// a curated scenario written out as a file (the 1 GiB-aligned add and remove on 4K/48)
    var scenarioFile: String {
        let sc = CuratedScenarios.forGeometry(geometry("4K/48")).first { $0.name.hasPrefix("linear-1g-aligned") }!
        return tempFile("history-\(sc.name).json", String(decoding: sc.jsonData(), as: UTF8.self))
    }

    @Test func rowsInPostingOrderWithTheirContractStatus() {
        // given out of order; v1 has no contract, v6 and v10 have
        let r = cli(["history", "--revisions", "v10,v1,v6", scenarioFile])
        #expect(r.code == 0)
        let rows = r.out.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(Array(rows.prefix(4)) == ["revision", "v1", "v6", "v10"])
        #expect(r.out.contains("invariants only"))
        #expect(r.out.contains("contract mismatches"))
        #expect(r.err.contains("history: 1 scenarios on 3 revisions"))
    }

    @Test func markdownAndJSON() throws {
        let md = cli(["history", "--revisions", "v6", "--markdown", scenarioFile])
        #expect(md.code == 0)
        #expect(md.out.hasPrefix("| revision |"))
        #expect(md.out.contains("| v6 |"))
        let js = cli(["history", "--revisions", "v6", "--json", scenarioFile])
        #expect(js.code == 0)
        struct T: Decodable { let scenarios: Int; let rows: [HistoryCommand.Row] }
        let t = try JSONDecoder().decode(T.self, from: Data(js.out.utf8))
        #expect(t.scenarios == 1)
        #expect(t.rows.map(\.revision) == ["v6"])
        #expect(t.rows[0].checkedAgainst == "contract")
        #expect(t.rows[0].contractMismatches == 0)
    }

    @Test func aCrashIsACell() throws {
        // mut_final_crash dereferences NULL in the PTE unmap loop: the rodata_full removal reaches it.
        // Mutants are test-only: `hotremove-mutants` (the same CLI with them) runs the table and its workers.
        let sc = CuratedScenarios.forGeometry(geometry("4K/48")).first { $0.name.hasPrefix("linear-no-blocks") }!
        let path = tempFile("history-\(sc.name).json", String(decoding: sc.jsonData(), as: UTF8.self))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Tools.withMutants))
        p.arguments = ["history", "--revisions", "mut_final_crash", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(out.contains("crash"))
        #expect(out.contains("CRASH"))
    }

    /// A file `check` refuses is not run in `history` either: its second add overlaps the memory the first
    /// added ([8G, +1G) twice), which no revision's kernel is asked to do.  The table's "not run" column
    /// counts it on each revision, the reason is on standard error, and the exit is 3 as for `check`.
    @Test func aScenarioCheckRefusesIsNotRun() {
        let path = tempFile("history-twice.json", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"},{"op":"add","start":"8G","size":"1G"}]}"#)
        #expect(cli(["check", path, "--revision", "final"]).code == ExitCode.badInput.rawValue)
        let r = cli(["history", "--revisions", "v6,final", "--no-isolation", path])
        #expect(r.code == ExitCode.badInput.rawValue, "\(r.out)\n\(r.err)")
        #expect(r.out.contains("not run"))
        for rev in ["v6", "final"] {
            let row = r.out.split(separator: "\n").first { $0.hasPrefix(rev + " ") }
            #expect(row?.split(separator: " ").last == "1", "\(rev): \(String(describing: row))")
            #expect(r.err.contains("history: \(rev): 1 scenarios not run; first: "))
        }
        #expect(r.err.contains("steps[1]"))
    }

    /// Interrupted after its first revision, history prints the table of what finished: v6's row whole,
    /// the rest counted under "not run" (the 96 curated scenarios each), and exits 6.
    @Test func anInterruptedHistoryKeepsTheRevisionsItFinished() throws {
        let r = try interrupt(try #require(Tools.shipped), ["history", "--revisions", "v6,final,altmap", "--jobs", "1", "--no-isolation"],
                              when: "history: v6 done", onOutput: false)
        let text = r.out, errText = r.err
        #expect(r.status == ExitCode.interrupted.rawValue, "\(errText)")
        #expect(text.contains("not run"), "\(text)")
        let v6 = text.split(separator: "\n").first { $0.hasPrefix("v6 ") }
        #expect(v6?.split(separator: " ").last == "0", "v6 finished: \(String(describing: v6))")
        let altmap = text.split(separator: "\n").first { $0.hasPrefix("altmap ") }
        #expect(altmap?.split(separator: " ").last == "96", "altmap never started: \(String(describing: altmap))")
        #expect(errText.contains("history: interrupted; the table covers the scenarios that finished (v6 0 not run"), "\(errText)")
    }

    @Test func usageErrors() {
        #expect(cli(["history", "--revisions", "v99"]).code == ExitCode.usage.rawValue)
        #expect(cli(["history", "--markdown", "--json"]).code == ExitCode.usage.rawValue)
        #expect(cli(["history", "--jobs", "0"]).code == ExitCode.usage.rawValue)
        #expect(cli(["history", "/nonexistent/scenario.json"]).code == ExitCode.io.rawValue)
        // repeated options add up, as in check: v1 is not dropped for v6
        let both = cli(["history", "--revisions", "v1", "--revisions", "v6", "--no-isolation", scenarioFile])
        let rows = both.out.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(Array(rows.prefix(3)) == ["revision", "v1", "v6"], "\(both.out)")
    }
}
