import Foundation
import HotRemoveHarness
import HotRemoveScenario
import Testing

/// The host-memory estimate that validation refuses input by (Scenario.hostMemoryEstimate) against the peak
/// resident set of `hotremove check` running the scenario in a process of its own: within 2x either way,
/// on the shapes whose costs it adds up (boot memory, block- and page-mapped adds, many add/remove
/// cycles) and on generated scenarios.
@Suite(.serialized) struct MemoryEstimateTests {
    /// The exit status and peak resident set of `tool args`: the tool writes its own high-water RSS (VmHWM, kB)
    /// where HOTREMOVE_VMHWM_FILE says, because the rusage a parent collects also counts, from exec, the
    /// parent's memory (and this test process is large).
    func peakRSS(_ tool: String, _ args: [String], in dir: String) throws -> (status: Int32, bytes: UInt64) {
        let hwm = dir + "/vmhwm"
        try? FileManager.default.removeItem(atPath: hwm)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(["HOTREMOVE_VMHWM_FILE": hwm]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let kb = try String(contentsOfFile: hwm, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (p.terminationStatus, try #require(UInt64(kb), "VmHWM \(kb)") * 1024)
    }

    func scenario(_ name: String, boot: UInt64 = 4 << 30, rodata: Bool = false, _ steps: [Scenario.Step]) -> Scenario {
        Scenario(name: name, geometry: Geometry(name: "4K/48")!, bootStart: 1 << 30, bootSize: boot, rodataFull: rodata, steps: steps)
    }

    func cycles(_ n: Int, size: UInt64) -> [Scenario.Step] {
        (0..<n).flatMap { _ in [Scenario.Step(op: .add, start: 8 << 30, size: size), .init(op: .remove, start: 8 << 30, size: size)] }
    }

    func expectWithinTwice(_ sc: Scenario, in dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tool = try #require(Tools.shipped, "hotremove is built next to the tests")
        let path = dir + "/\(sc.name).json"
        try sc.jsonData().write(to: URL(fileURLWithPath: path))
        let run = try peakRSS(tool, ["check", path, "--revision", "final"], in: dir)
        #expect(run.status == 0, "\(sc.name): check exited \(run.status)", sourceLocation: sourceLocation)
        let estimate = sc.hostMemoryEstimate().bytes
        let ratio = Double(estimate) / Double(run.bytes)
        #expect(ratio >= 0.5 && ratio <= 2, "\(sc.name): estimated \(estimate >> 20) MiB, measured \(run.bytes >> 20) MiB",
                sourceLocation: sourceLocation)
    }

    @Test func estimateIsWithinTwiceOfMeasuredPeak() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-estimate-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let G: UInt64 = 1 << 30
        // boot memory alone: its struct pages and allocator lists
        try expectWithinTwice(scenario("boot64G", boot: 64 * G, [.init(op: .offline, start: 2 * G, size: G)]), in: dir)
        // 256 GiB block-mapped: the added pages' sparse cost, few tables
        try expectWithinTwice(scenario("blocks256G", boot: 16 * G, [.init(op: .add, start: 1 << 40, size: 256 * G),
                                                                   .init(op: .remove, start: 1 << 40, size: 256 * G)]), in: dir)
        // 8 GiB page-mapped: 2M PTEs a step, 4096 PTE tables, the trace of the step in hand
        try expectWithinTwice(scenario("pages8G", rodata: true, cycles(1, size: 8 * G)), in: dir)
        // what each step's check keeps: 20 page-mapped 1 GiB cycles, 300 block-mapped ones
        try expectWithinTwice(scenario("pageCycles", rodata: true, cycles(20, size: G)), in: dir)
        try expectWithinTwice(scenario("blockCycles", cycles(300, size: G)), in: dir)
        for i in 0..<8 {
            try expectWithinTwice(ScenarioGenerator.generate(seed: 11, index: i), in: dir)
        }
    }
}
