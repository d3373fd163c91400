import Foundation
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// Every curated scenario, on every default revision (and subpmd, s390style) and every geometry, conforms to its revision's
/// contract, and every finding it produces belongs to a class of the finding catalogue (Catalogue/findings.json,
/// with where upstream stands).  A new finding fails here until it is catalogued.
@Suite struct CuratedVerdictTests {
    @Test(arguments: CuratedScenarios.all.map(\.name))
    func conformsAndEveryFindingIsCatalogued(_ name: String) throws {
        let sc = try #require(CuratedScenarios.all.first { $0.name == name })
        // the default revisions, and the s390-style vmemmap teardowns (run only when named)
        for rev in Registry.defaultRevisions.map(\.name) + ["subpmd", "s390style"] {
            let r = try Checker.check(sc, revision: rev)
            #expect(r.contractMismatches == 0, "\(name) on \(rev): \(r.findings.filter { $0.classification == .contractMismatch }.map(\.line))")
            #expect(r.unchecked.isEmpty, "\(name) on \(rev): \(r.unchecked)")
            for f in r.findings where f.classification != .contractMismatch {
                #expect(FindingCatalogue.shared.classOf(f, revision: rev, geometry: sc.geometry) != nil,
                        "\(name) on \(rev): \(f.rule) is not catalogued: \(f.line)")
            }
        }
    }
}
