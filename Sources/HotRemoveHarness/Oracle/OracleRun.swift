import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// A scenario run on the real kernel and in the harness, step by step, and compared.
package struct OracleResult {
    package struct Step {
        package var index: Int
        package var action: VirtioMemPlan.Action
        package var guestRange: Range<UInt64>
        package var harnessResult: String
        package var kernelRuns: Int
        package var kernelEntries: UInt64
        package var kernelTables: [OracleView.Region: [Int: (allocated: Int, freed: Int)]]
        package var harnessTables: [OracleView.Region: [Int: (allocated: Int, freed: Int)]]
        /// seconds: the virtio-mem request (with offlining), and reading the tables
        package var requestSeconds: Double
        package var readSeconds: Double
        package var tablePagesRead: Int
        package var findings: [OracleFinding]
    }
    package var scenario: Scenario
    package var kernel: OracleKernel
    package var revision: String
    package var era: HarnessEra
    package var plan: VirtioMemPlan
    package var bootSeconds: Double
    package var bootReadSeconds: Double
    package var ttbr1: UInt64
    package var mair: UInt64
    /// what differs by era, named once (not compared)
    package var eraNotes: [String]
    package var bootFindings: [OracleFinding]
    package var steps: [Step]
    package var timings: [String: [Double]]

    package var findings: [OracleFinding] { bootFindings + steps.flatMap(\.findings) }
    package var mismatches: Int { findings.filter { $0.classification == .mismatch }.count }
}

package enum OracleRun {
    package struct Failure: Error, CustomStringConvertible { package let description: String }

    /// The kernel side's bases and windows.  memstart_addr is the start of RAM (1 GiB-aligned, and
    /// `nokaslr` leaves it unrandomized); the layout's VAs are checked against the boot walk.
    package static func frame(kernel: OracleKernel, plan: VirtioMemPlan, mair: UInt64) -> OracleView.Frame {
        let l = kernel.layout
        let memstart = VirtioMemPlan.ramBase
        let off = plan.regionBase - memstart
        return OracleView.Frame(
            base: [.linear: l.linearVAOfMemstart, .vmemmap: l.vmemmapVAOfMemstart],
            windows: [.linear: [(l.linearVAOfMemstart &+ off) ..< (l.linearVAOfMemstart &+ off &+ plan.regionSize)],
                      .vmemmap: [(l.vmemmapVAOfMemstart &+ (off >> 12) * l.structPageSize)
                                 ..< (l.vmemmapVAOfMemstart &+ ((off + plan.regionSize) >> 12) * l.structPageSize)]],
            mair: mair, linearOutputDelta: plan.delta)
    }

    /// Boot memory's first page must be where the layout says, in the linear map and the vmemmap:
    /// otherwise every offset the comparison takes would be wrong.
    package static func checkLayout(_ walk: PageTableWalker.Walk, kernel: OracleKernel) throws {
        let l = kernel.layout
        func leaf(at va: UInt64) -> PageTableWalker.Leaf? {
            walk.leaves.first { $0.kind != .invalid && $0.va <= va && va &- $0.va < $0.size }
        }
        guard let lin = leaf(at: l.linearVAOfMemstart),
              lin.output &+ (l.linearVAOfMemstart &- lin.va) == VirtioMemPlan.ramBase else {
            throw Failure(description: "kernel \(kernel.name): the linear map does not map \(Quantity.hex(VirtioMemPlan.ramBase)) at \(Quantity.hex(l.linearVAOfMemstart)); the oracle's layout for this kernel is wrong")
        }
        guard leaf(at: l.vmemmapVAOfMemstart) != nil else {
            throw Failure(description: "kernel \(kernel.name): no vmemmap at \(Quantity.hex(l.vmemmapVAOfMemstart)) for the first page of RAM; the oracle's layout for this kernel is wrong")
        }
    }

    package static func run(_ sc: Scenario, kernel: OracleKernel, revision: String, era: HarnessEra,
                    progress: (String) -> Void) throws -> OracleResult {
        let plan = try VirtioMemPlan.make(sc)
        progress("harness: \(sc.name) per memory block (\(plan.calls.count) calls) on \(revision), era \(era.name)")
        let harness = try OracleHarnessAdapter.run(sc, plan: plan, revision: revision, era: era)
        progress("kernel \(kernel.name) (\(kernel.package)): booting under QEMU")
        let m = try OracleMachine(kernel: kernel, plan: plan)
        defer { m.shutdown() }
        let bootSeconds = m.timings["boot"]?.first ?? 0
        progress(String(format: "booted in %.1f s", bootSeconds))
        let l = kernel.layout
        // the boot walk also reads the first page of RAM in both regions, for the layout check
        let probes = [l.linearVAOfMemstart ..< l.linearVAOfMemstart + 4096, l.vmemmapVAOfMemstart ..< l.vmemmapVAOfMemstart + 64]
        var frame = frame(kernel: kernel, plan: plan, mair: 0)
        let windows = frame.windows.values.flatMap { $0 }
        let bootRead = try m.readTables(windows: windows + probes)
        try checkLayout(bootRead.walk, kernel: kernel)
        frame.mair = bootRead.mair
        progress(String(format: "boot tables read in %.2f s (%d table pages)", bootRead.seconds, bootRead.walk.tablePagesRead))

        func view(_ w: PageTableWalker.Walk) -> OracleView {
            OracleView(leaves: w.leaves.map { OracleView.Leaf(va: $0.va, level: $0.level, kind: $0.kind, size: $0.size,
                                                              output: $0.output, attributes: $0.attributes) },
                       tables: w.tables.map { OracleView.Table(level: $0.level, pa: $0.pa, spanStart: $0.spanStart, span: $0.span) },
                       frame: frame)
        }
        let matching = era.kernel == kernel.name
        let comparable: (OracleView.Region, UInt64) -> Bool = { region, size in
            if matching { return true }
            let k = frame.base[region]!, h = harness.frame.base[region]!
            return k % size == h % size
        }
        let known = matching ? [] : KnownEraDifference.between(kernel: kernel.name, era: era.name)
        var notes: [String] = []
        for r in OracleView.Region.allCases where frame.base[r] != harness.frame.base[r] {
            notes.append("era.layout: the \(r.rawValue == "linear" ? "linear map" : "vmemmap") of memstart_addr is at \(Quantity.hex(frame.base[r]!)) in \(kernel.name), at \(Quantity.hex(harness.frame.base[r]!)) in the harness's \(era.name) layout: leaves and tables are compared by their offset from it")
        }
        if bootRead.mair != era.mair {
            notes.append("era.attr-index: MAIR_EL1 is \(Quantity.hex(bootRead.mair)) in \(kernel.name), \(Quantity.hex(era.mair)) in \(era.name) (the MT_* indexes were renumbered): AttrIndx is compared by the memory type it selects")
        }
        if !matching {
            notes.append("era.add-side: the harness runs \(revision)'s teardown with the \(era.name) add side; the kernel is \(kernel.package) (\(kernel.release))")
        }

        let bootView = view(bootRead.walk)
        var bootFindings = OracleComparison.compareLeaves(step: -1, kernel: bootView, harness: harness.boot, known: known, comparable: comparable)
        bootFindings += OracleComparison.compareTables(step: -1, kernel: bootView, harness: harness.boot, comparable: comparable)

        var steps: [OracleResult.Step] = []
        var previous = bootView
        for (n, p) in plan.steps.enumerated() {
            let range = p.guestStart ..< p.guestStart + p.size
            let start = Date()
            switch p.action {
            case .plug: try m.plug(range: range, requestedSize: p.requestedSize)
            case .offline: try m.offline(range: range)
            case .unplug: try m.unplug(range: range, requestedSize: p.requestedSize)
            }
            let requestSeconds = Date().timeIntervalSince(start)
            let read = try m.readTables(windows: windows)
            let v = view(read.walk)
            guard let h = harness.steps.first(where: { $0.index == p.index }) else {
                throw Failure(description: "the harness has no step \(p.index)")
            }
            let kt = v.tableChanges(since: previous)
            var f: [OracleFinding] = []
            if h.result != "ok" {
                f.append(OracleFinding(step: p.index, classification: .mismatch, rule: "oracle.step-result", region: nil, offset: nil,
                                       kernel: "ok", harness: h.result, message: "the kernel did the \(p.action.rawValue), the harness's call failed"))
            }
            f += OracleComparison.compareLeaves(step: p.index, kernel: v, harness: h.view, known: known, comparable: comparable)
            f += OracleComparison.compareTables(step: p.index, kernel: v, harness: h.view, comparable: comparable)
            f += OracleComparison.compareTableCounts(step: p.index, kernel: kt, harness: h.tableChanges, comparable: comparable)
            steps.append(OracleResult.Step(index: p.index, action: p.action, guestRange: range, harnessResult: h.result,
                                           kernelRuns: v.runs.count, kernelEntries: v.runs.reduce(0) { $0 + $1.count },
                                           kernelTables: kt, harnessTables: h.tableChanges, requestSeconds: requestSeconds,
                                           readSeconds: read.seconds, tablePagesRead: read.walk.tablePagesRead, findings: f))
            let mism = f.filter { $0.classification == .mismatch }.count
            progress(String(format: "step %d/%d: %@ [%@, +%@) %.2f s, tables read in %.2f s: %@", n + 1, plan.steps.count,
                            p.action.rawValue, Quantity.hex(p.guestStart), Quantity.human(p.size), requestSeconds, read.seconds,
                            mism == 0 ? "agrees" : "\(mism) differences"))
            previous = v
        }
        return OracleResult(scenario: sc, kernel: kernel, revision: revision, era: era, plan: plan, bootSeconds: bootSeconds,
                            bootReadSeconds: bootRead.seconds, ttbr1: bootRead.ttbr1, mair: bootRead.mair, eraNotes: notes,
                            bootFindings: bootFindings, steps: steps, timings: m.timings)
    }
}
