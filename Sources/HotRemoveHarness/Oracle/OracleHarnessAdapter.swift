
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The one place the oracle touches the harness: runs a scenario the way virtio-mem makes the
/// kernel run it (one add_memory()/remove_memory() per 128 MiB memory block, `VirtioMemPlan.calls`)
/// on a revision, in an era, and reads back each step's leaves and table pages as an `OracleView`.
///
/// The era is a parameter: `HarnessEra.v5_7` is the environment the harness has today (v5.7's
/// layout and MAIR).  An era of the kernel's own (6.1) is one more value with its layout and
/// `kernel: "6.1"`; then absolute VAs are the same on both sides and every table span compares.
package struct HarnessEra: Sendable {
    package var name: String
    /// the oracle kernel this era is the environment of ("6.1" for a "v6.1" era), nil for none:
    /// with it, absolute VAs and every table span are compared and no difference is excused
    package var kernel: String?
    /// MAIR_EL1 as the era's kernel programs it (memory type of each AttrIndx)
    package var mair: UInt64
    /// the VA of memstart_addr in the linear map, and of its struct page in the vmemmap
    package var linearBase: @Sendable (Scenario) -> UInt64
    package var vmemmapBase: @Sendable (Scenario) -> UInt64
    /// the scenario as the harness runs it in this era (the `"era"` field, when the harness has one)
    package var apply: @Sendable (inout Scenario) -> Void

    /// v5.7: PAGE_OFFSET and VMEMMAP_START of the geometry (Geometry.swift), and v5.7's
    /// MAIR_EL1_SET (arch/arm64/mm/proc.S): Device-nGnRnE 0x00, Device-nGnRE 0x04, Device-GRE 0x0c,
    /// Normal-NC 0x44, Normal 0xff, Normal-WT 0xbb at MT_* = 0..5 (arch/arm64/include/asm/memory.h).
    package static let v5_7 = HarnessEra(name: "v5.7", kernel: nil, mair: 0x0000_bbff_440c_0400,
                                 linearBase: { $0.geometry.pageOffset }, vmemmapBase: { $0.geometry.vmemmapStart },
                                 apply: { _ in })

    package static let all = [v5_7]
    package static func named(_ n: String) -> HarnessEra? { all.first { $0.name == n } }
}

package struct OracleHarnessSide {
    package struct Step {
        package var index: Int
        /// "ok", or the first call's failure as the harness reports it
        package var result: String
        package var view: OracleView
        package var tableChanges: [OracleView.Region: [Int: (allocated: Int, freed: Int)]]
    }
    package var era: HarnessEra
    package var revision: String
    package var frame: OracleView.Frame
    package var boot: OracleView
    package var steps: [Step]
    /// the scenario as run (one call per memory block)
    package var scenario: Scenario
}

package enum OracleHarnessAdapter {
    package struct Failure: Error, CustomStringConvertible { package let description: String }

    /// The windows and bases of the harness side for a plan.
    package static func frame(_ sc: Scenario, plan: VirtioMemPlan, era: HarnessEra) -> OracleView.Frame {
        let lin = era.linearBase(sc), vm = era.vmemmapBase(sc)
        let start = plan.scenario(plan.regionBase)
        let off = start &- sc.physOffset
        let pageShift = UInt64(sc.geometry.pageShift), sp = UInt64(sc.structPageSize)
        return OracleView.Frame(
            base: [.linear: lin, .vmemmap: vm],
            windows: [.linear: [(lin &+ off) ..< (lin &+ off &+ plan.regionSize)],
                      .vmemmap: [(vm &+ (off >> pageShift) * sp) ..< (vm &+ ((off &+ plan.regionSize) >> pageShift) * sp)]],
            mair: era.mair, linearOutputDelta: 0)
    }

    package static func view(_ s: ObservedState, frame: OracleView.Frame) -> OracleView {
        var leaves: [OracleView.Leaf] = []
        for r in s.runs {
            // runs can straddle a window (boot memory and a plugged range in one run): take the
            // entries that meet a window
            for w in frame.windows.values.flatMap({ $0 }) where w.upperBound > r.va && w.lowerBound < r.end {
                let first = w.lowerBound > r.va ? (w.lowerBound - r.va) / r.entrySize : 0
                let last = min(r.count, (w.upperBound - r.va + r.entrySize - 1) / r.entrySize)
                guard first < last else { continue }
                for i in first ..< last {
                    let kind: PageTableWalker.LeafKind = r.kind == .block ? .block : r.kind == .page ? .page : .invalid
                    leaves.append(OracleView.Leaf(va: r.va + i * r.entrySize, level: r.level.rawValue, kind: kind, size: r.entrySize,
                                                  output: kind == .invalid ? 0 : r.pa + i * r.entrySize,
                                                  attributes: r.attrs))
                }
            }
        }
        let tables = s.tables.map { OracleView.Table(level: $0.level.rawValue, pa: $0.pa, spanStart: $0.vaStart, span: $0.vaSpan) }
        return OracleView(leaves: leaves, tables: tables, frame: frame)
    }

    /// Runs `sc` as `plan` has the kernel run it.
    package static func run(_ sc: Scenario, plan: VirtioMemPlan, revision: String, era: HarnessEra,
                    stop: (() -> Bool)? = nil) throws -> OracleHarnessSide {
        var split = sc
        split.name = sc.name + ".per-block"
        split.steps = plan.calls.map { Scenario.Step(op: $0.op, start: $0.start, size: $0.size) }
        era.apply(&split)
        split.physSize = split.derivedPhysSize()
        let run: ScenarioRun
        do {
            run = try ScenarioRunner.run(split, revision: revision, trace: false, stop: stop)
        } catch let e as HarnessError {
            throw Failure(description: "the harness could not run \(sc.name) per memory block on \(revision): \(e)")
        }
        let frame = self.frame(split, plan: plan, era: era)
        let boot = view(run.boot, frame: frame)
        var steps: [OracleHarnessSide.Step] = []
        var previous = boot
        for p in plan.steps {
            let calls = run.steps.filter { plan.calls[$0.index].step == p.index }
            guard let last = calls.last else { continue }
            let failed = calls.first { $0.result != .ok }
            let v = view(last.after, frame: frame)
            steps.append(.init(index: p.index, result: failed.map { "call \($0.index): \($0.result.text)" } ?? "ok",
                               view: v, tableChanges: v.tableChanges(since: previous)))
            previous = v
        }
        return OracleHarnessSide(era: era, revision: revision, frame: frame, boot: boot, steps: steps, scenario: split)
    }
}
