import Foundation
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

@Suite struct BenchTargetTests {
    @Test func aTargetIsMetOnItsMedianOnTheStatedSide() {
        // medians: [3, 1, 2] -> 2; [10, 30] -> 20 (mean of the middle two)
        #expect(BenchTargets.Target("x", "", unit: "x", bound: 2.5, atLeast: false, [3, 1, 2], sameRun: "").met)
        #expect(!BenchTargets.Target("x", "", unit: "x", bound: 1.5, atLeast: false, [3, 1, 2], sameRun: "").met)
        #expect(BenchTargets.Target("x", "", unit: "/s", bound: 20, atLeast: true, [10, 30], sameRun: "").met)
        #expect(!BenchTargets.Target("x", "", unit: "/s", bound: 21, atLeast: true, [10, 30], sameRun: "").met)
        // nothing measured is never met
        #expect(!BenchTargets.Target("x", "", unit: "/s", bound: 0, atLeast: true, [], sameRun: "").met)
    }

    /// RAM is added in whole sections, so a bench size is a multiple of the section its mapping uses: 1 GiB
    /// (SECTION_SIZE_BITS 30, v5.7) for blocks and no-blocks, 128 MiB (27) for cont on 4K.  Anything else, or
    /// an empty list, is a usage error before any work, not an internal error after it.
    @Test func benchSizesAreWholeSections() {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-bench-sizes-\(getpid()).json").path
        let r = cli(["bench", "--sizes", "128M", "--mapping", "no-blocks", "--out", out])
        #expect(r.code == ExitCode.usage.rawValue)
        #expect(r.err.contains("--sizes 128M: the no-blocks mapping on 4K/48 adds whole 1G sections"), "\(r.err)")
        #expect(cli(["bench", "--sizes", ",", "--out", out]).code == ExitCode.usage.rawValue)
        #expect(cli(["bench", "--sizes", "1G", "--mapping", ",", "--out", out]).code == ExitCode.usage.rawValue)
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written")
        let cont = cli(["bench", "--sizes", "128M", "--mapping", "cont", "--revisions", "final", "--reps", "1", "--no-throughput",
                        "--no-targets", "--out", out])
        #expect(cont.code == 0, "\(cont.err)")
        for f in [out, String(out.dropLast(5)) + "-cost.svg", String(out.dropLast(5)) + "-tlbi.svg"] {
            try? FileManager.default.removeItem(atPath: f)
        }
    }

    @Test func smallScenariosAreAtMost256MiBAddedInAtMost8Steps() {
        let G: UInt64 = 1 << 30, M: UInt64 = 1 << 20
        func sc(_ steps: [Scenario.Step]) -> Scenario {
            Scenario(name: "t", geometry: Geometry(name: "4K/48")!, sectionSizeBits: 27, physSize: 8 * G, bootSize: G, steps: steps)
        }
        let add128 = Scenario.Step(op: .add, start: 4 * G, size: 128 * M), rm128 = Scenario.Step(op: .remove, start: 4 * G, size: 128 * M)
        #expect(BenchTargets.isSmall(sc([add128, rm128, add128, rm128])))                      // 256 MiB added, 4 steps
        #expect(!BenchTargets.isSmall(sc([add128, rm128, add128, rm128, add128])))             // 384 MiB
        #expect(!BenchTargets.isSmall(sc(Array(repeating: rm128, count: 9))))                  // 9 steps
    }

    @Test func theBareRunIsTheKernelCodeOfEveryStep() throws {
        // scenario 0 of seed 99 runs all its steps bare, and its checked run checks the same number
        let s = ScenarioGenerator.generate(seed: 99, index: 0)
        #expect(try ScenarioRunner.runBare(s, revision: "final") == s.steps.count)
        #expect(try Checker.check(s, revision: "final").stepsChecked == s.steps.count)
    }

    /// The effects the counters alone give (a bare run reads no lists and no trace, and has no result).
    func counted(_ e: StepEffects) -> StepEffects {
        var c = e
        c.result = StepEffects().result
        c.warns = [:]; c.faultSites = [:]
        c.tlbiVAAddresses = StepEffects().tlbiVAAddresses; c.tlbiWalkAddresses = StepEffects().tlbiWalkAddresses
        return c
    }

    @Test func theBareRunDoesWhatTheCheckedRunDoes() throws {
        // the same kernel calls, so the same counters step by step: generated scenarios, and the
        // memmap-from-range one (scenarios/memmap-range.json), whose add the bare run once left out
        var scenarios = (0 ..< 6).map { ScenarioGenerator.generate(seed: 99, index: $0) }
        scenarios.append(try Scenario.parse(data: Data(contentsOf: URL(fileURLWithPath: packageRoot + "/scenarios/memmap-range.json"))))
        for sc in scenarios {
            for rev in ["v6", "final", "altmap", "fix2026"] {
                let checked = try ScenarioRunner.run(sc, revision: rev, trace: false, rejectInvalid: false)
                var bare: [StepEffects] = []
                _ = try ScenarioRunner.runBare(sc, revision: rev) { _, c in bare.append(c) }
                #expect(bare == checked.steps.map { counted($0.effects) }, "\(sc.name) on \(rev)")
            }
        }
    }
}
