import Foundation
@testable import HotRemoveCLI
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The verdict options a kernel developer's CI uses: --fail-on, --baseline, --ktap, and run --trace.
/// Boot memory removal on V6 is the known finding used here (findings/README.md): V6 has no
/// boot-memory notifier, the early section's memmap is PageReserved, each free is refused.
@Suite struct VerdictCLITests {
    static let bootRemoval = #"{"version":1,"name":"boot-removal","geometry":"4K/48","steps":[{"op":"remove","start":"2G","size":"1G"}]}"#

    @Test func failOnFindingsExitsOneOnAnyFinding() {
        let path = tempFile("boot-removal.json", VerdictCLITests.bootRemoval)
        #expect(cli(["check", path, "--revision", "v6"]).code == 0)   // findings, but the contract holds
        let r = cli(["check", path, "--revision", "v6", "--fail-on", "findings"])
        #expect(r.code == 1)
        #expect(r.out.contains("fault.free-reserved"))
        // final refuses the offline (prevent_bootmem_remove_notifier): no finding, exit 0
        #expect(cli(["check", path, "--revision", "final", "--fail-on", "findings"]).code == 0)
        #expect(cli(["check", path, "--fail-on", "everything"]).code == 2)
    }

    /// An empty baseline accepts nothing: v6's boot removal has its fault.free-reserved finding (one class,
    /// one baseline entry), so the exit is 1 — and the report says why, not just "conforms".
    @Test func anExitOneAlwaysSaysWhy() {
        let path = tempFile("boot-removal-3.json", VerdictCLITests.bootRemoval)
        let empty = tempFile("empty-baseline.txt", "")
        let r = cli(["check", path, "--revision", "v6", "--fail-on", "mismatches", "--baseline", empty])
        #expect(r.code == 1)
        #expect(r.out.contains("conforms; findings") && r.out.contains("not in the baseline"), "\(r.out)")
        #expect(r.err.contains("hotremove: exit 1: ") && r.err.contains("not in the baseline \(empty)"), "\(r.err)")
        let f = cli(["check", path, "--revision", "v6", "--fail-on", "findings"])
        #expect(f.code == 1 && f.err.contains("with --fail-on findings, every finding counts"), "\(f.err)")
        // final refuses the offline (no finding): exit 0 and nothing to explain
        let ok = cli(["check", path, "--revision", "final", "--baseline", empty])
        #expect(ok.code == 0 && !ok.err.contains("exit 1"))
    }

    /// A baseline is read as a scenario is: a directory or a device is named as such (exit 4), and a file
    /// with CRLF line ends has its lines (the known finding accepted: exit 0).
    @Test func aBaselineIsAFileReadLikeAScenario() {
        let path = tempFile("boot-removal-4.json", VerdictCLITests.bootRemoval)
        let dir = cli(["check", path, "--revision", "v6", "--baseline", FileManager.default.temporaryDirectory.path])
        #expect(dir.code == ExitCode.io.rawValue && dir.err.contains("is a directory, not a baseline file"), "\(dir.err)")
        let dev = cli(["check", path, "--revision", "v6", "--baseline", "/dev/zero"])
        #expect(dev.code == ExitCode.io.rawValue && dev.err.contains("/dev/zero: not a regular file"), "\(dev.err)")
        let crlf = tempFile("crlf.txt", "# accepted\r\nboot-removal v6 fault.free-reserved\r\n")
        let r = cli(["check", path, "--revision", "v6", "--baseline", crlf])
        #expect(r.code == 0, "\(r.out)\(r.err)")
    }

    /// What --write-baseline writes, --baseline reads: a scenario named with spaces and '#', or with no name
    /// at all, round-trips (exit 0 on the same findings); a revision that does not exist is refused, not
    /// accepted as a baseline that can never match.
    @Test func aWrittenBaselineReadsBack() throws {
        for name in ["boot removal #1 (100%)", ""] {
            let text = VerdictCLITests.bootRemoval.replacingOccurrences(of: #""name":"boot-removal""#, with: #""name":"\#(name)""#)
            let path = tempFile("named-\(name.count).json", text)
            let written = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-named-\(getpid())-\(name.count).txt").path
            #expect(cli(["check", path, "--revision", "v6", "--write-baseline", written]).code == 0)
            let r = cli(["check", path, "--revision", "v6", "--baseline", written])
            #expect(r.code == 0, "\(name): \(r.out)\(r.err)")
        }
        let path = tempFile("boot-removal-5.json", VerdictCLITests.bootRemoval)
        let typo = tempFile("typo.txt", "boot-removal v66 fault.free-reserved\n")
        let r = cli(["check", path, "--revision", "v6", "--baseline", typo])
        #expect(r.code == ExitCode.badInput.rawValue && r.err.contains("typo.txt:1: unknown revision \"v66\""), "\(r.err)")
    }

    @Test func baselineFailsOnlyOnNewFindings() {
        let path = tempFile("boot-removal-2.json", VerdictCLITests.bootRemoval)
        let known = tempFile("known.txt", "# accepted\nboot-removal v6 fault.free-reserved\n")
        #expect(cli(["check", path, "--revision", "v6", "--baseline", known]).code == 0)
        let other = tempFile("other.txt", "boot-removal v6 inv.no-leak\n")
        #expect(cli(["check", path, "--revision", "v6", "--baseline", other]).code == 1)
        let bad = tempFile("bad.txt", "only two\n")
        let r = cli(["check", path, "--revision", "v6", "--baseline", bad])
        #expect(r.code == 3 && r.err.contains("bad.txt:1"))
        // a written baseline lists exactly today's findings, so checking against it passes
        let written = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-baseline-\(getpid()).txt").path
        #expect(cli(["check", path, "--revision", "v6", "--write-baseline", written]).code == 0)
        #expect((try? String(contentsOfFile: written, encoding: .utf8))?.contains("boot-removal v6 fault.free-reserved") == true)
        #expect(cli(["check", path, "--revision", "v6", "--baseline", written]).code == 0)
    }

    @Test func ktapHasAPlanAndOneResultPerScenarioAndRevision() {
        let path = tempFile("boot-removal-3.json", VerdictCLITests.bootRemoval)
        let r = cli(["check", path, "--ktap", "--fail-on", "findings"])
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "KTAP version 1")
        #expect(lines.dropFirst().first == "1..3")
        #expect(lines.contains("not ok 1 boot-removal.v6"))
        #expect(lines.contains("ok 2 boot-removal.final"))
        #expect(lines.contains("ok 3 boot-removal.altmap"))
        // every other line is a diagnostic
        #expect(lines.filter { !$0.hasPrefix("#") && !$0.hasPrefix("ok ") && !$0.hasPrefix("not ok ") }.count == 2)
        #expect(r.code == 1)
        #expect(cli(["check", path, "--ktap", "--json"]).code == 2)
    }

    @Test func runTracePrintsTheOrderedEventsInKernelTerms() {
        // final on the README example: each vmemmap PMD block of the removed GiB is cleared, flushed with
        // one page (dsb(ishst), vaale1is, dsb(ish), isb), then its order-9 backing freed.  The first block:
        // VMEMMAP_START (0xfffffdffffe00000 on 4K/48) + ((8G - PHYS_OFFSET 1G) >> 12) * 64 = + 0x7000000.
        let r = cli(["run", packageRoot + "/scenarios/example.json", "--revision", "final", "--trace"])
        #expect(r.code == 0)
        #expect(r.out.contains("#0 clear PMD entry for 0xfffffe0006e00000"))
        #expect(r.out.contains("#1 dsb(ishst)"))
        #expect(r.out.contains("#2 tlbi vaale1is 0xfffffe0006e00000"))
        #expect(r.out.contains("#3 dsb(ish)"))
        #expect(r.out.contains("#4 isb"))
        #expect(r.out.contains("#5 free_pages pfn"))
        #expect(cli(["run", packageRoot + "/scenarios/example.json", "--trace", "--no-trace"]).code == 2)
    }
}

/// Contiguous mappings as /sys/kernel/debug/kernel_page_tables shows them.
@Suite struct ContDumpTests {
    @Test func dumpShowsTheContiguousBit() {
        // 16K/47: a 2 MiB device sub-section is one contiguous range of CONT_PTES = 128 PTEs of 16K
        // (alloc_init_cont_pte()), so its line carries CON
        let r = cli(["dump", packageRoot + "/findings/cont-pte-16k.json"])
        #expect(r.code == 0)
        #expect(r.out.split(separator: "\n").contains { $0.contains("2M PTE") && $0.contains("CON") })
    }
}
