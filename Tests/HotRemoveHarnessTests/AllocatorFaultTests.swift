import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// Each allocator fault provoked on purpose; each is recorded, none absorbed.
@Suite struct AllocatorFaultTests {
    func machine() throws -> Machine {
        try Machine(revision: "final", scenario: Scenario(name: "faults", geometry: geometry("4K/48"), physSize: 16 * G))
    }

    @Test func doubleFree() throws {
        let m = try machine()
        let pfn = m.debugAlloc(order: 0)
        m.debugFree(pfn: pfn, order: 0)
        #expect(m.faults.isEmpty)
        m.debugFree(pfn: pfn, order: 0)
        #expect(m.faults.map(\.kind) == [.doubleFree])
        #expect((m.faults.first?.location ?? .max) == pfn)
    }

    @Test func freeOfPageNeverAllocated() throws {
        let m = try machine()
        // a pfn of hot-pluggable memory (8G) the allocator never managed; boot memory is [1G, 5G)
        m.debugFree(pfn: (8 * G) >> 12, order: 0)
        #expect(m.faults.map(\.kind) == [.freeNeverAllocated])
    }

    @Test func freeWithWrongOrder() throws {
        let m = try machine()
        let pfn = m.debugAlloc(order: 2)
        m.debugFree(pfn: pfn, order: 0)
        #expect(m.faults.map(\.kind) == [.freeWrongOrder])
        // and a tail page of the block
        m.debugFree(pfn: pfn + 1, order: 0)
        #expect(m.faults.map(\.kind) == [.freeWrongOrder, .freeWrongOrder])
    }

    @Test func freeOfReservedPage() throws {
        let m = try machine()
        // memblock allocates top-down: the last page of boot memory (5G - 4K) holds swapper_pg_dir, reserved
        let pfn = (5 * G >> 12) - 1
        #expect((m.pageInfo(pfn: pfn)?.flags ?? 0) & 1 == 1)
        m.debugFree(pfn: pfn, order: 0)
        #expect(m.faults.map(\.kind) == [.freeReserved])
    }

    @Test func freeOutsideMemory() throws {
        let m = try machine()
        m.debugFree(pfn: (1 << 40) >> 12, order: 0)
        #expect(m.faults.map(\.kind) == [.freeOutsideMemory])
    }

    @Test func readOfFreedTablePage() throws {
        let m = try machine()
        let pfn = m.debugAlloc(order: 0, asTable: .pte)
        #expect(m.debugReadEntry(pa: pfn << 12) == 0)
        m.debugFree(pfn: pfn, order: 0)
        // a freed table page is filled with POISON_FREE (0x6b); reading an entry is a fault
        #expect(m.debugReadEntry(pa: pfn << 12) == 0x6b6b_6b6b_6b6b_6b6b)
        #expect(m.faults.map(\.kind).contains(.poisonRead))
    }

    @Test func failNthAllocation() throws {
        let m = try machine()
        m.failNthAllocation(2)
        #expect(m.debugAlloc(order: 0) != 0)
        #expect(m.debugAlloc(order: 0) == 0)   // the second fails
        #expect(m.debugAlloc(order: 0) != 0)   // and only that one
        #expect(m.counted.totals.allocFailures == 1)
    }
}
