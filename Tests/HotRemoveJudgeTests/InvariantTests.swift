// The checker on synthetic observations: the model's own prediction dressed
// up as an observation must pass, and each single tampering must be caught
// by the invariant it breaks.  Scenario as in RevisionContractTests: 4K/48,
// boot [1G, 2G), add then remove PA [65G, 66G) (linear PUD block at
// 0xffff001000000000, memmap blocks from 0xfffffe003fe00000).
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct InvariantTests {
    let linearBlock: UInt64 = 0xffff_0010_0000_0000

    /// A model that has checked the add; returns it with the perfect observation of the removal.
    func afterAdd(_ rev: String = "final") -> (ModelJudge, StepObservation) {
        let m = ModelJudge(scenario: scenario("4K/48", referenceRemoval), revision: rev)
        let addFindings = m.check(step: 0, perfectObservation(m, step: 0, before: m.bootSnapshot))
        #expect(addFindings.isEmpty, "\(addFindings)")
        return (m, perfectObservation(m, step: 1, before: m.prediction(step: 0).after))
    }

    func rules(_ f: [Finding]) -> Set<String> { Set(f.map(\.rule)) }

    /// The removal's findings once `tamper` has changed its perfect observation.
    func findingsOfRemoval(tamper: (ModelJudge, inout StepObservation) -> Void) -> [Finding] {
        let (m, obs0) = afterAdd()
        var obs = obs0
        tamper(m, &obs)
        return m.check(step: 1, obs)
    }

    @Test func perfectObservationPasses() {
        let (m, obs) = afterAdd()
        let f = m.check(step: 1, obs)
        #expect(f.isEmpty, "\(f)")
    }

    @Test func leafLeftMapped() {
        let f = findingsOfRemoval { _, obs in
            // the 1 GiB linear block of the removed range is still there
            obs.after.runs.append(ObservedRun(va: linearBlock, count: 1, entrySize: G, pa: 65 * G, attrs: Descriptor.blockKernel,
                                              level: .pud, kind: .block))
        }
        #expect(rules(f).contains("inv.removed-range-unmapped"))
        #expect(rules(f).contains("final.after-leaves"))
        #expect(f.contains { $0.rule == "inv.removed-range-unmapped" && $0.va == linearBlock && $0.classification == .invariantViolation })
    }

    @Test func tableLeaked() {
        let f = findingsOfRemoval { _, obs in obs.after.unreachableTablePages = 1 }
        #expect(rules(f).contains("inv.no-leak"))
    }

    @Test func missingTlbiByCount() {
        let f = findingsOfRemoval { _, obs in
            // 9 leaves cleared (8 vmemmap blocks + the PUD block) but no vaale1is at all; the one
            // vaae1is for the freed PMD table cannot reach 9 leaves
            obs.effects.tlbiVA = 0
        }
        #expect(rules(f).contains("inv.tlb-stale-leaf"))
        #expect(rules(f).contains("final.tlbi-va"))
    }

    @Test func tlbiBeforeTheClearInTheTrace() {
        let f = findingsOfRemoval { m, obs in
            // the linear PUD block is entry 64 (64G / 1G) of the PUD table at PAGE_OFFSET
            let pudTable = tablePA(.pud, 0xffff_0000_0000_0000, m.scenario.geometry)
            obs.trace = [
                ObservedEvent(kind: .tlbiVA, level: 0, count: 1, a: linearBlock, b: 0),
                ObservedEvent(kind: .clear, level: Level.pud.rawValue, count: 1, a: pudTable + 64 * 8, b: 65 * G | Descriptor.blockKernel),
            ]
        }
        #expect(f.contains { $0.rule == "inv.tlb-order" && $0.va == linearBlock })
    }

    @Test func clearNeverInvalidatedInTheTrace() {
        let f = findingsOfRemoval { m, obs in
            // the PMD table at 0xfffffe0040000000 is freed by clearing entry 1 of the PUD table at
            // 0xfffffe0000000000 (its span is 1G): without a vaae1is afterwards the walk cache may keep it
            let pudTable = tablePA(.pud, 0xffff_fe00_0000_0000, m.scenario.geometry)
            obs.trace = [
                ObservedEvent(kind: .clear, level: Level.pud.rawValue, count: 1, a: pudTable + 8, b: 0x1234_5000 | 3),
                ObservedEvent(kind: .tlbiVA, level: 0, count: 1, a: 0xffff_fe00_4000_0000, b: 0),
            ]
        }
        #expect(f.contains { $0.rule == "inv.tlb-stale-walk" && $0.va == 0xffff_fe00_4000_0000 })
    }

    @Test func liveTableFreedAndNeighbourChanged() {
        let f = findingsOfRemoval { _, obs in
            // the C code also freed boot's PMD table at 0xfffffe0000000000, with boot's memmap in it
            obs.after.tables.removeAll { $0.level == .pmd && $0.vaStart == 0xffff_fe00_0000_0000 }
            obs.after.runs.removeAll { $0.va == 0xffff_fdff_ffe0_0000 }
        }
        #expect(rules(f).contains("inv.live-table-freed"))
        #expect(rules(f).contains("inv.outside-unchanged"))
    }

    @Test func faultsAreFindings() {
        let f = findingsOfRemoval { _, obs in
            obs.faults = [ObservedFault(kind: .doubleFree, location: 0x1234, detail: "free_pages() of a free page")]
            obs.recorder.faults = 1
            obs.effects.faults[FaultKind.doubleFree.rawValue] = 1
        }
        #expect(f.contains { $0.rule == "fault.double-free" && $0.classification == .fault })
        #expect(rules(f).contains("final.faults"))
    }

    @Test func unknownRevisionGetsInvariantsOnly() {
        let m = ModelJudge(scenario: scenario("4K/48", referenceRemoval), revision: "v7-draft")
        #expect(!m.hasContract)
        var obs = perfectObservation(m, step: 0, before: m.bootSnapshot)
        obs.effects.tlbiWalk = 5   // no contract: counts are not judged
        #expect(m.check(step: 0, obs).isEmpty)
    }
}
