
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// SplitMix64: small, fast, and the same on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    package var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random small scenarios (<= 24 GiB of physical address space, <= 8 steps) over every geometry, era
/// parameter, RAM and device memory (sub-sections, altmap), boot memory, neighbour mappings, aligned,
/// unaligned, partial and repeated removals and failing adds, RAM with its memmap on memory ("range", "memory-block").  Scenario i of seed s depends on (s, i)
/// only, so a campaign gives the same scenarios whatever the number of workers.
public enum ScenarioGenerator {
    package static let G: UInt64 = 1 << 30, M: UInt64 = 1 << 20

    public static func generate(seed: UInt64, index: Int, geometries: [Geometry] = Geometry.all) -> Scenario {
        var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        // The memmap placement of a RAM add comes from a stream of its own, so that drawing it leaves every
        // other choice of the scenario as it was before the option existed: a scenario that draws none is
        // byte-identical to what the seed gave then, one that draws some differs only in "memmap".
        var memmapRNG = SplitMix64(seed: (seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15) ^ 0x6D65_6D6D_6170_0004)
        let g = geometries[Int(rng.next() % UInt64(geometries.count))]
        let modern = rng.next() % 3 == 0
        let sectionBits = modern ? (g.pageShift == 16 ? 29 : 27) : 30
        let section: UInt64 = 1 << UInt64(sectionBits)
        let structPage = rng.next() % 4 == 0 ? 56 : 64
        let rodata = rng.next() % 6 == 0
        let bootSize = (rng.next() % 2 == 0 ? 1 : 2) * G
        var neighbours: [Scenario.Neighbour] = []
        for candidate in [g.vmemmapStart &- 2 * M, g.vmallocEnd &- 2 * M, g.vmallocStart] where rng.next() % 3 == 0 {
            neighbours.append(.init(va: candidate, size: g.pageSize * (1 + rng.next() % 16)))
        }
        // hot-pluggable physical space: [6G, 22G)
        let lo: UInt64 = 6 * G, hi: UInt64 = 22 * G
        struct Present { var start: UInt64; var size: UInt64; var device: Bool }
        var present: [Present] = []
        var removedRAM: [Present] = []
        var bootSectionsGone: Set<UInt64> = []
        var steps: [Scenario.Step] = []
        let nSteps = 1 + Int(rng.next() % 8)
        func free(_ s: UInt64, _ n: UInt64) -> Bool {
            s >= lo && s + n <= hi && !present.contains { $0.start < s + n && s < $0.start + $0.size }
        }
        for _ in 0..<nSteps {
            let roll = rng.next() % 100
            if roll < 35 || present.isEmpty && roll < 70 {
                // add RAM: 1..4 sections (at most 2 GiB), sometimes failing
                let secs = 1 + rng.next() % 4
                let size = min(secs * section, 2 * G)
                let again = removedRAM.last.flatMap { r in rng.next() % 2 == 0 && free(r.start, r.size) ? r : nil }
                let start = again?.start ?? lo + (rng.next() % ((hi - lo) / section)) * section
                let sz = again?.size ?? size
                guard free(start, sz) else { continue }
                var step = Scenario.Step(op: .add, start: start, size: sz)
                let f = rng.next() % 10
                if f == 0 { step.failAddPages = true } else if f == 1 { step.failAllocation = 1 + Int(rng.next() % 12) }
                if !step.failAddPages && step.failAllocation == nil {
                    // "range" (the memmap-from-range RFC) on a quarter of the adds that do not fail (the RFC's add with a failure
                    // is not modelled); "memory-block" on an eighth of the one-section adds, whose removals
                    // (the whole range or one section) are then always one memory block
                    let x = memmapRNG.next() % 8
                    if x < 2 { step.memmap = .range } else if x == 2 && sz == section { step.memmap = .memoryBlock }
                }
                steps.append(step)
                if !step.failAddPages && step.failAllocation == nil { present.append(.init(start: start, size: sz, device: false)) }
            } else if roll < 55 {
                // add device memory: 1..8 sub-sections of 2 MiB, half with an altmap
                let size = (1 + rng.next() % 8) * 2 * M
                let start = lo + (rng.next() % ((hi - lo) / (2 * M))) * 2 * M
                guard free(start, size) else { continue }
                let altmap: Scenario.Altmap? = rng.next() % 2 == 0 ? .init(reserve: rng.next() % 2 == 0 ? 0 : 1) : nil
                steps.append(.init(op: .add, start: start, size: size, kind: .device, altmap: altmap))
                present.append(.init(start: start, size: size, device: true))
            } else if roll < 90, !present.isEmpty {
                // remove: all of a range, or (RAM) one section of it
                let i = Int(rng.next() % UInt64(present.count))
                let p = present[i]
                if !p.device && p.size > section && rng.next() % 2 == 0 {
                    let k = rng.next() % (p.size / section)
                    let s = p.start + k * section
                    steps.append(.init(op: .remove, start: s, size: section))
                    present.remove(at: i)
                    if s > p.start { present.append(.init(start: p.start, size: s - p.start, device: false)) }
                    if s + section < p.start + p.size {
                        present.append(.init(start: s + section, size: p.start + p.size - s - section, device: false))
                    }
                } else {
                    steps.append(.init(op: .remove, start: p.start, size: p.size))
                    present.remove(at: i)
                    if !p.device { removedRAM.append(p) }
                }
            } else if roll < 95 {
                // boot memory: offline or remove one of its sections (not the first, which holds the kernel)
                let nsec = bootSize / section
                guard nsec > 1 else { continue }
                let s = G + (1 + rng.next() % (nsec - 1)) * section
                guard !bootSectionsGone.contains(s) else { continue }
                let op: Scenario.Op = rng.next() % 2 == 0 ? .offline : .remove
                if op == .remove { bootSectionsGone.insert(s) }
                steps.append(.init(op: op, start: s, size: section))
            }
        }
        return Scenario(name: "fuzz-\(seed)-\(index)", description: "generated: seed \(seed), index \(index)",
                        geometry: g, sectionSizeBits: sectionBits, structPageSize: structPage,
                        physSize: 22 * G - G, bootSize: bootSize, rodataFull: rodata,
                        neighbours: neighbours, steps: steps)
    }
}
