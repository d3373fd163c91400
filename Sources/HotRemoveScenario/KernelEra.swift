// The kernel a revision was written for, as far as the facts that changed after v5.7 and
// matter to hot-remove go: SECTION_SIZE_BITS and sizeof(struct page).  A scenario whose era
// fields differ from its revision's kernel runs that revision in an environment its kernel
// never had: a what-if, and every report says so.

public struct KernelEra: Sendable, Equatable {
    /// the release whose facts apply (the postings' base, or the tree a fix was merged into)
    public let name: String
    /// (major, minor) of the release
    let version: (Int, Int)

    /// SECTION_SIZE_BITS (arch/arm64/include/asm/sparsemem.h): 30 for every granule up to v5.11;
    /// from v5.12 (f0b13ee23241, "arm64/sparsemem: reduce SECTION_SIZE_BITS") 27 for 4K and 16K
    /// pages, 29 for 64K
    public var reducedSections: Bool { version >= (5, 12) }
    /// MHP_MEMMAP_ON_MEMORY (a memory block's memmap on the block itself) exists from v5.14 (a08a2ae34613)
    public var memmapOnMemory: Bool { version >= (5, 14) }

    public static func == (a: KernelEra, b: KernelEra) -> Bool { a.name == b.name }

    public func sectionSizeBits(pageShift: Int) -> Int {
        guard reducedSections else { return 30 }
        return pageShift == 16 ? 29 : 27
    }

    /// sizeof(struct page) of an arm64 build in every era (include/linux/mm_types.h; other sizes come
    /// with unusual configurations, e.g. no CONFIG_MEMCG: 56)
    public var structPageSize: Int { 64 }

    /// The facts of release `name` ("v5.7", "v6.1", ...).
    public static func release(_ name: String) -> KernelEra {
        let parts = name.dropFirst().split(separator: ".").compactMap { Int($0) }
        return KernelEra(name: name, version: (parts.first ?? 0, parts.dropFirst().first ?? 0))
    }

    /// The era fields of `scenario` outside this era, in the scenario format's field names, each with
    /// the era's value; empty when the scenario is within it.
    public func whatIf(_ scenario: Scenario) -> [String] {
        var out: [String] = []
        let bits = sectionSizeBits(pageShift: scenario.geometry.pageShift)
        if scenario.sectionSizeBits != bits {
            out.append("era.sectionSizeBits \(scenario.sectionSizeBits) (\(name) has \(bits))")
        }
        if scenario.structPageSize != structPageSize {
            out.append("era.structPageSize \(scenario.structPageSize) (\(structPageSize) in an arm64 build of every era)")
        }
        // the memmap options are later kernels' (or no kernel's) generic code around this revision
        if scenario.steps.contains(where: { $0.memmap == .range }) {
            out.append("memmap \"range\" (Oscar Salvador's RFC v2, 2019-01, never merged)")
        }
        if !memmapOnMemory && scenario.steps.contains(where: { $0.memmap == .memoryBlock }) {
            out.append("memmap \"memory-block\" (MHP_MEMMAP_ON_MEMORY is v5.14's; \(name) has none)")
        }
        return out
    }
}
