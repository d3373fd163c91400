internal import CShim
import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// Crash and hang isolation: campaign work runs in worker processes (this same
/// executable, `hotremove __worker`), each over a range of (scenario, revision)
/// pairs.  A worker that dies on a signal or hits the per-scenario time limit
/// reports the pair it was in; the parent records it as a crash finding and
/// starts a new worker after it.  Results are placed by pair index, so the
/// report does not depend on the number of workers.
public enum Isolation {
    /// This executable when it is a hotremove tool (`hotremove`, or the tests' `hotremove-mutants`): the
    /// worker campaigns and bench run by default.  In a test bundle nil: a test names its worker.
    public static let toolExecutable: String? = {
        guard let me = Bundle.main.executablePath else { return nil }
        return URL(fileURLWithPath: me).lastPathComponent.hasPrefix("hotremove") ? me : nil
    }()

    /// A worker whose parent is gone (closed pipe) has no one to report to: it stops.
    package static func emit(_ line: String) {
        if !StandardStreams.output.write(line + "\n") { exit(ExitCode.io.rawValue) }
    }

    /// Runs pairs [from, to) of a campaign in this process: the worker side.
    package static func worker(seed: UInt64, revisions: [String], geometries: [Geometry], from: Int, to: Int, timeout: UInt32) {
        CrashGuard.install(reportingTo: 1, exitCode: 70)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_DFL)
        let enc = JSONEncoder()
        for p in from..<to {
            let i = p / revisions.count, rev = revisions[p % revisions.count]
            let sc = ScenarioGenerator.generate(seed: seed, index: i, geometries: geometries)
            CrashGuard.context("\(p) \(sc.name) \(rev) setup")
            emit("BEGIN \(p)")
            CrashGuard.alarm(timeout)
            let line: String
            do {
                let r = try Checker.check(sc, revision: rev)
                line = "RESULT \(p) " + String(decoding: try enc.encode(r), as: UTF8.self)
            } catch {
                line = "ERROR \(p) \(String(describing: error).replacingOccurrences(of: "\n", with: " "))"
            }
            CrashGuard.alarm(0)
            emit(line)
        }
    }

    package enum Outcome: Sendable { case result(CheckResult), error(String), crash(String) }

    /// Runs pairs [from, to) in worker processes, restarting after crashes.
    package static func runChunk(executable: String, seed: UInt64, revisions: [String], geometries: [Geometry], from: Int, to: Int,
                         timeout: UInt32, stop: @Sendable () -> Bool, deliver: (Int, Outcome) -> Void) {
        var next = from
        while next < to && !stop() {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: executable)
            proc.arguments = ["__worker", "--seed", "\(seed)", "--revisions", revisions.joined(separator: ","),
                              "--geometries", geometries.map(\.name).joined(separator: ","),
                              "--from", "\(next)", "--to", "\(to)", "--timeout", "\(timeout)"]
            let pipe = Pipe()
            proc.standardOutput = pipe
            proc.standardError = FileHandle.nullDevice
            do { try proc.run() } catch {
                for p in next..<to { deliver(p, .error("cannot start a worker: \(error)")) }
                return
            }
            let dec = JSONDecoder()
            var current: Int?
            var crashText: String?
            var buffer = Data()
            let handle = pipe.fileHandleForReading
            reading: while true {
                if stop() { proc.terminate() }
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...nl)
                    if line.hasPrefix("BEGIN ") {
                        current = Int(line.dropFirst(6))
                    } else if line.hasPrefix("RESULT "), let sp = line.dropFirst(7).firstIndex(of: " "),
                              let p = Int(line[line.index(line.startIndex, offsetBy: 7)..<sp]) {
                        if let r = try? dec.decode(CheckResult.self, from: Data(line[line.index(after: sp)...].utf8)) {
                            deliver(p, .result(r))
                        } else {
                            deliver(p, .error("unreadable worker result"))
                        }
                        current = nil
                        next = p + 1
                    } else if line.hasPrefix("ERROR "), let sp = line.dropFirst(6).firstIndex(of: " "),
                              let p = Int(line[line.index(line.startIndex, offsetBy: 6)..<sp]) {
                        deliver(p, .error(String(line[line.index(after: sp)...])))
                        current = nil
                        next = p + 1
                    } else if line.hasPrefix("CRASH ") || line.hasPrefix("HANG ") {
                        crashText = line
                        break reading
                    }
                }
            }
            proc.waitUntilExit()
            if let p = current {
                let why = crashText ?? (proc.terminationReason == .uncaughtSignal
                    ? "CRASH signal \(proc.terminationStatus)" : "worker exited with status \(proc.terminationStatus)")
                if !stop() { deliver(p, .crash(why)) }
                next = p + 1
            } else if next < to && !stop() {
                // the worker ended between pairs without saying why: do not loop on it
                deliver(next, .error("worker ended early (status \(proc.terminationStatus))"))
                next += 1
            }
        }
    }
}
