// The mappings v5.7 creates, stated as regions rather than walked:
// __create_pgd_mapping() for the linear map, vmemmap_populate() (PMD blocks on
// 4K, base pages otherwise) for the memmap, and vmalloc base pages for the
// neighbours.  A plan names the leaves, every table the walk passes through,
// and the data allocations it makes, so allocation order and injected
// failures can be worked out by counting.

import HotRemoveScenario

/// The leaves and tables one mapping walk produces over `walk`.

package struct MappingPlan {
    package var walk: Range<UInt64>
    /// leaves to create, in VA order (attrs final; pa nil when the allocator picks it)
    package var leaves: [LeafRun]
    /// by Level.rawValue: every table span the walk needs (allocated if not installed yet)
    package var needed = [IntervalSet](repeating: IntervalSet(), count: 4)
    /// data allocations (vmemmap backing), one per `unit`-sized aligned block
    package var units = IntervalSet()
    package var unit: UInt64 = 0
    /// Base pages whose PMD entry is a live block and whose word in the block's first page reads zero:
    /// the populate walk takes that page for their PTE table and writes a descriptor for each there
    /// (each also in `units`).
    package var slotWrites = IntervalSet()
    /// The first page whose word the walk reads there holds what the model cannot know, and why.
    package var unknownSlot: (page: UInt64, why: String)?

    /// Tables the walk must allocate on top of `pt`.
    package func newTables(_ pt: PageTables) -> [IntervalSet] {
        (0 ..< 4).map { needed[$0].subtracting(pt.tables[$0]) }
    }
}

package enum AddSide {
    // MARK: linear map

    /// __create_pgd_mapping(swapper_pg_dir, phys, virt, size, PAGE_KERNEL, .., flags) of the
    /// linear range `r` (kernel offsets).  `blocks` is !(NO_BLOCK_MAPPINGS|NO_CONT_MAPPINGS).
    package static func linear(_ r: Range<UInt64>, _ lay: Layout, blocks: Bool, _ pt: PageTables) -> MappingPlan {
        let g = lay.g
        let range = IntervalSet(r)
        // phys = off + PHYS_OFFSET: an aligned offset is an aligned PA only when PHYS_OFFSET is aligned too.
        func physAligned(_ size: UInt64) -> Bool { lay.physOffset % size == 0 }

        // use_1G_block(): 4K pages, addr/next/phys 1 GiB aligned, i.e. whole 1 GiB entries inside the range.
        let pudRegion = blocks && g.hasPudBlocks && physAligned(g.pudSize) ? range.roundedIn(to: g.pudSize) : IntervalSet()
        // pud_set_huge() refuses to replace an installed (empty) PMD table: that GiB stays unmapped.
        let pudBlocks = pudRegion.subtracting(pt.tables[Level.pmd.rawValue])
        let rest = range.subtracting(pudRegion)
        // init_pmd(): whole PMD entries whose addr/next/phys are PMD_SIZE aligned become blocks.
        let pmdRegion = blocks && physAligned(g.pmdSize) ? rest.roundedIn(to: g.pmdSize) : IntervalSet()
        let pmdBlocks = pmdRegion.subtracting(pt.tables[Level.pte.rawValue])
        // alloc_init_cont_pmd(): a CONT_PMD_SIZE chunk inside one PUD entry, aligned in VA and PA.
        let contPmd = blocks && g.contPmdSize <= g.pudSize && physAligned(g.contPmdSize)
            ? rest.roundedIn(to: g.contPmdSize) : IntervalSet()
        let pages = rest.subtracting(pmdRegion)
        // alloc_init_cont_pte(): CONT_PTE_SIZE chunks aligned in VA and PA (always inside one PMD entry).
        let contPte = blocks && physAligned(g.contPteSize) ? pages.roundedIn(to: g.contPteSize) : IntervalSet()

        var leaves: [LeafRun] = []
        func emit(_ s: IntervalSet, size: UInt64, level: Level, kind: RunKind, attrs: UInt64) {
            for x in s.ranges {
                leaves.append(LeafRun(start: x.lowerBound, count: UInt64(x.count) / size, size: size, level: g.tableHolding(level),
                                      kind: kind, attrs: attrs, pa: x.lowerBound &+ lay.physOffset, backing: .linear))
            }
        }
        emit(pudBlocks, size: g.pudSize, level: .pud, kind: .block, attrs: Descriptor.blockKernel)
        emit(pmdBlocks.subtracting(contPmd), size: g.pmdSize, level: .pmd, kind: .block, attrs: Descriptor.blockKernel)
        emit(pmdBlocks.intersection(contPmd), size: g.pmdSize, level: .pmd, kind: .block, attrs: Descriptor.blockKernel | Descriptor.cont)
        emit(pages.subtracting(contPte), size: g.pageSize, level: .pte, kind: .page, attrs: Descriptor.pageKernel)
        emit(pages.intersection(contPte), size: g.pageSize, level: .pte, kind: .page, attrs: Descriptor.pageKernel | Descriptor.cont)
        leaves.sort { $0.start < $1.start }

        var plan = MappingPlan(walk: r, leaves: leaves)
        // alloc_init_pud() runs for every PGD entry of the range, alloc_init_cont_pmd() for every
        // PUD entry that is not a block, alloc_init_cont_pte() for every PMD entry that is not.
        if !g.isFolded(.pud) { plan.needed[Level.pud.rawValue] = range.roundedOut(to: g.tableSpan(.pud)) }
        if !g.isFolded(.pmd) { plan.needed[Level.pmd.rawValue] = rest.roundedOut(to: g.tableSpan(.pmd)) }
        plan.needed[Level.pte.rawValue] = pages.roundedOut(to: g.tableSpan(.pte))
        return plan
    }

    // MARK: vmemmap

    /// The pages vmemmap_populate_basepages() visits: it steps PAGE_SIZE from an
    /// unaligned start, so it visits ceil(len / PAGE_SIZE) pages from the one holding start.
    package static func steppedPages(_ m: Range<UInt64>, pageSize p: UInt64) -> Range<UInt64> {
        guard !m.isEmpty else { return m.lowerBound ..< m.lowerBound }
        let first = alignDown(m.lowerBound, p)
        return first ..< first + ceilDiv(UInt64(m.count), p) * p
    }

    /// vmemmap_populate(start, end) of the memmap range `m`: on 4K a PMD block
    /// for every PMD_SIZE chunk touched whose entry is none; otherwise a base
    /// page for every page visited whose PTE is none.
    /// `basePages`: vmemmap_populate_basepages() whatever the granule (fix2025's sub-section memmap).
    package static func memmap(_ m: Range<UInt64>, _ lay: Layout, _ pt: PageTables, backing: Backing, basePages: Bool = false) -> MappingPlan {
        let g = lay.g
        let touched: IntervalSet
        let unit: UInt64
        let kind: RunKind, level: Level, attrs: UInt64
        let blocks = g.vmemmapUsesSections && !basePages
        if blocks {
            touched = IntervalSet(m).roundedOut(to: g.pmdSize)
            unit = g.pmdSize; kind = .block; level = g.tableHolding(.pmd); attrs = Descriptor.sectNormal
        } else {
            touched = IntervalSet(steppedPages(m, pageSize: g.pageSize))
            unit = g.pageSize; kind = .page; level = .pte; attrs = Descriptor.pageKernel
        }
        guard let hull = touched.hull else { return MappingPlan(walk: m, leaves: []) }
        var occupied = pt.leaves.coverage(in: hull)
        if blocks { occupied.formUnion(pt.tables[Level.pte.rawValue].clipped(to: hull)) }
        // vmemmap_pmd_populate() only checks pmd_none(): under a live block the base-page walk goes on
        // into the block's output page (the generic code never asks pmd_leaf())
        var underBlocks = IntervalSet()
        if !blocks {
            for run in pt.leaves.runs(overlapping: hull) where run.size >= g.pmdSize { underBlocks.insert(run.range) }
        }
        // vmemmap_pte_populate(): `if (pte_none(*pte))`, the word pte_offset_kernel() gives, in the block's first page
        var slotWrites = IntervalSet()
        var unknownSlot: (page: UInt64, why: String)?
        slots: for r in touched.intersection(underBlocks).ranges {
            for page in stride(from: r.lowerBound, to: r.upperBound, by: Int(g.pageSize)) {
                let slot = MemmapWords.slot(ofPage: page, g)
                switch pt.memmapWords.value(at: slot, lay) {
                case .zero: slotWrites.insert(page ..< page + g.pageSize)
                case .nonzero: continue
                case .unknown(let why):
                    unknownSlot = (page, "vmemmap_pte_populate() for \(lay.hexVA(page)) reads the word at \(lay.hexVA(slot)) in the first page of the PMD block that maps it, and that word is \(why)")
                    break slots
                }
            }
        }
        let units = touched.subtracting(occupied.roundedOut(to: unit))

        var plan = MappingPlan(walk: m, leaves: [])
        plan.unknownSlot = unknownSlot
        plan.units = units.union(slotWrites)
        plan.unit = unit
        plan.slotWrites = slotWrites
        for x in units.ranges {
            plan.leaves.append(LeafRun(start: x.lowerBound, count: UInt64(x.count) / unit, size: unit, level: level,
                                       kind: kind, attrs: attrs, pa: nil, backing: backing))
        }
        // vmemmap_{pgd,pud,pmd}_populate() install whatever table each visited address lacks.
        if !g.isFolded(.pud) { plan.needed[Level.pud.rawValue] = touched.roundedOut(to: g.tableSpan(.pud)) }
        if !g.isFolded(.pmd) { plan.needed[Level.pmd.rawValue] = touched.roundedOut(to: g.tableSpan(.pmd)) }
        if !blocks { plan.needed[Level.pte.rawValue] = touched.subtracting(underBlocks).roundedOut(to: g.tableSpan(.pte)) }
        return plan
    }

    // MARK: neighbours

    /// A vmalloc-area mapping: base pages with PAGE_KERNEL and whatever tables they need.
    package static func neighbour(_ r: Range<UInt64>, _ lay: Layout) -> MappingPlan {
        let g = lay.g
        let s = IntervalSet(r)
        var plan = MappingPlan(walk: r, leaves: [LeafRun(start: r.lowerBound, count: UInt64(r.count) / g.pageSize, size: g.pageSize,
                                                         level: .pte, kind: .page, attrs: Descriptor.pageKernel, pa: nil,
                                                         backing: .neighbour)])
        if !g.isFolded(.pud) { plan.needed[Level.pud.rawValue] = s.roundedOut(to: g.tableSpan(.pud)) }
        if !g.isFolded(.pmd) { plan.needed[Level.pmd.rawValue] = s.roundedOut(to: g.tableSpan(.pmd)) }
        plan.needed[Level.pte.rawValue] = s.roundedOut(to: g.tableSpan(.pte))
        return plan
    }
}
