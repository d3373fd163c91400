import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveMutants
import HotRemoveScenario
import Testing

/// The mutants of the generic hotplug layer (CShim/mutants/generic: patched copies of CShim/kernel/hotplug.c,
/// run with their base revision's code) are killed like the others, by MutationTests, on the kill scenarios
/// below; they prove that the model's statement of the generic layer (Sparse) is not the shim's C: a bug the
/// C has and the model has not is a contract mismatch.  These tests pin what makes that claim hold.
extension MutationTests {
    /// Kill scenarios of the generic-layer mutants (besides altmap-4k and altmap-16k), hand-derived facts
    /// beside each.  physOffset 1G, boot memory [1G, 5G) unless said.
    static let genericKillScenarios: [Scenario] = {
        let g48 = Geometry(name: "4K/48")!, g47 = Geometry(name: "16K/47")!
        return [
            // the memmap-from-range RFC, 4K/48 with 128M sections (memmap 2M a section): [8G, +384M) from the range, then all of
            // it at once: the deferral opens on the first section and its last frees three 2M blocks, C's, B's,
            // A's (MemmapRangeTests.wholeRangeOnAltmap); the head counts 3 sections
            Scenario(name: "range-whole", geometry: g48, sectionSizeBits: 27, rodataFull: true,
                     steps: [.init(op: .add, start: 8 * G, size: 384 * M, memmap: .range),
                             .init(op: .remove, start: 8 * G, size: 384 * M)]),
            // a range of two sections added and removed whole (the deferral closes), then device memory with an
            // altmap in the first section: its memmap is a new one (no PageVmemmap left), so its removal hands
            // vmemmap_free() the device's altmap: 512 pfns (one 2M block) back to it
            Scenario(name: "range-then-device", geometry: g48, sectionSizeBits: 27, rodataFull: true,
                     steps: [.init(op: .add, start: 8 * G, size: 256 * M, memmap: .range),
                             .init(op: .remove, start: 8 * G, size: 256 * M),
                             .init(op: .add, start: 8 * G, size: 128 * M, kind: .device, altmap: .init(reserve: 0)),
                             .init(op: .remove, start: 8 * G, size: 128 * M)]),
            // the memmap-from-range RFC as in range-whole, the sections removed first to last: A opens the deferral (3 -> 2), B
            // counts it to 1, C closes it and frees C's, B's, A's blocks; before C nothing of the range's memmap
            // is cleared (MemmapRangeTests.firstSectionFirstOnAltmap)
            Scenario(name: "range-in-order", geometry: g48, sectionSizeBits: 27, rodataFull: true,
                     steps: [.init(op: .add, start: 8 * G, size: 384 * M, memmap: .range),
                             .init(op: .remove, start: 8 * G, size: 128 * M),
                             .init(op: .remove, start: 8 * G + 128 * M, size: 128 * M),
                             .init(op: .remove, start: 8 * G + 256 * M, size: 128 * M)]),
            // device memory on 16K/47 with an altmap of reserve 0 and free omitted (the whole range): reserve +
            // free is the range's 65536 pfns exactly, which __add_pages() accepts ("vmem_altmap_offset(altmap) >
            // nr_pages" refuses only more)
            Scenario(name: "altmap-add-16k", geometry: g47,
                     steps: [.init(op: .add, start: 16 * G, size: G, kind: .device, altmap: .init(reserve: 0))]),
            // memmap on memory on 16K/47 (1G sections): a block's memmap is 65536 x 64 B = 4M, not a multiple of
            // the 32M PMD, so mhp_supports_memmap_on_memory() is false and the add is an ordinary one (its 256
            // memmap pages from the page allocator)
            Scenario(name: "memory-block-16k", geometry: g47,
                     steps: [.init(op: .add, start: 16 * G, size: G, memmap: .memoryBlock),
                             .init(op: .remove, start: 16 * G, size: G)]),
            // 16K/47, [16G, +1G): the linear map needs no table (PMD blocks in boot's PMD table); the memmap
            // (256 pages at vmemmap + 60M) needs one PTE table, allocated first: the 3rd allocation is its second
            // page, so section_activate() fails with one page populated, which section_deactivate() frees
            Scenario(name: "memmap-enomem-16k", geometry: g47,
                     steps: [.init(op: .add, start: 16 * G, size: G, failAllocation: 3)]),
            // [16G, +2G) on 16K/47 fails in its second section (allocations: the first section's PTE table and
            // 256 pages, then the second's table and pages: the 300th is one of those), leaving the first section
            // present (v5.7's __add_pages() keeps the sections added before the failure); adding [16G, +1G)
            // again meets its present sub-sections: -EEXIST
            Scenario(name: "readd-leftover", geometry: g47,
                     steps: [.init(op: .add, start: 16 * G, size: 2 * G, failAllocation: 300),
                             .init(op: .add, start: 16 * G, size: G)]),
        ]
    }()
}

@Suite struct GenericMutationTests {
    init() { Mutants.register() }

    static let generic = Mutants.all.filter(\.mutatesGenericLayer)

    /// At least six mutants of the generic layer, each killable and with a kill scenario of its own kind.
    @Test func thereAreSixOrMore() {
        #expect(GenericMutationTests.generic.count >= 6)
        #expect(GenericMutationTests.generic.allSatisfy { $0.killable && $0.name.hasPrefix("mut_generic_") })
    }

    /// A generic mutant runs its base revision's arch code unchanged: where its changed line makes no
    /// difference it behaves exactly as its base.  Here one 2 MiB device sub-section is added and removed on
    /// 4K/48 with no altmap, no range memmap, no memory block and no failure: every changed line is either
    /// not reached or (depopulate_drops_altmap: a NULL altmap for NULL) changes nothing.
    @Test(arguments: GenericMutationTests.generic.map(\.name))
    func sameAsItsBaseWhereTheChangeIsNotReached(_ name: String) throws {
        let m = try #require(Mutants.named(name))
        let s = Scenario(name: "untouched", geometry: Geometry(name: "4K/48")!,
                         steps: [.init(op: .add, start: 8 * G, size: 2 * M, kind: .device),
                                 .init(op: .remove, start: 8 * G, size: 2 * M)])
        let base = try ScenarioRunner.run(s, revision: m.base), mutant = try ScenarioRunner.run(s, revision: m.name)
        #expect(mutant.steps == base.steps, "\(name) differs from \(m.base) where its change is not reached")
    }
}
