internal import CShim
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// A C string from a fixed buffer.
package func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

public struct HarnessError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// the C refused a machine for a scenario that passed validation (or the host had no memory
    /// for it): the harness failed, not the input
    public let internalFailure: Bool
    public init(_ message: String, internalFailure: Bool = false) {
        self.message = message
        self.internalFailure = internalFailure
    }
    public var description: String { message }
}

/// One simulated arm64 machine running one revision on one geometry.  It owns
/// the C machine and tears it down in deinit.  Not thread-safe: use one
/// machine per thread (many machines may run side by side).
public final class Machine {
    package let handle: OpaquePointer
    public let geometry: Geometry
    public let revision: String
    public let scenario: Scenario

    public init(revision: String, scenario: Scenario) throws {
        guard Registry.revision(named: revision) != nil else {
            throw HarnessError("unknown revision \"\(revision)\"; one of \(Registry.revisions.map(\.name).joined(separator: ", "))")
        }
        guard let inst = Registry.instance(revision: revision, geometry: scenario.geometry) else {
            throw HarnessError("revision \(revision) is not compiled for \(scenario.geometry.name)")
        }
        var cfg = hr_machine_config(phys_offset: scenario.physOffset, phys_size: scenario.physSize,
                                    boot_start: scenario.bootStart, boot_size: scenario.bootSize,
                                    section_size_bits: UInt32(scenario.sectionSizeBits),
                                    struct_page_size: UInt32(scenario.structPageSize),
                                    rodata_full: scenario.rodataFull, debug_pagealloc: scenario.debugPagealloc,
                                    init_on_alloc: scenario.initOnAlloc)
        var err = [CChar](repeating: 0, count: 512)
        guard let h = hr_machine_create(inst, &cfg, &err, err.count) else {
            throw HarnessError("machine: " + cString(err), internalFailure: true)
        }
        handle = h
        geometry = scenario.geometry
        self.revision = revision
        self.scenario = scenario
    }

    deinit { hr_machine_destroy(handle) }

    /// The geometry as the compiled instance sees it (its own macros).
    var compiledGeometry: hr_geometry {
        var g = hr_geometry()
        hr_machine_get_geometry(handle, &g)
        return g
    }

    // MARK: operations

    private func result(_ rc: Int32, _ err: [CChar]) -> StepResult {
        switch rc {
        case 0: return .ok
        case Int32(HR_E_REFUSED): return .refused
        case Int32(HR_E_OOPS): return .oops(String(cString: hr_last_oops(handle)))
        case Int32(HR_E_INVALID): return .invalid(cString(err))
        case Int32(HR_E_BLOCKED): return .blocked(cString(err))
        default: return .error(Int(rc))
        }
    }

    public func add(start: UInt64, size: UInt64, kind: Scenario.MemoryKind = .ram,
                    altmap: Scenario.Altmap? = nil, failAddPages: Bool = false, memmapOnMemory: Bool = false,
                    memmapFromRange: Bool = false) -> StepResult {
        var opt = hr_add_options()
        opt.kind = kind == .device ? Int32(HR_MEM_DEVICE) : Int32(HR_MEM_RAM)
        opt.altmap = altmap != nil
        opt.altmap_reserve = altmap?.reserve ?? 0
        // struct vmem_altmap.free as the kernel reads it: the pfns the memmap may take, 0 is none.
        // Omitted in the scenario: the whole range after `reserve`.
        let pages = size >> UInt64(geometry.pageShift)
        opt.altmap_free = altmap.map { $0.free ?? (pages > $0.reserve ? pages - $0.reserve : 0) } ?? 0
        opt.fail_add_pages = failAddPages
        opt.memmap_on_memory = memmapOnMemory
        opt.memmap_from_range = memmapFromRange
        var err = [CChar](repeating: 0, count: 512)
        return result(hr_add_memory(handle, start, size, &opt, &err, err.count), err)
    }

    public func remove(start: UInt64, size: UInt64) -> StepResult {
        var err = [CChar](repeating: 0, count: 512)
        return result(hr_remove_memory(handle, start, size, &err, err.count), err)
    }

    public func offline(start: UInt64, size: UInt64) -> StepResult {
        var err = [CChar](repeating: 0, count: 512)
        return result(hr_offline_memory(handle, start, size, &err, err.count), err)
    }

    public func mapNeighbour(va: UInt64, size: UInt64) throws {
        var err = [CChar](repeating: 0, count: 512)
        let rc = hr_map_neighbour(handle, va, size, &err, err.count)
        if rc != 0 { throw HarnessError(cString(err)) }
    }

    /// The Nth page allocation from now fails (0: none).
    public func failNthAllocation(_ n: Int) { hr_fail_nth_allocation(handle, n) }
    /// Allocations still to come before the failure failNthAllocation() asked for: 0 once it happened.
    public var pendingAllocationFailure: Int { hr_pending_allocation_failure(handle) }

    // MARK: state

    /// The page tables as the hardware walker sees them.  A snapshot that could not
    /// be taken whole, or that holds something the harness cannot name, is an error:
    /// nothing may be judged on a partial picture.
    public func snapshot() throws -> ObservedState {
        var s = hr_snapshot()
        let rc = hr_snapshot_take(handle, &s)
        defer { hr_snapshot_free(&s) }
        guard rc == 0 else { throw HarnessError("snapshot of the page tables failed (\(rc)): out of host memory") }
        func level(_ raw: UInt8, _ what: @autoclosure () -> String) throws -> Level {
            guard let l = Level(rawValue: Int(raw)) else { throw HarnessError("snapshot: \(what()) at an unknown level \(raw)") }
            return l
        }
        var runs: [ObservedRun] = []
        runs.reserveCapacity(s.nr_runs)
        for i in 0..<s.nr_runs {
            let r = s.runs[i]
            let kind: RunKind
            switch Int(r.kind) {
            case HR_RUN_PAGE: kind = .page
            case HR_RUN_BLOCK: kind = .block
            case HR_RUN_INVALID: kind = .invalid
            default: throw HarnessError("snapshot: leaf run at \(Quantity.hex(r.va)) of unknown kind \(r.kind)")
            }
            runs.append(ObservedRun(va: r.va, count: r.count, entrySize: r.entry_size, pa: r.pa, attrs: r.attrs,
                                    level: try level(r.level, "leaf run at \(Quantity.hex(r.va))"), kind: kind))
        }
        var tables: [ObservedTable] = []
        tables.reserveCapacity(s.nr_tables)
        for i in 0..<s.nr_tables {
            let t = s.tables[i]
            tables.append(ObservedTable(level: try level(t.level, "table page \(Quantity.hex(t.pa))"), pa: t.pa, vaStart: t.va_start,
                                        vaSpan: t.va_span, live: Int(t.live)))
        }
        tables.sort { ($0.vaStart, $0.level) < ($1.vaStart, $1.level) }
        return ObservedState(runs: runs, tables: tables, unreachableTablePages: Int(s.unreachable_table_pages),
                             reachableFreedPages: Int(s.reachable_freed_pages),
                             dataAllocations: s.allocated_data_pages, dataAllocationsReached: s.reached_data_pages)
    }

    /// The step's effects as the recorders counted them (StepEffects, the type the model predicts) and
    /// the totals beyond them, read from hr_counters in one place.  The lists (WARN_ON() sites, faults,
    /// trace) are added by observe().
    public var counted: (effects: StepEffects, totals: RecorderTotals) {
        var c = hr_counters()
        hr_counters_get(handle, &c)
        func array<T>(_ x: T) -> [UInt64] { withUnsafeBytes(of: x) { Array($0.bindMemory(to: UInt64.self)) } }
        var e = StepEffects()
        e.sets = array(c.sets); e.clears = array(c.clears)
        e.tablesFreed = array(c.tables_freed); e.tablesAllocated = array(c.tables_allocated)
        e.dataFreedByOrder = array(c.data_freed_by_order); e.allocationsByOrder = array(c.data_allocated_by_order)
        e.altmapPagesFreed = c.altmap_pages_freed
        e.vmemmapPagesMarked = c.vmemmap_pages_marked
        e.vmemmapHeadSections = c.vmemmap_head_sections
        e.vmemmapPagesOnlined = c.vmemmap_pages_onlined
        e.tlbiVA = c.tlbi_va; e.tlbiAll = c.tlbi_all; e.tlbiWalk = c.tlbi_walk
        e.dsbIshst = c.dsb_ishst; e.dsbIsh = c.dsb_ish; e.isb = c.isb
        let byKind = array(c.faults_by_kind)
        for (i, kind) in Machine.faultKinds where byKind[Int(i)] > 0 { e.faults[kind.rawValue] = byKind[Int(i)] }
        var t = RecorderTotals()
        t.warns = c.warns; t.faults = c.faults; t.bugs = c.bugs
        t.fixmapClears = c.fixmap_clears
        t.allocFailures = c.alloc_failures
        return (e, t)
    }

    /// Step `index` as the recorders saw it since resetRecorders(): its effects filled once, from the
    /// counters and the lists, and the tables `before` and `after` it.
    public func observe(index: Int, result: StepResult, before: ObservedState, after: ObservedState,
                        altmaps: [ObservedAltmap] = [], traced: Bool) -> StepObservation {
        var (effects, totals) = counted
        effects.result = StepEffects.result(result)
        let warns = self.warns, faults = self.faults, trace = traced ? self.trace : nil
        effects.record(warns: warns, faults: faults, trace: trace, before: before, geometry: geometry)
        return StepObservation(index: index, result: result, effects: effects, recorder: totals, warns: warns, faults: faults,
                               trace: trace, before: before, after: after, altmaps: altmaps, recorderLimits: recorderLimits)
    }

    public func resetRecorders() {
        hr_counters_reset(handle)
        hr_trace_clear(handle)
    }

    /// WARN_ON() sites that fired in the step, each with its count.
    public var warns: [ObservedWarn] {
        (0..<hr_warn_count(handle)).map { i in
            let w = hr_warn_at(handle, i)
            return ObservedWarn(file: String(cString: w.file), line: Int(w.line), condition: String(cString: w.cond),
                                count: w.count)
        }
    }

    package static let faultKinds: [(Int32, FaultKind)] = [
        (Int32(HR_FAULT_DOUBLE_FREE), .doubleFree),
        (Int32(HR_FAULT_FREE_NEVER_ALLOCATED), .freeNeverAllocated),
        (Int32(HR_FAULT_FREE_WRONG_ORDER), .freeWrongOrder),
        (Int32(HR_FAULT_FREE_RESERVED), .freeReserved),
        (Int32(HR_FAULT_FREE_OUTSIDE_MEMORY), .freeOutsideMemory),
        (Int32(HR_FAULT_POISON_READ), .poisonRead),
        (Int32(HR_FAULT_BUG), .bug),
    ]

    public var faults: [ObservedFault] {
        (0..<hr_fault_count(handle)).map { i in
            let f = hr_fault_at(handle, i)
            let detail = f.detail.map { String(cString: $0) } ?? ""
            // a kind the Swift side does not know is reported as a BUG that says so, never dropped
            guard let kind = Machine.faultKinds.first(where: { $0.0 == f.kind })?.1 else {
                return ObservedFault(kind: .bug, location: f.where, detail: "unknown fault kind \(f.kind): \(detail)")
            }
            return ObservedFault(kind: kind, location: f.where, detail: detail)
        }
    }

    /// What the recorders of the last step could not keep (empty when the record is whole).
    public var recorderLimits: [String] {
        var out: [String] = []
        if traceEnabled && hr_trace_truncated(handle) { out.append("the ordered trace was truncated (host memory)") }
        if hr_warn_sites_overflowed(handle) { out.append("more WARN_ON() sites fired than the recorder lists") }
        if hr_faults_overflowed(handle) { out.append("more faults happened than the recorder lists") }
        return out
    }

    public var traceEnabled: Bool = false {
        didSet { hr_trace_enable(handle, traceEnabled) }
    }

    public var trace: [ObservedEvent] {
        let n = hr_trace_length(handle)
        guard n > 0, let p = hr_trace_events(handle) else { return [] }
        var out: [ObservedEvent] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let e = p[i]
            let k: ObservedEvent.Kind
            switch Int(e.kind) {
            case HR_EV_SET: k = .set
            case HR_EV_CLEAR: k = .clear
            case HR_EV_TLBI_VA: k = .tlbiVA
            case HR_EV_TLBI_ALL: k = .tlbiAll
            case HR_EV_TLBI_WALK: k = .tlbiWalk
            case HR_EV_FREE: k = .free
            case HR_EV_ALLOC: k = .alloc
            case HR_EV_ALTMAP_FREE: k = .altmapFree
            case HR_EV_WARN: k = .warn
            case HR_EV_FAULT: k = .fault
            case HR_EV_DSB: k = .dsb
            case HR_EV_ISB: k = .isb
            case HR_EV_REPEAT: k = .repeatPrevious
            case HR_EV_REPLACE: k = .replace
            case HR_EV_THREAD: k = .thread
            default: preconditionFailure("trace event of unknown kind \(e.kind)")
            }
            out.append(ObservedEvent(kind: k, level: Int(e.level), count: UInt64(e.count), a: e.a, b: e.b, da: e.da, db: e.db))
        }
        return out
    }

    public var traceTruncated: Bool { hr_trace_truncated(handle) }

    /// Every altmap the machine holds (device ranges', and each memory block's with its memmap on memory; a
    /// removed range's until its slot is reused), one per range start, by start: the machine's slots, not
    /// a re-derivation of its policy.
    public func altmaps() -> [ObservedAltmap] {
        var info = [hr_altmap_info](repeating: hr_altmap_info(), count: Int(HR_ALTMAP_SLOTS))
        let n = Int(hr_altmaps(handle, &info))
        return info[..<n].map {
            ObservedAltmap(start: $0.start, basePfn: $0.base_pfn, reserve: $0.reserve, free: $0.free, align: $0.align, alloc: $0.alloc)
        }.sorted { $0.start < $1.start }
    }

    public var freePages: UInt64 { hr_free_pages_count(handle) }

    /// struct page flags and order of a pfn (see CShim/kernel/machine.h).
    public func pageInfo(pfn: UInt64) -> (flags: UInt32, order: UInt32)? {
        var f: UInt32 = 0, o: UInt32 = 0
        return hr_page_info(handle, pfn, &f, &o) ? (f, o) : nil
    }

    // MARK: deliberate allocator misuse (tests of the fault detection)

    public func debugAlloc(order: Int, zero: Bool = true, asTable level: Level? = nil) -> UInt64 {
        hr_debug_alloc(handle, UInt32(order), zero, level != nil, Int32(level?.rawValue ?? 0))
    }
    public func debugFree(pfn: UInt64, order: Int) { hr_debug_free_pfn(handle, pfn, UInt32(order)) }
    public func debugReadEntry(pa: UInt64) -> UInt64 { hr_debug_read_entry(handle, pa) }
    public func debugWriteEntry(pa: UInt64, _ value: UInt64) { hr_debug_write_entry(handle, pa, value) }
}
