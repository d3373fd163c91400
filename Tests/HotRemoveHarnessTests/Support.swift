import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

let G: UInt64 = 1 << 30
let M: UInt64 = 1 << 20
let K: UInt64 = 1 << 10

func geometry(_ name: String) -> Geometry { Geometry(name: name)! }

/// Runs steps on a fresh machine (physOffset 1G, boot memory [1G, 5G) unless given).
func run(_ revision: String, _ g: String, section: Int = 30, structPage: Int = 64, rodata: Bool = false,
         bootStart: UInt64? = nil, physSize: UInt64? = nil, neighbours: [Scenario.Neighbour] = [],
         _ steps: [Scenario.Step]) throws -> ScenarioRun {
    let sc = Scenario(name: "test", geometry: geometry(g), sectionSizeBits: section, structPageSize: structPage,
                      physSize: physSize, bootStart: bootStart, rodataFull: rodata, neighbours: neighbours, steps: steps)
    return try ScenarioRunner.run(sc, revision: revision)
}

// The removal most revision tests share (RemovalTests, HistoryRevisionTests, HistoryContractTests):
// 4K/48, 128 MiB sections (sectionSizeBits 27), boot memory [1G, 5G) = linear VA offsets [0, 4G)
// (physOffset 1G), block mappings allowed.  Hot-add and remove [8G + 128M, +1G):
//  - linear map: VA offsets [7G + 128M, 8G + 128M): 2 MiB aligned, not 1 GiB aligned, so 512 PMD blocks
//    (all CONT: the range is CONT_PMD_SIZE = 32 MiB aligned) in two PMD tables made by the add: PUD
//    entry 7 (448 blocks) and PUD entry 8 (64 blocks); nothing else maps those two tables.  The PUD
//    table of PGD[0] also holds boot's entries 0..3.
//  - vmemmap: 8 sections x 32768 pages x 64 B = 8 x 2 MiB = 8 PMD blocks at VMEMMAP_START + 114 MiB ..
//    + 130 MiB, in the PMD table for VMEMMAP_START + [2M, 1G + 2M), which also maps boot's memmap
//    (offsets [0, 64 MiB)), so that table is never empty.
func pmdBlockRun(_ revision: String) throws -> ScenarioRun {
    try run(revision, "4K/48", section: 27, [.init(op: .add, start: 8 * G + 128 * M, size: G),
                                             .init(op: .remove, start: 8 * G + 128 * M, size: G)])
}

extension ObservedState {
    func runs(in lo: UInt64, _ hi: UInt64) -> [ObservedRun] { runs.filter { $0.va >= lo && $0.va < hi } }
    func tables(_ level: Level, in lo: UInt64, _ hi: UInt64) -> [ObservedTable] {
        tables.filter { $0.level == level && $0.vaStart >= lo && $0.vaStart < hi }
    }
}

/// PAGE_KERNEL at v5.7 (pgtable-prot.h): type page 0b11 | AttrIndx(MT_NORMAL=4) 0x10 | SH inner 0x300 |
/// AF 0x400 | DBM/PTE_WRITE bit 51 | PXN bit 53 | UXN bit 54.
let pageKernelPage: UInt64 = 0x3 | 0x10 | 0x300 | 0x400 | (1 << 51) | (1 << 53) | (1 << 54)
/// The same made a block by mk_p?d_sect_prot(): bits[1:0] = 0b01.
let pageKernelBlock: UInt64 = pageKernelPage & ~0x2
/// PROT_SECT_NORMAL (vmemmap PMD blocks): no PTE_WRITE.
let protSectNormal: UInt64 = 0x1 | 0x10 | 0x300 | 0x400 | (1 << 53) | (1 << 54)
let contBit: UInt64 = 1 << 52
