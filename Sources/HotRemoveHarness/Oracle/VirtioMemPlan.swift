
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// A scenario as virtio-mem requests on QEMU's `virt` machine, or the reason it cannot be one.
///
/// The placement: QEMU puts RAM at 1 GiB (hw/arm/virt.c, VIRT_MEM) and the device-memory region
/// at the first 1 GiB boundary after it; the one virtio-mem device sits at the region's start.
/// The scenario's boot memory becomes the guest's RAM, so every scenario address moves by one
/// offset `delta` (a multiple of 1 GiB: relative alignment, and with it which table each entry
/// lands in, is kept).  The kernels' memory blocks are 128 MiB (4 KiB pages, SECTION_SIZE_BITS
/// 27), and virtio-mem adds and removes memory one block per add_memory()/remove_memory() call
/// (drivers/virtio/virtio_mem.c, Sub Block Mode: the device block of 2 MiB is smaller than a
/// memory block): the harness is run with the same calls (`harnessSteps`).
package struct VirtioMemPlan: Equatable, Sendable {
    package static let ramBase: UInt64 = 0x4000_0000
    package static let blockSize: UInt64 = 128 << 20
    package static let gib: UInt64 = 1 << 30

    package struct Refusal: Error, CustomStringConvertible, Equatable {
        package let path: String
        package let reason: String
        package var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
    }

    package enum Action: String, Equatable, Sendable { case plug, offline, unplug }

    package struct Step: Equatable, Sendable {
        package var index: Int
        package var action: Action
        /// guest physical range of the step
        package var guestStart: UInt64
        package var size: UInt64
        /// the device's requested-size after the step (plug and unplug set it)
        package var requestedSize: UInt64
    }

    /// One kernel call the guest makes for a step, in scenario addresses: what the harness runs.
    package struct HarnessCall: Equatable, Sendable {
        package var step: Int
        package var op: Scenario.Op
        package var start: UInt64
        package var size: UInt64
    }

    package var delta: UInt64
    package var bootSize: UInt64
    package var regionBase: UInt64
    package var regionSize: UInt64
    package var rodataFull: Bool
    package var steps: [Step]
    package var calls: [HarnessCall]

    package func guest(_ scenarioAddress: UInt64) -> UInt64 { scenarioAddress &+ delta }
    package func scenario(_ guestAddress: UInt64) -> UInt64 { guestAddress &- delta }

    /// What the QEMU machine needs: RAM, device region, maxmem.
    package var maxMemory: UInt64 { bootSize + regionSize + VirtioMemPlan.gib }

    package static func make(_ s: Scenario) throws -> VirtioMemPlan {
        func refuse(_ path: String, _ why: String) -> Refusal { Refusal(path: path, reason: why) }
        let block = blockSize
        guard s.geometry.name == "4K/48" else {
            throw refuse("geometry", "\(s.geometry.name): the oracle's kernels (Debian arm64) use 4K pages and 48-bit VAs; only 4K/48 can be compared")
        }
        guard s.sectionSizeBits == 27 else {
            throw refuse("era.sectionSizeBits", "\(s.sectionSizeBits): the oracle's kernels have SECTION_SIZE_BITS 27 (128 MiB memory blocks); set it to 27")
        }
        guard s.structPageSize == 64 else {
            throw refuse("era.structPageSize", "\(s.structPageSize): the oracle's kernels have a 64-byte struct page")
        }
        guard s.bootStart == s.physOffset else {
            throw refuse("bootMemory.start", "\(Quantity.hex(s.bootStart)) is not physOffset \(Quantity.hex(s.physOffset)): a real kernel's memstart_addr is the start of its memory rounded down to 1 GiB")
        }
        guard s.bootSize % block == 0, s.bootSize >= 512 << 20, s.bootSize <= 8 << 30 else {
            throw refuse("bootMemory.size", "\(Quantity.human(s.bootSize)): the guest's RAM must be a multiple of 128M between 512M and 8G")
        }
        guard !s.debugPagealloc else {
            throw refuse("config.debugPagealloc", "Debian's kernels are built without CONFIG_DEBUG_PAGEALLOC")
        }
        guard s.neighbours.isEmpty else {
            throw refuse("neighbours", "a real kernel's vmalloc area cannot be given these mappings")
        }
        let delta = ramBase &- s.bootStart
        let regionBase = (ramBase + s.bootSize + gib - 1) / gib * gib
        let regionStart = regionBase &- delta  // in scenario addresses
        // plugged and offline memory blocks, by block number in the device region
        var plugged = Set<UInt64>(), offline = Set<UInt64>()
        var steps: [Step] = []
        var calls: [HarnessCall] = []
        var maxEnd: UInt64 = 0
        for (i, st) in s.steps.enumerated() {
            let path = "steps[\(i)]"
            let what = "\(st.op.rawValue) [\(Quantity.hex(st.start)), +\(Quantity.human(st.size)))"
            guard st.kind == .ram, st.altmap == nil, st.memmap == nil else {
                throw refuse(path, "\(what): virtio-mem adds plain RAM; device memory, altmaps and memmap-on-memory cannot be expressed")
            }
            guard !st.failAddPages, st.failAllocation == nil else {
                throw refuse(path, "\(what): a real kernel's allocations cannot be made to fail")
            }
            guard st.start % block == 0, st.size % block == 0, st.size > 0 else {
                throw refuse(path, "\(what): virtio-mem adds and removes whole 128 MiB memory blocks")
            }
            guard st.start >= regionStart else {
                throw refuse(path, "\(what) is below the virtio-mem region, which starts at \(Quantity.hex(regionStart)) (the first 1 GiB boundary after boot memory)")
            }
            let first = (st.start - regionStart) / block
            let blocks = Array(first ..< first + st.size / block)
            let action: Action
            var order = blocks
            switch st.op {
            case .add:
                action = .plug
                // virtio-mem plugs the lowest unplugged blocks of its region first
                var lowest: [UInt64] = []
                var b: UInt64 = 0
                while lowest.count < blocks.count {
                    if !plugged.contains(b) { lowest.append(b) }
                    b += 1
                }
                guard lowest == blocks else {
                    let at = regionStart + lowest[0] * block
                    throw refuse(path, "\(what): virtio-mem plugs the lowest unplugged memory blocks of its region first (from \(Quantity.hex(at)) here); an add must fill them in order")
                }
                plugged.formUnion(blocks)
                maxEnd = max(maxEnd, st.start + st.size)
            case .offline:
                action = .offline
                guard blocks.allSatisfy(plugged.contains) else {
                    throw refuse(path, "\(what): only plugged virtio-mem memory is offlined (boot memory holds the kernel's own allocations)")
                }
                offline.formUnion(blocks)
            case .remove:
                action = .unplug
                guard blocks.allSatisfy(plugged.contains) else {
                    throw refuse(path, "\(what): not all of it is plugged virtio-mem memory")
                }
                let others = offline.subtracting(blocks)
                guard others.isEmpty else {
                    let at = regionStart + others.min()! * block
                    throw refuse(path, "\(what): the offline block at \(Quantity.hex(at)) would be unplugged first (virtio-mem unplugs offline memory blocks before online ones)")
                }
                plugged.subtract(blocks)
                offline.subtract(blocks)
                // virtio_mem_sbm_unplug_request() takes the offline blocks from the highest down
                order.reverse()
            }
            steps.append(Step(index: i, action: action, guestStart: st.start &+ delta, size: st.size,
                              requestedSize: UInt64(plugged.count) * block))
            calls += order.map { HarnessCall(step: i, op: st.op, start: regionStart + $0 * block, size: block) }
        }
        guard !steps.isEmpty, maxEnd > 0 else { throw refuse("steps", "no add: nothing for virtio-mem to plug") }
        let regionSize = (maxEnd - regionStart + gib - 1) / gib * gib
        // the plugged memory's memmap comes from boot memory: keep it to a quarter of it
        let memmap = regionSize / 4096 * 64
        guard memmap <= s.bootSize / 4 else {
            throw refuse("steps", "plugging up to \(Quantity.human(regionSize)) needs \(Quantity.human(memmap)) of memmap from the guest's \(Quantity.human(s.bootSize)) of boot memory; give the scenario more boot memory")
        }
        guard regionSize <= 64 << 30 else {
            throw refuse("steps", "the virtio-mem region would be \(Quantity.human(regionSize)); the oracle keeps it to 64G")
        }
        return VirtioMemPlan(delta: delta, bootSize: s.bootSize, regionBase: regionBase, regionSize: regionSize,
                             rodataFull: s.rodataFull, steps: steps, calls: calls)
    }
}
