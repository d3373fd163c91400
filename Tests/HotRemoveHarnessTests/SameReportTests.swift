import Foundation
@testable import HotRemoveHarness
import HotRemoveScenario
import Testing

/// The throughput work (docs/PERFORMANCE.md) changes how the checker and the runner compute, never what they
/// report.  `Fixtures/seed2027/` holds scenarios 0..<24 of campaign seed 2027 as the generator wrote
/// them before that work (it has drawn memmap options since), and `Fixtures/check-seed2027-0-23.json`
/// the `check --json` report of them on v3, v6, final and altmap, written by commit a9eabe7, the last
/// one before it; one wording changed since, on purpose (the memmap work: "a PageReserved page (boot
/// memory, ZONE_DEVICE memory or a PageVmemmap page)" for "(boot memory)"), and is changed in the file.
/// Rewritten once since, on purpose, when a step after an oops became "not run" (the machine is wedged: the
/// later steps of fuzz-2027-15 and -17 and their findings went, nothing else changed) and each result gained
/// the catalogue's statuses and the era fields outside the revision's kernel.
/// It is not an oracle of correctness (the model is): it pins the report so that a faster path that
/// judges differently shows up as a difference here.  When the model changes on purpose, rewrite
/// it with the command in docs/PERFORMANCE.md.
@Suite struct SameReportTests {
    @Test func seed2027ReportIsTheOneBeforeTheThroughputWork() throws {
        let dir = packageRoot + "/Tests/HotRemoveHarnessTests/Fixtures"
        let files = (0 ..< 24).map { "\(dir)/seed2027/fuzz-2027-\($0).json" }
        let r = cli(["check"] + files + ["--revision", "v3,v6,final,altmap", "--json"])
        #expect(r.code == 0, "\(r.err)")
        let before = try String(contentsOfFile: dir + "/check-seed2027-0-23.json", encoding: .utf8)
        if r.out != before {
            // the first differing line, to start from
            let a = before.split(separator: "\n", omittingEmptySubsequences: false), b = r.out.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0 ..< min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("report differs from the one before the throughput work at line \(i + 1): before \(i < a.count ? String(a[i]) : "<end>"), now \(i < b.count ? String(b[i]) : "<end>")")
        }
    }
}
