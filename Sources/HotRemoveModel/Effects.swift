// A step's effects: the one type the model predicts and the harness fills from the C recorders
// (Machine, once per step), compared field by field through StepEffects.fields.  A field added here
// must be added there and to fieldRules; a test checks both against the stored fields.

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
    public struct TLBIAddresses: Equatable, Sendable, Codable {
        /// the addresses, grown in place as the model predicts invalidations
        public var set: StridedRangeSet
        /// what stands for the set when there is none
        public var text: String?

        public init(set: StridedRangeSet, text: String?) { self.set = set; self.text = text }
        public static func addresses(_ s: StridedRangeSet) -> TLBIAddresses { TLBIAddresses(set: s, text: nil) }
        public static func text(_ t: String) -> TLBIAddresses { TLBIAddresses(set: StridedRangeSet(), text: t) }

        public var rendered: String { text ?? StepEffects.render(set) }

        public static func == (a: TLBIAddresses, b: TLBIAddresses) -> Bool {
            if a.text == nil && b.text == nil { return a.set == b.set }
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

    /// One difference: the field, what the prediction says, what was observed.
    public struct Difference: Equatable, Sendable {
        public var field: String
        public var expected: String
        public var found: String
    }

    /// Every field that differs: an address set is compared as a set (rendered only when it differs), every
    /// other field by its rendering.
    public static func differences(expected e: StepEffects, found f: StepEffects) -> [Difference] {
        // equal effects have no difference: only unequal ones are walked and rendered (most steps conform)
        guard e != f else { return [] }
        var out: [Difference] = []
        for field in fields {
            if let addresses = field.addresses {
                let (p, q) = (addresses(e), addresses(f))
                if p != q { out.append(Difference(field: field.name, expected: p.rendered, found: q.rendered)) }
                continue
            }
            let expected = field.render(e), found = field.render(f)
            if expected != found { out.append(Difference(field: field.name, expected: expected, found: found)) }
        }
        return out.sorted { $0.field < $1.field }
    }

    /// One stored field: its name, its rendering, and for an address set the set itself.
    public struct Field: Sendable {
        public let name: String
        let render: @Sendable (StepEffects) -> String
        let addresses: (@Sendable (StepEffects) -> TLBIAddresses)?
    }

    /// Every stored field, in declaration order: what the comparison and the reports walk.
    public static let fields: [Field] = [
        Field(name: "result", render: { $0.result }, addresses: nil),
        Field(name: "sets", render: { byLevel($0.sets) }, addresses: nil),
        Field(name: "clears", render: { byLevel($0.clears) }, addresses: nil),
        Field(name: "tablesAllocated", render: { byLevel($0.tablesAllocated) }, addresses: nil),
        Field(name: "tablesFreed", render: { byLevel($0.tablesFreed) }, addresses: nil),
        Field(name: "allocationsByOrder", render: { byOrder($0.allocationsByOrder) }, addresses: nil),
        Field(name: "dataFreedByOrder", render: { byOrder($0.dataFreedByOrder) }, addresses: nil),
        Field(name: "altmapPagesFreed", render: { "\($0.altmapPagesFreed)" }, addresses: nil),
        Field(name: "vmemmapPagesMarked", render: { "\($0.vmemmapPagesMarked)" }, addresses: nil),
        Field(name: "vmemmapHeadSections", render: { "\($0.vmemmapHeadSections)" }, addresses: nil),
        Field(name: "vmemmapPagesOnlined", render: { "\($0.vmemmapPagesOnlined)" }, addresses: nil),
        Field(name: "tlbiVA", render: { "\($0.tlbiVA)" }, addresses: nil),
        Field(name: "tlbiAll", render: { "\($0.tlbiAll)" }, addresses: nil),
        Field(name: "tlbiWalk", render: { "\($0.tlbiWalk)" }, addresses: nil),
        Field(name: "tlbiVAAddresses", render: { $0.tlbiVAAddresses.rendered }, addresses: { $0.tlbiVAAddresses }),
        Field(name: "tlbiWalkAddresses", render: { $0.tlbiWalkAddresses.rendered }, addresses: { $0.tlbiWalkAddresses }),
        Field(name: "dsbIshst", render: { "\($0.dsbIshst)" }, addresses: nil),
        Field(name: "dsbIsh", render: { "\($0.dsbIsh)" }, addresses: nil),
        Field(name: "isb", render: { "\($0.isb)" }, addresses: nil),
        Field(name: "warns", render: { counted($0.warns) }, addresses: nil),
        Field(name: "faults", render: { counted($0.faults) }, addresses: nil),
        Field(name: "faultSites", render: { counted($0.faultSites) }, addresses: nil),
    ]

    private static let levelNames = ["PGD", "PUD", "PMD", "PTE"]

    private static func byLevel(_ a: [UInt64]) -> String {
        let parts = a.enumerated().filter { $0.element != 0 }.map { "\(levelNames[$0.offset]) \($0.element)" }
        return parts.isEmpty ? "0" : parts.joined(separator: " ")
    }
    private static func byOrder(_ a: [UInt64]) -> String {
        let parts = a.enumerated().filter { $0.element != 0 }.map { "o\($0.offset):\($0.element)" }
        return parts.isEmpty ? "0" : parts.joined(separator: " ")
    }
    private static func counted(_ d: [String: UInt64]) -> String {
        d.isEmpty ? "none" : d.sorted { $0.key < $1.key }.map { "\($0.value)x \($0.key)" }.joined(separator: ", ")
    }
}

// What the model writes as it predicts a step.
extension StepEffects {
    /// The result as the model's outcome has it.
    package static func result(_ o: StepPrediction.Outcome) -> String {
        switch o {
        case .ok: return "ok"
        case .error(let e): return "error \(e)"
        case .refused: return "refused (NOTIFY_BAD)"
        case .oops: return "oops"
        case .invalid(let why): return "invalid: \(why)"
        case .blocked(let lock): return "blocked on \(lock.rawValue)"
        }
    }

    /// Every WARN_ON() the model predicts is in the revision's arch/arm64/mm/mmu.c.
    package mutating func warn(_ condition: String, _ n: UInt64 = 1) {
        guard n > 0 else { return }
        warns[StepEffects.warnSite(file: "arch/arm64/mm/mmu.c", condition), default: 0] += n
    }
    package mutating func fault(_ kind: FaultKind, _ n: UInt64 = 1) {
        guard n > 0 else { return }
        faults[kind.rawValue, default: 0] += n
    }
    package mutating func fault(_ kind: FaultKind, at site: String) {
        faults[kind.rawValue, default: 0] += 1
        faultSites[site, default: 0] += 1
    }

    /// WARN_ON()s fired, every site together.
    public var warnCount: UInt64 { warns.values.reduce(0, +) }
    /// Faults of one kind.
    public func faults(_ kind: FaultKind) -> UInt64? { faults[kind.rawValue] }

    // Barriers, as v5.7's helpers issue them (arch/arm64/include/asm/pgtable.h, tlbflush.h):
    // set_pte()/set_pmd()/set_pud() of a valid kernel entry end with dsb(ishst); isb(); an entry of
    // swapper_pg_dir's own page goes through set_swapper_pgd() and the fixmap instead (no barrier of its
    // own); a clear writes an invalid entry (no barrier).  flush_tlb_kernel_range() (either branch) and
    // __flush_tlb_kernel_pgtable() each issue dsb(ishst), dsb(ish), isb.
    package mutating func entriesSet(_ n: UInt64, at level: Level) {
        guard n > 0 else { return }
        sets[level.rawValue] += n
        if level != .pgd { dsbIshst += n; isb += n }
    }
    package mutating func tlbFlushCalls(_ n: UInt64) {
        dsbIshst += n; dsbIsh += n; isb += n
    }
}
