internal import CShim
import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// A schedule: runs of decisions, "thread:count" each, "thread:*" for "as long as the
/// thread can go on" (until it ends or waits for a lock).  "1:1034,0:*,1:*": thread 1
/// makes 1034 accesses, then thread 0 runs to its end, then thread 1.  After the last
/// run the thread that ran last goes on while it can, else the lowest-numbered one.
public struct Schedule: Equatable, Hashable, Sendable, CustomStringConvertible {
    public struct Run: Equatable, Hashable, Sendable {
        public var thread: Int
        public var count: Int   // decisions; ignored when star
        public var star: Bool
        public init(thread: Int, count: Int = 0, star: Bool = false) { self.thread = thread; self.count = count; self.star = star }
    }
    public var runs: [Run]
    public init(_ runs: [Run] = []) { self.runs = runs }

    public var description: String {
        runs.isEmpty ? "default" : runs.map { "\($0.thread):\($0.star ? "*" : String($0.count))" }.joined(separator: ",")
    }

    /// Preemptions: runs that ended while their thread could have gone on (an explicit count).
    public var preemptions: Int { runs.dropLast().filter { !$0.star }.count }

    public struct ParseError: Error, CustomStringConvertible { public let description: String }

    /// Parses "0:12,1:3,0:*" ("default" or "" is the empty schedule).
    public static func parse(_ text: String, threads: Int) throws -> Schedule {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t == "default" { return Schedule() }
        var runs: [Run] = []
        for (i, part) in t.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let f = part.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 2, let th = Int(f[0].trimmingCharacters(in: .whitespaces)) else {
                throw ParseError(description: "run \(i + 1) \"\(part)\": expected THREAD:COUNT or THREAD:*")
            }
            guard (0..<threads).contains(th) else {
                throw ParseError(description: "run \(i + 1) \"\(part)\": thread \(th) does not exist (0 is the removal, 1...\(threads - 1) the walkers)")
            }
            let c = f[1].trimmingCharacters(in: .whitespaces)
            if c == "*" { runs.append(Run(thread: th, star: true)); continue }
            guard let n = Int(c), n > 0, n <= Int(UInt32.max - 1) else {
                throw ParseError(description: "run \(i + 1) \"\(part)\": the count must be a positive whole number or *")
            }
            runs.append(Run(thread: th, count: n))
        }
        return Schedule(runs)
    }

    var cRuns: [hr_sched_run] {
        runs.map { hr_sched_run(thread: UInt32($0.thread), count: $0.star ? 0 : UInt32($0.count), star: $0.star) }
    }
}

/// One access at one decision of an execution.
public struct SchedEvent: Equatable, Sendable {
    public enum Access: Int, Sendable { case read = 1, write, free, alloc, tlbi, barrier, lock, unlock, freeData }
    public var thread: Int
    public var access: Access
    /// an entry read or written: its physical address; a free: the pfn; else an HR_OBJ_*
    public var obj: UInt64
    /// threads that could have been chosen at this decision, a bit each
    public var enabled: UInt8
    /// the page of an entry read or written, or the page freed
    public var page: UInt64
    public init(thread: Int, access: Access, obj: UInt64, enabled: UInt8, pageShift: Int = 12) {
        self.thread = thread; self.access = access; self.obj = obj; self.enabled = enabled
        switch access {
        case .read, .write: page = obj == SchedEvent.objOutside ? obj : obj >> UInt64(pageShift)
        case .free, .freeData: page = obj
        default: page = obj
        }
    }
    public var isWrite: Bool { access != .read }
    /// objects other than pages (HR_OBJ_* of CShim.h, which Swift does not import)
    public static let objOutside = UInt64.max, objAllocator = UInt64.max - 1, objNone = UInt64.max - 2
    public static let objLockBase = UInt64.max - 16

    /// What it touches, each with whether it writes it.  An entry access touches its entry, and
    /// its page as a reader; a free of a page table writes its page and the allocator's free lists
    /// (who allocates next may get it); a free of a data page writes only its page.
    package var keys: [(key: UInt64, write: Bool)] {
        var out: [(key: UInt64, write: Bool)] = []
        forEachKey { out.append(($0, $1)) }
        return out
    }
    /// `keys` one by one, without building a list: the search calls it for every access of every schedule.
    @inline(__always) package func forEachKey(_ body: (_ key: UInt64, _ write: Bool) -> Void) {
        switch access {
        case .read, .write:
            if obj != SchedEvent.objOutside { body(obj << 1, access == .write); body(page << 1 | 1, false) }
        case .free: body(page << 1 | 1, true); body(SchedEvent.objAllocator, true)
        case .freeData: body(page << 1 | 1, true)
        case .alloc: body(SchedEvent.objAllocator, true)
        case .lock, .unlock: body(obj, true)
        case .tlbi, .barrier: break
        }
    }
    /// Two accesses conflict when they come from different threads, touch the same entry (or
    /// page, lock, free lists) and at least one of them writes it: a write and a read of one entry,
    /// a free of a page and any access to an entry in it.  Only the order of conflicting accesses
    /// can change what anybody observes.
    public static func conflict(_ a: SchedEvent, _ b: SchedEvent) -> Bool {
        guard a.thread != b.thread else { return false }
        for x in a.keys { for y in b.keys where x.key == y.key && (x.write || y.write) { return true } }
        return false
    }
}

/// What a walker saw go wrong, or (kind `.ordering`, thread 0) a rule of the sequential checker
/// that the removal's own ordered trace broke in this schedule.
public struct WalkerFinding: Equatable, Sendable {
    public enum Kind: Int, Sendable {
        case freedTableRead = 1, notATable, outsideMemory, freedTableWrite, contHalf, oops, deadlock
        /// not from the C: a finding of the ordering rules (OrderingRules.swift) on the removal's trace
        case ordering = 100
        public var name: String {
            switch self {
            case .freedTableRead: return "walker.freed-table-read"
            case .notATable: return "walker.not-a-table"
            case .outsideMemory: return "walker.cleared-entry-followed"
            case .freedTableWrite: return "walker.freed-table-write"
            case .contHalf: return "walker.cont-half-updated"
            case .oops: return "walker.oops"
            case .deadlock: return "explore.deadlock"
            case .ordering: return "ordering"
            }
        }
    }
    public var kind: Kind
    public var thread: Int
    /// the decision at which it happened; -1 for a rule judged on the removal's whole trace
    public var decision: Int
    public var whereAddress: UInt64
    public var detail: String
    /// the sequential checker's rule (e.g. "inv.tlb-stale-leaf"), for kind `.ordering`
    public var orderingRule: String?
    public init(kind: Kind, thread: Int, decision: Int, whereAddress: UInt64, detail: String, orderingRule: String? = nil) {
        self.kind = kind; self.thread = thread; self.decision = decision; self.whereAddress = whereAddress
        self.detail = detail; self.orderingRule = orderingRule
    }
    /// what reports name it by: the walker finding's name, or the ordering rule
    public var rule: String { orderingRule ?? kind.name }

    /// A finding of the ordering rules, on thread 0 (the removal).
    package init(_ f: Finding) {
        var detail = f.message
        if !f.expected.isEmpty || !f.found.isEmpty { detail += " (expected \(f.expected), found \(f.found))" }
        self.init(kind: .ordering, thread: 0, decision: -1, whereAddress: f.va ?? 0, detail: detail, orderingRule: f.rule)
    }
}

/// One run of the threads under one schedule.
public struct Execution: Sendable {
    public var events: [SchedEvent]
    public var eventsTruncated: Bool
    /// the schedule as it was executed: replaying it gives this execution again
    public var schedule: Schedule
    public var findings: [WalkerFinding]
    public var removal: StepResult?
    /// the decision at which the requested plan named a thread that could not run
    public var divergedAt: Int?

    public init(events: [SchedEvent], schedule: Schedule, findings: [WalkerFinding] = [], removal: StepResult? = nil,
                divergedAt: Int? = nil, eventsTruncated: Bool = false) {
        self.events = events; self.schedule = schedule; self.findings = findings; self.removal = removal
        self.divergedAt = divergedAt; self.eventsTruncated = eventsTruncated
    }

    init(_ r: hr_explore_result, removal: StepResult?, pageShift: Int) {
        events = (0..<r.nr_events).map { i in
            let e = r.events[i]
            return SchedEvent(thread: Int(e.thread), access: SchedEvent.Access(rawValue: Int(e.kind)) ?? .read, obj: e.obj,
                              enabled: e.enabled, pageShift: pageShift)
        }
        eventsTruncated = r.events_truncated
        schedule = Schedule((0..<r.nr_runs).map { i in
            let x = r.runs[i]
            return Schedule.Run(thread: Int(x.thread), count: Int(x.count), star: x.star)
        })
        findings = (0..<r.nr_findings).map { i in
            var f = r.findings[i]
            let detail = withUnsafeBytes(of: &f.detail) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return WalkerFinding(kind: WalkerFinding.Kind(rawValue: Int(f.kind)) ?? .oops, thread: Int(f.thread),
                                 decision: Int(f.decision), whereAddress: f.`where`, detail: detail)
        }
        self.removal = removal
        divergedAt = r.diverged_at >= 0 ? Int(r.diverged_at) : nil
    }

    /// A name for the interleaving up to reordering of accesses that do not conflict (its
    /// Mazurkiewicz trace): per object, the order of its writes, with the reads between two
    /// writes counted per thread (reads of different threads commute).
    public var interleavingKey: Int { interleavingKey(ObjectRows(events)) }

    package func interleavingKey(_ objects: ObjectRows) -> Int {
        // per object: its hash so far and the reads pending since its last write
        var hashes = [Hasher](repeating: Hasher(), count: objects.count)
        var pending = [Int](repeating: 0, count: objects.count * 8)
        func flush(_ r: Int) {
            for t in 0..<8 where pending[r * 8 + t] > 0 {
                hashes[r].combine(-1 - t)
                hashes[r].combine(pending[r * 8 + t])
                pending[r * 8 + t] = 0
            }
        }
        for (j, e) in events.enumerated() {
            for n in 0..<2 {
                let r = Int(objects.rows[2 * j + n])
                guard r >= 0 else { break }
                if objects.writes[j] & (1 << UInt8(n)) != 0 { flush(r); hashes[r].combine(e.thread) } else { pending[r * 8 + e.thread] += 1 }
            }
        }
        var h = Hasher()
        for r in objects.keys.indices.sorted(by: { objects.keys[$0] < objects.keys[$1] }) {
            flush(r)
            h.combine(objects.keys[r])
            h.combine(hashes[r].finalize())
        }
        return h.finalize()
    }
}

/// The systematic search: a preemption-bounded exploration with a partial-order reduction
/// (DPOR-lite).  The first schedule is the default one; from every execution, for each access
/// the latest earlier access of another thread that conflicts with it is found (for a write,
/// also where that thread's streak of accesses to the object began), and a new schedule is
/// derived that runs the later access's thread at that point instead (the same prefix, then
/// that thread as long as it can).  Accesses that do not conflict are never
/// reordered, so the number of schedules grows with the conflicts, not with the length of the
/// removal.  Schedules are run in order of preemptions (fewest first), so the first schedule
/// that shows a finding has the fewest preemptions the search can give it.
public struct Explorer {
    public struct Options: Sendable {
        public var preemptionBound: Int = 2
        public var maxSchedules: Int = 1000
        public var stopAtFirstFinding: Bool = false
        public init(preemptionBound: Int = 2, maxSchedules: Int = 1000, stopAtFirstFinding: Bool = false) {
            self.preemptionBound = preemptionBound; self.maxSchedules = maxSchedules; self.stopAtFirstFinding = stopAtFirstFinding
        }
    }

    public struct Report: Sendable {
        public var schedulesRun = 0
        /// distinct interleavings (up to reordering of accesses that do not conflict)
        public var distinctInterleavings = 0
        /// schedules derived but not run: over the preemption bound, or over --schedules
        public var overBound = 0
        public var pending = 0
        /// every finding kind (per walker thread) with the first schedule that showed it
        public var findings: [(finding: WalkerFinding, schedule: Schedule, execution: Execution)] = []
        public var decisions = 0
        public var complete: Bool { pending == 0 && overBound == 0 }

        package init(schedulesRun: Int = 0, distinctInterleavings: Int = 0, overBound: Int = 0, pending: Int = 0,
                     findings: [(finding: WalkerFinding, schedule: Schedule, execution: Execution)] = [], decisions: Int = 0) {
            self.schedulesRun = schedulesRun; self.distinctInterleavings = distinctInterleavings; self.overBound = overBound
            self.pending = pending; self.findings = findings; self.decisions = decisions
        }
    }

    /// `stop` is asked before each schedule; when it says stop, the report so far is returned.
    /// A schedule that a stop request (ExploreStop) ended before its threads did: it has no result.
    public struct Stopped: Error {}

    public static func explore(options: Options, progress: ((Report) -> Void)? = nil, stop: (() -> Bool)? = nil,
                               execute: (Schedule) throws -> Execution) rethrows -> Report {
        var report = Report()
        var queues: [[Schedule]] = Array(repeating: [], count: options.preemptionBound + 1)
        var seen: Set<Schedule> = [Schedule()]
        var keys: Set<Int> = []
        var findingKeys: Set<String> = []
        queues[0].append(Schedule())
        var level = 0, head = 0
        while report.schedulesRun < options.maxSchedules {
            while level <= options.preemptionBound && head >= queues[level].count { level += 1; head = 0 }
            guard level <= options.preemptionBound else { break }
            if let stop, stop() { break }
            let plan = queues[level][head]
            let ex: Execution
            // a stop asked during the schedule (the target's ExploreStop) leaves it unrun: it counts as pending
            do { ex = try execute(plan) } catch is Stopped { break }
            head += 1
            report.schedulesRun += 1
            report.decisions += ex.events.count
            let objects = ObjectRows(ex.events)
            if keys.insert(ex.interleavingKey(objects)).inserted { report.distinctInterleavings += 1 }
            for f in ex.findings where findingKeys.insert("\(f.rule) \(f.thread)").inserted {
                report.findings.append((f, ex.schedule, ex))
            }
            if options.stopAtFirstFinding && !report.findings.isEmpty { break }
            if report.schedulesRun == 1 {
                // the first decision is free: every thread may be the one that starts
                let threads = (ex.events.map(\.thread).max() ?? 0) + 1
                for t in 1..<max(1, threads) where seen.insert(Schedule([.init(thread: t, count: 1)])).inserted {
                    queues[0].append(Schedule([.init(thread: t, count: 1)]))
                }
            }
            for (p, plan) in backtrackPlans(ex, objects: objects) where seen.insert(plan).inserted {
                if p > options.preemptionBound { report.overBound += 1; continue }
                queues[p].append(plan)
            }
            progress?(report)
        }
        report.pending = queues.enumerated().reduce(0) { $0 + ($1.offset < level ? 0 : $1.offset == level ? max(0, $1.element.count - head) : $1.element.count) }
        return report
    }

    /// New plans from one execution, each with its preemptions.
    package static func backtrackPlans(_ ex: Execution, objects: ObjectRows? = nil) -> [(Int, Schedule)] {
        let ev = ex.events
        guard !ev.isEmpty else { return [] }
        // preemptions in decisions 0...k
        var pre = [Int](repeating: 0, count: ev.count)
        for k in 1..<max(1, ev.count) {
            let switched = ev[k].thread != ev[k - 1].thread && ev[k].enabled & (1 << ev[k - 1].thread) != 0
            pre[k] = pre[k - 1] + (switched ? 1 : 0)
        }
        // per object (ObjectRows) and thread: the latest access and the latest write, and where each
        // thread's current streak of accesses began (since another thread last wrote)
        let objects = objects ?? ObjectRows(ev)
        var lastAccess = [Int](repeating: -1, count: objects.count * 8)
        var lastWrite = lastAccess, streakStart = lastAccess
        var points: [Int: Set<Int>] = [:]   // decision i -> threads to run there instead
        for (j, e) in ev.enumerated() where objects.rows[2 * j] >= 0 {
            let n = objects.rows[2 * j + 1] >= 0 ? 2 : 1
            // the latest conflicting access of another thread, and for a write the start of that
            // thread's streak of accesses (a walker preempted before it began on a page the write frees)
            var i = -1, streak = -1
            for k in 0..<n {
                let r = Int(objects.rows[2 * j + k]) * 8, w = objects.writes[j] & (1 << UInt8(k)) != 0
                for u in 0..<8 where u != e.thread {
                    let x = w ? lastAccess[r + u] : lastWrite[r + u]
                    if x > i { i = x; streak = w ? streakStart[r + u] : -1 }
                }
            }
            func backtrack(at k: Int) {
                if ev[k].enabled & (1 << e.thread) != 0 {
                    points[k, default: []].insert(e.thread)
                } else {   // the thread could not run there (a lock): every other thread that could
                    for u in 0..<8 where u != ev[k].thread && ev[k].enabled & (1 << u) != 0 { points[k, default: []].insert(u) }
                }
            }
            if i >= 0 { backtrack(at: i) }
            if streak >= 0 && streak != i { backtrack(at: streak) }
            for k in 0..<n {
                let r = Int(objects.rows[2 * j + k]) * 8, t = r + e.thread
                lastAccess[t] = j
                if streakStart[t] < 0 { streakStart[t] = j }
                if objects.writes[j] & (1 << UInt8(k)) != 0 {
                    lastWrite[t] = j
                    for u in 0..<8 where u != e.thread { streakStart[r + u] = -1 }
                }
            }
        }
        var out: [(Int, Schedule)] = []
        // the schedule of decisions 0..<i, grown point by point (the points ascend): building each from the
        // start made one execution cost (backtrack points) x (decisions), minutes for a 1 GiB walker
        var prefix = Schedule(), at = 0
        for i in points.keys.sorted() {
            while at < i {
                let c = ev[at].thread
                if let l = prefix.runs.last, l.thread == c { prefix.runs[prefix.runs.count - 1].count += 1 }
                else { prefix.runs.append(.init(thread: c, count: 1)) }
                at += 1
            }
            for t in points[i]!.sorted() where t != ev[i].thread {
                var plan = prefix
                plan.runs.append(.init(thread: t, count: 1))
                let p = (i > 0 ? pre[i - 1] : 0) + (i > 0 && t != ev[i - 1].thread && ev[i].enabled & (1 << ev[i - 1].thread) != 0 ? 1 : 0)
                out.append((p, plan))
            }
        }
        return out
    }

    /// Random schedules: up to `preemptions` switches at random decisions to random threads,
    /// within the length of a default execution.
    public static func randomPlans(seed: UInt64, count: Int, preemptions: Int, threads: Int, length: Int) -> [Schedule] {
        var rng = SplitMix64(seed: seed)
        var plans: [Schedule] = []
        for _ in 0..<count {
            let n = preemptions == 0 ? 0 : Int(rng.next() % UInt64(preemptions + 1))
            var points = (0..<n).map { _ in Int(rng.next() % UInt64(max(1, length))) }.sorted()
            points = Array(Set(points)).sorted()
            var runs: [Schedule.Run] = []
            var at = 0
            var thread = Int(rng.next() % UInt64(threads))
            for p in points where p > at {
                runs.append(.init(thread: thread, count: p - at))
                at = p
                var next = Int(rng.next() % UInt64(threads))
                if next == thread { next = (next + 1) % threads }
                thread = next
            }
            runs.append(.init(thread: thread, star: true))
            plans.append(Schedule(runs))
        }
        return plans
    }

    /// Shrinks a schedule that shows `kind` on `thread`: the shortest prefix of its runs that
    /// still shows it, then without each earlier run in turn; fewest preemptions kept.
    public static func shrink(_ schedule: Schedule, kind: WalkerFinding.Kind, thread: Int, budget: Int = 40,
                              execute: (Schedule) throws -> Execution) rethrows -> Schedule {
        try shrink(schedule, rule: kind.name, thread: thread, budget: budget, execute: execute)
    }

    /// Shrinks a schedule that shows the finding named `rule` (WalkerFinding.rule) on `thread`.
    public static func shrink(_ schedule: Schedule, rule: String, thread: Int, budget: Int = 40,
                              execute: (Schedule) throws -> Execution) rethrows -> Schedule {
        var best = schedule
        var tries = 0
        func shows(_ s: Schedule) throws -> Schedule? {
            tries += 1
            let ex = try execute(s)
            return ex.findings.contains { $0.rule == rule && $0.thread == thread } ? ex.schedule : nil
        }
        for k in 0..<best.runs.count where tries < budget {
            let cut = Schedule(Array(best.runs.prefix(k)))
            if let s = try shows(cut), s.preemptions <= best.preemptions { best = s; break }
        }
        var k = 0
        while k < best.runs.count - 1 && tries < budget {
            var c = best
            c.runs.remove(at: k)
            if let s = try shows(c), s.preemptions < best.preemptions { best = s } else { k += 1 }
        }
        return best
    }
}

/// A stop request for the executions of one exploration: `request()` (a signal's handling calls it: one
/// schedule can take many seconds) ends the schedule in hand at its next decision, and every later one
/// at its first, until `request(false)`.  One per exploration, so that explorations do not stop each other.
public final class ExploreStop: @unchecked Sendable {
    let flag: UnsafeMutablePointer<Int32>
    public init() { flag = .allocate(capacity: 1); flag.initialize(to: 0) }
    deinit { flag.deallocate() }
    public func request(_ stop: Bool = true) { hr_sched_request_stop(flag, stop) }
}

/// Runs a scenario's last removal beside its walkers under a schedule, on a fresh machine
/// each time (boot, neighbours and the steps before it run first, sequentially), and judges the
/// removal's own ordered trace by the sequential checker's ordering rules (OrderingJudge).
public struct ExploreTarget {
    public let scenario: Scenario
    public let revision: String
    public let stepIndex: Int
    public var threads: Int { scenario.walkers.count + 1 }
    /// judge the removal's trace by the ordering rules in every schedule (off: walkers only)
    public var judgeOrdering = true
    /// what ends its executions early (a signal, in `explore`)
    public var stop = ExploreStop()

    /// The page tables when the threads start: the same in every schedule (the steps before run
    /// alone), taken once.
    private final class Start: @unchecked Sendable { var state: ObservedState? }
    private let start = Start()

    public init(scenario: Scenario, revision: String) throws {
        guard !scenario.walkers.isEmpty else {
            throw HarnessError("\(scenario.name): no walkers; explore runs the \"walkers\" of the scenario beside its last removal")
        }
        guard let i = scenario.steps.lastIndex(where: { $0.op == .remove }) else {
            throw HarnessError("\(scenario.name): no remove step; explore runs the walkers beside the last removal")
        }
        do { try scenario.validateWalkerResources() } catch let e as ScenarioError { throw HarnessError("\(scenario.name): \(e)") }
        self.scenario = scenario
        self.revision = revision
        stepIndex = i
    }

    /// thread 0 is the removal, thread k walker k-1
    public func threadName(_ t: Int) -> String {
        t == 0 ? "removal" : t - 1 < scenario.walkers.count ? scenario.walkers[t - 1].label : "thread \(t)"
    }

    /// Throws Explorer.Stopped when a stop was asked (`stop`) before the schedule ended.
    public func execute(_ plan: Schedule) throws -> Execution {
        let m = try Machine(revision: revision, scenario: scenario)
        for (i, n) in scenario.neighbours.enumerated() {
            do { try m.mapNeighbour(va: n.va, size: n.size) } catch { throw HarnessError("neighbours[\(i)]: \(error)") }
        }
        m.traceEnabled = false
        defer { m.traceEnabled = false }
        for (i, s) in scenario.steps.enumerated() where i < stepIndex {
            if let n = s.failAllocation { m.failNthAllocation(n) }
            let r: StepResult
            switch s.op {
            case .add: r = m.add(start: s.start, size: s.size, kind: s.kind, altmap: s.altmap, failAddPages: s.failAddPages,
                                 memmapOnMemory: s.memmap == .memoryBlock, memmapFromRange: s.memmap == .range)
            case .remove: r = m.remove(start: s.start, size: s.size)
            case .offline: r = m.offline(start: s.start, size: s.size)
            }
            m.failNthAllocation(0)
            if case .invalid(let why) = r { throw HarnessError("steps[\(i)]: \(why)") }
        }
        let step = scenario.steps[stepIndex]
        let specs = scenario.walkers.map { w in
            hr_walker_spec(kind: Int32(w.kind == .ptdump ? HR_WALKER_PTDUMP : HR_WALKER_VMALLOC),
                           hotplug_lock: w.lock == .hotplug, map: w.ops.contains(.map), unmap: w.ops.contains(.unmap),
                           va: w.va, size: w.size)
        }
        let before: ObservedState?
        if judgeOrdering {
            if start.state == nil { start.state = try m.snapshot() }
            before = start.state
            m.resetRecorders()
            m.traceEnabled = true
        } else {
            before = nil
        }
        var out = hr_explore_result()
        var err = [CChar](repeating: 0, count: 512)
        let runs = plan.cRuns
        let rc = m.explore(start: step.start, size: step.size, walkers: specs, plan: runs, stop: stop, out: &out, err: &err)
        defer { hr_explore_result_free(&out) }
        guard rc == 0 else { throw HarnessError("explore: \(cString(err))") }
        if out.stopped { throw Explorer.Stopped() }
        let removal: StepResult
        switch out.removal_rc {
        case 0: removal = .ok
        case Int32(HR_E_OOPS): removal = .oops(withUnsafeBytes(of: &out.removal_err) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        case Int32(HR_E_REFUSED): removal = .refused
        case Int32(HR_E_INVALID): throw HarnessError("steps[\(stepIndex)]: " + withUnsafeBytes(of: &out.removal_err) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        default: removal = .error(Int(out.removal_rc))
        }
        var ex = Execution(out, removal: removal, pageShift: scenario.geometry.pageShift)
        if let before {
            let limits = m.traceTruncated ? ["the ordered trace was truncated (host memory)"] : []
            for f in OrderingJudge.check(scenario, step: stepIndex, before: before, trace: m.trace, recorderLimits: limits) {
                ex.findings.append(WalkerFinding(f))
            }
        }
        return ex
    }
}

/// The explorer's own check: two threads of a hand-written program of accesses, on the
/// scheduler in C with no machine.
public enum SchedSelfTest {
    public static func run(_ t0: [(SchedEvent.Access, UInt64)], _ t1: [(SchedEvent.Access, UInt64)], plan: Schedule) -> Execution {
        let k0 = t0.map { UInt8($0.0.rawValue) }, o0 = t0.map(\.1)
        let k1 = t1.map { UInt8($0.0.rawValue) }, o1 = t1.map(\.1)
        var out = hr_explore_result()
        let runs = plan.cRuns
        _ = hr_sched_selftest(k0, o0, k0.count, k1, o1, k1.count, runs, runs.count, &out)
        defer { hr_explore_result_free(&out) }
        return Execution(out, removal: nil, pageShift: 12)
    }
}

extension Machine {
    func explore(start: UInt64, size: UInt64, walkers: [hr_walker_spec], plan: [hr_sched_run], stop: ExploreStop,
                 out: inout hr_explore_result, err: inout [CChar]) -> Int32 {
        let n = err.count
        return walkers.withUnsafeBufferPointer { w in
            plan.withUnsafeBufferPointer { p in
                err.withUnsafeMutableBufferPointer { e in
                    hr_explore_run(handle, start, size, w.baseAddress, Int32(w.count), p.baseAddress, p.count, stop.flag, &out,
                                   e.baseAddress, n)
                }
            }
        }
    }
}
