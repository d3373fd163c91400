import Foundation

// Validation: the one place that decides whether a scenario is valid, whether it was parsed from a
// file or built in Swift (the generator, the shrinker's candidates); the JSON text's own checks
// (comments, duplicate keys); and the resources a scenario needs.

/// Physical ranges and the kind of memory they were added as, assuming every add succeeds.
struct StaticRanges {
    private var ranges: [(range: Range<UInt64>, kind: Scenario.MemoryKind)] = []

    mutating func insert(_ r: Range<UInt64>, _ kind: Scenario.MemoryKind) { ranges.append((r, kind)) }

    mutating func remove(_ r: Range<UInt64>) {
        var out: [(range: Range<UInt64>, kind: Scenario.MemoryKind)] = []
        for x in ranges {
            guard x.range.overlaps(r) else { out.append(x); continue }
            if x.range.lowerBound < r.lowerBound { out.append((x.range.lowerBound ..< r.lowerBound, x.kind)) }
            if r.upperBound < x.range.upperBound { out.append((r.upperBound ..< x.range.upperBound, x.kind)) }
        }
        ranges = out
    }

    func kinds(overlapping r: Range<UInt64>) -> [Scenario.MemoryKind] {
        let k = Set(ranges.filter { $0.range.overlaps(r) }.map(\.kind))
        return [Scenario.MemoryKind.ram, .device].filter { k.contains($0) }
    }
}

/// What each range was added as, assuming every add succeeds: a removal or an offline acts on memory of the
/// kind it was added as (boot memory is RAM).  An add told to fail in __add_pages() adds nothing; an add over
/// an earlier one is valid only if that one failed, and takes its place.
struct AddedMemory {
    private var ranges = StaticRanges()
    /// adds whose memory blocks have their memmap on memory: removed one memory block at a time
    private var memoryBlockAdds: [Range<UInt64>] = []
    private let sectionSize: UInt64
    /// mhp_supports_memmap_on_memory(): a memory block's memmap spans whole PMDs (else an ordinary add)
    private let blockMemmapFitsPMDs: Bool

    init(_ sc: Scenario) {
        ranges.insert(sc.bootStart ..< sc.bootStart &+ sc.bootSize, .ram)
        sectionSize = sc.sectionSize
        blockMemmapFitsPMDs = sc.sectionSize / sc.geometry.pageSize * UInt64(sc.structPageSize) % sc.geometry.pmdSize == 0
    }

    func kinds(overlapping r: Range<UInt64>) -> [Scenario.MemoryKind] { ranges.kinds(overlapping: r) }

    mutating func record(_ s: Scenario.Step) {
        let r = s.start ..< s.start + s.size
        switch s.op {
        case .add:
            ranges.remove(r)
            if !s.failAddPages { ranges.insert(r, s.kind) }
            memoryBlockAdds.removeAll { $0.overlaps(r) }
            if s.memmap == .memoryBlock && blockMemmapFitsPMDs { memoryBlockAdds.append(r) }
        case .remove:
            // memory with its memmap on memory goes one memory block at a time; any other removal of it is
            // refused (-EINVAL) and leaves it added
            if s.size == sectionSize || !memoryBlockAdds.contains(where: { $0.overlaps(r) }) { ranges.remove(r) }
        case .offline:
            break
        }
    }
}

/// Checks on the JSON text that JSONSerialization does not make.
enum JSONScan {
    /// The first comment outside strings, as "// at line 3".
    static func comment(in data: Data) -> String? {
        let b = [UInt8](data)
        var inString = false, escape = false, line = 1
        for i in b.indices {
            let c = b[i]
            if c == 0x0A { line += 1 }
            if inString {
                if escape { escape = false } else if c == 0x5C { escape = true } else if c == 0x22 { inString = false }
            } else if c == 0x22 {
                inString = true
            } else if c == 0x2F, i + 1 < b.count, b[i + 1] == 0x2F || b[i + 1] == 0x2A {
                return "\(b[i + 1] == 0x2F ? "//" : "/*") at line \(line)"
            }
        }
        return nil
    }

    /// The path of the first key an object repeats (JSONSerialization keeps the last silently).
    /// `data` is valid JSON.
    static func duplicateKey(in data: Data) -> String? {
        struct Frame {
            var isObject: Bool
            var path: String
            var keys = Set<String>()
            var key = ""
            var index = 0
            var expectingKey = true
        }
        let b = [UInt8](data)
        var stack: [Frame] = []
        func childPath() -> String {
            guard let f = stack.last else { return "" }
            if f.isObject { return f.path.isEmpty ? f.key : f.path + "." + f.key }
            return f.path + "[\(f.index)]"
        }
        var i = 0
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Frame(isObject: c == UInt8(ascii: "{"), path: childPath()))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                if !stack.isEmpty {
                    if stack[stack.count - 1].isObject { stack[stack.count - 1].expectingKey = true } else { stack[stack.count - 1].index += 1 }
                }
            case UInt8(ascii: "\""):
                var j = i + 1, escape = false
                while j < b.count {
                    if escape { escape = false } else if b[j] == 0x5C { escape = true } else if b[j] == 0x22 { break }
                    j += 1
                }
                if let f = stack.last, f.isObject, f.expectingKey, j < b.count {
                    let literal = Data(b[i...j])
                    let key = (try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed)) as? String
                        ?? String(decoding: b[(i + 1)..<j], as: UTF8.self)
                    var top = stack.removeLast()
                    if !top.keys.insert(key).inserted { return top.path.isEmpty ? key : top.path + "." + key }
                    top.key = key
                    top.expectingKey = false
                    stack.append(top)
                }
                i = j
            default:
                break
            }
            i += 1
        }
        return nil
    }
}

// MARK: resources

extension Scenario {
    /// Host memory one run of a scenario may need: inputs estimated above it are refused up front.
    public static let hostMemoryLimit: UInt64 = 4 << 30

    /// Bytes of simulated memory the memmap and page tables of `size` bytes of memory take
    /// (an upper bound): the memmap rounded out to whole vmemmap units per section piece, the
    /// leaf tables of the linear map and of the vmemmap, and a few upper tables.
    func tableAndMemmapBytes(_ size: UInt64) -> UInt64 {
        let (memmap, tables) = memmapAndTableBytes(size)
        return memmap + tables
    }

    func memmapAndTableBytes(_ size: UInt64) -> (memmap: UInt64, tables: UInt64) {
        let g = geometry, page = g.pageSize
        let unit = g.vmemmapUsesSections ? g.pmdSize : page
        let pieces = (size + sectionSize - 1) / sectionSize + 1
        let memmap = ((size / page) * UInt64(structPageSize) + unit - 1) / unit * unit + pieces * unit
        let perTable = page / 8
        let leaf = noBlockMappings ? page : g.pmdSize
        let linearTables = ((size + leaf - 1) / leaf + perTable - 1) / perTable + 2
        let vmemmapTables = (memmap / unit + perTable - 1) / perTable + 2
        return (memmap, (linearTables + vmemmapTables + UInt64(g.levels) * 4) * page)
    }

    /// Entries one step sets or clears (linear map and vmemmap), an upper bound: what its trace holds.
    func entriesTouched(_ size: UInt64) -> UInt64 {
        let g = geometry
        let leaf = noBlockMappings ? g.pageSize : min(g.pmdSize, max(g.pageSize, sectionSize))
        let unit = g.vmemmapUsesSections ? g.pmdSize : g.pageSize
        return (size + leaf - 1) / leaf + ((size / g.pageSize) * UInt64(structPageSize) + unit - 1) / unit + 16
    }

    // Host costs, measured with `check --revision final` (release build, 2026-12-08; docs/SCENARIOS.md has
    // the runs) and rounded up: each is an upper bound within 2x of what was measured.
    /// The process itself: the executable, the Swift runtime, the curated data (measured 22 MiB in a
    /// release build, 33 in a debug build).
    static let hostBytesOfProcess: UInt64 = 32 << 20
    /// Per page of boot memory: the driver's struct page and allocator lists (measured 4.3).
    static let hostBytesPerBootPage: UInt64 = 6
    /// Per two pages of hot-added memory (measured 0.33 a page: its struct pages are touched sparsely).
    static let hostBytesPerTwoAddedPages: UInt64 = 1
    /// Per entry a step sets or clears, kept for the rest of the run: its folded trace and snapshots
    /// (measured 0.9 over 60 add/remove cycles of 1 GiB under rodataFull).
    static let hostBytesPerEntryKept: UInt64 = 2
    /// Per entry of the step in hand, while its trace is recorded and judged (measured up to 10).
    static let hostBytesPerEntryInHand: UInt64 = 12
    /// Per page-table page, beside the page itself: its struct page, allocator and snapshot records
    /// (measured 0.6 to 1.5 KiB with `bench` of 16 and 64 GiB page-mapped).
    static let hostBytesPerTablePage: UInt64 = 2048
    /// Per vmalloc walker page, times the number of walkers: the explorer's record of every access of
    /// every thread (measured 2.0 KiB a page for one walker, 4.1 KiB for two).
    static let hostBytesPerWalkerPagePerWalker: UInt64 = 2304

    /// Where a run's host memory peaks, estimated from what is present at each step: boot memory, the
    /// memory added and not removed with its page tables, what each step's check keeps, and the step in
    /// hand (table pages a revision leaks stay in simulated memory, which validateResources() bounds).
    /// `traced`: the steps are recorded and judged (`check`, `run`, campaigns); `bench` runs them
    /// untraced.  `step` is where the peak is (nil: boot), or the first step above `stopAbove`.
    public func hostMemoryEstimate(traced: Bool = true, stopAbove: UInt64 = .max) -> (bytes: UInt64, step: Int?) {
        let page = geometry.pageSize
        let base = bootHostBytes
        var peak = (bytes: base, step: Int?.none)
        var kept: UInt64 = 0, tables: UInt64 = 0, livePages: UInt64 = 0
        for (i, s) in steps.enumerated() {
            let entries = traced ? entriesTouched(s.size) : 0
            // an add's tables and pages are there at its end, a removal's until its end
            if s.op == .add {
                tables += memmapAndTableBytes(s.size).tables
                livePages += s.size / page
            }
            let now = base + kept + entries * Scenario.hostBytesPerEntryInHand + tableCost(tables)
                + livePages / 2 * Scenario.hostBytesPerTwoAddedPages
            if now > peak.bytes { peak = (now, i) }
            if now > stopAbove { break }
            kept += entries * Scenario.hostBytesPerEntryKept
            if s.op == .remove {
                tables -= min(tables, memmapAndTableBytes(s.size).tables)
                livePages -= min(livePages, s.size / page)
            }
        }
        return peak
    }

    /// A page-table page in host memory: the page and what the harness keeps about it.
    private func tableCost(_ bytes: UInt64) -> UInt64 { bytes + bytes / geometry.pageSize * Scenario.hostBytesPerTablePage }

    /// The machine as booted, before any step: the process, boot memory's struct pages and allocator lists,
    /// and its and the neighbours' page tables (boot memory's memmap is reserved, not written: its pages
    /// cost the host nothing).
    var bootHostBytes: UInt64 {
        let page = geometry.pageSize
        var neighbourTables: UInt64 = 0
        for n in neighbours { neighbourTables += ((n.size / page) / (page / 8) + 4) * page }
        return Scenario.hostBytesOfProcess + (bootSize / page) * Scenario.hostBytesPerBootPage
            + tableCost(memmapAndTableBytes(bootSize).tables + neighbourTables)
    }

    /// What the walkers add to a run that runs them (`explore`, `fuzz --walkers`).
    public var walkerHostBytes: UInt64 {
        let pages = walkers.filter { $0.kind == .vmalloc }.reduce(UInt64(0)) { $0 + $1.size / geometry.pageSize }
        return pages * UInt64(walkers.count) * Scenario.hostBytesPerWalkerPagePerWalker
    }

    /// The scenario's memmap and page tables must fit the boot memory the simulated kernel allocates
    /// them from (the model does not simulate running out of memory), and a run must stay within
    /// `hostMemoryLimit` of host memory.  Estimates, generous by design; the errors name the field.
    public func validateResources() throws {
        let page = geometry.pageSize
        var boot = tableAndMemmapBytes(bootSize) + page
        let pool = bootSize / 2
        guard boot <= pool else {
            throw ScenarioError("bootMemory.size", "\(Quantity.human(bootSize)) of boot memory cannot hold its own memmap and page tables (about \(Quantity.human(roundedMiB(boot)))), and at most half of boot memory is used for them); use more boot memory")
        }
        for (i, n) in neighbours.enumerated() {
            // a neighbour's page tables (its pages are not simulated)
            boot += ((n.size / page) / (page / 8) + 4) * page
            guard boot <= pool else {
                throw ScenarioError("neighbours[\(i)].size", "\(Quantity.human(n.size)): the page tables of the neighbours so far need about \(Quantity.human(roundedMiB(boot))) of boot memory with its own, more than half of the \(Quantity.human(bootSize)) they are allocated from")
            }
        }
        // what is added takes its memmap from boot memory until it is removed; its tables may stay
        var live: UInt64 = 0
        for (i, s) in steps.enumerated() {
            switch s.op {
            case .add:
                live += tableAndMemmapBytes(s.size)
                guard boot + live <= pool else {
                    throw ScenarioError("steps[\(i)]", "the memmap and page tables of the memory added so far need about \(Quantity.human(roundedMiB(boot + live))) of boot memory, more than half of the \(Quantity.human(bootSize)) they are allocated from; use more boot memory (bootMemory.size) or add less")
                }
            case .remove:
                live -= min(live, memmapAndTableBytes(s.size).memmap)
            case .offline:
                break
            }
        }
        guard bootHostBytes <= Scenario.hostMemoryLimit else {
            throw ScenarioError("bootMemory.size", "\(Quantity.human(bootSize)) of boot memory needs about \(Quantity.human(roundedMiB(bootHostBytes))) of host memory; the limit is \(Quantity.human(Scenario.hostMemoryLimit))")
        }
        let host = hostMemoryEstimate(stopAbove: Scenario.hostMemoryLimit)
        guard host.bytes <= Scenario.hostMemoryLimit else {
            throw ScenarioError("steps[\(host.step ?? 0)]", "the steps up to this one need about \(Quantity.human(roundedMiB(host.bytes))) of host memory (boot memory, the memory added, page tables, and what each step's check keeps); the limit is \(Quantity.human(Scenario.hostMemoryLimit)): use fewer or smaller steps")
        }
    }

    /// A run of the walkers too must stay within `hostMemoryLimit`.
    public func validateWalkerResources() throws {
        let total = hostMemoryEstimate().bytes + walkerHostBytes
        guard total <= Scenario.hostMemoryLimit else {
            throw ScenarioError("walkers", "\(walkers.count) walkers over \(Quantity.human(walkers.filter { $0.kind == .vmalloc }.reduce(UInt64(0)) { $0 + $1.size })) of vmalloc mappings need about \(Quantity.human(roundedMiB(total))) of host memory with the steps (the explorer records every access of every thread); the limit is \(Quantity.human(Scenario.hostMemoryLimit))")
        }
    }

    /// Rounded up to whole GiB (from 1 GiB) or MiB, for messages.
    func roundedMiB(_ v: UInt64) -> UInt64 {
        let unit: UInt64 = v >= 1 << 30 ? 1 << 30 : 1 << 20
        return (v + unit - 1) / unit * unit
    }
}
