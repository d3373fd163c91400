import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// What a page holds when the allocator hands it out is the kernel's, not the harness's.  The shim fills a
/// freed page-table page with POISON_FREE to catch walks through it; the kernel's free_pages() leaves the
/// page as it was (no init_on_free here), and post_alloc_hook() zeroes it only for __GFP_ZERO or
/// init_on_alloc.  So a freed empty table comes back as zeros, a freed table that still held an entry with
/// that entry, and with init_on_alloc every page comes back as zeros.
@Suite struct AllocationContentsTests {
    func machine(initOnAlloc: Bool) throws -> Machine {
        var sc = Scenario(name: "contents", geometry: geometry("4K/48"), sectionSizeBits: 27, physSize: 2 * G,
                          bootSize: 128 * M)
        sc.initOnAlloc = initOnAlloc
        return try Machine(revision: "final", scenario: sc)
    }

    /// Two PTE tables, one with entry 3 set, both freed; then order-0 pages (not __GFP_ZERO) until both come
    /// back (boot memory is 32768 pages).
    func reuse(initOnAlloc: Bool) throws -> (machine: Machine, empty: UInt64, full: UInt64) {
        let m = try machine(initOnAlloc: initOnAlloc)
        let empty = m.debugAlloc(order: 0, asTable: .pte), full = m.debugAlloc(order: 0, asTable: .pte)
        m.debugWriteEntry(pa: full << 12 + 3 * 8, 0x6800_0040_0007_13)
        m.debugFree(pfn: empty, order: 0)
        m.debugFree(pfn: full, order: 0)
        var back: Set<UInt64> = []
        for _ in 0 ..< 32768 where back.count < 2 {
            let p = m.debugAlloc(order: 0, zero: false)
            if p == empty || p == full { back.insert(p) }
        }
        #expect(back == [empty, full])
        return (m, empty, full)
    }

    @Test func aFreedTableComesBackAsTheKernelLeftIt() throws {
        let (m, empty, full) = try reuse(initOnAlloc: false)
        #expect((0 ..< 512).allSatisfy { m.debugReadEntry(pa: empty << 12 + $0 * 8) == 0 })
        #expect(m.debugReadEntry(pa: full << 12 + 3 * 8) == 0x6800_0040_0007_13)
        #expect((0 ..< 512).filter { $0 != 3 }.allSatisfy { m.debugReadEntry(pa: full << 12 + $0 * 8) == 0 })
        #expect(m.faults.isEmpty, "no poison read: \(m.faults)")
    }

    @Test func withInitOnAllocEveryPageComesBackZeroed() throws {
        let (m, empty, full) = try reuse(initOnAlloc: true)
        #expect((0 ..< 512).allSatisfy { m.debugReadEntry(pa: empty << 12 + $0 * 8) == 0 })
        #expect((0 ..< 512).allSatisfy { m.debugReadEntry(pa: full << 12 + $0 * 8) == 0 })
        #expect(m.faults.isEmpty, "no poison read: \(m.faults)")
    }
}
