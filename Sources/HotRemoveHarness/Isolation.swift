import CShim
import Foundation
import HotRemoveModel

/// Crash and hang isolation: campaign work runs in worker processes (this same
/// executable, `hotremove __worker`), each over a range of (scenario, revision)
/// pairs.  A worker that dies on a signal or hits the per-scenario time limit
/// reports the pair it was in; the parent records it as a crash finding and
/// starts a new worker after it.  Results are placed by pair index, so the
/// report does not depend on the number of workers.
public enum Isolation {
    /// Path of the hotremove executable to use as a worker, if there is one.
    public nonisolated(unsafe) static var executable: String? = {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        if me.lastPathComponent == "hotremove" { return me.path }
        // under `swift test`: the tool is built next to the test bundle
        var dir = me.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("hotremove").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    /// A worker whose parent is gone (closed pipe) has no one to report to: it stops.
    static func emit(_ line: String) {
        if !StandardStreams.output.write(line + "\n") { exit(ExitCode.io.rawValue) }
    }

    /// Runs pairs [from, to) of a campaign in this process: the worker side.
    static func worker(seed: UInt64, revisions: [String], geometries: [Geometry], from: Int, to: Int, timeout: UInt32) {
        hr_crash_guard_install(1, 70)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_DFL)
        let enc = JSONEncoder()
        for p in from..<to {
            let i = p / revisions.count, rev = revisions[p % revisions.count]
            let sc = ScenarioGenerator.generate(seed: seed, index: i, geometries: geometries)
            hr_crash_context_set("\(p) \(sc.name) \(rev) setup")
            emit("BEGIN \(p)")
            hr_crash_alarm(timeout)
            let line: String
            do {
                let r = try Checker.check(sc, revision: rev)
                line = "RESULT \(p) " + String(decoding: try enc.encode(r), as: UTF8.self)
            } catch {
                line = "ERROR \(p) \(String(describing: error).replacingOccurrences(of: "\n", with: " "))"
            }
            hr_crash_alarm(0)
            emit(line)
        }
    }

    enum Outcome: Sendable { case result(CheckResult), error(String), crash(String) }

    /// Runs pairs [from, to) in worker processes, restarting after crashes.
    static func runChunk(executable: String, seed: UInt64, revisions: [String], geometries: [Geometry], from: Int, to: Int,
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

enum WorkerCommand {
    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["seed", "revisions", "geometries", "from", "to", "timeout"], flags: [])
        guard let seed = UInt64(a.options["seed"] ?? ""), let from = Int(a.options["from"] ?? ""),
              let to = Int(a.options["to"] ?? ""), let revs = a.options["revisions"]?.split(separator: ",").map(String.init),
              let geos = a.options["geometries"]?.split(separator: ",").compactMap({ Geometry(name: String($0)) }) else {
            throw CommandError(.usage, "__worker is internal to campaigns")
        }
        Isolation.worker(seed: seed, revisions: revs, geometries: geos, from: from, to: to,
                         timeout: UInt32(a.options["timeout"] ?? "20") ?? 20)
        return 0
    }
}

/// `hotremove __shrink`: shrink one campaign finding in a process of its own.
enum ShrinkCommand {
    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        let a = try Arguments(args, valued: ["seed", "index", "revision", "geometries", "class", "rule", "out"], flags: [])
        guard let seed = UInt64(a.options["seed"] ?? ""), let index = Int(a.options["index"] ?? ""),
              let rev = a.options["revision"], let cls = a.options["class"], let rule = a.options["rule"],
              let out = a.options["out"],
              let geos = a.options["geometries"]?.split(separator: ",").compactMap({ Geometry(name: String($0)) }) else {
            throw CommandError(.usage, "__shrink is internal to campaigns")
        }
        let sc = ScenarioGenerator.generate(seed: seed, index: index, geometries: geos)
        var small = Campaign.shrinkInProcess(sc, revision: rev, classification: cls, rule: rule)
        small.description = "reproducer: \(cls) \(rule) on \(rev); from seed \(seed) index \(index)"
        try AtomicFile.write(small.jsonData(), to: out)
        return 0
    }
}
