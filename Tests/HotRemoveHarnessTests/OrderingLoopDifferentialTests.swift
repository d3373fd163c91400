@testable import HotRemoveHarness
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveMutants
import HotRemoveScenario
import Testing

/// The ordering judge summarizes a folded loop through one repetition (OrderingLoops.swift); here it
/// judges the traces of real runs both ways, loops summarized and every event unrolled, and the two
/// must report the same findings, event numbers and wording included: generated scenarios on every
/// revision of the history, and every mutant the checker must kill on its kill scenarios.
@Suite struct OrderingLoopDifferentialTests {
    /// Generated scenarios 0..<`count` of `seed` adding at most `maxAdded`, on each of `revisions`, and
    /// every killable mutant on its kill scenarios.
    static func runs(seed: UInt64, count: Int, maxAdded: UInt64, revisions: [String]) throws -> [(Scenario, String)] {
        Mutants.register()
        var runs: [(Scenario, String)] = []
        for i in 0 ..< count {
            let sc = ScenarioGenerator.generate(seed: seed, index: i)
            guard sc.steps.filter({ $0.op == .add }).reduce(0, { $0 + $1.size }) <= maxAdded else { continue }
            for rev in revisions { runs.append((sc, rev)) }
        }
        for m in Mutants.all where m.killable {
            for s in m.killScenarios { runs.append((try #require(MutationTests.scenarios[s]), m.name)) }
        }
        return runs
    }

    @Test func summarizedLoopsAreJudgedAsUnrolledOnes() throws {
        // small scenarios: the unrolled judge of a debug build is slow on GiB of PTEs
        let runs = try Self.runs(seed: 2027, count: 12, maxAdded: 512 << 20, revisions: Registry.revisions.map(\.name))
        var summarized: UInt64 = 0, steps = 0
        for (sc, rev) in runs {
            let run = try ScenarioRunner.run(sc, revision: rev, rejectInvalid: false)
            for obs in run.steps {
                var fast = FindingList(), slow = FindingList()
                let lay = Layout(sc)
                summarized += OrderingJudge.check(obs, lay: lay, step: obs.index, &fast)
                OrderingJudge.check(obs, lay: lay, step: obs.index, summarizeLoops: false, &slow)
                #expect(fast.finish() == slow.finish(), "\(sc.name) on \(rev), step \(obs.index)")
                steps += 1
            }
        }
        // the comparison is only worth something if loops were summarized
        #expect(steps > 100)
        #expect(summarized > 10_000)
    }

    /// The model compares a step's leaves before and after only where they differ
    /// (LeafIndex.changedRegion); the findings must be those of the comparison everywhere.
    @Test func leavesComparedWhereChangedAsEverywhere() throws {
        let runs = try Self.runs(seed: 2028, count: 16, maxAdded: 1 << 30, revisions: ["v3", "v6", "final", "altmap", "fix2026", "subpmd"])
        var findings = 0
        for (sc, rev) in runs {
            let run = try ScenarioRunner.run(sc, revision: rev, rejectInvalid: false)
            let contract = Registry.revision(named: rev)?.contract ?? rev
            let windowed = ModelJudge(scenario: sc, revision: contract), whole = ModelJudge(scenario: sc, revision: contract)
            whole.compareWhereChanged = false
            for obs in run.steps {
                let a = windowed.check(step: obs.index, obs), b = whole.check(step: obs.index, obs)
                #expect(a == b, "\(sc.name) on \(rev), step \(obs.index)")
                findings += a.filter { $0.rule == "inv.outside-unchanged" }.count
            }
        }
        // some run lost or gained leaves outside its torn-down range (the mutants that leave or clear too much)
        #expect(findings > 0)
    }
}
