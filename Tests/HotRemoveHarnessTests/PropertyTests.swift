import Foundation
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// Seeded mutations of valid scenarios (a field dropped, retyped, set to a boundary value, a step
/// duplicated, dropped or reordered, an unknown field added) run through `hotremove check` in-process:
/// never a crash, always exit 0, 1 or 3, and a 3 names the field.
@Suite struct PropertyTests {
    nonisolated(unsafe) static let sizes: [Any] = ["0", "4K", "64K", "2M", "4M", "1G", "2G", "3G", "8G", "16T", "0x40000000", "0x200000",
                               "0xffffffffffffffff", "0x1000000000000", "PAGE_OFFSET", "VMALLOC_END-2M", "VMALLOC_START",
                               0, 1, 4096, 2_097_152, -1, Int.max, NSNumber(value: UInt64.max), 1.5]
    nonisolated(unsafe) static let ints: [Any] = [0, 1, -1, 21, 22, 25, 27, 28, 29, 30, 31, 32, 56, 64, 128, 129, Int.max, Int.min, 1_000_000_001]
    nonisolated(unsafe) static let others: [Any] = [NSNull(), true, false, "", "x", "add", "remove", "offline", "device", "ram", "add_pages",
                                "4K/48", "64K/52", "\u{7}", [Any](), [String: Any](), 1.5]

    /// The top-level field names a message may start with.
    static let fields = ["version", "name", "description", "geometry", "era", "physOffset", "physSize", "bootMemory",
                         "config", "neighbours", "steps", "bogus"]

    struct Mutator {
        var rng: SplitMix64
        mutating func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        mutating func chance(_ n: UInt64) -> Bool { rng.next() % n == 0 }

        mutating func value(forKey key: String) -> Any {
            switch rng.next() % 4 {
            case 0: return pick(PropertyTests.others)
            case 1: return pick(PropertyTests.ints)
            default:
                return ["start", "size", "va", "physOffset", "physSize", "reserve", "free"].contains(key)
                    ? pick(PropertyTests.sizes) : pick(PropertyTests.ints + PropertyTests.others)
            }
        }

        /// One mutation somewhere in `node`.
        mutating func mutate(_ node: Any, depth: Int = 0) -> Any {
            if var d = node as? [String: Any] {
                let keys = d.keys.sorted()
                if keys.isEmpty || chance(8) { d["bogus\(rng.next() % 3)"] = value(forKey: ""); return d }
                let k = pick(keys)
                let v = d[k]!
                if (v is [String: Any] || v is [Any]) && !chance(4) {
                    d[k] = mutate(v, depth: depth + 1)
                } else {
                    switch rng.next() % 3 {
                    case 0: d[k] = nil
                    default: d[k] = value(forKey: k)
                    }
                }
                return d
            }
            if var a = node as? [Any] {
                guard !a.isEmpty else { return [value(forKey: "")] }
                let i = Int(rng.next() % UInt64(a.count))
                switch rng.next() % 6 {
                case 0: a.insert(a[i], at: i)                                   // duplicated
                case 1: a.remove(at: i)                                         // dropped
                case 2: let j = Int(rng.next() % UInt64(a.count)); a.swapAt(i, j) // reordered
                default: a[i] = mutate(a[i], depth: depth + 1)
                }
                return a
            }
            return value(forKey: "")
        }
    }

    @Test func mutatedScenariosNeverCrashAndNameTheField() throws {
        var bases: [Any] = []
        for sc in CuratedScenarios.all where sc.geometry.name == "4K/48" || sc.geometry.name == "64K/42" || sc.geometry.name == "16K/36" {
            bases.append(try JSONSerialization.jsonObject(with: sc.jsonData()))
        }
        for i in 0..<20 { bases.append(try JSONSerialization.jsonObject(with: ScenarioGenerator.generate(seed: 99, index: i).jsonData())) }
        bases.append(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: packageRoot + "/scenarios/example.json"))))

        var m = Mutator(rng: SplitMix64(seed: 10))
        let path = tempFile("mutant.json", "")
        var byCode: [Int32: Int] = [:]
        let started = Date()
        let count = 2000
        for n in 0..<count {
            var obj = m.pick(bases)
            for _ in 0..<(1 + Int(m.rng.next() % 3)) { obj = m.mutate(obj) }
            guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) else { continue }
            try data.write(to: URL(fileURLWithPath: path))
            let r = cli(["check", path, "--revision", "final", "--no-trace"])
            byCode[r.code, default: 0] += 1
            let text = String(decoding: data, as: UTF8.self)
            #expect([0, 1, 3].contains(r.code), "mutant \(n): exit \(r.code): \(r.err)\n\(text)")
            if r.code == 3 {
                // "hotremove: PATH: field: reason", or "hotremove: NAME on final: steps[i]: reason" from the run
                let message = r.err.components(separatedBy: path + ": ").dropFirst().joined(separator: path + ": ")
                let namesField = PropertyTests.fields.contains { message.hasPrefix($0) }
                    || r.err.range(of: #"^hotremove: .* on final: (steps|neighbours)\[\d+\]: "#, options: .regularExpression) != nil
                #expect(namesField, "mutant \(n): the message names no field: \(r.err)\n\(text)")
            }
            // about 25 s in a debug build; sanitizer builds are many times slower: a time cap, not a failure
            if Date().timeIntervalSince(started) > 60 { break }
        }
        let ran = byCode.values.reduce(0, +)
        #expect(ran >= 500, "\(ran) mutants")
        // the mutations reach both sides: some are refused, some run
        #expect((byCode[3] ?? 0) > ran / 10, "\(byCode)")
        #expect((byCode[0] ?? 0) + (byCode[1] ?? 0) > ran / 10, "\(byCode)")
    }
}
