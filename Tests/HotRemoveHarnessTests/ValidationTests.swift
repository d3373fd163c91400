import Foundation
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// Scenario validation is the one gate both the model and the driver stand behind: what passes
/// it runs without a false contract mismatch; what does not is refused naming the field.
@Suite struct ValidationTests {
    func parse(_ text: String) throws -> Scenario { try Scenario.parse(data: Data(text.utf8)) }

    func refusal(_ text: String) -> ScenarioError? {
        do { _ = try parse(text); return nil } catch let e as ScenarioError { return e } catch { return nil }
    }

    /// struct vmem_altmap.free is the number of pfns the memmap may take (v5.7 vmem_altmap_nr_free() =
    /// free - alloc - align): free 0 leaves no room, vmem_altmap_alloc() fails, vmemmap_populate()
    /// returns -ENOMEM and the add is rolled back.  The driver used to pass 0 for "omitted" and the C
    /// shim read 0 as "the whole range"; now the driver passes the value as given.
    @Test func altmapWithNoRoomIsENOMEMOnEveryRevision() throws {
        let sc = try parse(#"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"2M","kind":"device","altmap":{"reserve":0,"free":0}}]}"#)
        #expect(sc.steps[0].altmap == Scenario.Altmap(reserve: 0, free: 0))
        for rev in ["v6", "final", "altmap"] {
            let run = try ScenarioRunner.run(sc, revision: rev)
            let r = Checker.check(run)
            #expect(r.contractMismatches == 0, "\(rev): \(r.findings.map(\.line))")
            if rev == "altmap" {
                // only the altmap revision takes the memmap from the altmap (the others ignore it)
                #expect(run.steps[0].result == .error(-12), "\(rev): \(run.steps[0].result)")
            }
        }
        // omitted free: the whole range after reserve.  1 GiB: 262144 - 16 pages free; its memmap is
        // 262144 x 64 B = 16 MiB, eight 2 MiB PMD blocks (4096 pfns): room.  (2 MiB would not do: its
        // 32 KiB memmap still takes a whole 512-pfn PMD block, more than 512 - 16.)
        let roomy = try parse(#"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","kind":"device","altmap":{"reserve":16}}]}"#)
        let run = try ScenarioRunner.run(roomy, revision: "altmap")
        #expect(Checker.check(run).contractMismatches == 0)
        #expect(run.steps[0].result == .ok)
    }

    /// Boot memory is RAM: an offline or removal of it that says "device" is refused at validation
    /// (the model would trust the kind, the driver the memory map).
    @Test func bootMemoryIsNeverDeviceMemory() {
        for op in ["offline", "remove"] {
            let e = refusal(#"{"version":1,"geometry":"4K/48","steps":[{"op":""# + op + #"","start":"2G","size":"1G","kind":"device"}]}"#)
            #expect(e?.path == "steps[0].kind", "\(op): \(String(describing: e))")
            #expect(e?.reason.contains("boot memory, which is RAM") == true)
        }
    }

    /// The model does not simulate running out of memory, so validation guarantees boot memory holds
    /// the memmap and tables: 256 GiB of 4K pages need 2^26 x 64 B = 4 GiB of memmap, more than half of
    /// the 4 GiB of boot memory.  With 64 GiB of boot memory the same add runs and conforms.
    @Test func addsBeyondBootMemoryAreRefusedUpFront() throws {
        let e = refusal(#"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"256G"}]}"#)
        #expect(e?.path == "steps[0]")
        #expect(e?.reason.contains("more than half of the 4G they are allocated from") == true, "\(String(describing: e))")
        let sc = try parse(#"{"version":1,"geometry":"4K/48","bootMemory":{"start":"1G","size":"64G"},"steps":[{"op":"add","start":"128G","size":"256G"},{"op":"remove","start":"128G","size":"256G"}]}"#)
        let r = try Checker.check(sc, revision: "final", rejectInvalid: true)
        #expect(r.contractMismatches == 0, "\(r.findings.map(\.line))")
    }

    /// Everything the project ships or generates passes validation (the gate is not stricter than
    /// the scenarios the model and driver were built for), and its reproducer file reads back.
    @Test func curatedAndGeneratedScenariosAreValid() throws {
        var scenarios = CuratedScenarios.all
        for i in 0..<2000 { scenarios.append(ScenarioGenerator.generate(seed: 7, index: i)) }
        for sc in scenarios {
            do {
                let back = try Scenario.parse(data: sc.jsonData())
                #expect(back.steps.count == sc.steps.count)
                #expect(back.physSize == sc.physSize)
            } catch {
                Issue.record("\(sc.name): \(error)")
            }
        }
    }
}
