// The three revisions of arm64 memory hot-remove, each stated as the handful
// of behaviours that tell them apart (from the V6 posting, the V14/v5.7 commit
// message and the v5.9 altmap patch), not as code.

public struct RevisionContract: Sendable, Equatable {
    public enum BlockFlush: Sendable, Equatable {
        /// final: "One TLBI should be sufficient here as the PMD_SIZE range is
        /// mapped with a single block entry": flush_tlb_kernel_range(addr, addr + PAGE_SIZE)
        case firstPageOnly
        /// V6: flush_tlb_kernel_range(addr, next) over the walked part of the block
        case walkedRange
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

    public static func named(_ name: String) -> RevisionContract? {
        switch name.lowercased() {
        case "v6": return .v6
        case "final", "v14", "v5.7": return .final
        case "altmap", "v5.9": return .altmap
        default: return nil
        }
    }
}
