
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The scenarios that ship with the package, each instantiated for every
/// geometry.  Physical addresses stay inside the smallest linear map (32 GiB
/// on 16K/36).  physOffset is 1 GiB and boot memory [1G, 5G) throughout.
public enum CuratedScenarios {
    package static let G: UInt64 = 1 << 30
    package static let M: UInt64 = 1 << 20

    public static var all: [Scenario] { Geometry.all.flatMap { forGeometry($0) } }

    public static func forGeometry(_ g: Geometry) -> [Scenario] {
        let tag = g.name.replacingOccurrences(of: "/", with: "-")
        func sc(_ name: String, _ desc: String, section: Int = 30, rodata: Bool = false, physOffset: UInt64 = G,
                neighbours: [Scenario.Neighbour] = [], _ steps: [Scenario.Step]) -> Scenario {
            Scenario(name: "\(name)@\(tag)", description: desc, geometry: g, sectionSizeBits: section,
                     physOffset: physOffset, rodataFull: rodata, neighbours: neighbours, steps: steps)
        }
        // a section far enough from boot memory that its vmemmap has tables of its own where the geometry allows
        let far: UInt64 = min(16 * G, (g.pageEnd &- g.pageOffset) / 2)
        let v512 = 29, v27 = 27
        let smallSection = g.pageShift == 16 ? v512 : v27
        let offAligned: UInt64 = 1 << UInt64(smallSection)
        // a region mapped with contiguous PMD blocks (16K: 32 x 32M = 1G; 64K: 32 x 512M = 16G, which needs
        // PHYS_OFFSET 16G-aligned too, so 0 there and boot memory [0, 4G); 4K: the 1 GiB is a PUD block instead)
        let contRegion: (start: UInt64, size: UInt64) = g.pageShift == 16 ? (16 * G, 16 * G) : (8 * G, G)
        let contPhysOffset: UInt64 = g.pageShift == 16 ? 0 : G
        return [
            sc("linear-1g-aligned", "hot-add and remove 1 GiB at a 1 GiB-aligned address (PUD block on 4K)",
               [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G)]),
            sc("linear-not-1g-aligned", "1 GiB added section-aligned but not 1 GiB-aligned (v5.12 section sizes): PMD blocks",
               section: smallSection,
               [.init(op: .add, start: 8 * G + offAligned, size: G), .init(op: .remove, start: 8 * G + offAligned, size: G)]),
            sc("linear-no-blocks", "rodata_full: NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS, so PTE tables throughout",
               rodata: true, [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G)]),
            sc("vmemmap-vmalloc-neighbour", "vmalloc mappings next to vmemmap share its upper tables",
               neighbours: [.init(va: g.vmallocEnd &- 2 * M, size: 64 << 10), .init(va: g.vmemmapStart &- 2 * M, size: 64 << 10)],
               [.init(op: .add, start: far, size: G), .init(op: .remove, start: far, size: G)]),
            sc("boot-memory-remove", "offline and remove a boot section: refused by final's notifier, V6 proceeds",
               [.init(op: .offline, start: 2 * G, size: G), .init(op: .remove, start: 2 * G, size: G)]),
            sc("failed-add", "__add_pages() fails: arch_add_memory() unmaps the new linear map",
               [.init(op: .add, start: 8 * G, size: G, failAddPages: true)]),
            sc("failed-add-allocation", "a page allocation fails while the memmap is populated",
               [.init(op: .add, start: 8 * G, size: 2 * G, failAllocation: 3)]),
            sc("device-altmap", "device memory, one 2 MiB sub-section, memmap from an altmap",
               [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device, altmap: .init(reserve: 0)),
                .init(op: .remove, start: 8 * G, size: 2 * M)]),
            sc("device-subsections", "two device sub-sections of one section, removed one at a time",
               [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
                .init(op: .add, start: 8 * G + 2 * M, size: 2 * M, kind: .device),
                .init(op: .remove, start: 8 * G, size: 2 * M),
                .init(op: .remove, start: 8 * G + 2 * M, size: 2 * M)]),
            sc("partial-remove", "add 2 GiB, remove it one section at a time",
               [.init(op: .add, start: 8 * G, size: 2 * G), .init(op: .remove, start: 9 * G, size: G),
                .init(op: .remove, start: 8 * G, size: G)]),
            sc("cont-range-cut", "one v5.12 section removed out of a region mapped with contiguous PMD blocks (a PUD block on 4K)",
               section: smallSection, physOffset: contPhysOffset,
               [.init(op: .add, start: contRegion.start, size: contRegion.size),
                .init(op: .remove, start: contRegion.start, size: offAligned)]),
            sc("repeat-add-remove", "the same section added and removed three times",
               [.init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G),
                .init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G),
                .init(op: .add, start: 8 * G, size: G), .init(op: .remove, start: 8 * G, size: G)]),
        ]
    }
}
