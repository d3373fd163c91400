// StepEffects is compared exhaustively: every field has a rule and a meaning,
// and a change in any single field is reported as a difference in that field.
// A field added to the type without a rule fails here.
import Foundation
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport
import Testing

@Suite struct EffectsTests {
    /// The stored fields, as the encoder sees them.
    func encodedFields(_ e: StepEffects) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(e)) as! [String: Any]
    }

    @Test func everyFieldHasARuleAndAMeaning() throws {
        let keys = Set(try encodedFields(StepEffects()).keys)
        let mirrored = Set(Mirror(reflecting: StepEffects()).children.compactMap(\.label))
        #expect(keys == mirrored)
        // the comparison walks StepEffects.fields: it must name every stored field, in order
        #expect(StepEffects.fields.map(\.name) == Mirror(reflecting: StepEffects()).children.compactMap(\.label))
        #expect(keys == Set(StepEffects.fieldRules.keys), "fields without a rule: \(keys.subtracting(StepEffects.fieldRules.keys))")
    }

    @Test func aChangeInAnyFieldIsADifferenceInThatField() throws {
        let base = try encodedFields(StepEffects())
        for key in base.keys.sorted() {
            var changed = base
            switch base[key] {
            case let s as String: changed[key] = s + " (changed)"
            case let n as NSNumber: changed[key] = n.uint64Value + 1
            case let a as [NSNumber]: changed[key] = [a[0].uint64Value + 1] + a.dropFirst().map(\.uint64Value)
            case is [String: Any]: changed[key] = ["some condition": 1]
            default: Issue.record("\(key): a field of a kind this test cannot change")
            }
            let data = try JSONSerialization.data(withJSONObject: changed)
            let other = try JSONDecoder().decode(StepEffects.self, from: data)
            let diff = StepEffects.differences(expected: StepEffects(), found: other)
            #expect(diff.map(\.field) == [key], "changing \(key) gave \(diff)")
        }
    }

    @Test func equalEffectsHaveNoDifferences() {
        var e = StepEffects()
        e.clears = [0, 0, 8, 512]
        e.warns = ["PageReserved(page)": 2]
        #expect(StepEffects.differences(expected: e, found: e).isEmpty)
    }

    /// A step on 4K/48 whose trace holds `events`, with one PMD table page at pa 0x40_0000_0000 for
    /// [0xffff000040000000, +1G) and one PMD block of the vmemmap at 0xfffffe0000000000 -> pa 0x41_0000_0000.
    func observation(_ events: [ObservedEvent], faults: [ObservedFault] = []) -> StepObservation {
        let before = ObservedState(runs: [ObservedRun(va: 0xffff_fe00_0000_0000, count: 1, entrySize: 2 << 20, pa: 0x41_0000_0000,
                                                      attrs: Descriptor.sectNormal, level: .pmd, kind: .block)],
                                   tables: [ObservedTable(level: .pmd, pa: 0x40_0000_0000, vaStart: 0xffff_0000_4000_0000,
                                                          vaSpan: 1 << 30, live: 1)])
        return StepObservation(index: 0, result: .ok, effects: StepEffects(), warns: [], faults: faults, trace: events,
                               before: before, after: before)
    }

    /// The effects the recorders' lists of `o` add to no counted effects.
    func recorded(_ o: StepObservation) -> StepEffects {
        var e = StepEffects()
        e.record(warns: o.warns, faults: o.faults, trace: o.trace, before: o.before, geometry: Geometry(name: "4K/48")!)
        return e
    }

    @Test func tlbiAddressesAreReadFromTheTrace() {
        // 4K pages: vaale1is at 0xffff000040000000 for 3 pages reaches [.., +0x3000); a vaae1is at
        // 0xffff000040200000 is one 4K operand; a vmalle1is has no address
        let o = observation([ObservedEvent(kind: .tlbiVA, level: 0, count: 3, a: 0xffff_0000_4000_0000, b: 0),
                             ObservedEvent(kind: .tlbiAll, level: 0, count: 1, a: 0, b: 0),
                             ObservedEvent(kind: .tlbiWalk, level: 0, count: 1, a: 0xffff_0000_4020_0000, b: 0)])
        let e = recorded(o)
        #expect(e.tlbiVAAddresses.rendered == "[0xffff000040000000, 0xffff000040003000)")
        #expect(e.tlbiWalkAddresses.rendered == "[0xffff000040200000, 0xffff000040201000)")
        // one page further is a different set, so a difference in that field alone
        let moved = recorded(observation([ObservedEvent(kind: .tlbiVA, level: 0, count: 3, a: 0xffff_0000_4000_1000, b: 0),
                                          ObservedEvent(kind: .tlbiAll, level: 0, count: 1, a: 0, b: 0),
                                          ObservedEvent(kind: .tlbiWalk, level: 0, count: 1, a: 0xffff_0000_4020_0000, b: 0)]))
        #expect(StepEffects.differences(expected: e, found: moved).map(\.field) == ["tlbiVAAddresses"])
        // without a trace the addresses are marked, not left empty
        var untraced = o
        untraced.trace = nil
        #expect(recorded(untraced).tlbiVAAddresses.rendered == "not traced")
    }

    @Test func faultsAreNamedByWhatTheyHit() {
        // pfn 0x4000000 (4K pages) is pa 0x40_0000_0000, the PMD table page; pfn 0x4100001 is inside the
        // vmemmap block's backing, 0x1000 into the leaf at 0xfffffe0000000000; a BUG by its condition
        let o = observation([], faults: [ObservedFault(kind: .freeReserved, location: 0x400_0000, detail: ""),
                                         ObservedFault(kind: .freeReserved, location: 0x410_0001, detail: ""),
                                         ObservedFault(kind: .bug, location: 294, detail: "BUG_ON(!ptr)")])
        let sites = recorded(o).faultSites
        #expect(sites == ["free-reserved: the PMD table for 0xffff000040000000": 1,
                          "free-reserved: the backing of the leaf at 0xfffffe0000000000": 1,
                          "BUG: BUG_ON(!ptr)": 1])
    }

    @Test func warnsAreComparedWithTheirKernelFile() {
        // the same condition from the revision's mmu.c and from the shim are different WARNs
        var o = observation([])
        o.warns = [ObservedWarn(file: "CShim/mmu/hotremove_final.c", line: 812, condition: "PageReserved(page)", count: 2)]
        #expect(recorded(o).warns == ["arch/arm64/mm/mmu.c: PageReserved(page)": 2])
        o.warns = [ObservedWarn(file: "CShim/kernel/page_alloc.c", line: 90, condition: "PageReserved(page)", count: 2)]
        #expect(recorded(o).warns == ["shim page_alloc.c: PageReserved(page)": 2])
    }
}
