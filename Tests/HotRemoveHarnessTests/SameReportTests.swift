import Foundation
import Testing
@testable import HotRemoveHarness

/// The throughput work (#14) changes how the checker and the runner compute, never what they
/// report.  `Fixtures/check-seed2027-0-23.json` is the `check --json` report of scenarios 0..<24
/// of campaign seed 2027 on v3, v6, final and altmap, written by commit a9eabe7, the last one
/// before that work.  It is not an oracle of correctness (the model is): it pins the report so that
/// a faster path that judges differently shows up as a difference here.  When the model or
/// the generator changes on purpose, rewrite it with the command in the README's Performance section.
@Suite struct SameReportTests {
    @Test func seed2027ReportIsTheOneBeforeTheThroughputWork() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-same-report-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var files: [String] = []
        for i in 0 ..< 24 {
            let w = cli(["scenarios", "--seed", "2027", "--index", "\(i)", "--write", dir])
            try #require(w.code == 0, "\(w.err)")
            files.append(dir + "/fuzz-2027-\(i).json")
        }
        let r = cli(["check"] + files + ["--revision", "v3,v6,final,altmap", "--json"])
        #expect(r.code == 0, "\(r.err)")
        let before = try String(contentsOfFile: packageRoot + "/Tests/HotRemoveHarnessTests/Fixtures/check-seed2027-0-23.json", encoding: .utf8)
        if r.out != before {
            // the first differing line, to start from
            let a = before.split(separator: "\n", omittingEmptySubsequences: false), b = r.out.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0 ..< min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("report differs from the one before the throughput work at line \(i + 1): before \(i < a.count ? String(a[i]) : "<end>"), now \(i < b.count ? String(b[i]) : "<end>")")
        }
    }
}
