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
    private static func emit(_ line: String) {
        if !StandardStreams.output.write(line + "\n") { exit(ExitCode.io.rawValue) }
    }

    package enum Outcome: Sendable { case result(CheckResult), error(String), crash(String) }

    /// The worker side of the line protocol, for any list of checks: for each index `BEGIN i`, then
    /// `RESULT i JSON` or `ERROR i why`; the crash guard writes the `CRASH`/`HANG` line of a check that
    /// dies.  `job(i)` names the check (for the crash guard's context) and runs it.
    package static func serve(_ indices: Range<Int>, timeout: UInt32, job: (Int) -> (name: String, run: () -> Outcome)) {
        CrashGuard.install(reportingTo: 1, exitCode: 70)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_DFL)
        let enc = JSONEncoder()
        for i in indices {
            let (name, run) = job(i)
            CrashGuard.context("\(i) \(name) setup")
            emit("BEGIN \(i)")
            CrashGuard.alarm(timeout)
            let line: String
            switch run() {
            case .result(let r): line = "RESULT \(i) " + String(decoding: (try? enc.encode(r)) ?? Data(), as: UTF8.self)
            case .error(let why), .crash(let why): line = "ERROR \(i) \(why.replacingOccurrences(of: "\n", with: " "))"
            }
            CrashGuard.alarm(0)
            emit(line)
        }
    }

    /// Runs pairs [from, to) of a campaign in this process: the worker side of `runChunk`.
    package static func worker(seed: UInt64, revisions: [String], geometries: [Geometry], from: Int, to: Int, timeout: UInt32) {
        serve(from..<to, timeout: timeout) { p in
            let rev = revisions[p % revisions.count]
            let sc = ScenarioGenerator.generate(seed: seed, index: p / revisions.count, geometries: geometries)
            return ("\(sc.name) \(rev)", {
                do { return .result(try Checker.check(sc, revision: rev)) } catch { return .error(String(describing: error)) }
            })
        }
    }

    /// Runs pairs [from, to) of a campaign in worker processes, restarting after crashes.
    package static func runChunk(executable: String, seed: UInt64, revisions: [String], geometries: [Geometry], from: Int, to: Int,
                                 timeout: UInt32, stop: @Sendable () -> Bool, deliver: (Int, Outcome) -> Void) {
        runWorkers(executable: executable, indices: from..<to, stop: stop, deliver: deliver) { next in
            ["__worker", "--seed", "\(seed)", "--revisions", revisions.joined(separator: ","),
             "--geometries", geometries.map(\.name).joined(separator: ","),
             "--from", "\(next)", "--to", "\(to)", "--timeout", "\(timeout)"]
        }
    }

    /// The parent side of the line protocol: runs `indices` in worker processes started as `executable
    /// arguments(first)` (a worker serves from `first` to the end), one after another, starting a new worker
    /// after the index a worker died in.  On `stop()` the running worker is terminated and what it had not
    /// finished is not delivered.
    package static func runWorkers(executable: String, indices: Range<Int>, stop: @Sendable () -> Bool,
                                   deliver: (Int, Outcome) -> Void, arguments: (Int) -> [String]) {
        var next = indices.lowerBound
        let to = indices.upperBound
        while next < to && !stop() {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: executable)
            proc.arguments = arguments(next)
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
