// What a revision does to one range it tears down (__remove_pgd_mapping() of
// the linear range, or vmemmap_free()), stated as two passes over regions:
//
//  unmap:  every present leaf whose entry the walk of [start, end) reaches is
//          cleared and TLB-invalidated; for vmemmap its backing is freed.
//  free:   a table reached through a non-none entry is freed when it is empty
//          after the unmap pass (children settled first), and, in the final
//          revision, when pgtable_range_aligned() accepts it against floor/ceiling.

import HotRemoveScenario

package enum TeardownTarget: Equatable {
    case linear
    /// vmemmap_free(start, end, altmap): `altmap` indexes Memory.altmaps
    case vmemmap(altmap: Int?)
}

/// Why tables of a level were freed or kept, for explaining differences.
package struct TableNote: Sendable {
    package var level: Level
    package var spans: IntervalSet
    package var freed: Bool
    package var reason: String
}

package struct Teardown {
    package let lay: Layout
    package let contract: RevisionContract

    package var g: Geometry { lay.g }

    /// V7's vmalloc_vmemmap_overlap: the gap between the vmalloc and vmemmap ranges starts and ends in
    /// the same PGD entry, so the two ranges may share that entry's tables.
    package var vmallocSharesVmemmapPGD: Bool {
        let (gapStart, gapEnd) = g.vmemmapStart > g.vmallocEnd ? (g.vmallocEnd, g.vmemmapStart) : (g.vmemmapEnd, g.vmallocStart)
        let pgdirMask = ~((UInt64(1) << UInt64(g.pgdirShift)) &- 1)
        return gapStart & pgdirMask == gapEnd & pgdirMask
    }

    /// The pages the PTE-level loops reach: they step PAGE_SIZE from the walk's
    /// start, which is unaligned when the range is (a vmemmap range of 56-byte
    /// struct pages); in the PMD entry holding `start` that visits
    /// ceil(len / PAGE_SIZE) pages, later PMD entries start aligned.
    package func pteReach(_ r: Range<UInt64>) -> Range<UInt64> {
        guard !r.isEmpty else { return r }
        let p = g.pageSize
        let first = alignDown(r.lowerBound, p)
        let boundary = alignDown(r.lowerBound, g.pmdSize) + g.pmdSize
        if r.upperBound <= boundary { return first ..< first + ceilDiv(UInt64(r.count), p) * p }
        return first ..< alignUp(r.upperBound, p)
    }

    /// flush_tlb_kernel_range(start, end): one vaale1is per page (stepping the
    /// 4K-granule TLBI address by PAGE_SIZE), or one vmalle1is when the range
    /// exceeds MAX_TLBI_OPS pages.
    package func flushCost(_ a: UInt64, _ b: UInt64) -> (va: UInt64, all: UInt64) {
        if b - a > g.maxTlbiOps * g.pageSize { return (0, 1) }
        let s = a >> 12, e = b >> 12, step = g.pageSize >> 12
        return (e > s ? ceilDiv(e - s, step) : 0, 0)
    }

    /// flush_tlb_kernel_range(a, b) of kernel offsets, `times` over consecutive spans of (b - a):
    /// counts its TLBIs and records where its vaale1is go.
    package func flushKernelRange(_ a: UInt64, _ b: UInt64, _ c: inout StepEffects, times: UInt64 = 1) {
        let x = flushCost(a, b)
        c.tlbiVA += x.va * times; c.tlbiAll += x.all * times
        guard x.va > 0 else { return }
        let width = x.va * g.pageSize
        if (b - a) % 4096 == 0 {
            // the operands of the repetitions are the first's moved by (b - a): one progression
            let first = lay.va(alignDown(a, 4096))
            c.tlbiVAAddresses.set.insert(RangeProgression(start: first, width: width, stride: b - a, count: times))
            return
        }
        for k in 0 ..< times {
            let first = lay.va(alignDown(a + k * (b - a), 4096))
            c.tlbiVAAddresses.set.insert(first ..< first + width)
        }
    }

    /// __flush_tlb_kernel_pgtable(addr) of each table page in `tables` (kernel offsets, whole spans of
    /// `span`): one vaae1is each, whose operand is the first address the free walk of `walkStart...`
    /// visits in the table's span.  (The addresses go into `addresses`, in increasing order: the caller
    /// merges a level's into the counters at once.)
    package func flushWalks(_ tables: Range<UInt64>, span: UInt64, walkStart: UInt64, _ c: inout StepEffects,
                    into addresses: inout StridedRangeSet) {
        let count = UInt64(tables.count) / span
        guard count > 0 else { return }
        c.tlbiWalk += count
        // tables whose span starts before the walk's start: the walk enters them at walkStart
        let entered = tables.lowerBound < walkStart ? min(count, ceilDiv(walkStart - tables.lowerBound, span)) : 0
        if entered > 0 {
            let va = alignDown(lay.va(walkStart), 4096)
            addresses.insert(va ..< va + 4096)
        }
        // the others at their span's start, one table span apart (a span is a multiple of 4K)
        guard entered < count else { return }
        let first = alignDown(lay.va(tables.lowerBound + entered * span), 4096)
        addresses.insert(RangeProgression(start: first, width: 4096, stride: span, count: count - entered))
    }

    /// `inUse`: the memmap (kernel offsets) of the sections still present, for a contract whose
    /// vmemmap_free() keeps the PMD blocks holding it (vmemmapKeepsUsedBlocks).
    package func run(_ r: Range<UInt64>, _ target: TeardownTarget, _ st: inout ModelState,
             _ c: inout StepEffects, _ notes: inout [TableNote], inUse: IntervalSet = IntervalSet()) {
        guard !r.isEmpty else { return }
        let bounds = target == .linear ? lay.linearBounds : lay.vmemmapBounds
        if contract.warnsOutsideRegion && (lay.va(r.lowerBound) < bounds.floor || lay.va(r.upperBound) > bounds.ceiling) {
            c.warn(target == .linear ? "(start < PAGE_OFFSET) || (end > PAGE_END)" : "(start < VMEMMAP_START) || (end > VMEMMAP_END)")
        }
        // s390's modify_pagetable(): WARN_ON_ONCE(!PAGE_ALIGNED(start | end)) and -EINVAL, nothing torn down
        if contract.vmemmapFlushOnceAtEnd && target != .linear && (lay.va(r.lowerBound) | lay.va(r.upperBound)) % g.pageSize != 0 {
            c.warn("!PAGE_ALIGNED(start | end)")
            return
        }
        unmap(r, target, &st, &c, keepingBlocksOf: target != .linear && contract.vmemmapKeepsUsedBlocks ? inUse : nil)
        switch target {
        case .linear:
            freeEmptyTables(r, floorCeiling: contract.floorCeiling ? bounds : nil, &st, &c, &notes)
        case .vmemmap where contract.vmemmapTablesKeptIfVmallocSharesPGD && vmallocSharesVmemmapPGD:
            for (l, s) in emptyTablesReached(r, st) where !s.isEmpty {
                notes.append(TableNote(level: l, spans: s, freed: false,
                                       reason: "\(contract.name)'s vmemmap_free() skips free_empty_tables(): the vmalloc and vmemmap ranges share a PGD entry (vmalloc_vmemmap_overlap)"))
            }
        case .vmemmap where contract.vmemmapFreesTables:
            freeEmptyTables(r, floorCeiling: contract.floorCeiling ? bounds : nil, walkTLBI: !contract.vmemmapFlushOnceAtEnd,
                            &st, &c, &notes)
        case .vmemmap:
            let kept = emptyTablesReached(r, st)
            for (l, s) in kept where !s.isEmpty {
                notes.append(TableNote(level: l, spans: s, freed: false,
                                       reason: "\(contract.name)'s vmemmap_free() never frees page-table pages (it only unmaps)"))
            }
        }
    }

    // MARK: unmap pass

    /// The PMD blocks of [start, end) that may go when the blocks holding `inUse` must stay: the first and the
    /// last block are the only ones the range may share (a present section's memmap never overlaps the range).
    private func blocksFree(of r: Range<UInt64>, keeping inUse: IntervalSet) -> Range<UInt64> {
        var lo = r.lowerBound, hi = r.upperBound
        let first = alignDown(lo, g.pmdSize), last = alignDown(hi - 1, g.pmdSize)
        if inUse.overlaps(first ..< first + g.pmdSize) { lo = first + g.pmdSize }
        if inUse.overlaps(last ..< last + g.pmdSize) { hi = last }
        return lo < hi ? lo ..< hi : lo ..< lo
    }

    private func unmap(_ r: Range<UInt64>, _ target: TeardownTarget, _ st: inout ModelState, _ c: inout StepEffects,
                       keepingBlocksOf inUse: IntervalSet? = nil) {
        let reach = pteReach(r)
        let window = min(r.lowerBound, reach.lowerBound) ..< max(r.upperBound, reach.upperBound)
        // V1/V2 flush once after the walk; fix2026 does so for the linear map (!free_mapped); s390style for the vmemmap
        let onceAfterWalk = contract.flushOnceAfterWalk || (contract.linearFlushBatched && target == .linear)
            || (contract.vmemmapFlushOnceAtEnd && target != .linear)
        let blockRange = inUse.map { blocksFree(of: r, keeping: $0) } ?? r
        let removed = st.pt.leaves.remove(in: window) { run in
            run.entries(overlapping: run.kind == .page ? reach : blockRange)
        }
        for piece in removed {
            let n = piece.count
            c.clears[piece.level.rawValue] += n
            let flushedPerLeaf = onceAfterWalk ? false
                : piece.kind == .page ? contract.pageFlush == .perLeaf : contract.blockFlush != .none
            if flushedPerLeaf {
                // one flush_tlb_kernel_range() per leaf, whichever TLBIs it issues
                c.tlbFlushCalls(n)
                flush(piece, r, &c)
            }
            if case .vmemmap(let altmap) = target { freeBacking(piece, altmap: altmap, &st, &c) }
        }
        if contract.vmemmapFlushOnceAtEnd && target != .linear {
            // s390style: s390's flush_tlb_kernel_range() is a full flush whatever the range: flush_tlb_all()
            c.tlbFlushCalls(1)
            c.tlbiAll += 1
        } else if onceAfterWalk {
            // V1/V2: remove_pagetable() ends with flush_tlb_kernel_range(start, end), mapped or not; fix2026's
            // unmap_hotplug_range() likewise when !free_mapped
            c.tlbFlushCalls(1)
            flushKernelRange(r.lowerBound, r.upperBound, &c)
        } else if contract.pageFlush == .perTableWalked {
            // V3..V5's remove_pte_table(pmdp, addr, next): flush_tlb_kernel_range(addr, next) once per PMD
            // entry that points at a PTE table, whether or not any of its entries was present
            for t in reached(r, .pte, st).ranges {
                var a = UInt64(t.lowerBound)
                while a < t.upperBound {
                    let lo = max(a, r.lowerBound), hi = min(a + g.tableSpan(.pte), r.upperBound)
                    c.tlbFlushCalls(1)
                    flushKernelRange(lo, hi, &c)
                    a += g.tableSpan(.pte)
                }
            }
        }
    }

    private func flush(_ piece: LeafRun, _ r: Range<UInt64>, _ c: inout StepEffects) {
        let n = piece.count
        if piece.kind == .page {
            // flush_tlb_kernel_range(addr, addr + PAGE_SIZE): exactly one vaale1is per leaf.  In the PMD entry
            // holding `start` the walk's addr keeps start's offset in its page (addr += PAGE_SIZE from start),
            // so there each operand is the page plus that offset, cut to 4 KiB; later entries start aligned.
            c.tlbiVA += n
            let shift = alignDown(r.lowerBound % g.pageSize, 4096)
            let boundary = alignDown(r.lowerBound, g.pmdSize) + g.pmdSize
            let firstEntryEnd = shift == 0 ? piece.start : min(max(piece.start, boundary), piece.end)
            if firstEntryEnd > piece.start {
                c.tlbiVAAddresses.set.insert(lay.va(piece.start + shift) ..< lay.va(firstEntryEnd + shift))
            }
            c.tlbiVAAddresses.set.insert(lay.va(firstEntryEnd) ..< lay.va(piece.end))
            return
        }
        // `addr` is the walk's address: the start of the range in the first entry the walk meets, then aligned
        let addr0 = max(piece.start, r.lowerBound)
        if contract.blockFlush == .firstPageOnly {
            // flush_tlb_kernel_range(addr, addr + PAGE_SIZE) per block
            flushKernelRange(addr0, addr0 + g.pageSize, &c)
            for k in 1 ..< max(n, 1) { flushKernelRange(piece.start + k * piece.size, piece.start + k * piece.size + g.pageSize, &c) }
            return
        }
        if contract.blockFlush == .wholeBlock {
            // fix2026: flush_tlb_kernel_range(addr, addr + PMD_SIZE / PUD_SIZE) per block
            flushKernelRange(addr0, addr0 + piece.size, &c)
            if n > 1 { flushKernelRange(piece.start + piece.size, piece.start + 2 * piece.size, &c, times: n - 1) }
            return
        }
        // V6: flush_tlb_kernel_range(addr, next) over the block's part inside [start, end)
        let first = piece.start, last = piece.start + (n - 1) * piece.size
        flushKernelRange(max(first, r.lowerBound), min(first + piece.size, r.upperBound), &c)
        if n >= 3 { flushKernelRange(first + piece.size, first + 2 * piece.size, &c, times: n - 2) }
        if n >= 2 { flushKernelRange(max(last, r.lowerBound), min(last + piece.size, r.upperBound), &c) }
    }

    /// free_hotplug_page_range() of each cleared leaf's backing.
    private func freeBacking(_ piece: LeafRun, altmap: Int?, _ st: inout ModelState, _ c: inout StepEffects) {
        let n = piece.count
        let pages = piece.size / g.pageSize
        let order = pages.trailingZeroBitCount
        if contract.altmapBacking, let a = altmap {
            // v5.9: vmem_altmap_free(altmap, size >> PAGE_SHIFT), whatever the backing really was
            c.altmapPagesFreed += n * pages
            st.mem.altmaps[a].alloc &-= n * pages
            return
        }
        switch piece.backing {
        case .allocatedMemmap:
            c.dataFreedByOrder[min(order, 23)] += n
        case .bootMemmap where contract.freesReservedPages:
            // V1/V2 free_pagetable(): __ClearPageReserved(), then free_reserved_page() of each page
            c.dataFreedByOrder[0] += n * pages
        case .altmapMemmap where piece.pa != nil && (!st.mem.rangeAdds.isEmpty || !st.mem.vmemmapPfns.isEmpty):
            // an altmap's pages given back with no altmap: ZONE_DEVICE pages and the memmap-from-range RFC's PageVmemmap pages are
            // PageReserved (WARN, the allocator refuses); a range's page whose struct page a new memmap has
            // since initialised is not, and the allocator never managed it
            for k in 0 ..< n {
                let pa = piece.pa! + k * piece.size
                let va = lay.va(piece.start + k * piece.size)
                if st.mem.device.contains(pa) || st.mem.vmemmapPfns.contains(pa >> UInt64(g.pageShift)) {
                    c.warn(contract.reservedWarn)
                    c.fault(.freeReserved, at: StepEffects.faultSite(.freeReserved, backingOf: va))
                } else {
                    c.fault(.freeNeverAllocated, at: StepEffects.faultSite(.freeNeverAllocated, backingOf: va))
                }
            }
        case .bootMemmap, .altmapMemmap:
            // memblock pages and ZONE_DEVICE pages are PageReserved: WARN, and the allocator refuses
            c.warn(contract.reservedWarn, n)
            for k in 0 ..< n { c.fault(.freeReserved, at: StepEffects.faultSite(.freeReserved, backingOf: lay.va(piece.start + k * piece.size))) }
        case .linear, .neighbour:
            for k in 0 ..< n {
                c.fault(.freeNeverAllocated, at: StepEffects.faultSite(.freeNeverAllocated, backingOf: lay.va(piece.start + k * piece.size)))
            }
        }
    }

    // MARK: free pass

    /// Tables the free pass reaches: those of each level overlapping [start, end).
    private func reached(_ r: Range<UInt64>, _ l: Level, _ st: ModelState) -> IntervalSet {
        st.pt.tables[l.rawValue].intersection(IntervalSet(r).roundedOut(to: g.tableSpan(l)))
    }

    /// Tables of level `l` among `candidates` holding no entry: no leaf and no lower table in their span.
    private func empty(_ candidates: IntervalSet, _ l: Level, _ st: ModelState) -> IntervalSet {
        guard let hull = candidates.hull else { return candidates }
        var occupied = st.pt.leaves.coverage(in: hull)
        for d in g.tableLevels where d > l { occupied.formUnion(st.pt.tables[d.rawValue].clipped(to: hull)) }
        return candidates.subtracting(occupied.roundedOut(to: g.tableSpan(l)))
    }

    private func emptyTablesReached(_ r: Range<UInt64>, _ st: ModelState) -> [(Level, IntervalSet)] {
        g.freeableTableLevels.map { l in (l, empty(reached(r, l, st), l, st)) }
    }

    /// pgtable_range_aligned(start, end, floor, ceiling, mask) as a region of table spans:
    /// the table's span start >= floor, and min(end, span end) <= ceiling & mask.
    private func alignedRegion(_ r: Range<UInt64>, _ l: Level, _ fc: (floor: UInt64, ceiling: UInt64)) -> IntervalSet {
        let span = g.tableSpan(l)
        let limit: UInt64 = 1 << 62
        let lo = alignUp(lay.off(max(fc.floor, g.pageOffset)), span)
        var hi = limit
        if fc.ceiling != 0 {
            let masked = fc.ceiling & ~(span - 1)
            if masked == 0 || masked < g.pageOffset { return IntervalSet() }
            let cm = lay.off(masked)
            if r.upperBound > cm { hi = cm }
        }
        return lo < hi ? IntervalSet(lo ..< hi) : IntervalSet()
    }

    /// `walkTLBI`: the parent entry's clear is followed by a walk-cache TLBI (s390style's vmemmap: none)
    private func freeEmptyTables(_ r: Range<UInt64>, floorCeiling fc: (floor: UInt64, ceiling: UInt64)?, walkTLBI: Bool = true,
                                 _ st: inout ModelState, _ c: inout StepEffects, _ notes: inout [TableNote]) {
        // deepest level first: a PMD table emptied by freeing its PTE tables goes in the same pass
        for l in g.freeableTableLevels where !contract.tableFreeLevelGuardsOfV1 || g.levels > (l == .pte ? 2 : 3) {
            let span = g.tableSpan(l)
            var freed = empty(reached(r, l, st), l, st)
            guard !freed.isEmpty else { continue }
            if let fc {
                let allowed = alignedRegion(r, l, fc)
                let kept = freed.subtracting(allowed)
                if !kept.isEmpty {
                    notes.append(TableNote(level: l, spans: kept, freed: false,
                                           reason: "empty, but pgtable_range_aligned() rejects it: its span is not inside [floor \(Quantity.hex(fc.floor)), ceiling \(Quantity.hex(fc.ceiling)))"))
                }
                freed = freed.intersection(allowed)
                guard !freed.isEmpty else { continue }
            }
            let n = freed.blocks(of: span)
            let reservedN = st.pt.reserved[l.rawValue].intersection(freed).blocks(of: span)
            // parent entry cleared, one vaae1is, then the page goes back to the allocator
            c.clears[g.parentTable(of: l).rawValue] += n
            if contract.tableFreeTLBI && walkTLBI {
                // each table's __flush_tlb_kernel_pgtable(start): the first address its free walk visits
                var walks = StridedRangeSet()
                for t in freed.ranges { flushWalks(t, span: span, walkStart: r.lowerBound, &c, into: &walks) }
                c.tlbiWalkAddresses.set.formUnion(walks)
                c.tlbFlushCalls(n)
            }
            if contract.freesReservedPages {
                // V1/V2: a boot table page goes back too, through free_reserved_page(): a table page freed
                c.tablesFreed[l.rawValue] += n
            } else {
                c.tablesFreed[l.rawValue] += n - reservedN
                c.warn(contract.reservedWarn, reservedN)
                for t in st.pt.reserved[l.rawValue].intersection(freed).ranges {
                    var a = t.lowerBound
                    while a < t.upperBound {
                        c.fault(.freeReserved, at: StepEffects.faultSite(.freeReserved, table: l, va: lay.va(a)))
                        a += span
                    }
                }
            }
            st.pt.removeTables(freed, at: l)
            notes.append(TableNote(level: l, spans: freed, freed: true,
                                   reason: fc == nil ? "empty after the unmap pass" : "empty after the unmap pass and inside floor/ceiling"))
        }
    }
}
