// What the model believes the machine holds between steps: the kernel page
// tables (leaf runs and table spans) and the memory-hotplug bookkeeping of the
// generic mm code (present sub-sections, early sections, altmaps).

import HotRemoveScenario

package struct PageTables: Sendable, Equatable {
    package var leaves = LeafMap()
    /// By Level.rawValue: the VA spans of the installed tables of that level
    /// (each table covers one aligned tableSpan). The PGD is implicit.
    package var tables = [IntervalSet](repeating: IntervalSet(), count: 4)
    /// The subset of `tables` whose pages came from memblock at boot (PageReserved).
    package var reserved = [IntervalSet](repeating: IntervalSet(), count: 4)
    /// What the memory behind the memmap holds, where a base-page populate walk under a live PMD
    /// block reads it as a PTE table (MemmapWords.swift).
    package var memmapWords = MemmapWords()

    package mutating func addTables(_ s: IntervalSet, at l: Level, reserved isReserved: Bool) {
        tables[l.rawValue].formUnion(s)
        if isReserved { reserved[l.rawValue].formUnion(s) }
    }
    package mutating func removeTables(_ s: IntervalSet, at l: Level) {
        tables[l.rawValue].subtract(s)
        reserved[l.rawValue].subtract(s)
    }
}

/// struct vmem_altmap of a device range, as the generic code keeps it.
package struct ModelAltmap: Sendable, Equatable {
    package var start: UInt64
    package var size: UInt64
    package var basePfn: UInt64
    package var reserve: UInt64
    package var free: UInt64
    package var align: UInt64 = 0
    package var alloc: UInt64 = 0

    package var range: Range<UInt64> { start ..< start + size }

    /// vmem_altmap_alloc(): the next free pfn, aligned to the largest power of
    /// two dividing nr; nil when the altmap has no room left.
    package mutating func allocate(_ nr: UInt64) -> UInt64? {
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

package struct Memory: Sendable, Equatable {
    /// Physical ranges whose sub-sections are present.
    package var present = IntervalSet()
    /// What the user added and has not removed (boot memory included): what a removal may name.
    /// A failed add can leave sections present that were never added.
    package var added = IntervalSet()
    /// Physical ranges of early (boot) sections.
    package var early = IntervalSet()
    /// Physical ranges added as device memory (removed at sub-section granularity, never online).
    package var device = IntervalSet()
    /// Memory blocks (sections) added with their memmap on memory (Scenario.Memmap.memoryBlock, when supported).
    package var memmapOnMemory = IntervalSet()
    package var altmaps: [ModelAltmap] = []
    /// The memmap-from-range RFC ("memmap": "range"): the ranges added so, as added.
    package var rangeAdds: [Range<UInt64>] = []
    /// The pfns whose struct page is PageVmemmap: the pages a range's altmap gave its memmap.
    package var vmemmapPfns = IntervalSet()
    /// page_count() of the struct pages the RFC writes otherwise than to 1: the head page of each range (its
    /// sections), as the removals count it down.
    package var pageRefs: [UInt64: Int64] = [:]
    /// page_private() of each head page: the range's vmemmap page count.
    package var headPrivate: [UInt64: UInt64] = [:]
    /// mm/sparse.c's deferral of vmemmap_free() (head_vmemmap_page while in_vmemmap_range), as a pfn.
    package var deferredHead: UInt64?
    /// The starts of the device ranges added with an altmap of their own (device memory goes as a whole):
    /// memunmap_pages() hands arch_remove_memory() that altmap, and no other, whatever altmap of an earlier
    /// range still covers the pfns.
    package var devicesWithAltmap = Set<UInt64>()

    package func pageRef(_ pfn: UInt64) -> Int64 { pageRefs[pfn] ?? 1 }

    /// A removal or offline acts on what was added: device memory stays device memory.
    package func kind(of step: Scenario.Step) -> Scenario.MemoryKind {
        step.op != .add && device.overlaps(step.start ..< step.start &+ step.size) ? .device : step.kind
    }

    package func altmapIndex(covering pa: UInt64) -> Int? { altmaps.lastIndex { $0.range.contains(pa) } }
}

package struct ModelState: Sendable, Equatable {
    package var pt = PageTables()
    package var mem = Memory()
    /// The hotplug locks a task that oopsed died holding (HotplugLocks.swift).
    package var locksHeldByDeadTask: Set<HotplugLock> = []
    /// Set once a step did what the model cannot know (a walk read memory of unknown contents): why.
    /// Nothing after it is predicted.
    package var unpredictable: String?
}
