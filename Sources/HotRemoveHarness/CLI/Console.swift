import Foundation

/// Where a command writes: standard output for results, standard error for
/// progress and errors.  Tests capture both.
public struct Console: Sendable {
    public let out: @Sendable (String) -> Void
    public let err: @Sendable (String) -> Void
    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }
    public static let standard = Console(
        out: { s in FileHandle.standardOutput.write(Data(s.utf8)) },
        err: { s in FileHandle.standardError.write(Data(s.utf8)) })
}

/// Exit codes, documented in README.
public enum ExitCode: Int32, Sendable {
    case ok = 0
    /// a contract mismatch: the C does not do what its revision claims
    case contractMismatch = 1
    case usage = 2
    /// a scenario (or other input file) is malformed or invalid
    case badInput = 3
    /// a file could not be read or written
    case io = 4
    /// the harness itself failed (e.g. no host memory for a machine)
    case internalError = 5
    /// interrupted (SIGINT/SIGTERM); what was finished is saved
    case interrupted = 6
    /// the revision under test crashed (fatal signal) or hung (time limit) in a single run
    case crashed = 7
}

struct CommandError: Error {
    let code: ExitCode
    let message: String
    init(_ code: ExitCode, _ message: String) { self.code = code; self.message = message }
}

/// Minimal option parsing: --flag, --key value, --key=value, positional args.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

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
                if valued.contains(key) {
                    if value == nil {
                        i += 1
                        guard i < args.count else { throw CommandError(.usage, "option --\(key) needs a value") }
                        value = args[i]
                    }
                    options[key] = value
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

    func int(_ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let s = options[key] else { return d }
        guard let v = Int(s), range.contains(v) else {
            throw CommandError(.usage, "--\(key) \(s): expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }
}
