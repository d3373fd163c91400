import Foundation
@testable import HotRemoveCLI
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The finding catalogue (Sources/HotRemoveHarness/Catalogue/findings.json) is the one source of findings/README.md
/// and of every status a report prints; these keep it whole and consistent.
@Suite struct FindingCatalogueTests {
    let cat = FindingCatalogue.shared

    @Test func findingsReadmeIsGeneratedFromTheCatalogue() throws {
        let committed = try String(contentsOfFile: packageRoot + "/findings/README.md", encoding: .utf8)
        #expect(committed == FindingsCommand.markdown(cat),
                "findings/README.md differs from the catalogue: run `hotremove findings --markdown > findings/README.md`")
    }

    @Test func everyClassNamesAKnownRuleRevisionsAndFiles() {
        let rules = Set(cat.rules.map(\.rule))
        let revisions = Set(Registry.revisions.map(\.name))
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/findings")) ?? [])
        #expect(Set(cat.classes.map(\.id)).count == cat.classes.count, "class ids are unique")
        for k in cat.classes {
            #expect(rules.contains(k.rule), "\(k.id): rule \(k.rule) is not among the rules")
            #expect(!k.revisions.isEmpty && k.revisions.allSatisfy(revisions.contains), "\(k.id): \(k.revisions)")
            for f in k.reproducers ?? [] { #expect(files.contains(f), "\(k.id): findings/\(f) does not exist") }
            switch k.status.kind {
            case .fixed:
                #expect(k.status.release?.hasPrefix("v") == true, "\(k.id): a fixed status names the first release")
                #expect(k.status.commit?.count == 12 || k.status.why?.isEmpty == false,
                        "\(k.id): a fixed status names the commit, or says why it cannot")
            case .whatIf: #expect(k.status.of?.isEmpty == false, "\(k.id)")
            case .hypothetical: #expect(k.status.quote?.isEmpty == false, "\(k.id)")
            case .harnessLimit: #expect(k.status.why?.isEmpty == false, "\(k.id)")
            case .open: break
            }
        }
        // every reproducer kept in findings/ is listed by a class
        let listed = Set(cat.classes.flatMap { $0.reproducers ?? [] })
        for f in files where f.hasSuffix(".json") { #expect(listed.contains(f), "findings/\(f) is in no class of the catalogue") }
    }

    @Test func everyOrderingRuleIsStated() {
        let rules = Set(cat.rules.map(\.rule))
        for r in OrderingRule.allCases { #expect(rules.contains(r.rawValue), "\(r.rawValue) has no entry") }
    }

    @Test func aFindingGetsItsClassByRegionGranuleAndMessage() {
        // 4K/48: PAGE_OFFSET 0xffff000000000000, VMEMMAP_START 0xfffffdffffe00000 (v5.7 layout)
        let g4 = Geometry(name: "4K/48")!, g64 = Geometry(name: "64K/48")!
        func f(_ rule: String, va: UInt64? = nil, message: String = "") -> Finding {
            Finding(step: 1, classification: .invariantViolation, rule: rule, va: va, expected: "", found: "", message: message)
        }
        #expect(cat.classOf(f("inv.outside-unchanged", va: 0xffff_0000_c000_0000), revision: "final", geometry: g4)?.id == "linear-cut")
        #expect(cat.classOf(f("inv.outside-unchanged", va: 0xffff_fe00_0000_0000), revision: "final", geometry: g4)?.id == "vmemmap-shared-block")
        #expect(cat.classOf(f("inv.outside-unchanged", va: g64.vmemmapStart), revision: "final", geometry: g64)?.id == "vmemmap-shared-page")
        #expect(cat.classOf(f("fault.BUG", message: "BUG_ON(!pgattr_change_is_safe(pmd_val(old_pmd), ...))"), revision: "pre", geometry: g4)?.id == "pre-readd-bug")
        #expect(cat.classOf(f("fault.BUG", message: "BUG_ON(!ptr)"), revision: "pre", geometry: g4)?.id == "hot-add-bug")
        #expect(cat.statusText(f("inv.tlb-cont-refill"), revision: "final", geometry: g4) == "fixed upstream by 48478b9f7913 (v7.1)")
        #expect(cat.statusText(f("inv.tlb-cont-refill"), revision: "fix2026", geometry: g4) == "not catalogued")
        #expect(cat.statusText(f("inv.tlb-cont-refill"), revision: "mut_final_skip_tlbi", geometry: g4).hasPrefix("a mutant's"))
    }
}
