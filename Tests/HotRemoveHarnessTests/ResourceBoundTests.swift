import Foundation
@testable import HotRemoveCLI
@testable import HotRemoveHarness
import HotRemoveScenario
import Testing

/// The 4 GiB host-memory bound, refused up front and named where input would pass it, and not where
/// the run fits; and what a run did not do said, never passed over.
@Suite struct ResourceBoundTests {
    let G: UInt64 = 1 << 30

    func cycles(_ n: Int, size: UInt64) -> [Scenario.Step] {
        (0..<n).flatMap { _ in [Scenario.Step(op: .add, start: 8 * G, size: size), .init(op: .remove, start: 8 * G, size: size)] }
    }

    /// What the estimate lets through: it counts what is present at each step, not every add ever made.
    @Test func manyCyclesFitTheBound() throws {
        let g = Geometry(name: "4K/48")!
        // 600 add/remove cycles of 1 GiB, block-mapped: each keeps ~536 entries' record (2 bytes each)
        try Scenario(name: "cycles", geometry: g, bootSize: 4 * G, steps: cycles(600, size: G)).validate()
        // 116 re-adds of 128 MiB sections (SECTION_SIZE_BITS 27): the memmap goes back at each removal
        try Scenario(name: "readds", geometry: g, sectionSizeBits: 27, bootSize: 4 * G, steps: cycles(116, size: 128 << 20)).validate()
        // 200 page-mapped 1 GiB cycles: 262,144 PTEs set and cleared a step, about 210 MiB kept in all
        try Scenario(name: "pages", geometry: g, bootSize: 4 * G, rodataFull: true, steps: cycles(200, size: G)).validate()
    }

    /// 4 TiB page-mapped: 4T / 2M = 2,097,152 PTE tables of 4 KiB = 8 GiB of tables alone.
    @Test func benchRefusesAPointPastTheBound() {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-bound-\(getpid())/b.json").path
        let r = cli(["bench", "--sizes", "4T", "--mapping", "no-blocks", "--revisions", "final", "--reps", "1",
                     "--no-throughput", "--no-targets", "--out", out])
        #expect(r.code == ExitCode.usage.rawValue)
        #expect(r.err.contains("the limit is 4G") && r.err.contains("--sizes 4T"), "\(r.err)")
        #expect(!r.err.contains("bench: 1/"), "refused before the first point")
        // 1 TiB page-mapped, which bench runs in about 2.5 GiB: 524,288 PTE tables x (4 KiB + 2 KiB) = 3 GiB,
        // under the bound
        let point = Bench.scenario(Geometry(name: "4K/48")!, .noBlocks, .linear, size: 1 << 40).0
        #expect(point.hostMemoryEstimate(traced: false).bytes <= Scenario.hostMemoryLimit)
    }

    /// Seven vmalloc walkers of 1 GiB: 7 x 262,144 pages, each recorded for each of 7 threads at 2,304 bytes:
    /// about 28 GiB.
    @Test func exploreRefusesWalkersPastTheBound() {
        let walkers = (0..<7).map { "{ \"kind\": \"vmalloc\", \"va\": \"VMALLOC_START+\($0 * 2)G\", \"size\": \"1G\" }" }
        let path = tempFile("walkers7.json", """
            { "version": 1, "name": "walkers7", "geometry": "4K/48", "bootMemory": { "start": "1G", "size": "4G" },
              "steps": [ { "op": "add", "start": "8G", "size": "1G" }, { "op": "remove", "start": "8G", "size": "1G" } ],
              "walkers": [ \(walkers.joined(separator: ", ")) ] }
            """)
        let r = cli(["explore", path, "--revision", "final"])
        #expect(r.code == ExitCode.badInput.rawValue)
        #expect(r.err.contains("walkers") && r.err.contains("the limit is 4G"), "\(r.err)")
    }

    /// An allocation failure asked for past the step's last allocation fails nothing: the report says the
    /// failure path was not checked.  A block-mapped 1 GiB add makes a handful of allocations, never 100,000.
    @Test func failAllocationNeverReachedIsSaid() {
        let path = tempFile("failpast.json", """
            { "version": 1, "name": "failpast", "geometry": "4K/48", "bootMemory": { "start": "1G", "size": "4G" },
              "steps": [ { "op": "add", "start": "8G", "size": "1G", "failAllocation": 100000 } ] }
            """)
        let r = cli(["check", path, "--revision", "final"])
        #expect(r.code == 0)
        #expect(r.out.contains("not checked: steps[0]: the allocation failure path (failAllocation 100000 not reached"), "\(r.out)")
        let run = cli(["run", path, "--revision", "final"])
        #expect(run.out.contains("-> ok (failAllocation 100000 not reached"), "\(run.out)")
    }

    /// `all` is every kernel revision in every command.
    @Test func allMeansEveryRevisionEverywhere() throws {
        let every = Registry.revisions.map(\.name)
        #expect(try CLI.revisionNames(["all"]) == every)
        #expect(Set(try HistoryCommand.revisionNames(["all"])) == Set(every))
        // none named: the three default revisions; history: its patch history
        #expect(try CLI.revisionNames(nil) == Registry.defaultRevisions.map(\.name))
        #expect(!(try HistoryCommand.revisionNames(nil)).contains("pre"))
    }
}
