import CShim
import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The recorder folds repeating groups of trace records into REPEAT records; unrolled, the trace must
/// hold exactly the events the always-on counters counted, kind by kind.  A folding bug that drops,
/// duplicates or mis-steps an event shows up here.
@Suite struct TraceFoldingTests {
    static let cases: [(String, String)] = {
        let names = ["linear-no-blocks@4K-48", "linear-not-1g-aligned@4K-48", "device-subsections@16K-47",
                     "vmemmap-vmalloc-neighbour@64K-42", "partial-remove@16K-36", "failed-add-allocation@4K-39"]
        return names.flatMap { n in ["v6", "final", "altmap"].map { (n, $0) } }
    }()

    @Test(arguments: TraceFoldingTests.cases)
    func unrolledTraceMatchesTheCounters(_ c: (String, String)) throws {
        let sc = try #require(CuratedScenarios.all.first { $0.name == c.0 })
        let run = try ScenarioRunner.run(sc, revision: c.1)
        for o in run.steps {
            let t = try #require(o.trace)
            var clears: UInt64 = 0, sets: UInt64 = 0, va: UInt64 = 0, all: UInt64 = 0, walk: UInt64 = 0
            var ishst: UInt64 = 0, ish: UInt64 = 0, isb: UInt64 = 0, tables: UInt64 = 0, allocs: UInt64 = 0
            var data = [UInt64](repeating: 0, count: 24)
            var lastClear: ObservedEvent?
            ObservedEvent.expand(t) { _, e in
                switch e.kind {
                case .clear: clears += e.count; lastClear = e
                case .set, .replace: sets += e.count
                case .tlbiVA: va += e.count
                case .tlbiAll: all += e.count
                case .tlbiWalk: walk += e.count
                case .dsb: if e.level == 0 { ishst += e.count } else { ish += e.count }
                case .isb: isb += e.count
                case .free: if e.b == 1 { tables += e.count } else { data[e.level] += e.count }
                case .alloc: allocs += e.count
                default: break
                }
                return true
            }
            let k = o.effects
            let where_ = "\(c.0) \(c.1) step \(o.index)"
            #expect(clears == k.clears.reduce(0, +), "\(where_) clears")
            #expect(sets == k.sets.reduce(0, +), "\(where_) sets")
            #expect(va == k.tlbiVA && all == k.tlbiAll && walk == k.tlbiWalk, "\(where_) TLBIs")
            #expect(ishst == k.dsbIshst && ish == k.dsbIsh && isb == k.isb, "\(where_) barriers")
            #expect(tables == k.tablesFreed.reduce(0, +), "\(where_) table frees")
            #expect(data == k.dataFreedByOrder, "\(where_) data frees")
            #expect(allocs == k.allocationsByOrder.reduce(0, +), "\(where_) allocations")
            // the fold keeps the trace small: a removal costs records per table page, not per entry
            if sc.name.hasPrefix("linear-no-blocks") && sc.steps[o.index].op == .remove {
                #expect(t.count < 20_000, "\(where_): \(t.count) records for \(clears) clears")
                #expect(lastClear != nil)
            }
        }
    }

    /// The recorders keep an open loop's repetition in progress as a count when its body allows
    /// (recorder.c, "Repetitions kept as a count"); the traces must be the very records the general
    /// path writes: every curated scenario above and generated ones, on v6, final and altmap, both ways.
    @Test func repetitionsKeptAsACountGiveTheSameTrace() throws {
        var scenarios = TraceFoldingTests.cases.map(\.0).compactMap { n in CuratedScenarios.all.first { $0.name == n } }
        scenarios += (0 ..< 8).map { ScenarioGenerator.generate(seed: 2027, index: $0) }
        func traces(counting: Bool) throws -> [[ObservedEvent]] {
            hr_trace_count_repetitions(counting)
            defer { hr_trace_count_repetitions(true) }
            return try scenarios.flatMap { sc in
                try ["v6", "final", "altmap"].flatMap { rev in
                    try ScenarioRunner.run(sc, revision: rev, rejectInvalid: false).steps.map { $0.trace ?? [] }
                }
            }
        }
        let general = try traces(counting: false), counted = try traces(counting: true)
        #expect(general.count == counted.count)
        for (i, (a, b)) in zip(general, counted).enumerated() where a != b {
            Issue.record("trace \(i) differs: \(a.count) records the general way, \(b.count) counted")
        }
        // loops were there to count: some trace folds a per-entry loop
        #expect(counted.contains { $0.contains { $0.kind == .repeatPrevious && $0.count > 100 } })
    }
}
