import Foundation

/// A tool run that is interrupted: what it printed, and how it ended.
struct InterruptedRun {
    /// the exit status; a signal that ended it, negated (-6: SIGABRT, never exit 6)
    var status: Int32
    var out: String
    var err: String
}

/// Runs `tool` with `args`, sends SIGINT once `marker` shows on its standard output (`onOutput`) or
/// standard error, and returns its exit status and everything it printed.
func interrupt(_ tool: String, _ args: [String], when marker: String, onOutput: Bool = true) throws -> InterruptedRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let watched = (onOutput ? out : err).fileHandleForReading
    var seen = Data()
    while !String(decoding: seen, as: UTF8.self).contains(marker) {
        let chunk = watched.availableData
        if chunk.isEmpty { break }
        seen.append(chunk)
    }
    kill(p.processIdentifier, SIGINT)
    seen.append(watched.readDataToEndOfFile())
    let other = (onOutput ? err : out).fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let (o, e) = onOutput ? (seen, other) : (other, seen)
    let status = p.terminationReason == .exit ? p.terminationStatus : -p.terminationStatus
    return InterruptedRun(status: status, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
}
