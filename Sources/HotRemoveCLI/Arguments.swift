import Foundation
import HotRemoveHarness

/// Minimal option parsing: --flag, --key value, --key=value, positional args.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []
    /// every value of each option, in order (options like --revision may be repeated)
    var all: [String: [String]] = [:]

    init(_ args: [String], valued: Set<String>, flags known: Set<String>) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--") {
                var key = String(a.dropFirst(2)), value: String?
                if let eq = key.firstIndex(of: "=") {
                    value = String(key[key.index(after: eq)...])
                    key = String(key[..<eq])
                }
                if key == "help" && !valued.contains(key) {
                    throw CommandError(.ok, CLI.usage)
                } else if valued.contains(key) {
                    if value == nil {
                        i += 1
                        guard i < args.count else { throw CommandError(.usage, "option --\(key) needs a value") }
                        value = args[i]
                    }
                    options[key] = value
                    all[key, default: []].append(value!)
                } else if known.contains(key) {
                    guard value == nil else { throw CommandError(.usage, "option --\(key) takes no value") }
                    flags.insert(key)
                } else {
                    throw CommandError(.usage, "unknown option --\(key)")
                }
            } else {
                positional.append(a)
            }
            i += 1
        }
    }

    /// A whole number: digits only (no sign, no spaces).
    static func whole(_ s: String) -> UInt64? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(s)
    }

    func int(_ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let s = options[key] else { return d }
        guard let u = Arguments.whole(s), u <= UInt64(Int.max), range.contains(Int(u)) else {
            throw CommandError(.usage, "--\(key) \(s): expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(u)
    }

    /// --seed: a whole number in 0...2^64-1.
    func seed(default d: UInt64?) throws -> UInt64 {
        guard let s = options["seed"] else {
            guard let d else { throw CommandError(.usage, "--seed S is needed (a whole number)") }
            return d
        }
        guard let v = Arguments.whole(s) else {
            throw CommandError(.usage, "--seed \(s): expected a whole number in 0...\(UInt64.max)")
        }
        return v
    }

    /// --timeout: seconds a revision may take on one scenario before it counts as hung.
    func timeout() throws -> UInt32 {
        UInt32(try int("timeout", default: CLI.defaultTimeout, range: 1...3600))
    }
}
