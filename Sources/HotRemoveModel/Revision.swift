// The revisions of arm64 memory hot-remove, each stated as the handful of
// behaviours that tell them apart (from the postings' commit messages, the V13
// cover letter's changelog of V1..V13, the review, the v5.7 commit and the
// v5.9 altmap patch), not as code.  A revision without a contract here is
// checked against the global invariants only.

import HotRemoveScenario

public struct RevisionContract: Sendable, Equatable {
    public enum BlockFlush: Sendable, Equatable {
        /// final: "One TLBI should be sufficient here as the PMD_SIZE range is
        /// mapped with a single block entry": flush_tlb_kernel_range(addr, addr + PAGE_SIZE)
        case firstPageOnly
        /// V6: flush_tlb_kernel_range(addr, next) over the walked part of the block
        case walkedRange
        /// fix2026 (48478b9f7913), where a leaf's memory is freed (vmemmap): flush_tlb_kernel_range(addr,
        /// addr + PMD_SIZE / PUD_SIZE), the whole block ("TLB flush is essential for freeing memory")
        case wholeBlock
        /// V3..V5: no TLBI for a block entry: "Dropped flush_tlb_kernel_range() in remove_pagetable()",
        /// "Added flush_tlb_kernel_range() in remove_pte_table() instead" (V13 changelog, V3); V6's
        /// changelog: "Fixed TLB handling while freeing huge page section mappings at PMD or PUD level"
        case none
    }
    public enum PageFlush: Sendable, Equatable {
        /// V6 on: flush_tlb_kernel_range(addr, addr + PAGE_SIZE) right after each pte_clear()
        case perLeaf
        /// V3..V5: "Perform intermediate TLB invalidation while clearing pgtable entries", "Added
        /// flush_tlb_kernel_range() in remove_pte_table()" (V13 changelog, V3): one flush of the part of
        /// each PTE table the walk covers, after its entries are cleared
        case perTableWalked
    }

    public let name: String
    public let blockFlush: BlockFlush
    /// final/altmap: vmemmap_free() also frees empty page-table pages; V6 never does (its FIXME)
    public let vmemmapFreesTables: Bool
    /// final/altmap: free_empty_tables() frees a table only if pgtable_range_aligned() with floor/ceiling
    public let floorCeiling: Bool
    /// final/altmap: prevent_bootmem_remove_notifier refuses MEM_GOING_OFFLINE for early sections
    public let bootMemoryNotifier: Bool
    /// altmap (v5.9): vmemmap backing comes from and returns to the device's altmap
    public let altmapBacking: Bool
    /// final/altmap: WARN_ON() when the range lies outside [PAGE_OFFSET, PAGE_END) / [VMEMMAP_START, VMEMMAP_END)
    public let warnsOutsideRegion: Bool
    /// the WARN condition met when backing or a table page is PageReserved
    public let reservedWarn: String
    /// V7: vmemmap_free() skips free_empty_tables() when the vmalloc and vmemmap ranges share a PGD
    /// entry: "skip freeing page table pages while tearing down vmemmap mapping when vmalloc and vmemmap
    /// ranges overlap" (V7 commit message); "Race condition during memory hot-remove exists when the gap
    /// edges share same PGD entry in kernel page table" (V7, find_vmalloc_vmemmap_overlap()); the flag is
    /// "evaluated early during boot for a given config" (V13 changelog, V7).
    public var vmemmapTablesKeptIfVmallocSharesPGD: Bool = false
    /// how page (PTE) leaves are invalidated
    public var pageFlush: PageFlush = .perLeaf
    /// V1/V2: no TLBI while walking; remove_pagetable() ends with one flush_tlb_kernel_range(start, end)
    /// of the whole range (V3's changelog: "Dropped flush_tlb_kernel_range() in remove_pagetable()")
    public var flushOnceAfterWalk: Bool = false
    /// V3 on: a table page is unhooked with a walk-cache TLBI ("Perform intermediate TLB invalidation
    /// while clearing pgtable entries", V13 changelog, V3); V1/V2 free it and clear the entry without one
    public var tableFreeTLBI: Bool = true
    /// V1/V2: free_pte_table() only #if CONFIG_PGTABLE_LEVELS > 2, free_pmd_table()/free_pud_table() only
    /// #if CONFIG_PGTABLE_LEVELS > 3 (V3's changelog: "Fixed applicable PGTABLE_LEVEL wrappers around
    /// pgtable page freeing functions"): on 3 levels no PMD table, on 2 levels no table is ever freed
    public var tableFreeLevelGuardsOfV1: Bool = false
    /// V1/V2: free_pagetable() gives a PageReserved (boot) page back with free_reserved_page(), page by
    /// page, without a WARN (V3's changelog: "Removed all PageReserved() handling while freeing mapped or
    /// pgtable pages")
    public var freesReservedPages: Bool = false
    /// fix2025 (d4234d131b0a, "arm64: mm: Populate vmemmap at the page level if not section aligned"):
    /// "populate to pages levels if start/end is not aligned with section boundary", i.e. a memmap range
    /// smaller than PAGES_PER_SECTION * sizeof(struct page) gets base pages, not PMD blocks
    public var subsectionMemmapBasePages: Bool = false
    /// fix2025 in its 6.1.y form: vmemmap_populate() falls back to vmemmap_populate_basepages(addr, next)
    /// for a PMD block the page allocator cannot give (the 6.1 add side the fix was backported into)
    public var pmdBlockFallsBackToBasePages: Bool = false
    /// fix2026 (48478b9f7913, "arm64/mm: Enable batched TLB flush in unmap_hotplug_range()"): "batch all
    /// TLB flushes during the table tear down walk and finally do it in unmap_hotplug_range()" for the linear
    /// map; "This scheme is not applicable during vmemmap mapping tear down where memory needs to be freed"
    public var linearFlushBatched: Bool = false
    /// fix2026 (95a58852b0e5, "arm64/mm: Reject memory removal that splits a kernel leaf mapping"): "removing
    /// memory ranges that could split a kernel leaf level mapping need to be rejected": the memory notifier
    /// says NOTIFY_BAD when a memory block's linear-map or vmemmap edge lies inside a leaf entry or a CONT run
    public var rejectsLeafSplit: Bool = false
    /// subpmd, s390style, after "s390/vmemmap: remember unused sub-pmd ranges" (cd5781d63eaf; the series
    /// <20200703133917.39045-1-david@redhat.com>: "Handling
    /// cases where the vmemmap of a section does not fill huge pages completely"): a vmemmap PMD block is
    /// cleared, invalidated and freed only when no present section's struct pages lie in it; otherwise the
    /// removed struct pages are only marked unused and the block stays as it is (nothing cleared or freed)
    public var vmemmapKeepsUsedBlocks: Bool = false
    /// s390style: the series' cover letter, "AFAIKS, as there are no valid accesses, doing a single range
    /// flush at the end is sufficient": vmemmap_free() issues no TLBI while it walks (none per leaf, none per
    /// freed table) and one flush after the walk, which on s390 (flush_tlb_kernel_range() is
    /// __tlb_flush_kernel()) is a full flush: flush_tlb_all() on arm64.  As s390's modify_pagetable(), it
    /// refuses a range that is not page aligned: WARN_ON_ONCE(!PAGE_ALIGNED(start | end)), nothing torn down.
    public var vmemmapFlushOnceAtEnd: Bool = false
    /// CONFIG_MEMORY_HOTREMOVE.  pre (v5.6): arm64 could not select ARCH_ENABLE_MEMORY_HOTREMOVE, so
    /// remove_memory() is include/linux/memory_hotplug.h's stub (-EBUSY, no lock taken), offline_pages() the
    /// one that returns -EINVAL (after the hotplug locks of the sysfs offline), and there is no ZONE_DEVICE
    /// (it depends on MEMORY_HOTREMOVE): a removal changes nothing, a device add cannot be asked for.
    public var memoryHotremove: Bool = true
    /// pre (v5.6): arch_add_memory() returns __add_pages()'s error as it is, its linear map left in place (V14
    /// added the __remove_pgd_mapping() of the failure path), and vmemmap_free() is empty
    public var removesNothing: Bool = false
    /// the kernel the revision was posted against or merged into (its era facts; KernelEra.swift)
    public var era = KernelEra.release("v5.7")

    public static let v6 = RevisionContract(
        name: "v6", blockFlush: .walkedRange, vmemmapFreesTables: false, floorCeiling: false,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: false,
        reservedWarn: "!page || PageReserved(page)")
    public static let final = RevisionContract(
        name: "final", blockFlush: .firstPageOnly, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: true, altmapBacking: false, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)")
    public static let altmap = RevisionContract(
        name: "altmap", blockFlush: .firstPageOnly, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: true, altmapBacking: true, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)")

    // The postings between V6 and V14, each from V6 or final by the changes its changelog lists.

    /// V2: x86's remove_pagetable() in one walk for both maps, "Used existing [pmd|pud]_sect() instead of
    /// earlier [pmd|pud]_large()" (V13 changelog, V2); free_pagetable() as x86's; no TLBI but the one
    /// after the walk; tables freed without floor or ceiling, vmemmap tables too; no notifier.  V1 differs
    /// in its own pmd_large()/pud_large(), which V2 dropped: V1 has no contract (docs/HISTORY.md).
    public static let v2 = RevisionContract(
        name: "v2", blockFlush: .none, vmemmapFreesTables: true, floorCeiling: false,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: false,
        reservedWarn: "", pageFlush: .perTableWalked, flushOnceAfterWalk: true, tableFreeTLBI: false,
        tableFreeLevelGuardsOfV1: true, freesReservedPages: true)

    /// V3 (V4, V5 the same: V4 changes only how entries are read and WARNs on !none && !present, V5 only
    /// re-indents): remove_pagetable() in one walk for both the linear map and the vmemmap ("Replaced
    /// 'direct' with 'sparse_vmap' in remove_pagetable()"), tables freed as soon as they are empty with no
    /// floor or ceiling (floor/ceiling arrive in V8), a walk-cache TLBI per freed table ("Perform
    /// intermediate TLB invalidation while clearing pgtable entries"), page leaves flushed once per PTE
    /// table walked, blocks not at all (see BlockFlush.none), no boot-memory notifier (V12).  The
    /// posting's free_hotplug_page_range() WARNs on PageReserved(page).
    public static let v3 = RevisionContract(
        name: "v3", blockFlush: .none, vmemmapFreesTables: true, floorCeiling: false,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: false,
        reservedWarn: "PageReserved(page)", pageFlush: .perTableWalked)
    public static let v4 = RevisionContract(
        name: "v4", blockFlush: .none, vmemmapFreesTables: true, floorCeiling: false,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: false,
        reservedWarn: "PageReserved(page)", pageFlush: .perTableWalked)
    public static let v5 = RevisionContract(
        name: "v5", blockFlush: .none, vmemmapFreesTables: true, floorCeiling: false,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: false,
        reservedWarn: "PageReserved(page)", pageFlush: .perTableWalked)

    /// V7 = V6 + "free_empty_tables() gets conditionally called based on vmalloc_vmemmap_overlap"
    /// (V13 changelog, V7): vmemmap tables are freed (no floor/ceiling yet) unless vmalloc shares the PGD
    /// entry; blocks still flushed over (addr, next); WARN_ON(!page || PageReserved(page)) as in V6.
    public static let v7 = RevisionContract(
        name: "v7", blockFlush: .walkedRange, vmemmapFreesTables: true, floorCeiling: false,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: false,
        reservedWarn: "!page || PageReserved(page)", vmemmapTablesKeptIfVmallocSharesPGD: true)
    /// V8: "Dropped vmalloc-vmemmap detection and subsequent skipping of free_empty_tables()" and
    /// "free_empty_[pxx]_tables() ... now accepts a possible maximum floor-ceiling address range ... check
    /// against required alignment as well as maximum floor-ceiling range as another prerequisite before
    /// freeing the page table page" (V13 changelog, V8).  The posting's __remove_pgd_mapping() and
    /// vmemmap_free() WARN_ON() a range outside [PAGE_OFFSET, PAGE_END) / [VMEMMAP_START, VMEMMAP_END), the
    /// floor and ceiling they pass.  WARN(!page) stays until V9.
    public static let v8 = RevisionContract(
        name: "v8", blockFlush: .walkedRange, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: true,
        reservedWarn: "!page || PageReserved(page)")
    /// V9: "Dropped WARN(!page) in free_hotplug_page_range() per Matthew Wilcox", "Replaced sparse_vmap with
    /// free_mapped", "Collapsed all free_pxx_table() into free_empty_pxx_table()" (V13 changelog, V9):
    /// V8's behaviour with the WARN on PageReserved() alone.
    public static let v9 = RevisionContract(
        name: "v9", blockFlush: .walkedRange, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)")
    /// V10: "Perform just single TLBI invalidation for PMD or PUD block mappings per Catalin" (V13
    /// changelog, V10); the posting's comment, written per Catalin's review of V9: "One TLBI should be
    /// sufficient here as the PMD_SIZE range is mapped with a single block entry".
    public static let v10 = RevisionContract(
        name: "v10", blockFlush: .firstPageOnly, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)")
    /// V12: "Dropped all changes introduced earlier in V11" and "Added a memory hotplug notifier to prevent
    /// boot memory offlining per David" (V13 changelog, V12); V13 only rebases, V14 is final.
    public static let v12 = RevisionContract(
        name: "v12", blockFlush: .firstPageOnly, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: true, altmapBacking: false, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)")

    /// fix2025: the altmap revision's teardown (the fix changes only the add side) on the 6.1.y
    /// vmemmap_populate() with the fix: a sub-section's memmap in base pages.
    public static let fix2025 = RevisionContract(
        name: "fix2025", blockFlush: .firstPageOnly, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: true, altmapBacking: true, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)", subsectionMemmapBasePages: true, pmdBlockFallsBackToBasePages: true)

    /// fix2026: fix2025 + the batched linear-map flush (the vmemmap's blocks flushed over their whole size)
    /// + the refusal of a removal that splits a leaf (both 2026, Cc stable, reviewed by Ryan Roberts).
    public static let fix2026 = RevisionContract(
        name: "fix2026", blockFlush: .wholeBlock, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: true, altmapBacking: true, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)", subsectionMemmapBasePages: true, pmdBlockFallsBackToBasePages: true,
        linearFlushBatched: true, rejectsLeafSplit: true)

    /// pre: v5.6, the baseline the postings fix: hot-add with v5.7's add side, no hot remove at all.
    public static let pre = RevisionContract(
        name: "pre", blockFlush: .none, vmemmapFreesTables: false, floorCeiling: false,
        bootMemoryNotifier: false, altmapBacking: false, warnsOutsideRegion: false,
        reservedWarn: "", memoryHotremove: false, removesNothing: true)

    /// subpmd: final, whose vmemmap_free() keeps a PMD block while a present section's struct pages lie in it
    /// (the s390 series' sub-PMD tracking), every entry cleared, invalidated, then freed, as in final.
    public static let subpmd = RevisionContract(
        name: "subpmd", blockFlush: .firstPageOnly, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: true, altmapBacking: false, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)", vmemmapKeepsUsedBlocks: true)

    /// s390style: subpmd's frees in s390's order, the vmemmap flushed once after the walk (the s390 series' cover
    /// letter); the linear map is final's.
    public static let s390style = RevisionContract(
        name: "s390style", blockFlush: .firstPageOnly, vmemmapFreesTables: true, floorCeiling: true,
        bootMemoryNotifier: true, altmapBacking: false, warnsOutsideRegion: true,
        reservedWarn: "PageReserved(page)", vmemmapKeepsUsedBlocks: true, vmemmapFlushOnceAtEnd: true)

    /// How this contract invalidates leaves, in kernel terms: for explaining a TLBI difference
    /// (ContractCheck's flushRule covers firstPageOnly and walkedRange only).
    public var flushDescription: String {
        if flushOnceAfterWalk {
            return "\(name) issues no TLBI while walking and one flush_tlb_kernel_range(start, end) per range after it"
        }
        var parts: [String] = []
        if linearFlushBatched { parts.append("the linear map is flushed once per range after it is cleared (flush_tlb_kernel_range(start, end))") }
        switch pageFlush {
        case .perLeaf: parts.append("each page leaf gets one vaale1is")
        case .perTableWalked: parts.append("page leaves are flushed once per PTE table walked, over the walked part")
        }
        switch blockFlush {
        case .firstPageOnly: parts.append("each block one vaale1is (flush_tlb_kernel_range(addr, addr + PAGE_SIZE))")
        case .walkedRange: parts.append("each block is flushed over its walked part, page by page or with one vmalle1is beyond MAX_TLBI_OPS pages")
        case .wholeBlock: parts.append("each vmemmap block is flushed over its whole size")
        case .none: parts.append("blocks get no TLBI")
        }
        if vmemmapFlushOnceAtEnd {
            parts.append("the vmemmap gets no TLBI while walked and one flush_tlb_all() per vmemmap_free() after it (an unaligned range: a WARN and nothing torn down)")
        }
        return "\(name): " + parts.joined(separator: "; ")
    }

    /// The kernel revision `name` was written for; V1 (no contract) was posted against v5.1.
    public static func era(of name: String) -> KernelEra {
        named(name)?.era ?? .release(name.lowercased() == "v1" ? "v5.1" : "v5.7")
    }

    /// The revision with the kernel it was written for.
    private func on(_ release: String) -> RevisionContract {
        var c = self
        c.era = KernelEra.release(release)
        return c
    }

    public static func named(_ name: String) -> RevisionContract? {
        // each posting's base: V1..V3 v5.1 (their "Era API"), V4/V5 v5.2-rc, V6 v5.2-rc, V7..V10 v5.3/v5.4-rc,
        // V12 v5.5-rc; fix2025 in its 6.1.y form; fix2026 as merged (the v7.1 merge window)
        switch name.lowercased() {
        case "v2": return RevisionContract.v2.on("v5.1")
        case "v3": return RevisionContract.v3.on("v5.1")
        case "v4": return RevisionContract.v4.on("v5.2")
        case "v5": return RevisionContract.v5.on("v5.2")
        case "v6": return RevisionContract.v6.on("v5.2")
        case "v7": return RevisionContract.v7.on("v5.3")
        case "v8": return RevisionContract.v8.on("v5.4")
        case "v9": return RevisionContract.v9.on("v5.4")
        case "v10": return RevisionContract.v10.on("v5.4")
        case "v12", "v13": return RevisionContract.v12.on("v5.5")
        case "final", "v14", "v5.7": return .final
        case "altmap", "v5.9": return RevisionContract.altmap.on("v5.9")
        case "fix2025": return RevisionContract.fix2025.on("v6.1")
        case "fix2026": return RevisionContract.fix2026.on("v7.1")
        case "pre", "v5.6": return RevisionContract.pre.on("v5.6")
        case "subpmd": return .subpmd
        case "s390style": return .s390style
        default: return nil
        }
    }
}
