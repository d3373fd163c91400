// What the model believes the machine holds between steps: the kernel page
// tables (leaf runs and table spans) and the memory-hotplug bookkeeping of the
// generic mm code (present sub-sections, early sections, altmaps).

struct PageTables: Sendable, Equatable {
    var leaves = LeafMap()
    /// By Level.rawValue: the VA spans of the installed tables of that level
    /// (each table covers one aligned tableSpan). The PGD is implicit.
    var tables = [IntervalSet](repeating: IntervalSet(), count: 4)
    /// The subset of `tables` whose pages came from memblock at boot (PageReserved).
    var reserved = [IntervalSet](repeating: IntervalSet(), count: 4)
    /// What the memory behind the memmap holds, where a base-page populate walk under a live PMD
    /// block reads it as a PTE table (MemmapWords.swift).
    var memmapWords = MemmapWords()

    mutating func addTables(_ s: IntervalSet, at l: Level, reserved isReserved: Bool) {
        tables[l.rawValue].formUnion(s)
        if isReserved { reserved[l.rawValue].formUnion(s) }
    }
    mutating func removeTables(_ s: IntervalSet, at l: Level) {
        tables[l.rawValue].subtract(s)
        reserved[l.rawValue].subtract(s)
    }
}

/// struct vmem_altmap of a device range, as the generic code keeps it.
struct ModelAltmap: Sendable, Equatable {
    var start: UInt64
    var size: UInt64
    var basePfn: UInt64
    var reserve: UInt64
    var free: UInt64
    var align: UInt64 = 0
    var alloc: UInt64 = 0

    var range: Range<UInt64> { start ..< start + size }

    /// vmem_altmap_alloc(): the next free pfn, aligned to the largest power of
    /// two dividing nr; nil when the altmap has no room left.
    mutating func allocate(_ nr: UInt64) -> UInt64? {
        let next = basePfn + reserve + alloc + align
        let unit = nr & (~nr &+ 1)
        let pad = alignUp(next, unit) - next
        let available = free &- alloc &- align
        guard free >= alloc + align, nr + pad <= available else { return nil }
        alloc += nr
        align += pad
        return next + pad
    }
}

struct Memory: Sendable, Equatable {
    /// Physical ranges whose sub-sections are present.
    var present = IntervalSet()
    /// What the user added and has not removed (boot memory included): what a removal may name.
    /// A failed add can leave sections present that were never added.
    var added = IntervalSet()
    /// Physical ranges of early (boot) sections.
    var early = IntervalSet()
    /// Physical ranges added as device memory (removed at sub-section granularity, never online).
    var device = IntervalSet()
    /// Memory blocks (sections) added with their memmap on memory (Scenario.Memmap.memoryBlock, when supported).
    var memmapOnMemory = IntervalSet()
    var altmaps: [ModelAltmap] = []
    /// Seed 004 ("memmap": "range"): the ranges added so, as added.
    var rangeAdds: [Range<UInt64>] = []
    /// The pfns whose struct page is PageVmemmap: the pages a range's altmap gave its memmap.
    var vmemmapPfns = IntervalSet()
    /// page_count() of the struct pages the RFC writes otherwise than to 1: the head page of each range (its
    /// sections), as the removals count it down.
    var pageRefs: [UInt64: Int64] = [:]
    /// page_private() of each head page: the range's vmemmap page count.
    var headPrivate: [UInt64: UInt64] = [:]
    /// mm/sparse.c's deferral of vmemmap_free() (head_vmemmap_page while in_vmemmap_range), as a pfn.
    var deferredHead: UInt64?
    /// The starts of the device ranges added with an altmap of their own (device memory goes as a whole):
    /// memunmap_pages() hands arch_remove_memory() that altmap, and no other, whatever altmap of an earlier
    /// range still covers the pfns.
    var devicesWithAltmap = Set<UInt64>()

    func pageRef(_ pfn: UInt64) -> Int64 { pageRefs[pfn] ?? 1 }

    /// A removal or offline acts on what was added: device memory stays device memory.
    func kind(of step: Scenario.Step) -> Scenario.MemoryKind {
        step.op != .add && device.overlaps(step.start ..< step.start &+ step.size) ? .device : step.kind
    }

    func altmapIndex(covering pa: UInt64) -> Int? { altmaps.lastIndex { $0.range.contains(pa) } }
}

struct ModelState: Sendable, Equatable {
    var pt = PageTables()
    var mem = Memory()
    /// The hotplug locks a task that oopsed died holding (HotplugLocks.swift).
    var locksHeldByDeadTask: Set<HotplugLock> = []
    /// Set once a step did what the model cannot know (a walk read memory of unknown contents): why.
    /// Nothing after it is predicted.
    var unpredictable: String?
}
