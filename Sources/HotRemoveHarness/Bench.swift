internal import CShim
import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// Teardown cost as memory grows: the two passes of a removal timed on their own and
/// quoted against same-run read and read-modify-write sweeps over the same table pages;
/// the cost of the full cross-check; TLBIs per GiB; campaign throughput.
public enum Bench {
    public enum Mapping: String, Codable, Sendable, CaseIterable {
        /// 1 GiB-aligned add: PUD blocks on 4K, PMD blocks elsewhere
        case blocks
        /// sections of the v5.12 era, 2 MiB- not 1 GiB-aligned: PMD blocks with PTE_CONT
        case cont
        /// rodata_full: NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS, PTEs throughout
        case noBlocks = "no-blocks"
    }
    public enum Region: String, Codable, Sendable, CaseIterable { case linear, vmemmap, device }

    public struct Stat: Codable, Sendable {
        public var median: Double, min: Double, max: Double
        package init(_ xs: [Double]) {
            let s = xs.sorted()
            median = s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
            min = s.first ?? 0
            max = s.last ?? 0
        }
    }

    public struct Point: Codable, Sendable {
        public var geometry: String, mapping: Mapping, region: Region, revision: String
        public var sizeBytes: UInt64
        public var reps: Int
        public var addMs: Stat
        public var unmapMs: Stat
        public var freeMs: Stat
        public var readSweepMs: Stat
        public var rmwSweepMs: Stat
        /// unmap pass / read-modify-write sweep, free pass / read sweep (same run, medians)
        public var unmapVsRmw: Double
        public var freeVsRead: Double
        public var leafEntries: UInt64
        public var nsPerLeaf: Double
        public var tlbiPerGiB: [String: Double]
        /// region vmemmap: invalidations per PMD block the unmap pass cleared (VmemmapBlockFlushes, mean; nil
        /// elsewhere or when the pass cleared no block)
        public var tlbiPerVmemmapBlock: Double?
        public var tablesFreed: UInt64
        public var removeMs: Stat
        /// the model's prediction of the removal alone
        public var modelMs: Stat
        public var checkMs: Stat
        /// (snapshot + model + compare) / bare removal
        public var checkVsRemove: Double
        /// the unmap pass with the ordered trace recorded, and its ratio to the read-modify-write sweep
        public var unmapTracedMs: Stat
        public var unmapTracedVsRmw: Double
        /// the removal fully checked: snapshot before, removal with the ordered trace, snapshot after,
        /// model, trace-ordered rules, compare; and what the check adds to the bare removal, as a
        /// ratio to it ((checked - bare) / bare, medians)
        public var checkedRemoveMs: Stat
        public var fullCheckVsRemove: Double
        public var peakRssMiB: Double
    }

    public struct Throughput: Codable, Sendable {
        public var scenarios: Int
        public var singleCorePerSecond: Double
        public var allCoresPerSecond: Double
        public var isolatedAllCoresPerSecond: Double?
        public var cores: Int
    }

    public struct Report: Codable, Sendable {
        public var schema = 2
        public var cores: Int
        public var points: [Point]
        public var throughput: Throughput?
        /// the bench targets (docs/PERFORMANCE.md), each with its same-run figures and whether it is met
        public var targets: [BenchTargets.Target]?
        /// set when the run was interrupted: the points measured before it, no throughput, no targets
        public var interrupted: Bool?


        package init(cores: Int, points: [Point], throughput: Throughput?, targets: [BenchTargets.Target]? = nil) {

            self.cores = cores; self.points = points; self.throughput = throughput; self.targets = targets

        }
    }

    package static func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }
    package static func now() -> UInt64 { hr_bench_now_ns() }

    public static func peakRssMiB() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_maxrss) / 1024
    }

    /// The scenario of one point: boot memory large enough for the tables and memmap of `size`.
    package static func scenario(_ g: Geometry, _ mapping: Mapping, _ region: Region, size: UInt64) -> (Scenario, start: UInt64) {
        let G: UInt64 = 1 << 30
        let sectionBits = mapping == .cont ? (g.pageShift == 16 ? 29 : 27) : 30
        let memmap = size / g.pageSize * 64
        let tables = mapping == .noBlocks ? size / UInt64(g.pageSize / 8) * 2 : size / (1 << 20)
        let boot = max(4 * G, (memmap + tables + 2 * G + G - 1) / G * G)
        var start = G + boot + G
        if mapping == .cont { start += 1 << UInt64(sectionBits) }
        let kind: Scenario.MemoryKind = region == .device ? .device : .ram
        let step = Scenario.Step(op: .add, start: start, size: size, kind: kind,
                                 altmap: region == .device ? .init(reserve: 0) : nil)
        let sc = Scenario(name: "bench", geometry: g, sectionSizeBits: sectionBits, physSize: start + size - G,
                          bootSize: boot, rodataFull: mapping == .noBlocks, steps: [step, .init(op: .remove, start: start, size: size)])
        return (sc, start)
    }

    public static func point(geometry g: Geometry, mapping: Mapping, region: Region, revision: String,
                             size: UInt64, reps: Int) throws -> Point {
        var add: [Double] = [], unmap: [Double] = [], free: [Double] = [], rd: [Double] = [], rmw: [Double] = []
        var remove: [Double] = [], model: [Double] = [], check: [Double] = [], unmapTraced: [Double] = [], checked: [Double] = []
        var leaves: UInt64 = 0, tlbi = StepEffects(), tablesFreed: UInt64 = 0
        var perBlock: Double?
        let (sc, start) = scenario(g, mapping, region, size: size)
        let (lo, hi, floor, ceiling, freeMapped): (UInt64, UInt64, UInt64, UInt64, Bool) = {
            let firstPfn = (start - sc.physOffset) >> UInt64(g.pageShift)
            switch region {
            case .linear, .device:
                let va = g.pageOffset + (start - sc.physOffset)
                return (va, va + size, g.pageOffset, g.pageEnd, false)
            case .vmemmap:
                let s = g.vmemmapStart + firstPfn * UInt64(sc.structPageSize)
                let e = s + (size >> UInt64(g.pageShift)) * UInt64(sc.structPageSize)
                return (s & ~(g.pageSize - 1), (e + g.pageSize - 1) & ~(g.pageSize - 1), g.vmemmapStart, g.vmemmapEnd, true)
            }
        }()
        /// A machine with the point's range added (as RAM for the passes, as the scenario says otherwise).
        func added(asScenario: Bool) throws -> Machine {
            let m = try Machine(revision: revision, scenario: sc)
            let ok = asScenario ? m.add(start: start, size: size, kind: sc.steps[0].kind, altmap: sc.steps[0].altmap)
                                : m.add(start: start, size: size, kind: .ram)
            guard ok == .ok else { throw HarnessError("bench: add failed") }
            return m
        }
        /// The add as the model sees it (it moves on by its own prediction) and the removal's observation.
        func observations(_ m: Machine, _ result: StepResult, before: ObservedState, after: ObservedState,
                          traced: Bool) -> (add: StepObservation, remove: StepObservation) {
            (StepObservation(index: 0, result: .ok, effects: StepEffects(), warns: [], faults: [],
                             trace: nil, before: before, after: before),
             m.observe(index: 1, result: result, before: before, after: after, traced: traced))
        }
        let contract = Registry.revision(named: revision)?.contract ?? revision
        for _ in 0..<reps {
            // machine A: the two passes, timed alone, and the sweeps over the same table pages
            // (each machine in a scope of its own: one at a time, so the peak RSS is one machine's)
            if region != .device {
              do {
                let t0 = now()
                let m = try added(asScenario: false)
                add.append(ms(now() - t0))
                let snap = try m.snapshot()
                let leafRuns = snap.runs.filter { $0.va >= lo && $0.va < hi }
                leaves = leafRuns.reduce(0) { $0 + $1.count }
                let leafLevel = leafRuns.first?.level ?? .pte
                let pages = snap.tables.filter { $0.level == leafLevel && $0.vaStart < hi && $0.vaStart + $0.vaSpan > lo }.map(\.pa)
                var sum: UInt64 = 0
                rd.append(ms(UInt64(max(0, hr_bench_sweep(m.handle, pages, pages.count, 0, &sum)))))
                rmw.append(ms(UInt64(max(0, hr_bench_sweep(m.handle, pages, pages.count, 1, &sum)))))
                m.resetRecorders()
                let u = hr_bench_pass(m.handle, 0, lo, hi, freeMapped, floor, ceiling)
                let f = hr_bench_pass(m.handle, 1, lo, hi, freeMapped, floor, ceiling)
                guard u >= 0, f >= 0 else { throw HarnessError("bench: \(revision) has no pass API or oopsed") }
                unmap.append(ms(UInt64(u)))
                free.append(ms(UInt64(f)))
                tlbi = m.counted.effects
                tablesFreed = tlbi.tablesFreed.reduce(0, +)
              }
              do {
                // machine A': the unmap pass again with the ordered trace recorded
                let mt = try added(asScenario: false)
                // the tables before the pass, to place the vmemmap blocks it clears (outside the timing)
                let before = region == .vmemmap ? try mt.snapshot() : ObservedState()
                mt.resetRecorders()
                mt.traceEnabled = true
                let ut = hr_bench_pass(mt.handle, 0, lo, hi, freeMapped, floor, ceiling)
                guard ut >= 0 else { throw HarnessError("bench: \(revision) has no pass API or oopsed") }
                unmapTraced.append(ms(UInt64(ut)))
                if region == .vmemmap,
                   let f = VmemmapBlockFlushes.measure(mt.observe(index: 1, result: .ok, before: before, after: before, traced: true),
                                                       geometry: g), !f.blocks.isEmpty {
                    perBlock = Double(f.blocks.reduce(0) { $0 + $1.invalidations }) / Double(f.blocks.count)
                }
              }
            }
            // machine C: the removal as a campaign checks it, every part timed together
            do {
                let m = try added(asScenario: true)
                let refModel = ModelJudge(scenario: sc, revision: contract)
                m.resetRecorders()
                m.traceEnabled = true
                let t0 = now()
                let before = try m.snapshot()
                let result = m.remove(start: start, size: size)
                let obs = observations(m, result, before: before, after: try m.snapshot(), traced: true)
                _ = refModel.check(step: 0, obs.add)
                _ = refModel.check(step: 1, obs.remove)
                checked.append(ms(now() - t0))
            }
            // machine B: the whole removal, then snapshot + model + compare
            let t0 = now()
            let m = try added(asScenario: true)
            if region == .device { add.append(ms(now() - t0)) }
            let before = try m.snapshot()
            let refModel = ModelJudge(scenario: sc, revision: contract)
            m.resetRecorders()
            let t1 = now()
            let result = m.remove(start: start, size: size)
            let t2 = now()
            remove.append(ms(t2 - t1))
            if region == .device {
                tlbi = m.counted.effects
                tablesFreed = tlbi.tablesFreed.reduce(0, +)
                leaves = before.runs.filter { $0.va >= lo && $0.va < hi }.reduce(0) { $0 + $1.count }
            }
            let t3 = now()
            let obs = observations(m, result, before: before, after: try m.snapshot(), traced: false)
            _ = refModel.check(step: 0, obs.add)
            let t4 = now()
            _ = refModel.prediction(step: 1)
            let t5 = now()
            _ = refModel.check(step: 1, obs.remove)
            let t6 = now()
            model.append(ms(t5 - t4))
            check.append(ms((t4 - t3) + (t6 - t5)))
        }
        if region == .device { unmap = remove; unmapTraced = [0]; free = [0]; rd = [0]; rmw = [0] }
        let gib = Double(size) / Double(1 << 30)
        let medU = Stat(unmap).median, medF = Stat(free).median
        return Point(geometry: g.name, mapping: mapping, region: region, revision: revision, sizeBytes: size, reps: reps,
                     addMs: Stat(add), unmapMs: Stat(unmap), freeMs: Stat(free), readSweepMs: Stat(rd), rmwSweepMs: Stat(rmw),
                     unmapVsRmw: Stat(rmw).median > 0 ? medU / Stat(rmw).median : 0,
                     freeVsRead: Stat(rd).median > 0 ? medF / Stat(rd).median : 0,
                     leafEntries: leaves, nsPerLeaf: leaves > 0 ? medU * 1e6 / Double(leaves) : 0,
                     tlbiPerGiB: ["vaale1is": Double(tlbi.tlbiVA) / gib, "vmalle1is": Double(tlbi.tlbiAll) / gib,
                                  "vaae1is": Double(tlbi.tlbiWalk) / gib],
                     tlbiPerVmemmapBlock: perBlock,
                     tablesFreed: tablesFreed, removeMs: Stat(remove), modelMs: Stat(model), checkMs: Stat(check),
                     checkVsRemove: Stat(remove).median > 0 ? Stat(check).median / Stat(remove).median : 0,
                     unmapTracedMs: Stat(unmapTraced),
                     unmapTracedVsRmw: Stat(rmw).median > 0 ? Stat(unmapTraced).median / Stat(rmw).median : 0,
                     checkedRemoveMs: Stat(checked),
                     fullCheckVsRemove: Stat(remove).median > 0 ? (Stat(checked).median - Stat(remove).median) / Stat(remove).median : 0,
                     peakRssMiB: peakRssMiB())
    }

    /// Small random scenarios checked per second (every step against the model), one and all cores.
    /// The isolated rate runs `worker` (none: not measured).
    public static func throughput(count: Int, seed: UInt64 = 99, worker: String?) -> Throughput {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        func rate(jobs: Int, isolate: Bool) -> Double {
            let t0 = now()
            let r = Campaign.run(CampaignOptions(seed: seed, count: count, revisions: ["final"], jobs: jobs, shrink: false,
                                                 isolate: isolate, worker: worker))
            return Double(r.completed) / (Double(now() - t0) / 1e9)
        }
        return Throughput(scenarios: count, singleCorePerSecond: rate(jobs: 1, isolate: false),
                          allCoresPerSecond: rate(jobs: cores, isolate: false),
                          isolatedAllCoresPerSecond: worker != nil ? rate(jobs: cores, isolate: true) : nil,
                          cores: cores)
    }
}
