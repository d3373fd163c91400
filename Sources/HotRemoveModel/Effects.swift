// A step's effects: one type that the observation of the C code and the model's
// prediction both fill, compared field by field.  The comparison walks the
// encoded fields, so a field added here is compared without further code, and
// StepEffects.explanations must name it (a test checks that every field has one).

import HotRemoveScenario

public struct StepEffects: Equatable, Sendable, Codable {
    /// "ok", "error -12", "refused (NOTIFY_BAD)", "oops"
    public var result = "ok"
    /// entries written with a non-zero value / cleared, by the level of the table holding them
    public var sets = [UInt64](repeating: 0, count: 4)
    public var clears = [UInt64](repeating: 0, count: 4)
    /// page-table pages hooked in / returned to the allocator, by level
    public var tablesAllocated = [UInt64](repeating: 0, count: 4)
    public var tablesFreed = [UInt64](repeating: 0, count: 4)
    /// every page allocation, and every free of a non-table page, by order
    public var allocationsByOrder = [UInt64](repeating: 0, count: 24)
    public var dataFreedByOrder = [UInt64](repeating: 0, count: 24)
    public var altmapPagesFreed: UInt64 = 0
    public var vmemmapPagesMarked: UInt64 = 0
    public var vmemmapHeadSections: UInt64 = 0
    public var vmemmapPagesOnlined: UInt64 = 0
    public var tlbiVA: UInt64 = 0
    public var tlbiAll: UInt64 = 0
    public var tlbiWalk: UInt64 = 0
    /// where the vaale1is go (each reaches PAGE_SIZE from its operand address) and the vaae1is operand
    /// addresses; "not traced" when the step ran without a trace
    public var tlbiVAAddresses = TLBIAddresses.addresses(StridedRangeSet())
    public var tlbiWalkAddresses = TLBIAddresses.addresses(StridedRangeSet())
    public var dsbIshst: UInt64 = 0
    public var dsbIsh: UInt64 = 0
    public var isb: UInt64 = 0
    /// WARN_ON(condition) -> times it fired
    public var warns: [String: UInt64] = [:]
    /// fault kind -> count
    public var faults: [String: UInt64] = [:]
    /// each fault by what it hit (faultSite) -> count
    public var faultSites: [String: UInt64] = [:]

    public init() {}

    /// A TLBI address field: the address set, or a text standing for it ("not traced"; a field decoded
    /// from JSON holds the text it was written as).  Two sets compare as sets, exactly and without being
    /// rendered; the text (StepEffects.render) is made only for what is shown.
    public enum TLBIAddresses: Equatable, Sendable, Codable {
        case addresses(StridedRangeSet)
        case text(String)

        public var rendered: String {
            switch self {
            case .addresses(let s): return StepEffects.render(s)
            case .text(let t): return t
            }
        }

        public static func == (a: TLBIAddresses, b: TLBIAddresses) -> Bool {
            if case .addresses(let x) = a, case .addresses(let y) = b { return x == y }
            return a.rendered == b.rendered
        }

        public init(from decoder: Decoder) throws { self = .text(try decoder.singleValueContainer().decode(String.self)) }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rendered)
        }
    }

    /// Each field's rule name (findings are "<revision>.<rule>") and what it means in kernel terms.
    public static let fieldRules: [String: (rule: String, meaning: String)] = [
        "result": ("result", "how the step ended (arch_add_memory()/arch_remove_memory() return, notifier verdict, oops)"),
        "sets": ("sets", "set_pXd() of a non-zero value, by the table level the entry lives in"),
        "clears": ("clears", "pXd_clear(): every leaf the unmap walk reaches plus the parent entry of every table freed"),
        "tablesAllocated": ("tables-allocated", "page-table pages installed by the add side (pgd_pgtable_alloc(), vmemmap_pXd_populate())"),
        "tablesFreed": ("tables-freed", "page-table pages returned to the allocator by the free pass"),
        "allocationsByOrder": ("allocations", "page allocations by order: one per table page (order 0) and one per vmemmap backing unit"),
        "dataFreedByOrder": ("data-freed", "free_pages() of non-table pages by order: one per vmemmap leaf cleared with allocator backing"),
        "altmapPagesFreed": ("altmap-freed", "vmem_altmap_free() pfns"),
        "vmemmapPagesMarked": ("vmemmap-marked", "the memmap-from-range RFC's mark_vmemmap_pages(): the pages the range's altmap gave the memmap (altmap->alloc), made PageVmemmap"),
        "vmemmapHeadSections": ("vmemmap-head-sections", "the memmap-from-range RFC's mark_vmemmap_pages(): the head page's _refcount, the sections of the range (altmap->free / PAGES_PER_SECTION)"),
        "vmemmapPagesOnlined": ("vmemmap-onlined", "PageVmemmap pages onlining did not skip (the memmap-from-range RFC's online_pages_range() skips check_nr_vmemmap_pages())"),
        "tlbiVA": ("tlbi-va", "vaale1is: flush_tlb_kernel_range() issues one per page, up to MAX_TLBI_OPS pages"),
        "tlbiAll": ("tlbi-all", "vmalle1is: flush_tlb_kernel_range() beyond MAX_TLBI_OPS pages (flush_tlb_all())"),
        "tlbiWalk": ("tlbi-walk", "vaae1is: one __flush_tlb_kernel_pgtable() per table page unhooked"),
        "tlbiVAAddresses": ("tlbi-va-addresses", "the VAs the vaale1is reach: flush_tlb_kernel_range(start, end) steps its operand from start by PAGE_SIZE"),
        "tlbiWalkAddresses": ("tlbi-walk-addresses", "the vaae1is addresses: __flush_tlb_kernel_pgtable(addr) with the first address the free walk visits in the table's span"),
        "dsbIshst": ("dsb-ishst", "dsb(ishst): one per valid set_pte/pmd/pud, per __pgd_pgtable_alloc(), per TLB flush call"),
        "dsbIsh": ("dsb-ish", "dsb(ish): one per TLB flush call (completes its TLBIs)"),
        "isb": ("isb", "isb: one per valid set_pte/pmd/pud and per TLB flush call"),
        "warns": ("warns", "WARN_ON()s by kernel file, condition and count"),
        "faults": ("faults", "allocator faults and BUG()s by kind"),
        "faultSites": ("fault-sites", "each fault by what it hit: the BUG_ON() condition, the page-table page or the leaf whose backing a bad free named"),
    ]

    /// Written in both places a step's effects come from, so the two renderings cannot drift.
    package static let notTraced = TLBIAddresses.text("not traced")

    /// A WARN_ON() by where it is in the kernel and its condition.
    package static func warnSite(file: String, _ condition: String) -> String { "\(file): \(condition)" }
    /// The kernel file a transcription's WARN_ON() is in: the revisions, the add side and the arch
    /// vmemmap_populate() are arch/arm64/mm/mmu.c; a WARN of the shim itself keeps its own name.
    package static func kernelFile(of file: String) -> String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        if name.hasPrefix("hotremove_") || name.hasPrefix("mmu_create") || name.hasPrefix("vmemmap_") { return "arch/arm64/mm/mmu.c" }
        if name.hasPrefix("walkers") { return "mm (walkers.c)" }
        return "shim \(name)"
    }

    /// What a fault hit, in the same words on both sides: a BUG_ON() by its condition, a bad free by the
    /// page-table page (its level and the VA its span starts at) or the leaf (its VA) whose backing it named.
    package static func faultSite(bug condition: String) -> String { "BUG: \(condition)" }
    package static func faultSite(_ kind: FaultKind, table level: Level, va: UInt64) -> String {
        "\(kind.rawValue): the \(level) table for \(Quantity.hex(va))"
    }
    package static func faultSite(_ kind: FaultKind, backingOf va: UInt64) -> String {
        "\(kind.rawValue): the backing of the leaf at \(Quantity.hex(va))"
    }



    public init(_ p: StepPrediction) {
        let result: String
        switch p.outcome {
        case .ok: result = "ok"
        case .error(let e): result = "error \(e)"
        case .refused: result = "refused (NOTIFY_BAD)"
        case .oops: result = "oops"
        case .invalid(let why): result = "invalid: \(why)"
        case .blocked(let lock): result = "blocked on \(lock.rawValue)"
        }
        self.init(result: result, p.counters)
        // every WARN_ON() the model predicts is in the revision's arch/arm64/mm/mmu.c
        for (c, n) in p.counters.warns { warns[StepEffects.warnSite(file: "arch/arm64/mm/mmu.c", c), default: 0] += n }
        for (k, n) in p.counters.faults { faults[k.rawValue] = n }
        faultSites = p.counters.faultSites
        tlbiVAAddresses = .addresses(p.counters.tlbiVAPages)
        tlbiWalkAddresses = .addresses(p.counters.tlbiWalkAddresses)
    }

    /// An address set as text: every range when there are few, else a summary whose checksum
    /// covers every bound, so two sets render alike only when they are equal.
    package static func render(_ s: StridedRangeSet) -> String {
        guard !s.isEmpty else { return "none" }
        func r(_ x: Range<UInt64>) -> String { "[\(Quantity.hex(x.lowerBound)), \(Quantity.hex(x.upperBound)))" }
        let ranges = s.ranges
        if ranges.count <= 6 { return ranges.map(r).joined(separator: " ") }
        var h: UInt64 = 0xcbf29ce484222325   // FNV-1a over the bounds
        for x in ranges { for v in [x.lowerBound, x.upperBound] { h = (h ^ v) &* 0x100000001b3 } }
        return "\(ranges.count) ranges, \(Quantity.hex(s.measure)) bytes: \(r(ranges[0])) \(r(ranges[1])) .. \(r(ranges[ranges.count - 1])) (checksum \(String(h, radix: 16)))"
    }

    /// The counters both sides keep under the same names.
    package init<C: StepCounters>(result: String, _ c: C) {
        self.result = result
        sets = c.sets; clears = c.clears
        tablesAllocated = c.tablesAllocated; tablesFreed = c.tablesFreed
        allocationsByOrder = c.dataAllocatedByOrder; dataFreedByOrder = c.dataFreedByOrder
        altmapPagesFreed = c.altmapPagesFreed
        vmemmapPagesMarked = c.vmemmapPagesMarked; vmemmapHeadSections = c.vmemmapHeadSections
        vmemmapPagesOnlined = c.vmemmapPagesOnlined
        tlbiVA = c.tlbiVA; tlbiAll = c.tlbiAll; tlbiWalk = c.tlbiWalk
        dsbIshst = c.dsbIshst; dsbIsh = c.dsbIsh; isb = c.isb
    }

    /// One difference: the field, what the prediction says, what was observed.
    public struct Difference: Equatable, Sendable {
        public var field: String
        public var expected: String
        public var found: String
    }

    /// Every field that differs, found by walking the stored fields, so no field can be skipped: an address
    /// set is compared as a set (rendered only when it differs), every other field by its rendering.
    public static func differences(expected e: StepEffects, found f: StepEffects) -> [Difference] {
        // equal effects have no difference: only unequal ones are walked and rendered (most steps conform)
        guard e != f else { return [] }
        var out: [Difference] = []
        for (x, y) in zip(Mirror(reflecting: e).children, Mirror(reflecting: f).children) {
            guard let name = x.label else { continue }
            if let p = x.value as? TLBIAddresses, let q = y.value as? TLBIAddresses {
                if p != q { out.append(Difference(field: name, expected: p.rendered, found: q.rendered)) }
                continue
            }
            let expected = render(x.value, name), found = render(y.value, name)
            if expected != found { out.append(Difference(field: name, expected: expected, found: found)) }
        }
        return out.sorted { $0.field < $1.field }
    }

    /// The fields as readable strings, keyed by name (arrays by level or order, zeros left out).
    public func fields() -> [String: String] {
        var out: [String: String] = [:]
        for child in Mirror(reflecting: self).children {
            guard let name = child.label else { continue }
            out[name] = StepEffects.render(child.value, name)
        }
        return out
    }

    private static let levelNames = ["PGD", "PUD", "PMD", "PTE"]

    private static func render(_ v: Any, _ name: String) -> String {
        switch v {
        case let s as String: return s
        case let a as TLBIAddresses: return a.rendered
        case let n as UInt64: return "\(n)"
        case let a as [UInt64]:
            let parts = a.enumerated().filter { $0.element != 0 }.map { i, n in
                a.count == 4 ? "\(levelNames[i]) \(n)" : "o\(i):\(n)"
            }
            return parts.isEmpty ? "0" : parts.joined(separator: " ")
        case let d as [String: UInt64]:
            return d.isEmpty ? "none" : d.sorted { $0.key < $1.key }.map { "\($0.value)x \($0.key)" }.joined(separator: ", ")
        default:
            preconditionFailure("StepEffects.\(name): no rendering for \(type(of: v))")
        }
    }
}

/// The counters the recorders keep and the model predicts under the same names.
package protocol StepCounters {
    var sets: [UInt64] { get }
    var clears: [UInt64] { get }
    var tablesAllocated: [UInt64] { get }
    var tablesFreed: [UInt64] { get }
    var dataAllocatedByOrder: [UInt64] { get }
    var dataFreedByOrder: [UInt64] { get }
    var altmapPagesFreed: UInt64 { get }
    var vmemmapPagesMarked: UInt64 { get }
    var vmemmapHeadSections: UInt64 { get }
    var vmemmapPagesOnlined: UInt64 { get }
    var tlbiVA: UInt64 { get }
    var tlbiAll: UInt64 { get }
    var tlbiWalk: UInt64 { get }
    var dsbIshst: UInt64 { get }
    var dsbIsh: UInt64 { get }
    var isb: UInt64 { get }
}
extension PredictedCounters: StepCounters {}
