import Testing
import HotRemoveHarness
import HotRemoveModel

/// Mutation test of the oracle: each deliberately broken variant of final (CShim/mutants) must be caught
/// by the checker — some finding on the mutant that final itself does not produce on the same scenario.
@Suite struct MutationTests {
    /// Kill scenarios, each on a geometry the mutants are compiled for (4K/48, 16K/47, 64K/42).
    static let scenarios: [Scenario] = {
        let g48 = Geometry(name: "4K/48")!, g47 = Geometry(name: "16K/47")!, g42 = Geometry(name: "64K/42")!
        return [
            // PTE tables for the linear map (rodata_full): PTE unmap, PTE/PMD table frees
            Scenario(name: "pte-linear", geometry: g48, rodataFull: true,
                     steps: [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G)]),
            // 2 MiB PMD blocks (v5.12 sections)
            Scenario(name: "pmd-blocks", geometry: g48, sectionSizeBits: 27,
                     steps: [.init(op: .add, start: 8 * G + 128 * M, size: G), .init(op: .remove, start: 8 * G + 128 * M, size: G)]),
            // vmemmap base pages with a PTE table of their own
            Scenario(name: "vmemmap-16k", geometry: g47,
                     steps: [.init(op: .add, start: 16 * G, size: G), .init(op: .remove, start: 16 * G, size: G)]),
            Scenario(name: "vmemmap-64k", geometry: g42,
                     steps: [.init(op: .add, start: 600 * G, size: G), .init(op: .remove, start: 600 * G, size: G)]),
            // memory below boot memory: its memmap starts at VMEMMAP_START, in a PMD table reaching below the floor
            Scenario(name: "vmemmap-floor", geometry: g48, bootStart: 2 * G,
                     steps: [.init(op: .add, start: G, size: G), .init(op: .remove, start: G, size: G)]),
            // a far section: its vmemmap PMD table is freed (PUD entry cleared, walk-cache TLBI)
            Scenario(name: "vmemmap-far", geometry: g48,
                     steps: [.init(op: .add, start: 80 * G, size: G), .init(op: .remove, start: 80 * G, size: G)]),
            // two device sub-sections sharing a linear-map PTE table; one removed
            Scenario(name: "shared-pte-table", geometry: g47,
                     steps: [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
                             .init(op: .add, start: 8 * G + 2 * M, size: 2 * M, kind: .device),
                             .init(op: .remove, start: 8 * G, size: 2 * M)]),
        ]
    }()

    static let killable = Registry.mutants.map(\.name).filter { !["mut_crash", "mut_abort", "mut_hang"].contains($0) }

    static func signature(_ f: Finding) -> String { "\(f.step) \(f.classification.rawValue) \(f.rule)" }

    /// The findings a mutant adds over final, on every kill scenario.
    static func kills(_ mutant: String) throws -> [String] {
        var extra: [String] = []
        for sc in scenarios {
            let base = Set(try Checker.check(sc, revision: "final").findings.map(signature))
            let mut = try Checker.check(sc, revision: mutant)
            extra += mut.findings.filter { !base.contains(signature($0)) }.map { "\(sc.name): \($0.line)" }
        }
        return extra
    }

    /// Computed once for all tests (a static let is initialised once, thread-safely).
    static let killReport: [String: [String]] = {
        var r: [String: [String]] = [:]
        for m in killable { r[m] = (try? kills(m)) ?? [] }
        return r
    }()

    @Test(arguments: MutationTests.killable)
    func mutantIsKilled(_ mutant: String) throws {
        let extra = MutationTests.killReport[mutant] ?? []
        #expect(!extra.isEmpty, "\(mutant) survived: the checker saw nothing final does not also show")
    }

    @Test func finalIsCleanOnTheKillScenarios() throws {
        for sc in MutationTests.scenarios {
            let r = try Checker.check(sc, revision: "final")
            #expect(r.contractMismatches == 0, "\(sc.name): \(r.findings.map(\.line))")
        }
    }

    @Test func mutationScore() throws {
        let killed = MutationTests.killable.filter { !(MutationTests.killReport[$0] ?? []).isEmpty }.count
        let score = Double(killed) / Double(MutationTests.killable.count)
        #expect(score >= 0.95, "mutation score \(killed)/\(MutationTests.killable.count)")
    }
}
