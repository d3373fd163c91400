import Foundation

extension Scenario {
    /// Whether this scenario is one the tool runs: every value in range, every range where its operation
    /// may act, and the resources it needs within bounds.  Parsing checks only the JSON's form (types,
    /// names, known fields) and then calls this; a scenario built in Swift is checked by this alone.
    /// The error names the field, as in the file.
    public func validate() throws {
        try validateMachine()
        try validateSteps()
    }

    /// The machine: era, physical layout, boot memory, neighbours and walkers.
    func validateMachine() throws {
        let least = Scenario.minimumSectionSizeBits(geometry)
        guard (least...30).contains(sectionSizeBits) else {
            throw ScenarioError("era.sectionSizeBits", "\(sectionSizeBits) is out of range for \(geometry.name) (\(least)...30: a section holds at least 2 MiB and one MAX_ORDER block, 2^\(geometry.maxOrder - 1) pages; 30 at v5.7, 27 or 29 from v5.12)")
        }
        guard (32...128).contains(structPageSize), structPageSize % 8 == 0 else {
            throw ScenarioError("era.structPageSize", "\(structPageSize) must be a multiple of 8 between 32 and 128")
        }
        guard physOffset % (1 << 30) == 0 else {
            throw ScenarioError("physOffset", "\(Quantity.hex(physOffset)) must be 1 GiB aligned (ARM64_MEMSTART_ALIGN)")
        }
        guard physOffset < Scenario.physLimit else {
            throw ScenarioError("physOffset", "\(Quantity.hex(physOffset)) is beyond 48-bit physical addresses")
        }
        guard bootSize > 0, bootStart % sectionSize == 0, bootSize % sectionSize == 0 else {
            throw ScenarioError("bootMemory", "start \(Quantity.hex(bootStart)) and size \(Quantity.hex(bootSize)) must be non-zero multiples of the section size \(Quantity.human(sectionSize))")
        }
        try checkPhysical(bootStart, bootSize, "bootMemory", "boot memory")
        for (i, n) in neighbours.enumerated() {
            guard n.size > 0, n.size % geometry.pageSize == 0, n.va % geometry.pageSize == 0 else {
                throw ScenarioError("neighbours[\(i)]", "va \(Quantity.hex(n.va)) and size \(Quantity.hex(n.size)) must be non-zero multiples of the \(Quantity.human(geometry.pageSize)) page")
            }
            let (end, o) = n.va.addingReportingOverflow(n.size)
            guard !o, n.va >= geometry.vmallocStart, end <= geometry.vmemmapStart else {
                throw ScenarioError("neighbours[\(i)].va", "[\(Quantity.hex(n.va)), +\(Quantity.human(n.size))) is outside the vmalloc area and the gap below vmemmap [\(Quantity.hex(geometry.vmallocStart)), \(Quantity.hex(geometry.vmemmapStart)))")
            }
        }
        try validateWalkers()
    }

    /// [start, start + size) must be physical memory the linear map of the geometry covers.
    func checkPhysical(_ start: UInt64, _ size: UInt64, _ path: String, _ what: String) throws {
        let linear = geometry.pageEnd &- geometry.pageOffset
        let (end, o) = start.addingReportingOverflow(size)
        guard !o else { throw ScenarioError(path + ".size", "start + size overflows") }
        guard start >= physOffset else {
            throw ScenarioError(path + ".start", "\(Quantity.hex(start)) is below physOffset \(Quantity.hex(physOffset))")
        }
        guard end <= Scenario.physLimit else {
            throw ScenarioError(path, "\(what) [\(Quantity.hex(start)), +\(Quantity.human(size))) is beyond 48-bit physical addresses")
        }
        guard end - physOffset <= linear else {
            throw ScenarioError(path, "\(what) [\(Quantity.hex(start)), +\(Quantity.human(size))) does not fit the \(Quantity.human(linear)) linear map of \(geometry.name) above physOffset \(Quantity.hex(physOffset))")
        }
    }

    /// The steps, in order (what an operation may act on depends on what came before), then the simulated
    /// physical size and the resources.
    func validateSteps() throws {
        guard steps.count <= Scenario.maxSteps else {
            throw ScenarioError("steps", "\(steps.count) steps: at most \(Scenario.maxSteps)")
        }
        var added = AddedMemory(self)
        // the harness keeps HR_MAX_ALTMAPS (256) altmaps; a memory block with its memmap on memory takes one
        let maxAltmaps: UInt64 = 192
        var memoryBlockAltmaps: UInt64 = 0
        for (i, s) in steps.enumerated() {
            try validateRange(of: s, at: "steps[\(i)]", added)
            try validateOptions(of: s, at: "steps[\(i)]")
            if let mm = s.memmap {
                memoryBlockAltmaps += mm == .range ? 1 : s.size / sectionSize
                guard memoryBlockAltmaps <= maxAltmaps else {
                    throw ScenarioError("steps[\(i)].memmap", "the scenario's adds with the memmap on memory take \(memoryBlockAltmaps) altmaps, one per memory block (section); at most \(maxAltmaps)")
                }
            }
            added.record(s)
        }
        let linear = geometry.pageEnd &- geometry.pageOffset
        guard physSize >= derivedPhysSize() else {
            throw ScenarioError("physSize", "\(Quantity.human(physSize)) does not hold boot memory and every step (needs \(Quantity.human(derivedPhysSize())))")
        }
        guard physSize % sectionSize == 0 else {
            throw ScenarioError("physSize", "\(Quantity.hex(physSize)) must be a multiple of the section size \(Quantity.human(sectionSize))")
        }
        guard physSize <= linear, physOffset + physSize <= Scenario.physLimit else {
            throw ScenarioError("physSize", "\(Quantity.human(physSize)) of physical memory does not fit the \(Quantity.human(linear)) linear map of \(geometry.name) or 48-bit physical addresses")
        }
        try validateResources()
    }

    /// A step's range: physical memory, where its operation may act given the steps before it (`added`), of
    /// the kind it names, in the units that kind is hot-plugged in.
    private func validateRange(of s: Step, at path: String, _ added: AddedMemory) throws {
        guard s.size > 0 else { throw ScenarioError(path + ".size", "size is zero") }
        try checkPhysical(s.start, s.size, path, "\(s.op.rawValue)")
        let range = s.start ..< s.start + s.size
        let boot = bootStart ..< bootStart + bootSize
        if s.op == .add {
            if range.overlaps(boot) {
                throw ScenarioError(path, "add [\(Quantity.hex(s.start)), +\(Quantity.human(s.size))) overlaps boot memory [\(Quantity.hex(bootStart)), +\(Quantity.human(bootSize)))")
            }
        } else {
            let kinds = added.kinds(overlapping: range)
            // boot memory counts as added even after a removal (a notifier may have refused it)
            if kinds.isEmpty && !range.overlaps(boot) {
                throw ScenarioError(path, "\(s.op.rawValue) [\(Quantity.hex(s.start)), +\(Quantity.human(s.size))): no boot memory there, and no earlier add (that is not told to fail) adds any")
            }
            if kinds.count > 1 {
                throw ScenarioError(path, "\(s.op.rawValue) [\(Quantity.hex(s.start)), +\(Quantity.human(s.size))) spans RAM and device memory")
            }
            if let was = kinds.first, s.kind != was {
                throw ScenarioError(path + ".kind", "\(s.kind.rawValue), but [\(Quantity.hex(s.start)), +\(Quantity.human(s.size))) is \(range.overlaps(boot) ? "boot memory, which is RAM" : "\(was.rawValue) memory (as added)")")
            }
        }
        // RAM is hot-plugged in sections, device memory in 2 MiB sub-sections
        let unit = s.kind == .ram ? sectionSize : subsectionSize
        guard s.start % unit == 0, s.size % unit == 0 else {
            throw ScenarioError(path, "\(s.kind == .ram ? "RAM" : "device memory") \(s.op.rawValue) [\(Quantity.hex(s.start)), +\(Quantity.human(s.size))): start and size must be multiples of \(s.kind == .ram ? "the section size" : "the sub-section size") \(Quantity.human(unit)) (\(Quantity.hex(unit)))")
        }
    }

    /// What a step may carry besides its range: an altmap, an injected failure, a memmap placement.
    private func validateOptions(of s: Step, at path: String) throws {
        if let a = s.altmap {
            guard s.op == .add, s.kind == .device else {
                throw ScenarioError(path + ".altmap", "an altmap belongs to an add of device memory")
            }
            let pages = s.size >> UInt64(geometry.pageShift)
            guard a.reserve < pages else {
                throw ScenarioError(path + ".altmap.reserve", "\(a.reserve) pages: not fewer than the \(pages) pages of the range")
            }
            if let f = a.free, f > pages - a.reserve {
                throw ScenarioError(path + ".altmap.free", "\(f) pages: more than the \(pages - a.reserve) pages after reserve \(a.reserve)")
            }
        }
        if s.failAddPages, s.op != .add { throw ScenarioError(path + ".fail", "only an add can fail") }
        if let n = s.failAllocation {
            guard s.op == .add else {
                throw ScenarioError(path + ".failAllocation", "only an add allocates pages (a \(s.op.rawValue) does not)")
            }
            guard n >= 1, n <= 1_000_000_000 else {
                throw ScenarioError(path + ".failAllocation", "\(n) must be between 1 and 1000000000")
            }
        }
        if let mm = s.memmap {
            guard s.op == .add, s.kind == .ram else {
                throw ScenarioError(path + ".memmap", "the memmap on memory belongs to an add of RAM (this is a\(s.op == .add ? "n add of device memory" : " \(s.op.rawValue)"))")
            }
            if mm == .range {
                // the RFC's add with a failure injected is not modelled (its constructor marks what the
                // altmap gave before the failure); the head page's _refcount holds the section count
                guard !s.failAddPages, s.failAllocation == nil else {
                    throw ScenarioError(path + ".memmap", "\"range\" with \"fail\" or \"failAllocation\" is not supported")
                }
                guard s.size / sectionSize <= 4096 else {
                    throw ScenarioError(path + ".memmap", "\"range\" over \(s.size / sectionSize) sections; at most 4096")
                }
            }
        }
    }
}
