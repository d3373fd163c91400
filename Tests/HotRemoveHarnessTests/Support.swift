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
