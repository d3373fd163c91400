// What the harness observed the C code do: plain data, filled by
// HotRemoveHarness from the machine's snapshot and recorders, judged by the
// model.  Nothing here knows about the C target.

import HotRemoveModel
import HotRemoveScenario


/// A run of like leaf entries: same level and kind, same attributes,
/// contiguous VAs and output addresses.
public struct ObservedRun: Equatable, Sendable, Codable {
    public var va: UInt64
    public var count: UInt64
    public var entrySize: UInt64
    public var pa: UInt64
    /// descriptor bits other than the output address (valid, type, AttrIndx, SH, AF, nG, DBM, CONT, PXN, UXN, ...)
    public var attrs: UInt64
    public var level: Level
    public var kind: RunKind
    public init(va: UInt64, count: UInt64, entrySize: UInt64, pa: UInt64, attrs: UInt64, level: Level, kind: RunKind) {
        self.va = va; self.count = count; self.entrySize = entrySize; self.pa = pa
        self.attrs = attrs; self.level = level; self.kind = kind
    }
    public var end: UInt64 { va &+ count &* entrySize }
}

/// One page-table page reachable from swapper_pg_dir.
public struct ObservedTable: Equatable, Sendable, Codable {
    public var level: Level
    public var pa: UInt64
    public var vaStart: UInt64
    public var vaSpan: UInt64
    /// non-zero entries
    public var live: Int
    public init(level: Level, pa: UInt64, vaStart: UInt64, vaSpan: UInt64, live: Int) {
        self.level = level; self.pa = pa; self.vaStart = vaStart; self.vaSpan = vaSpan; self.live = live
    }
}

public struct ObservedState: Equatable, Sendable, Codable {
    public var runs: [ObservedRun]
    public var tables: [ObservedTable]
    /// allocated (or boot-reserved) page-table pages not reachable from swapper_pg_dir
    public var unreachableTablePages: Int
    /// pages reachable as tables that the allocator has as free
    public var reachableFreedPages: Int
    /// live allocations that are not page-table pages, and how many of them a leaf
    /// outside the linear map points at (the rest are unreachable: leaked)
    public var dataAllocations: UInt64
    public var dataAllocationsReached: UInt64
    public var unreachableDataAllocations: UInt64 { dataAllocations &- dataAllocationsReached }
    public init(runs: [ObservedRun] = [], tables: [ObservedTable] = [], unreachableTablePages: Int = 0,
                reachableFreedPages: Int = 0, dataAllocations: UInt64 = 0, dataAllocationsReached: UInt64 = 0) {
        self.runs = runs; self.tables = tables
        self.unreachableTablePages = unreachableTablePages; self.reachableFreedPages = reachableFreedPages
        self.dataAllocations = dataAllocations; self.dataAllocationsReached = dataAllocationsReached
    }
}

/// What the recorders count beyond a step's effects (StepEffects): totals that include what the lists
/// could not keep, and shim events no contract fixes.
public struct RecorderTotals: Equatable, Sendable, Codable {
    /// WARN_ON()s fired and faults met in the step, however many the lists kept; BUG()s among the faults
    public var warns: UInt64 = 0, faults: UInt64 = 0, bugs: UInt64 = 0
    /// clear_fixmap() calls: in v5.7 each is a pte_clear() of the slot plus one vaale1is of
    /// its page, which the shim counts here instead of issuing (CShim/mmu/README.md)
    public var fixmapClears: UInt64 = 0
    /// page allocations the scenario made fail
    public var allocFailures: UInt64 = 0
    public init() {}
}

/// One WARN_ON() site and how often it fired in the step.
public struct ObservedWarn: Equatable, Sendable, Codable {
    public var file: String
    public var line: Int
    public var condition: String
    public var count: UInt64
    public init(file: String, line: Int, condition: String, count: UInt64 = 1) {
        self.file = file; self.line = line; self.condition = condition; self.count = count
    }
}


public struct ObservedFault: Equatable, Sendable, Codable {
    public var kind: FaultKind
    /// pfn, or physical address for a read of a freed table
    public var location: UInt64
    public var detail: String
    public init(kind: FaultKind, location: UInt64, detail: String) { self.kind = kind; self.location = location; self.detail = detail }
}

/// A trace record; consecutive like records are coalesced into one with a count.
public struct ObservedEvent: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// set/clear: a = physical address of the first entry, count entries at 8-byte stride,
        /// b = first new value (set) or old value of the first entry (clear); entry k holds
        /// b + k * (VA span of an entry of that table), or 0 when b is 0
        case set, clear
        /// tlbiVA: a = first VA, count consecutive pages; tlbiWalk: a = VA; tlbiAll: count
        case tlbiVA, tlbiAll, tlbiWalk
        /// free/alloc: a = first pfn, level field = order, b = 1 table / 0 data (free) or zeroed (alloc)
        case free, alloc
        /// altmapFree: a = pfns returned
        case altmapFree
        /// warn/fault: a = index into the step's warns/faults
        case warn, fault
        /// dsb: level 0 = dsb(ishst), 1 = dsb(ish); isb; count = back to back
        case dsb, isb
        /// the `level` records before this one happen `count` more times, record j's a and b
        /// advancing by its da and db each time (see ObservedEvent.expand)
        case repeatPrevious
        /// a set over a valid entry with another value: a = entry pa, b = new value, db = old value
        case replace
        /// explore only: the events after this one are thread a's (0: the step's own code, the removal;
        /// k: walker k, running beside it); b = the scheduler's decisions so far.  A sequential trace has none.
        case thread
    }
    public var kind: Kind
    /// table level for set/clear (as in StepEffects.sets), order for free/alloc
    public var level: Int
    public var count: UInt64
    public var a: UInt64
    public var b: UInt64
    /// per repetition, in the body of a repeatPrevious loop
    public var da: UInt64 = 0, db: UInt64 = 0
    public init(kind: Kind, level: Int, count: UInt64, a: UInt64, b: UInt64, da: UInt64 = 0, db: UInt64 = 0) {
        self.kind = kind; self.level = level; self.count = count; self.a = a; self.b = b; self.da = da; self.db = db
    }

    /// This record of a loop's body as repetition `k` of the loop has it (a and b moved on by k steps).
    @inline(__always) public func repetition(_ k: UInt64) -> ObservedEvent {
        var x = self
        x.a = a &+ k &* da
        x.b = b &+ k &* db
        x.da = 0; x.db = 0
        return x
    }
}

public enum StepResult: Equatable, Sendable, Codable {
    case ok
    /// the kernel call returned a negative errno (e.g. a failed add)
    case error(Int)
    /// a memory notifier refused to offline (NOTIFY_BAD)
    case refused
    /// BUG()/BUG_ON() or a read of a freed table ended the step
    case oops(String)
    /// the harness rejected the step as invalid input
    case invalid(String)
    /// not run: a task that oopsed in an earlier step still holds the hotplug lock named here
    /// (HotplugLock's raw value), which this step takes first; the machine is wedged
    case blocked(String)
}

/// An altmap's counters after a step (device memory added with an altmap).
public struct ObservedAltmap: Equatable, Sendable, Codable {
    public var start: UInt64
    public var basePfn: UInt64, reserve: UInt64, free: UInt64, align: UInt64, alloc: UInt64
    public init(start: UInt64, basePfn: UInt64, reserve: UInt64, free: UInt64, align: UInt64, alloc: UInt64) {
        self.start = start; self.basePfn = basePfn; self.reserve = reserve; self.free = free; self.align = align; self.alloc = alloc
    }
}

public struct StepObservation: Equatable, Sendable, Codable {
    public var index: Int
    public var result: StepResult
    /// what the step did, as the model predicts it: filled once, from the recorders (Machine)
    public var effects: StepEffects
    public var recorder: RecorderTotals
    public var warns: [ObservedWarn]
    public var faults: [ObservedFault]
    /// nil when the trace was off
    public var trace: [ObservedEvent]?
    public var before: ObservedState
    public var after: ObservedState
    public var altmaps: [ObservedAltmap]
    /// what the recorders could not keep: a judge must not pass a step whose record is incomplete
    public var recorderLimits: [String]
    /// a `failAllocation` the step never reached (it made fewer page allocations): its failure path did not run
    public var injectionNotReached: String?
    public init(index: Int, result: StepResult, effects: StepEffects, recorder: RecorderTotals = RecorderTotals(),
                warns: [ObservedWarn], faults: [ObservedFault], trace: [ObservedEvent]?, before: ObservedState,
                after: ObservedState, altmaps: [ObservedAltmap] = [], recorderLimits: [String] = []) {
        self.index = index; self.result = result; self.effects = effects; self.recorder = recorder; self.warns = warns
        self.faults = faults; self.trace = trace; self.before = before; self.after = after; self.altmaps = altmaps
        self.recorderLimits = recorderLimits
    }
}
