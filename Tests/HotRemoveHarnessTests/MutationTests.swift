import Foundation
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveMutants
import HotRemoveScenario
import Testing

/// Mutation test of the oracle.  Each mutant (CShim/mutants/<base>/<name>.patch, or a mutant of the generic
/// hotplug layer, CShim/mutants/generic/<name>.patch run with its Base: revision; built into the
/// test-only target CShimMutants) must be killed by the finding its manifest names: on one of its kill
/// scenarios the checker reports, on the mutant, a finding with that rule (prefix) that the base
/// revision does not produce on the same scenario.  The base revisions are free of contract mismatches
/// on every kill scenario they are used with.
@Suite struct MutationTests {
    init() { Mutants.register() }

    /// Kill scenarios, by name, each on a geometry the mutants are compiled for (4K/48, 16K/47, 64K/42).
    /// Layout facts used below (v5.7, hand-derived): PHYS_OFFSET 1G; on 4K/48 a PGD entry maps 512G and a
    /// PUD entry 1G, vmemmap uses 2M PMD blocks (64-byte struct page: 1G of memory -> 16M of memmap);
    /// on 16K/47 and 64K/42 vmemmap uses base pages.
    static let scenarios: [String: Scenario] = {
        let g48 = Geometry(name: "4K/48")!, g47 = Geometry(name: "16K/47")!, g42 = Geometry(name: "64K/42")!
        let list = [
            // PTE tables for the linear map (rodata_full): PTE unmap, PTE/PMD table frees
            Scenario(name: "pte-linear", geometry: g48, rodataFull: true,
                     steps: [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G)]),
            // 2 MiB PMD blocks in the linear map (v5.12 sections)
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
            // a far section: its vmemmap PMD table is freed (PUD entry cleared, walk-cache TLBI), its
            // memmap is 8 PMD blocks, and its linear map one PUD block
            Scenario(name: "vmemmap-far", geometry: g48,
                     steps: [.init(op: .add, start: 80 * G, size: G), .init(op: .remove, start: 80 * G, size: G)]),
            // a section alone in its 512G PGD entry of the linear map (offset 512G from PHYS_OFFSET): its
            // PUD table is freed (PGD/P4D entry cleared, walk-cache TLBI); 4 levels
            Scenario(name: "pud-table-far", geometry: g48,
                     steps: [.init(op: .add, start: 513 * G, size: G), .init(op: .remove, start: 513 * G, size: G)]),
            // device memory whose memmap comes from the range itself (vmem_altmap): base pages on 16K,
            // 2M PMD blocks on 4K; returned with vmem_altmap_free()
            Scenario(name: "altmap-16k", geometry: g47,
                     steps: [.init(op: .add, start: 16 * G, size: G, kind: .device, altmap: .init(reserve: 0)),
                             .init(op: .remove, start: 16 * G, size: G)]),
            Scenario(name: "altmap-4k", geometry: g48,
                     steps: [.init(op: .add, start: 80 * G, size: G, kind: .device, altmap: .init(reserve: 0)),
                             .init(op: .remove, start: 80 * G, size: G)]),
            // two device sub-sections sharing a linear-map PTE table; one removed
            Scenario(name: "shared-pte-table", geometry: g47,
                     steps: [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
                             .init(op: .add, start: 8 * G + 2 * M, size: 2 * M, kind: .device),
                             .init(op: .remove, start: 8 * G, size: 2 * M)]),
            // one 2 MiB device sub-section on 16K: its linear map is one contiguous range of 128 PTEs
            Scenario(name: "cont-pte-16k", geometry: g47,
                     steps: [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
                             .init(op: .remove, start: 8 * G, size: 2 * M)]),
        ]
        return Dictionary(uniqueKeysWithValues: (list + genericKillScenarios).map { ($0.name, $0) })
    }()

    static let killable = Mutants.all.filter(\.killable)
    static let killableNames = killable.map(\.name)

    static func signature(_ f: Finding) -> String { "\(f.step) \(f.classification.rawValue) \(f.rule)" }

    /// Results computed once and shared by the tests, which run in parallel.
    final class Cache<Value>: @unchecked Sendable {
        private var values: [String: Value] = [:]
        private let lock = NSLock()
        func value(_ key: String, _ make: () throws -> Value) rethrows -> Value {
            lock.lock()
            if let v = values[key] { lock.unlock(); return v }
            lock.unlock()
            let v = try make()
            lock.lock(); values[key] = v; lock.unlock()
            return v
        }
    }
    static let baseRuns = Cache<(run: ScenarioRun, result: CheckResult)>()
    static let mutantRuns = Cache<MutantRun>()

    struct Kill { let scenario: String; let finding: Finding }
    struct MutantRun {
        /// the findings the mutant adds over its base on its kill scenarios
        let kills: [Kill]
        /// kill scenarios on which the mutant's observations (trace, counters, tables) differ from the base's
        let reached: [String]
    }

    /// The base revision's run and result on a kill scenario.
    static func base(_ m: Mutant, _ s: String) throws -> (run: ScenarioRun, result: CheckResult) {
        let sc = try #require(scenarios[s], "\(m.name): no kill scenario \(s)")
        return try baseRuns.value("\(m.base) \(s)") {
            let run = try ScenarioRunner.run(sc, revision: m.base)
            return (run, Checker.check(run))
        }
    }

    static func run(_ m: Mutant) throws -> MutantRun {
        try mutantRuns.value(m.name) {
            var extra: [Kill] = [], reached: [String] = []
            for s in m.killScenarios {
                let b = try base(m, s)
                let seen = Set(b.result.findings.map(signature))
                let run = try ScenarioRunner.run(scenarios[s]!, revision: m.name)
                if run.steps != b.run.steps { reached.append(s) }
                extra += Checker.check(run).findings.filter { !seen.contains(signature($0)) }.map { Kill(scenario: s, finding: $0) }
            }
            return MutantRun(kills: extra, reached: reached)
        }
    }

    static func kills(_ m: Mutant) throws -> [Kill] { try run(m).kills }

    static func killedByNamedRule(_ m: Mutant) -> Bool {
        ((try? kills(m)) ?? []).contains { $0.finding.rule.hasPrefix(m.rule) }
    }

    @Test(arguments: MutationTests.killableNames)
    func mutantIsKilledByItsRule(_ name: String) throws {
        let m = try #require(Mutants.named(name))
        let extra = try MutationTests.kills(m)
        #expect(!extra.isEmpty, "\(name) survived on \(m.killScenarios): the checker saw nothing \(m.base) does not also show")
        #expect(extra.contains { $0.finding.rule.hasPrefix(m.rule) },
                "\(name) is not killed by \(m.rule); new findings: \(extra.map { "\($0.scenario): \($0.finding.rule)" })")
    }

    /// Independent of the checker: each kill scenario reaches the changed code, i.e. the mutant's
    /// observations (trace, counters, page tables) differ from its base's on it.
    @Test(arguments: MutationTests.killableNames)
    func killScenarioReachesTheChange(_ name: String) throws {
        let m = try #require(Mutants.named(name))
        let r = try MutationTests.run(m)
        #expect(Set(r.reached) == Set(m.killScenarios), "\(name) behaves as \(m.base) on \(Set(m.killScenarios).subtracting(r.reached).sorted())")
    }

    @Test func baseRevisionsConformOnTheKillScenarios() throws {
        for m in MutationTests.killable {
            for s in m.killScenarios {
                let r = try MutationTests.base(m, s).result
                #expect(r.contractMismatches == 0, "\(m.base) on \(s): \(r.findings.map(\.line))")
            }
        }
    }

    @Test func manifestIsComplete() {
        let names = Mutants.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(MutationTests.killable.count >= 25)
        for base in ["v6", "final", "altmap"] {
            #expect(MutationTests.killable.contains { $0.base == base }, "no mutant of \(base)")
        }
        let compiled = Set(Registry.compiledInstances.map { "\($0.revision) \($0.geometry)" })
        for m in Mutants.all {
            #expect(Registry.revision(named: m.name)?.contract == m.base)
            for g in Registry.mutantGeometries {
                #expect(compiled.contains("\(m.name) \(g)"), "\(m.name) is not compiled for \(g)")
            }
            if m.killable {
                #expect(!m.killScenarios.isEmpty, "\(m.name) names no kill scenario")
                for s in m.killScenarios {
                    #expect(MutationTests.scenarios[s] != nil, "\(m.name): no kill scenario \(s)")
                }
                #expect(m.rule.contains("."), "\(m.name): \(m.rule) is not a finding rule")
            }
        }
    }

    @Test func mutationScore() {
        let killed = MutationTests.killable.filter(MutationTests.killedByNamedRule)
        let total = MutationTests.killable.count
        print("Mutation score: \(killed.count)/\(total) killed by the rule their manifest names")
        for m in MutationTests.killable {
            let how = ((try? MutationTests.kills(m)) ?? []).first { $0.finding.rule.hasPrefix(m.rule) }
            print("  \(MutationTests.killedByNamedRule(m) ? "killed  " : "SURVIVED") \(m.name) [\(m.bugClass)] \(m.rule)"
                  + (how.map { " on \($0.scenario)" } ?? ""))
        }
        #expect(killed.count == total, "mutation score \(killed.count)/\(total)")
    }

    /// The shipped tool carries no mutant: neither the C instances nor the names are in the binary, and
    /// it refuses a mutant's name.  (`hotremove-mutants`, the test-only twin, has them all.)
    @Test func shippedToolHasNoMutant() throws {
        let shipped = try #require(Tools.shipped), twin = try #require(Tools.withMutants)
        let tool = try Data(contentsOf: URL(fileURLWithPath: shipped))
        let withMutants = try Data(contentsOf: URL(fileURLWithPath: twin))
        for m in Mutants.all {
            let name = Data((m.name + "\0").utf8)   // the instance's revision string
            #expect(tool.range(of: name) == nil, "\(m.name) is in \(shipped)")
            #expect(withMutants.range(of: name) != nil, "\(m.name) is not in \(twin)")
        }
        // both tools run the same scenario; only the twin knows the mutant
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-mutant-\(getpid()).json")
        try Data(#"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"2M","kind":"device"}]}"#.utf8)
            .write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        func run(_ exe: String) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["check", file.path, "--revision", "mut_final_skip_tlbi"]
            let pipe = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = pipe
            try p.run()
            let err = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, err)
        }
        let (shippedStatus, shippedError) = try run(shipped)
        #expect(shippedStatus != 0 && shippedError.contains("unknown revision \"mut_final_skip_tlbi\""), "\(shippedError)")
        let (twinStatus, twinError) = try run(twin)
        #expect(twinStatus == 0, "\(twinError)")
        // in this process, the mutants are CShim's registered extras, after the shipped instances, once
        // however often they are registered
        Mutants.register()
        #expect(Registry.compiledInstances.filter { $0 == ("mut_final_skip_tlbi", "4K/48") }.count == 1)
        #expect(Registry.mutants.count == Mutants.all.count)
        let compiled = Registry.compiledInstances.map(\.revision)
        let firstMutant = try #require(compiled.firstIndex { $0.hasPrefix("mut_") })
        #expect(compiled[..<firstMutant].allSatisfy { Registry.revisions.map(\.name).contains($0) })
        #expect(compiled[firstMutant...].allSatisfy { Mutants.named($0) != nil })
    }
}
