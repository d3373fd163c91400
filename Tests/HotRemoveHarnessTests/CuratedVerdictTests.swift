import Foundation
import Testing
import HotRemoveHarness
import HotRemoveModel

/// Every curated scenario, on every default revision (and subpmd, s390style) and every geometry, conforms to its revision's
/// contract, and every finding it produces is one that findings/README.md explains (its "Index" block
/// lists the explained (revision, rule) pairs).  A new finding fails here until it is explained.
@Suite struct CuratedVerdictTests {
    static let explained: Set<String> = {
        let path = packageRoot + "/findings/README.md"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let start = text.range(of: "## Index") else { return [] }
        var out = Set<String>()
        var inBlock = false
        for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { if inBlock { break }; inBlock = true; continue }
            guard inBlock else { continue }
            let words = line.split(separator: " ")
            if words.count >= 2 { out.insert("\(words[0]) \(words[1])") }
        }
        return out
    }()

    @Test func theIndexIsReadable() {
        #expect(CuratedVerdictTests.explained.count >= 4, "findings/README.md has no Index block")
    }

    @Test(arguments: CuratedScenarios.all.map(\.name))
    func conformsAndEveryFindingIsExplained(_ name: String) throws {
        let sc = try #require(CuratedScenarios.all.first { $0.name == name })
        // the default revisions, and issue 15's s390-style vmemmap teardowns (run only when named)
        for rev in Registry.defaultRevisions.map(\.name) + ["subpmd", "s390style"] {
            let r = try Checker.check(sc, revision: rev)
            #expect(r.contractMismatches == 0, "\(name) on \(rev): \(r.findings.filter { $0.classification == .contractMismatch }.map(\.line))")
            #expect(r.unchecked.isEmpty, "\(name) on \(rev): \(r.unchecked)")
            for f in r.findings where f.classification != .contractMismatch {
                #expect(CuratedVerdictTests.explained.contains("\(rev) \(f.rule)"),
                        "\(name) on \(rev): \(f.rule) is not explained in findings/README.md: \(f.line)")
            }
        }
    }
}
