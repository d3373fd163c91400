import Foundation
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// Every reproducer kept in findings/ is named `<revision>-<rule>[--note].json`: on that revision it
/// conforms to the contract (no contract mismatch) and the checker reports the finding it is kept for.
@Suite struct ReproducerTests {
    static let files: [String] = {
        let dir = packageRoot + "/findings"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let revisions = Set(Registry.revisions.map(\.name))
        return names.filter { name in
            guard name.hasSuffix(".json"), let dash = name.firstIndex(of: "-") else { return false }
            return revisions.contains(String(name[..<dash]))
        }.sorted()
    }()

    @Test func thereAreReproducers() {
        #expect(ReproducerTests.files.count >= 10)
    }

    @Test(arguments: ReproducerTests.files)
    func conformsAndShowsItsFinding(_ file: String) throws {
        let stem = String(file.dropLast(".json".count))
        let dash = stem.firstIndex(of: "-")!
        let revision = String(stem[..<dash])
        let rule = String(stem[stem.index(after: dash)...]).components(separatedBy: "--")[0]
        let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/findings/" + file))
        let sc = try Scenario.parse(data: data)
        let r = try Checker.check(sc, revision: revision)
        #expect(r.contractMismatches == 0, "\(file): \(r.findings.filter { $0.classification == .contractMismatch }.map(\.line))")
        #expect(r.findings.contains { $0.rule == rule }, "\(file): no \(rule) among \(Set(r.findings.map(\.rule)).sorted())")
        // the finding it is kept for has the status the catalogue gives it, and the catalogue lists the file
        let g = Geometry(name: r.geometry)
        let classes = r.findings.filter { $0.rule == rule }.compactMap { FindingCatalogue.shared.classOf($0, revision: revision, geometry: g) }
        #expect(!classes.isEmpty, "\(file): \(rule) on \(revision) is not catalogued")
        #expect(classes.contains { ($0.reproducers ?? []).contains(file) }, "\(file): no class of \(rule) lists it")
    }
}
