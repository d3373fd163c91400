// The architecture's ordering rules for tearing down kernel mappings, judged on
// the ordered trace of one step.  What the MMU may still hold at any moment:
//
//  * a leaf translation (page, block) for every VA whose leaf entry was valid;
//    `vaale1is` of any VA inside a leaf drops that leaf only (last level: never a
//    walk-cache entry), `vaae1is` drops the leaf and the walk-cache entries for
//    that VA, `vmalle1is` drops everything cached so far (not what is cleared
//    after it).  A block is dropped by an invalidation of any VA inside it.
//  * a walk-cache copy of every table entry that was valid, that is a pointer to
//    the table page below it, for every VA in that entry's span.
//  * an invalidation is complete only at the next `dsb(ish)` after it (Arm ARM
//    D5.10.2, "TLB maintenance instructions": completion is guaranteed by a DSB).
//
// So a page may go back to an allocator only when every path by which the MMU
// could still reach it is gone: the entry pointing at it cleared, then an
// invalidation that reaches every cached copy (a leaf invalidation for a data page,
// a walk-cache invalidation for a table page), then completion.  This is the rule
// Mark Rutland stated on V2 (2019-04-15): "1) clear the pointer to a table
// 2) invalidate any corresponding TLB entries 3) free the table page".

import HotRemoveModel
import HotRemoveScenario

public enum OrderingRule: String, CaseIterable, Sendable {
    // Each rule's meaning is its statement below; the raw value is its id in findings.
    // invalidation of what the step cleared
    case staleLeaf = "inv.tlb-stale-leaf", staleWalk = "inv.tlb-stale-walk", invalidatedBeforeClear = "inv.tlb-order"
    // frees against the invalidations and the entries still pointing at the page
    case freeBeforeLeafTLBI = "inv.free-before-leaf-tlbi", freeBeforeWalkTLBI = "inv.free-before-walk-tlbi"
    case freedWhileReachable = "inv.freed-while-reachable", freedDataNotBacking = "inv.freed-data-not-backing"
    // completion, the Contiguous bit, break-before-make, and where descriptors are written
    case tlbiIncomplete = "inv.tlbi-incomplete", contRefill = "inv.tlb-cont-refill", contSplit = "inv.cont-range-split"
    case breakBeforeMake = "inv.break-before-make", writeOutsideTable = "inv.write-outside-table"

    /// One sentence for reports and README.
    public var statement: String {
        switch self {
        case .staleLeaf: return "every cleared leaf entry is invalidated (vaale1is/vaae1is of a VA inside it, or vmalle1is) after it is cleared"
        case .staleWalk: return "every cleared table entry is walk-cache invalidated (vaae1is of a VA in its span, or vmalle1is) after it is cleared; vaale1is does not reach the walk cache"
        case .invalidatedBeforeClear: return "an invalidation only counts for entries cleared before it"
        case .freeBeforeLeafTLBI: return "a data page is freed only after its cleared leaf was invalidated and a dsb(ish) completed that invalidation"
        case .freeBeforeWalkTLBI: return "a table page is freed only after the entry pointing at it was cleared, walk-cache invalidated, and a dsb(ish) completed that invalidation"
        case .freedWhileReachable: return "no page is freed while a valid entry still points at it"
        case .freedDataNotBacking: return "a data page freed by the teardown is the backing of a leaf cleared in the same step"
        case .tlbiIncomplete: return "every invalidation is completed by a dsb(ish) before the teardown returns"
        case .contRefill: return "an entry of a contiguous range is gone only when an invalidation reaching its VA comes after every entry of the range is invalid: until then the MMU may refill the whole range, shattered, from a valid sibling (Arm ARM D8.6.1, the Contiguous bit)"
        case .contSplit: return "a contiguous range is cleared whole or not at all"
        case .writeOutsideTable: return "descriptors are written only into live page-table pages: a walk that takes a block's output page for a table (pte_offset_kernel() of a block) writes into the memory the block maps"
        case .breakBeforeMake: return "a valid entry is never changed to another valid entry with a different output address, size, type or Contiguous bit without first being made invalid and invalidated (Arm ARM D8.14, break-before-make)"
        }
    }
}
