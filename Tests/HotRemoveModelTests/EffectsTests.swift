// StepEffects is compared exhaustively: every field has a rule and a meaning,
// and a change in any single field is reported as a difference in that field.
// A field added to the type without a rule fails here.
import Foundation
import Testing
@testable import HotRemoveModel

@Suite struct EffectsTests {
    /// The stored fields, as the encoder sees them.
    func encodedFields(_ e: StepEffects) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(e)) as! [String: Any]
    }

    @Test func everyFieldHasARuleAndAMeaning() throws {
        let keys = Set(try encodedFields(StepEffects()).keys)
        let mirrored = Set(Mirror(reflecting: StepEffects()).children.compactMap(\.label))
        #expect(keys == mirrored)
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
}
