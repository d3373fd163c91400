
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The invalidations a step issued for each PMD block of the vmemmap it cleared: vaale1is whose
/// page lies in the block and vmalle1is, counted from the block's clear to the free of its backing
/// (the first data free of its pages, or the first vmem_altmap_free(), after the clear; the step's
/// end when none follows).  One overlapping TLBI suffices for a block entry ("all of the entries
/// relating to the block mapping will be invalidated if just one of them intersects the TLBI
/// range", Ryan Roberts <d2a633c8-496e-48e1-bfa0-a0fc75bd0a08@arm.com>); 48478b9f7913 flushes
/// [addr, addr + PMD_SIZE), which v5.7's flush_tlb_kernel_range() issues as PTRS_PER_PTE
/// vaale1is, and its follow-up went back to one.  Read from the ordered trace and the tables
/// before the step, so it needs a traced run.
public struct VmemmapBlockFlushes: Equatable, Sendable, Codable {
    public struct Block: Equatable, Sendable, Codable {
        /// the block's VA
        public var va: UInt64
        public var vaale1is: UInt64
        public var vmalle1is: UInt64
        public var invalidations: UInt64 { vaale1is + vmalle1is }
    }
    /// the cleared vmemmap PMD blocks, in the order the step cleared them
    public var blocks: [Block]

    /// nil when the step ran without the ordered trace
    public static func measure(_ o: StepObservation, geometry g: Geometry) -> VmemmapBlockFlushes? {
        guard let trace = o.trace else { return nil }
        let pageMask = g.pageSize - 1
        var tables: [UInt64: ObservedTable] = [:]
        for t in o.before.tables { tables[t.pa & ~pageMask] = t }
        let pmdSize = g.entrySize(.pmd)
        let vmemmap = g.vmemmapStart ..< g.vmemmapEnd
        let outputAddress: UInt64 = ((1 << 48) - 1) & ~pageMask
        struct Open { var index: Int; var firstPfn: UInt64; var pages: UInt64 }
        var blocks: [Block] = []
        var open: [Open] = []
        for (_, e) in ObservedEvent.Unrolled(trace) {
            switch e.kind {
            case .clear:
                guard let t = tables[e.a & ~pageMask] else { continue }
                let span = g.entrySize(t.level)
                guard span == pmdSize else { continue }
                for k in 0 ..< max(e.count, 1) {
                    let old = e.b == 0 ? 0 : e.b &+ k &* span
                    guard old & Descriptor.typeMask == 1 else { continue }   // a block, not a table
                    let va = t.vaStart &+ ((e.a &+ 8 &* k) - t.pa) / 8 &* span
                    guard vmemmap.contains(va) else { continue }
                    open.append(Open(index: blocks.count, firstPfn: (old & outputAddress) >> UInt64(g.pageShift),
                                     pages: pmdSize >> UInt64(g.pageShift)))
                    blocks.append(Block(va: va, vaale1is: 0, vmalle1is: 0))
                }
            case .tlbiVA:
                let lo = e.a, hi = e.a &+ max(e.count, 1) &* g.pageSize
                for b in open {
                    let s = max(lo, blocks[b.index].va), end = min(hi, blocks[b.index].va &+ pmdSize)
                    if s < end { blocks[b.index].vaale1is += (end - s) / g.pageSize }
                }
            case .tlbiAll:
                for b in open { blocks[b.index].vmalle1is += max(e.count, 1) }
            case .free where e.b == 0:
                let lo = e.a, hi = e.a &+ (1 << UInt64(e.level))
                open.removeAll { $0.firstPfn < hi && lo < $0.firstPfn &+ $0.pages }
            case .altmapFree:
                if !open.isEmpty { open.removeFirst() }
            default:
                break
            }
        }
        return VmemmapBlockFlushes(blocks: blocks)
    }

    /// "512 (4 blocks)", "1..512 (3 blocks)", "1 vmalle1is (2 blocks)", or "no block" when none was cleared.
    public var summary: String {
        guard let lo = blocks.map(\.invalidations).min(), let hi = blocks.map(\.invalidations).max() else { return "no block" }
        let n = "\(blocks.count) block\(blocks.count == 1 ? "" : "s")"
        let all = blocks.contains { $0.vmalle1is > 0 }
        let kind = all && blocks.allSatisfy({ $0.vaale1is == 0 }) ? " vmalle1is" : all ? " incl. vmalle1is" : ""
        return (lo == hi ? "\(lo)" : "\(lo)..\(hi)") + kind + " (\(n))"
    }
}
