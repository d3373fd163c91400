// The generic memory-hotplug flow around the arch routines: boot, add
// (arch_add_memory -> __add_pages -> section_activate), remove (offline
// notifier -> __remove_pages -> section_deactivate -> vmemmap_free, then
// __remove_pgd_mapping) and offline, step by step.  What the generic layer
// guarantees at each of them (sub-sections present, memmap populated and
// freed, altmaps, the memmap-from-range RFC's deferral, memmap on memory) is stated in Sparse;
// the revision only decides what each teardown does (Teardown) and whether
// boot memory may go offline.

import HotRemoveScenario

package struct StepModel {
    package var outcome: StepPrediction.Outcome
    package var effects = StepEffects()
    package var state: ModelState
    /// ranges torn down (kernel offsets), in order
    package var torn: [(range: Range<UInt64>, target: TeardownTarget)] = []
    package var notes: [TableNote] = []
    /// What the revision's own code does otherwise than its stated purpose, seen by the model
    package var codeFindings: [CodeFinding] = []
    /// Why the step is not predicted: it reads memory whose contents the model cannot know.
    package var notPredicted: String?

    package init(outcome: StepPrediction.Outcome, effects: StepEffects = StepEffects(), state: ModelState,
                 notPredicted: String? = nil) {
        self.outcome = outcome; self.effects = effects; self.state = state; self.notPredicted = notPredicted
    }
}

/// A finding about the revision's code that the model sees while predicting it: the code does
/// something its commit message says it does not (reported, never used to excuse a difference).
package struct CodeFinding {
    package var rule: String
    package var expected: String
    package var found: String
    package var message: String
}

extension ModelAltmap {
    /// How many `units`-pfn allocations in a row still fit (only the first may need padding).
    package func capacity(units u: UInt64) -> UInt64 {
        guard free >= alloc + align else { return 0 }
        let available = free - alloc - align
        let next = basePfn + reserve + alloc + align
        let pad = alignUp(next, u & (~u &+ 1)) - next
        guard u + pad <= available else { return 0 }
        return 1 + (available - u - pad) / u
    }
}

package struct Hotplug {
    package let scenario: Scenario
    package let lay: Layout
    package let contract: RevisionContract
    package let teardown: Teardown

    package init(_ scenario: Scenario, _ contract: RevisionContract) {
        self.scenario = scenario
        lay = Layout(scenario)
        self.contract = contract
        teardown = Teardown(lay: lay, contract: contract)
    }

    package var sparse: Sparse { Sparse(lay: lay) }

    package var g: Geometry { lay.g }
    package var blocks: Bool { !scenario.noBlockMappings }

    // MARK: installing plans

    /// Which walk installs a plan.  __create_pgd_mapping() (the linear map) takes its
    /// tables from pgd_pgtable_alloc(), whose __pgd_pgtable_alloc() ends with
    /// dsb(ishst), and init_pte()/init_pmd() write every leaf of the range, an entry
    /// already there included (pgattr_change_is_safe() allows the same value).  The
    /// vmemmap and vmalloc populate helpers allocate without a barrier and write
    /// only entries that are none.
    package enum TableSource { case pgdPgtableAlloc, other }

    private func install(_ plan: MappingPlan, _ st: inout ModelState, reserved: Bool, altmap: Int?,
                         _ source: TableSource, _ c: inout StepEffects) {
        let new = plan.newTables(st.pt)
        for l in g.freeableTableLevels {
            tablesMade(new[l.rawValue].blocks(of: g.tableSpan(l)), l, source, &c)
            st.pt.addTables(new[l.rawValue], at: l, reserved: reserved)
        }
        fill(plan.leaves, plan.slotWrites, &st, altmap: altmap, rewrites: source == .pgdPgtableAlloc, &c)
    }

    private func installPartial(_ order: AllocationOrder, _ p: AllocationPoint, _ st: inout ModelState, altmap: Int?,
                                _ source: TableSource, _ c: inout StepEffects) {
        for l in g.freeableTableLevels {
            let made = order.tablesAllocated(before: p, l, g)
            tablesMade(made.blocks(of: g.tableSpan(l)), l, source, &c)
            st.pt.addTables(made, at: l, reserved: false)
        }
        fill(order.leaves(before: p), order.plan.slotWrites.clipped(to: 0 ..< p.key), &st, altmap: altmap,
             rewrites: source == .pgdPgtableAlloc, &c)
    }

    /// Leaves and slot writes in the walk's order (VA order), which fixes the altmap pfns each takes.
    private func fill(_ leaves: [LeafRun], _ slots: IntervalSet, _ st: inout ModelState, altmap: Int?, rewrites: Bool,
                      _ c: inout StepEffects) {
        var li = leaves.startIndex
        for r in slots.ranges {
            let upTo = leaves[li...].firstIndex { $0.start >= r.lowerBound } ?? leaves.endIndex
            insert(Array(leaves[li ..< upTo]), &st, altmap: altmap, rewrites: rewrites, &c)
            li = upTo
            writeSlots(r, &st, altmap: altmap, &c)
        }
        insert(Array(leaves[li...]), &st, altmap: altmap, rewrites: rewrites, &c)
    }

    /// vmemmap_pte_populate() under a live PMD block: for each page a backing page is allocated and
    /// its descriptor written into the block's output page, which maps nothing.
    private func writeSlots(_ r: Range<UInt64>, _ st: inout ModelState, altmap: Int?, _ c: inout StepEffects) {
        let n = UInt64(r.count) / g.pageSize
        guard n > 0 else { return }
        if let a = altmap {
            if st.mem.altmaps[a].allocate(1) != nil { st.mem.altmaps[a].alloc += n - 1 }
        } else {
            c.allocationsByOrder[0] += n
        }
        c.entriesSet(n, at: .pte)
        for page in stride(from: r.lowerBound, to: r.upperBound, by: Int(g.pageSize)) {
            let slot = MemmapWords.slot(ofPage: page, g)
            st.pt.memmapWords.set(slot ..< slot + 8, .descriptor)
        }
    }

    /// n table pages of level l allocated (order 0) and hooked into their parent.
    private func tablesMade(_ n: UInt64, _ l: Level, _ source: TableSource, _ c: inout StepEffects) {
        guard n > 0 else { return }
        c.tablesAllocated[l.rawValue] += n
        c.allocationsByOrder[0] += n
        if source == .pgdPgtableAlloc { c.dsbIshst += n }
        c.entriesSet(n, at: g.parentTable(of: l))
    }

    /// Leaves go in; altmap-backed ones take consecutive pfns from the altmap (vmem_altmap_alloc),
    /// the others that need backing take one allocation per leaf from the page allocator.
    private func insert(_ leaves: [LeafRun], _ st: inout ModelState, altmap: Int?, rewrites: Bool,
                        _ c: inout StepEffects) {
        for var leaf in leaves {
            if let a = altmap {
                let unitPfns = leaf.size / g.pageSize
                if let first = st.mem.altmaps[a].allocate(unitPfns) {
                    st.mem.altmaps[a].alloc += (leaf.count - 1) * unitPfns
                    leaf.pa = first << UInt64(g.pageShift)
                }
            }
            // the memory behind a new memmap leaf holds what its allocation left (MemmapWords.swift)
            let fill = MemmapWords.allocation(leaf.backing, initOnAlloc: scenario.initOnAlloc)
            let fresh = fill == nil ? IntervalSet() : IntervalSet(leaf.range).subtracting(st.pt.leaves.coverage(in: leaf.range))
            let n = st.pt.leaves.insertWhereEmpty(leaf)
            if let fill { for x in fresh.ranges { st.pt.memmapWords.set(x, fill) } }
            if altmap == nil && leaf.backing == .allocatedMemmap {
                c.allocationsByOrder[min((leaf.size / g.pageSize).trailingZeroBitCount, 23)] += n
            }
            c.entriesSet(rewrites ? leaf.count : n, at: leaf.level)
        }
    }

    // MARK: boot

    /// paging_init() + sparse_init() + the neighbours mapped after boot.
    package func boot() -> ModelState {
        var st = ModelState()
        var c = StepEffects()
        let boot = scenario.bootStart ..< scenario.bootStart + scenario.bootSize
        st.mem.added.insert(boot)
        install(AddSide.linear(lay.linear(boot), lay, blocks: blocks, st.pt), &st, reserved: true, altmap: nil, .other, &c)
        for sec in lay.sectionPieces(boot) {
            st.mem.early.insert(sec)
            st.mem.present.insert(sec)
            install(AddSide.memmap(lay.memmap(sec), lay, st.pt, backing: .bootMemmap), &st, reserved: true, altmap: nil, .other, &c)
        }
        // memmap_init(): the struct pages of boot memory describe pages in use
        st.pt.memmapWords.set(lay.memmap(boot), .inUse)
        for n in scenario.neighbours {
            install(AddSide.neighbour(lay.off(n.va) ..< lay.off(n.va) + n.size, lay), &st, reserved: false, altmap: nil, .other, &c)
        }
        return st
    }

    // MARK: steps

    /// Why the model considers a step's input invalid, whatever the machine holds: a range outside the simulated
    /// physical memory or not in the units its operation takes (an add's kind; 2 MiB sub-sections for a removal,
    /// which may be of device memory; sections for an offline).
    package func invalidity(_ step: Scenario.Step) -> String? {
        let r = step.start ..< step.start &+ step.size
        guard step.size > 0, step.start >= scenario.physOffset, r.upperBound <= scenario.physOffset + scenario.physSize else {
            return "range is outside the simulated physical memory"
        }
        let gran = step.op == .add ? (step.kind == .ram ? lay.sectionSize : subsectionSize)
            : step.op == .remove ? subsectionSize : lay.sectionSize
        guard step.start % gran == 0, step.size % gran == 0 else {
            return "\(step.op == .add ? step.kind.rawValue : "ram") memory is hot-plugged in \(Quantity.human(gran)) units"
        }
        return nil
    }

    /// Why the model considers a step invalid given what is present: an add over memory added, a removal or an
    /// offline of memory not all added, RAM removed in less than sections.
    package func invalidity(_ step: Scenario.Step, _ st: ModelState) -> String? {
        let r = step.start ..< step.start &+ step.size
        switch step.op {
        case .add:
            if st.mem.added.overlaps(r) { return "range overlaps memory already added" }
        case .remove, .offline:
            if st.mem.added.clipped(to: r).measure != step.size { return "range was not all added" }
            if st.mem.kind(of: step) == .ram && (step.start % lay.sectionSize != 0 || step.size % lay.sectionSize != 0) {
                return "ram memory is hot-plugged in \(Quantity.human(lay.sectionSize)) units"
            }
        }
        return nil
    }

    /// What any caller can ask is checked first; a kernel without hot remove answers at once; a wedged machine
    /// blocks the request before anything that depends on what is present (the machine orders them alike).
    package func apply(_ step: Scenario.Step, to st: ModelState) -> StepModel {
        if let why = invalidity(step) { return StepModel(outcome: .invalid(why), state: st) }
        let kind = st.mem.kind(of: step)
        if !contract.memoryHotremove {
            // include/linux/memory_hotplug.h without CONFIG_MEMORY_HOTREMOVE: remove_memory() is -EBUSY before any
            // lock; there is no ZONE_DEVICE to add to
            if step.op == .add && kind == .device {
                return StepModel(outcome: .invalid("\(contract.name) has no ZONE_DEVICE (it depends on MEMORY_HOTREMOVE)"), state: st)
            }
            if step.op == .remove { return StepModel(outcome: .error(-16), state: st) }
        }
        if let lock = st.blockingLock(kind) { return StepModel(outcome: .blocked(lock), state: st) }
        // try_remove_memory() (v5.14), under the locks: memory blocks with their memmap on memory go one block at a
        // time, "Refuse to remove %#llx - %#llx, wrong granularity" (the kernel's refusal, before what the harness
        // asks of a removal)
        if step.op == .remove && st.mem.memmapOnMemory.overlaps(step.start ..< step.start &+ step.size) && step.size != lay.sectionSize {
            return StepModel(outcome: .error(-22), state: st)
        }
        if let why = invalidity(step, st) { return StepModel(outcome: .invalid(why), state: st) }
        if step.op == .offline && !contract.memoryHotremove { return StepModel(outcome: .error(-22), state: st) }
        if let why = st.unpredictable {
            return StepModel(outcome: .ok, state: st, notPredicted: "an earlier step left memory the model cannot know: \(why)")
        }
        var m = applyUnblocked(step, to: st)
        if let why = m.notPredicted {
            m.state.unpredictable = why
            return m
        }
        if m.outcome == .oops { m.state.taskDied(kind) }
        return m
    }

    private func applyUnblocked(_ step: Scenario.Step, to st: ModelState) -> StepModel {
        switch step.op {
        case .add:
            var m = add(step, st)
            if m.outcome == .ok && m.notPredicted == nil {
                m.state.mem.added.insert(step.start ..< step.start + step.size)
                structPagesInitialised(step, &m.state)
                if step.kind == .device && step.altmap != nil { m.state.mem.devicesWithAltmap.insert(step.start) }
            }
            return m
        case .remove:
            var m = remove(step, st)
            if m.outcome == .ok { m.state.mem.added.remove(step.start ..< step.start + step.size) }
            return m
        case .offline:
            var m = StepModel(outcome: .ok, state: st)
            var offlined: [Range<UInt64>] = []
            if refusesOffline(step, st, &m.codeFindings, offlined: &offlined) { m.outcome = .refused }
            structPagesPoisoned(offlined, &m.state)
            return m
        }
    }

    // MARK: struct pages

    /// sparse_add_section(): page_init_poison() of the struct pages of the range it adds; offline_pages()
    /// and memunmap_pages(): remove_pfn_range_from_zone() poisons them again (CONFIG_DEBUG_VM).
    private func structPagesPoisoned(_ ranges: [Range<UInt64>], _ st: inout ModelState) {
        for r in ranges { st.pt.memmapWords.set(lay.memmap(r), .poisoned) }
    }

    /// What an add that succeeded leaves in its struct pages: RAM is onlined and its pages freed to the
    /// buddy allocator (nothing else runs on the machine, so they stay free); memory that holds its own
    /// memmap has pages in use; memremap_pages() initialises a device range, the pages its altmap may
    /// give as memmap by memmap_init_range() (reserved), the rest by memmap_init_zone_device(); the
    /// altmap's reserve keeps its poison.
    private func structPagesInitialised(_ step: Scenario.Step, _ st: inout ModelState) {
        let r = step.start ..< step.start + step.size
        guard step.kind == .device else {
            let ownMemmap = step.memmap == .range || (step.memmap == .memoryBlock && sparse.memmapOnMemorySupported)
            st.pt.memmapWords.set(lay.memmap(r), ownMemmap ? .inUse : .freeRAM)
            return
        }
        var first = r.lowerBound
        if let a = st.mem.altmaps.last(where: { $0.start == step.start }) {
            let shift = UInt64(g.pageShift)
            let lo = min(max((a.basePfn + a.reserve) << shift, r.lowerBound), r.upperBound)
            let hi = min(max((a.basePfn + a.reserve + a.free) << shift, lo), r.upperBound)
            st.pt.memmapWords.set(lay.memmap(lo ..< hi), .reserved)
            first = hi
        }
        st.pt.memmapWords.set(lay.memmap(first ..< r.upperBound), .device)
    }

    /// MEM_GOING_OFFLINE, memory block by memory block (a section here): prevent_bootmem_remove_notifier
    /// says NOTIFY_BAD for early sections.  The blocks before the one refused went offline (`offlined`).
    /// Device memory is never online, so no notifier runs for it.
    private func refusesOffline(_ step: Scenario.Step, _ st: ModelState, _ found: inout [CodeFinding],
                                offlined: inout [Range<UInt64>]) -> Bool {
        guard st.mem.kind(of: step) == .ram else { return false }
        let r = step.start ..< step.start + step.size
        // fix2026: each memory block (one section here) is offlined on its own.  Its purpose: refuse when the
        // block's linear-map or vmemmap edges fall inside a leaf entry or a CONT run.  As posted (and merged),
        // prevent_memory_remove_notifier() calls can_unmap_without_split(pfn, arg->nr_pages) after its
        // boot-section loop has advanced pfn to the first section boundary at or past end_pfn: the edges it
        // checks are those of the next nr_pages, not of the block going offline.
        for block in lay.sectionPieces(r) {
            if contract.bootMemoryNotifier && st.mem.early.overlaps(block) { return true }
            guard contract.rejectsLeafSplit else {
                offlined.append(block)
                continue
            }
            let n = UInt64(block.count)
            let next = block.lowerBound + ceilDiv(n, lay.sectionSize) * lay.sectionSize
            // the edges can_unmap_without_split() is meant to test, and those it tests with pfn == end_pfn: the
            // block's end edge is among both, its start edge is lost, next + n is spurious
            let intended = splitEdges(block, st), posted = splitEdges(next ..< next + n, st)
            if intended.isEmpty != posted.isEmpty {
                let lost = intended.filter { e in !posted.contains { $0.va == e.va } }.map(\.text)
                let spurious = posted.filter { e in !intended.contains { $0.va == e.va } }.map(\.text)
                found.append(CodeFinding(
                    rule: posted.isEmpty ? "inv.split-check-lost-start-edge" : "inv.split-check-spurious-edge",
                    expected: "the edges of \(Quantity.hex(block.lowerBound))+\(Quantity.hex(n)) checked: \(intended.isEmpty ? "allow" : "refuse (\(intended.map(\.text).joined(separator: ", ")))")",
                    found: "the edges of \(Quantity.hex(next))+\(Quantity.hex(n)) checked: \(posted.isEmpty ? "allow" : "refuse (\(posted.map(\.text).joined(separator: ", ")))")",
                    message: posted.isEmpty
                        ? "prevent_memory_remove_notifier() calls can_unmap_without_split(pfn, ..) after its boot-section loop left pfn at end_pfn: it loses the block's start edge, so the removal is allowed although \(lost.joined(separator: " and ")) splits a kernel leaf"
                        : "prevent_memory_remove_notifier() calls can_unmap_without_split(pfn, ..) after its boot-section loop left pfn at end_pfn: it tests a spurious edge nr_pages past the block, so a removal whose own edges split nothing is refused (\(spurious.joined(separator: " and ")))"))
            }
            if !posted.isEmpty { return true }
            offlined.append(block)
        }
        return false
    }

    /// The edges of the physical range `r` (its linear map's and its memmap's start and end) that lie inside a
    /// leaf entry or a CONT run, named for reports; can_unmap_without_split() refuses when any does.
    private func splitEdges(_ r: Range<UInt64>, _ st: ModelState) -> [(va: UInt64, text: String)] {
        let lin = lay.linear(r), mm = lay.memmap(r)
        let edges = [("the linear map's start", lin.lowerBound), ("the linear map's end", lin.upperBound),
                     ("the vmemmap's start", mm.lowerBound), ("the vmemmap's end", mm.upperBound)]
        return edges.filter { splitsLeaf($0.1, st) }.map { (lay.va($0.1), "\($0.0) \(Quantity.hex(lay.va($0.1)))") }
    }

    /// `a` (a kernel offset) lies strictly inside a leaf entry, or inside a CONT run of leaf entries.
    private func splitsLeaf(_ a: UInt64, _ st: ModelState) -> Bool {
        guard let run = st.pt.leaves.runs(overlapping: a ..< a + 1).first, run.start <= a, a < run.end else { return false }
        if a % run.size != 0 { return true }
        guard run.attrs & Descriptor.cont != 0 else { return false }
        let group = run.kind == .page ? g.contPteSize : g.contPmdSize
        return a % group != 0
    }

    /// The first live entry the linear map's walk would rewrite unsafely.  init_pte(),
    /// init_pmd() and alloc_init_pud() may rewrite a live leaf only when
    /// pgattr_change_is_safe(old, new) holds: the same output address and attributes up to
    /// PXN/RDONLY/WRITE/nG, and never a CONT entry ("live contiguous mappings may not be
    /// manipulated at all", v5.7); a live entry of another shape (a block where a table goes,
    /// a table under a block) is a BUG_ON() of its own.  Either way the step ends in BUG().
    package struct UnsafeRewrite {
        package var key: UInt64; var level: Level; var kind: RunKind; var sameShape: Bool
        /// the BUG_ON() that fires, as v5.7's mmu.c spells it
        package var condition: String
    }

    /// init_pte()/init_pmd()/alloc_init_pud() check a rewrite of an entry of `size` with pgattr_change_is_safe();
    /// a live block above where the walk needs a table is alloc_init_cont_pte()'s or alloc_init_cont_pmd()'s BUG_ON().
    private func bugCondition(newSize: UInt64, oldSize: UInt64) -> String {
        if oldSize > newSize && oldSize >= g.pmdSize {
            return oldSize == g.pmdSize ? "BUG_ON(pmd_sect(pmd))" : "BUG_ON(pud_sect(pud))"
        }
        let (x, p) = newSize == g.pageSize ? ("pte", "ptep") : newSize == g.pmdSize ? ("pmd", "pmdp") : ("pud", "pudp")
        return "BUG_ON(!pgattr_change_is_safe(\(x)_val(old_\(x)), READ_ONCE(\(x)_val(*\(p)))))"
    }

    private func firstUnsafeRewrite(_ plan: MappingPlan, _ pt: PageTables) -> UnsafeRewrite? {
        let mutable = Descriptor.pxn | Descriptor.rdonly | Descriptor.write | Descriptor.ng
        for new in plan.leaves {
            for old in pt.leaves.runs(overlapping: new.range) {
                let from = max(old.start, new.start)
                let sameShape = old.size == new.size && old.level == new.level && old.kind == new.kind
                    && old.start % new.size == new.start % new.size
                let key = alignDown(from, new.size)
                let condition = bugCondition(newSize: new.size, oldSize: old.size)
                guard sameShape else {
                    return UnsafeRewrite(key: key, level: new.level, kind: new.kind, sameShape: false, condition: condition)
                }
                let oldPa = old.pa.map { $0 + (from - old.start) }, newPa = new.pa.map { $0 + (from - new.start) }
                let cont = (old.attrs | new.attrs) & Descriptor.cont != 0
                if cont || oldPa != newPa || (old.attrs ^ new.attrs) & ~mutable != 0 {
                    return UnsafeRewrite(key: key, level: new.level, kind: new.kind, sameShape: true, condition: condition)
                }
            }
        }
        return nil
    }

    private func tear(_ r: Range<UInt64>, _ t: TeardownTarget, _ m: inout StepModel) {
        // pre: vmemmap_free() is empty, and nothing else tears down (a failed add keeps its linear map)
        if contract.removesNothing { return }
        // the struct pages of the sections still present: a sub-PMD-tracking vmemmap_free() keeps their blocks
        var inUse = IntervalSet()
        if t != .linear && contract.vmemmapKeepsUsedBlocks {
            for x in m.state.mem.present.ranges { inUse.insert(lay.memmap(x)) }
        }
        teardown.run(r, t, &m.state, &m.effects, &m.notes, inUse: inUse)
        m.torn.append((r, t))
    }

    private func add(_ step: Scenario.Step, _ st0: ModelState) -> StepModel {
        var m = StepModel(outcome: .ok, state: st0)
        var budget = step.failAllocation.map { UInt64($0) }
        if step.memmap == .memoryBlock && step.kind == .ram && sparse.memmapOnMemorySupported {
            addMemoryBlocks(step, &m, &budget)
        } else if step.memmap == .range && step.kind == .ram {
            addFromRange(step, &m, &budget)
        } else {
            addRange(step, &m, &budget)
        }
        return m
    }

    /// A driver adding memory with MHP_MEMMAP_ON_MEMORY when Sparse.memmapOnMemorySupported holds: the range is
    /// the sequence of its memory blocks (Sparse.memoryBlocks), each an arch_add_memory() with an altmap of its
    /// own (Sparse.blockAltmap) that holds the block's memmap.  What the add leaves: every block present, with
    /// its altmap, if all succeed; else none of the blocks before the one that failed (they were not online
    /// yet and go again, first to last, each with its altmap), and the failed block as its own add left it.
    /// An oops ends the step where it happens.
    private func addMemoryBlocks(_ step: Scenario.Step, _ m: inout StepModel, _ budget: inout UInt64?) {
        var done: [Range<UInt64>] = []
        for block in sparse.memoryBlocks(step.start ..< step.start + step.size) {
            let alt = sparse.blockAltmap(block)
            let blockStep = Scenario.Step(op: .add, start: block.lowerBound, size: UInt64(block.count), kind: .ram,
                                          altmap: Scenario.Altmap(reserve: alt.reserve, free: alt.free),
                                          failAddPages: step.failAddPages)
            addRange(blockStep, &m, &budget)
            if m.outcome == .oops || m.notPredicted != nil { return }
            if m.outcome != .ok {
                for b in done {
                    let idx = m.state.mem.altmapIndex(covering: b.lowerBound)
                    removePieces(b, altmapIndex: { _ in idx }, &m)
                    m.state.mem.memmapOnMemory.remove(b)
                }
                return
            }
            m.state.mem.memmapOnMemory.insert(block)
            done.append(block)
        }
    }

    /// The memmap-from-range RFC (<20190122103708.11043-4-osalvador@suse.de>, MHP_MEMMAP_FROM_RANGE): one altmap over the whole range (base_pfn its first pfn, free
    /// all its pages, reserve 0) for every section's memmap.  The revision takes the memmap from it exactly
    /// when its vmemmap_populate() honours an altmap; whatever the altmap gave, from its first pfn on, becomes
    /// PageVmemmap, the first page the head (_refcount: the range's sections, private: the page count), once
    /// the sections are added, whether or not all of them were.  The altmap lives only for the add: a
    /// removal hands vmemmap_free() none.  Onlining skips the PageVmemmap pages (no counter moves then).
    private func addFromRange(_ step: Scenario.Step, _ m: inout StepModel, _ budget: inout UInt64?) {
        var withAltmap = step
        withAltmap.altmap = Scenario.Altmap(reserve: 0)
        addRange(withAltmap, &m, &budget)
        if m.notPredicted != nil { return }
        if m.outcome == .oops {
            m.state.mem.altmaps.removeAll { $0.start == step.start }
            return
        }
        if let a = m.state.mem.altmaps.lastIndex(where: { $0.start == step.start }), m.state.mem.altmaps[a].alloc > 0 {
            // mark_vmemmap_pages(): the altmap's pfns PageVmemmap, each counted 1 but the head, which counts the
            // range's sections and holds the page count
            let alt = m.state.mem.altmaps[a]
            let pfns = Sparse.vmemmapPfns(alt), sections = sparse.headSections(alt)
            m.state.mem.vmemmapPfns.insert(pfns)
            m.state.mem.pageRefs = m.state.mem.pageRefs.filter { !pfns.contains($0.key) }
            m.state.mem.pageRefs[pfns.lowerBound] = Int64(sections)
            m.state.mem.headPrivate[pfns.lowerBound] = alt.alloc
            m.effects.vmemmapPagesMarked += alt.alloc
            m.effects.vmemmapHeadSections += sections
        }
        guard m.outcome == .ok else {
            m.state.mem.altmaps.removeAll { $0.start == step.start }
            return
        }
        m.state.mem.rangeAdds.removeAll { $0.overlaps(step.start ..< step.start + step.size) }
        m.state.mem.rangeAdds.append(step.start ..< step.start + step.size)
    }

    /// The struct pages a memmap populated anew initialises (Sparse.initialisedPfns) hold none of the marks
    /// an earlier memmap held: not PageVmemmap, count 1.
    private func memmapFresh(_ piece: Range<UInt64>, _ mem: inout Memory) {
        let pfns = sparse.initialisedPfns(piece)
        mem.vmemmapPfns.remove(pfns)
        mem.pageRefs = mem.pageRefs.filter { !pfns.contains($0.key) }
    }

    /// depopulate_section_memmap() of one piece, under the memmap-from-range RFC's deferral: a piece whose first struct page
    /// is PageVmemmap opens a deferral when none is open, its head that page; while one is open every piece
    /// removed only counts the head's _refcount down, and the one that brings it to 0 closes it with the
    /// vmemmap_free() calls of Sparse.deferredFrees (no altmap).  Otherwise vmemmap_free() of this piece's
    /// memmap, with the caller's altmap.
    private func depopulate(_ piece: Range<UInt64>, altmap: Int?, _ m: inout StepModel) {
        let pfn = piece.lowerBound >> UInt64(g.pageShift)
        if m.state.mem.deferredHead == nil && m.state.mem.vmemmapPfns.contains(pfn) { m.state.mem.deferredHead = pfn }
        guard let head = m.state.mem.deferredHead else {
            tear(lay.memmap(piece), .vmemmap(altmap: altmap), &m)
            return
        }
        let refs = m.state.mem.pageRef(head) - 1
        m.state.mem.pageRefs[head] = refs
        guard refs == 0 else { return }
        for window in sparse.deferredFrees(closing: piece, headPfn: head) { tear(window, .vmemmap(altmap: nil), &m) }
        m.state.mem.deferredHead = nil
    }

    /// section_deactivate() of one piece: its sub-sections are no longer present, and its memmap goes as
    /// Sparse.depopulation says (an early section's whole boot memmap once it is empty, else the piece's).
    private func deactivate(_ piece: Range<UInt64>, altmap: Int?, _ m: inout StepModel) {
        m.state.mem.present.subtract(Sparse.subsections(piece))
        switch sparse.depopulation(piece, presentAfter: m.state.mem.present, early: m.state.mem.early) {
        case .bootMemmap(let memmap):
            m.state.mem.early.remove(lay.section(containing: piece.lowerBound))
            tear(memmap, .vmemmap(altmap: nil), &m)
        case .pieceMemmap:
            depopulate(piece, altmap: altmap, &m)
        }
    }

    /// arch_add_memory() of one range: the linear map, then __add_pages() section by section.
    private func addRange(_ step: Scenario.Step, _ m: inout StepModel, _ budget: inout UInt64?) {
        let range = step.start ..< step.start + step.size
        let lin = lay.linear(range)

        // arch_add_memory(): the linear map first; a failed table allocation is BUG_ON(!ptr)
        let plan = AddSide.linear(lin, lay, blocks: blocks, m.state.pt)
        let order = AllocationOrder(plan, m.state.pt, g, countsData: true)
        let failure = budget.flatMap { order.point(ofAllocation: $0, g) }
        let unsafe = firstUnsafeRewrite(plan, m.state.pt)
        if let p = failure, unsafe.map({ p.key < $0.key }) ?? true {
            installPartial(order, p, &m.state, altmap: nil, .pgdPgtableAlloc, &m.effects)
            m.outcome = .oops
            m.effects.fault(.bug, at: StepEffects.faultSite(bug: "BUG_ON(!ptr)"))
            return
        }
        if let u = unsafe {
            // the walk reaches the live entry with every table above it in place
            installPartial(order, AllocationPoint(key: u.key, level: nil), &m.state, altmap: nil, .pgdPgtableAlloc, &m.effects)
            // init_pte() writes before it checks; pmd_set_huge()/pud_set_huge() refuse the unsafe value unwritten
            if u.kind == .page && u.sameShape { m.effects.entriesSet(1, at: u.level) }
            m.outcome = .oops
            m.effects.fault(.bug, at: StepEffects.faultSite(bug: u.condition))
            return
        }
        budget = budget.map { $0 - order.total(g) }
        install(plan, &m.state, reserved: false, altmap: nil, .pgdPgtableAlloc, &m.effects)

        // __add_pages() failed: arch_add_memory() removes the linear mapping it made (not before V14)
        func rolledBack(_ errno: Int) {
            if !contract.removesNothing { tear(lin, .linear, &m) }
            m.outcome = .error(errno)
        }
        if step.failAddPages { return rolledBack(-22) }
        var altmapIndex: Int?
        if let a = step.altmap {
            let nr = step.size >> UInt64(g.pageShift)
            let free = a.free ?? (nr > a.reserve ? nr - a.reserve : 0)
            // altmap->base_pfn == pfn and vmem_altmap_offset() <= nr_pages, then alloc = 0
            guard a.reserve + free <= nr else { return rolledBack(-22) }
            m.state.mem.altmaps.removeAll { $0.start == step.start }
            m.state.mem.altmaps.append(ModelAltmap(start: step.start, size: step.size, basePfn: step.start >> UInt64(g.pageShift),
                                                   reserve: a.reserve, free: free))
            altmapIndex = m.state.mem.altmaps.count - 1
        }
        let fromAltmap = contract.altmapBacking && altmapIndex != nil
        for piece in sparse.pieces(range) {
            if Sparse.activationRefused(piece, present: m.state.mem.present) { return rolledBack(-17) }
            m.state.mem.present.formUnion(Sparse.subsections(piece))
            if step.kind == .device { m.state.mem.device.insert(piece) }
            guard let mm = sparse.populated(piece, early: m.state.mem.early) else {
                // an early section's memmap already covers the piece: its struct pages are poisoned again
                structPagesPoisoned([piece], &m.state)
                continue
            }
            memmapFresh(piece, &m.state.mem)
            // fix2025: a memmap smaller than one section's is populated with base pages
            let basePages = contract.subsectionMemmapBasePages && UInt64(mm.count) < lay.sectionSize / g.pageSize * lay.structPageSize
            let mplan = AddSide.memmap(mm, lay, m.state.pt, backing: fromAltmap ? .altmapMemmap(step.start) : .allocatedMemmap,
                                       basePages: basePages)
            let morder = AllocationOrder(mplan, m.state.pt, g, countsData: !fromAltmap)
            var failure = budget.flatMap { morder.point(ofAllocation: $0, g) }
            if fromAltmap, let a = altmapIndex {
                let wanted = mplan.units.blocks(of: mplan.unit)
                let room = m.state.mem.altmaps[a].capacity(units: mplan.unit / g.pageSize)
                // the first unit the altmap cannot hold; at the same address the tables come first
                if wanted > room, let key = morder.keyOfUnit(room + 1), failure.map({ key < $0.key }) ?? true {
                    failure = AllocationPoint(key: key, level: nil)
                }
            }
            // a word the walk reads before it stops holds what the model cannot know
            if let u = mplan.unknownSlot, failure.map({ u.page <= $0.key }) ?? true {
                m.notPredicted = u.why
                return
            }
            if let p = failure, p.level == nil, contract.pmdBlockFallsBackToBasePages, !fromAltmap, mplan.unit == g.pmdSize,
               g.vmemmapUsesSections {
                // fix2025 (6.1.y vmemmap_populate()): the PMD block that could not be allocated is populated with
                // base pages, vmemmap_populate_basepages(addr, next), and the walk goes on; only that allocation fails
                let u0 = alignDown(p.key, mplan.unit), u = u0 ..< u0 + mplan.unit
                var rest = mplan
                rest.units.remove(u)
                rest.leaves = rest.leaves.flatMap { run -> [LeafRun] in
                    guard run.range.overlaps(u) else { return [run] }
                    let before = (u.lowerBound - run.start) / run.size, after = (run.end - u.upperBound) / run.size
                    return (before > 0 ? [run.slice(0, before)] : []) + (after > 0 ? [run.slice(run.count - after, run.count)] : [])
                }
                install(rest, &m.state, reserved: false, altmap: nil, .other, &m.effects)
                let sub = max(mm.lowerBound, u.lowerBound) ..< min(mm.upperBound, u.upperBound)
                let subPlan = AddSide.memmap(sub, lay, m.state.pt, backing: .allocatedMemmap, basePages: true)
                if let u = subPlan.unknownSlot {
                    m.notPredicted = u.why
                    return
                }
                install(subPlan, &m.state, reserved: false, altmap: nil, .other, &m.effects)
                budget = nil
                structPagesPoisoned([piece], &m.state)
                continue
            }
            if let p = failure {
                installPartial(morder, p, &m.state, altmap: fromAltmap ? altmapIndex : nil, .other, &m.effects)
                // section_activate(): population failed, section_deactivate() undoes the piece (its pages were
                // never made PageReserved: memmap_init_zone_device() runs after a successful add only)
                m.state.mem.device.remove(piece)
                deactivate(piece, altmap: altmapIndex, &m)
                return rolledBack(-12)
            }
            budget = budget.map { $0 - morder.total(g) }
            install(mplan, &m.state, reserved: false, altmap: fromAltmap ? altmapIndex : nil, .other, &m.effects)
            structPagesPoisoned([piece], &m.state)
        }
    }

    private func remove(_ step: Scenario.Step, _ st0: ModelState) -> StepModel {
        var m = StepModel(outcome: .ok, state: st0)
        let range = step.start ..< step.start + step.size
        // try_remove_memory() (v5.14): memory blocks with their memmap on memory go one block at a time,
        // "Refuse to remove %#llx - %#llx, wrong granularity": -EINVAL, nothing done
        if st0.mem.memmapOnMemory.overlaps(range) && step.size != lay.sectionSize {
            m.outcome = .error(-22)
            return m
        }
        var offlined: [Range<UInt64>] = []
        let refused = refusesOffline(step, st0, &m.codeFindings, offlined: &offlined)
        structPagesPoisoned(offlined, &m.state)
        if refused {
            m.outcome = .refused
            return m
        }
        let device = st0.mem.kind(of: step) == .device
        // memunmap_pages(): remove_pfn_range_from_zone() before arch_remove_memory()
        if device { structPagesPoisoned([range], &m.state) }
        let deviceAltmap = device && st0.mem.devicesWithAltmap.contains(step.start)
            ? st0.mem.altmaps.lastIndex { $0.start == step.start } : nil
        if device { m.state.mem.devicesWithAltmap.remove(step.start) }
        // a memory block's own altmap (mhp_altmap.alloc = nr_vmemmap_pages); device memory's altmap
        removePieces(range, altmapIndex: { piece in
            device ? deviceAltmap
                : st0.mem.memmapOnMemory.overlaps(piece) ? st0.mem.altmapIndex(covering: piece.lowerBound) : nil
        }, &m)
        m.state.mem.memmapOnMemory.remove(range)
        return m
    }

    /// arch_remove_memory(): __remove_pages() section by section (vmemmap_free()), then the linear map.
    private func removePieces(_ range: Range<UInt64>, altmapIndex: (Range<UInt64>) -> Int?, _ m: inout StepModel) {
        for piece in sparse.pieces(range) {
            // a device range's pages stay PageReserved until arch_remove_memory() returns (its memmap's
            // struct pages go with it): the removal's own frees still find them reserved
            defer { m.state.mem.device.remove(piece) }
            deactivate(piece, altmap: altmapIndex(piece), &m)
        }
        tear(lay.linear(range), .linear, &m)
    }
}
