// An oops in arch_add_memory() kills the task holding the hotplug locks: add_memory() took
// lock_device_hotplug() and add_memory_resource() mem_hotplug_begin(); memremap_pages() (device memory)
// takes mem_hotplug_begin() only.  Every later hotplug operation waits on the first of its locks the dead
// task holds.  Expected results below follow from that order (mm/memory_hotplug.c, mm/memremap.c).
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

@Suite struct WedgedMachineTests {
    // 4K/48, boot [1G, 5G) (PUD table of PGD entry 0 in place), rodata=full: the linear map of [8G, 9G) needs
    // a PMD table first (its PUD entry is none), so the first allocation of the add is that table and
    // __pgd_pgtable_alloc()'s BUG_ON(!ptr) fires.
    let oopsingAdd = Scenario.Step(op: .add, start: 8 * G, size: G, failAllocation: 1)

    @Test func stepsAfterAnOopsAreNotRunAndSayWhichLockBlocksThem() throws {
        let steps = [
            oopsingAdd,
            Scenario.Step(op: .add, start: 16 * G, size: G),                         // add_memory(): device_hotplug_lock
            Scenario.Step(op: .add, start: 32 * G, size: 2 * M, kind: .device),      // memremap_pages(): mem_hotplug_lock
            Scenario.Step(op: .remove, start: G, size: G),                           // remove_memory(): device_hotplug_lock
        ]
        let run = try run("final", "4K/48", rodata: true, steps)
        #expect(run.steps.count == 4)
        guard case .oops = run.steps[0].result else { Issue.record("step 0: \(run.steps[0].result)"); return }
        #expect(run.steps[1].result == .blocked("device_hotplug_lock"))
        #expect(run.steps[2].result == .blocked("mem_hotplug_lock"))
        #expect(run.steps[3].result == .blocked("device_hotplug_lock"))
        // nothing ran: the tables stay as the oops left them, no entry written, no page freed
        for o in run.steps[1...] {
            #expect(o.after == run.steps[0].after)
            #expect(o.effects.sets == [0, 0, 0, 0])
            #expect(o.effects.clears == [0, 0, 0, 0])
        }
        let r = Checker.check(run)
        #expect(r.contractMismatches == 0)
        #expect(r.stepsChecked == 1)
        #expect(r.stepsBlocked == 3)
        // the oops is the one finding; the blocked steps are neither findings nor mismatches
        #expect(r.findings.allSatisfy { $0.step == 0 })
        #expect(r.findings.contains { $0.rule == "fault.BUG" })
    }

    @Test func aRequestThatDependsOnWhatIsPresentIsBlockedToo() throws {
        // the add of [16G, +1G) never ran, so removing it is not bad input: remove_memory() would sleep on
        // device_hotplug_lock before it looked at anything; an add over the oopsed one's range the same
        let steps = [
            oopsingAdd,
            Scenario.Step(op: .add, start: 16 * G, size: G),
            Scenario.Step(op: .remove, start: 16 * G, size: G),
            Scenario.Step(op: .add, start: 8 * G, size: G),
        ]
        let run = try run("final", "4K/48", rodata: true, steps)   // rejectInvalid: an invalid step would throw
        #expect(run.steps[1...].map(\.result) == Array(repeating: .blocked("device_hotplug_lock"), count: 3))
        #expect(Checker.check(run).contractMismatches == 0)
    }

    @Test func aDeviceAddThatOopsedHoldsOnlyMemHotplugLock() throws {
        // memremap_pages() of [32G, +2M): its linear map's first allocation is the PMD table, which fails; a RAM
        // add takes device_hotplug_lock (free) and then waits on mem_hotplug_lock
        let steps = [
            Scenario.Step(op: .add, start: 32 * G, size: 2 * M, kind: .device, failAllocation: 1),
            Scenario.Step(op: .add, start: 16 * G, size: G),
        ]
        let run = try run("final", "4K/48", rodata: true, steps)
        guard case .oops = run.steps[0].result else { Issue.record("step 0: \(run.steps[0].result)"); return }
        #expect(run.steps[1].result == .blocked("mem_hotplug_lock"))
        #expect(Checker.check(run).contractMismatches == 0)
    }

    @Test func theModelStatesTheSame() {
        let sc = Scenario(name: "wedged", geometry: geometry("4K/48"), rodataFull: true,
                          steps: [oopsingAdd, Scenario.Step(op: .add, start: 16 * G, size: G),
                                  Scenario.Step(op: .add, start: 32 * G, size: 2 * M, kind: .device)])
        let m = ModelJudge(scenario: sc, revision: "final")
        #expect(m.prediction(step: 0).outcome == .oops)
        let run = try? ScenarioRunner.run(sc, revision: "final")
        guard let run else { Issue.record("the scenario did not run"); return }
        _ = m.check(step: 0, run.steps[0])
        #expect(m.prediction(step: 1).outcome == .blocked(.deviceHotplug))
        _ = m.check(step: 1, run.steps[1])
        #expect(m.prediction(step: 2).outcome == .blocked(.memHotplug))
    }
}
