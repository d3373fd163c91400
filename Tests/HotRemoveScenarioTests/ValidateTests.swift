import Foundation
import HotRemoveScenario
import Testing

/// `validate()` is the one gate: a scenario built in Swift (the generator, the shrinker's candidates) is
/// refused exactly as the file it writes would be, without a JSON round trip.
@Suite struct ValidateTests {
    func viaFile(_ sc: Scenario) -> ScenarioError? {
        do { _ = try Scenario.parse(data: sc.jsonData()); return nil } catch { return error as? ScenarioError }
    }
    func direct(_ sc: Scenario) -> ScenarioError? {
        do { try sc.validate(); return nil } catch { return error as? ScenarioError }
    }

    @Test func builtScenariosAreRefusedAsTheirFilesAre() {
        let g = Geometry(name: "4K/48")!
        let gib: UInt64 = 1 << 30
        func sc(_ steps: [Scenario.Step], _ edit: (inout Scenario) -> Void = { _ in }) -> Scenario {
            var s = Scenario(name: "t", geometry: g, steps: steps)
            edit(&s)
            return s
        }
        // each with the field the file's message names, worked out from the rules in Validate.swift:
        // boot memory is [1G, 5G) (physOffset 1G, 4 GiB), sections are 1 GiB (SECTION_SIZE_BITS 30)
        let cases: [(Scenario, String?)] = [
            (sc([.init(op: .add, start: 8 * gib, size: gib), .init(op: .remove, start: 8 * gib, size: gib)]), nil),
            // nothing added at 8G
            (sc([.init(op: .remove, start: 8 * gib, size: gib)]), "steps[0]"),
            // overlaps boot memory
            (sc([.init(op: .add, start: 4 * gib, size: gib)]), "steps[0]"),
            // RAM in 2 MiB: not whole sections
            (sc([.init(op: .add, start: 8 * gib, size: 2 << 20)]), "steps[0]"),
            // a removal naming device memory of RAM added
            (sc([.init(op: .add, start: 8 * gib, size: gib), .init(op: .remove, start: 8 * gib, size: gib, kind: .device)]),
             "steps[1].kind"),
            // an altmap on a RAM add
            (sc([.init(op: .add, start: 8 * gib, size: gib, altmap: .init(reserve: 0))]), "steps[0].altmap"),
            // a removal cannot fail in __add_pages()
            (sc([.init(op: .add, start: 8 * gib, size: gib), .init(op: .remove, start: 8 * gib, size: gib, failAddPages: true)]),
             "steps[1].fail"),
            // SECTION_SIZE_BITS 31 is beyond 30
            (sc([]) { $0.sectionSizeBits = 31 }, "era.sectionSizeBits"),
            // physOffset 1.5 GiB is not 1 GiB aligned
            (sc([]) { $0.physOffset = 3 << 29; $0.bootStart = 3 << 29 }, "physOffset"),
            // 2 GiB of physical memory cannot hold boot memory ending at 5G
            (sc([]) { $0.physSize = 2 * gib }, "physSize"),
        ]
        for (s, path) in cases {
            let d = direct(s), f = viaFile(s)
            #expect(d?.path == path, "validate(): \(String(describing: d)), expected \(path ?? "valid")")
            #expect(d == f, "the file says \(String(describing: f))")
        }
    }
}
