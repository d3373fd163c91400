// The v5.7 memory map and table geometry, each number derived by hand from
// arch/arm64/include/asm/{memory,pgtable-hwdef}.h.
@testable import HotRemoveScenario
import Testing

@Suite struct GeometryTests {
    @Test func memoryMap4K48() {
        let g = Geometry(pageShift: 12, vaBits: 48)
        // ARM64_HW_PGTABLE_LEVELS(48) = (48 - 4) / 9 = 4
        #expect(g.levels == 4)
        // PAGE_OFFSET = -(1 << 48)
        #expect(g.pageOffset == 0xffff_0000_0000_0000)
        // PAGE_END = -(1 << (48 - 1))
        #expect(g.pageEnd == 0xffff_8000_0000_0000)
        // VMEMMAP_SIZE = (PAGE_END - PAGE_OFFSET) >> (PAGE_SHIFT - STRUCT_PAGE_MAX_SHIFT) = 2^47 >> 6 = 2^41
        #expect(g.vmemmapSize == 1 << 41)
        // VMEMMAP_START = -VMEMMAP_SIZE - SZ_2M = 0xfffffe0000000000 - 0x200000
        #expect(g.vmemmapStart == 0xffff_fdff_ffe0_0000)
        #expect(g.vmemmapEnd == 0xffff_ffff_ffe0_0000)
        // VMALLOC_END = -PUD_SIZE - VMEMMAP_SIZE - SZ_64K = 2^64 - 2^30 - 2^41 - 2^16
        #expect(g.vmallocEnd == 0xffff_fdff_bfff_0000)
        // VMALLOC_START = PAGE_END + BPF JIT (128M) + modules (128M)
        #expect(g.vmallocStart == 0xffff_8000_1000_0000)
        // MAX_TLBI_OPS = PTRS_PER_PTE = 512
        #expect(g.maxTlbiOps == 512)
        // 4K: 2 MiB PMD, 1 GiB PUD, CONT_PTE 16 x 4K = 64K, CONT_PMD 16 x 2M = 32M
        #expect(g.pmdSize == 2 << 20 && g.pudSize == 1 << 30)
        #expect(g.contPteSize == 64 << 10 && g.contPmdSize == 32 << 20)
    }

    @Test func twoLevelGeometries() {
        let g64 = Geometry(pageShift: 16, vaBits: 42)
        // (42 - 4) / 13 = 2 levels; PGDIR_SHIFT = 13 * 2 + 3 = 29 (512 MiB)
        #expect(g64.levels == 2)
        #expect(g64.pgdirShift == 29)
        #expect(g64.isFolded(.pmd) && g64.isFolded(.pud))
        // a PMD entry is a PGD entry: PMD_SIZE = PGDIR_SIZE, and it lives in the PGD table
        #expect(g64.pmdSize == 512 << 20)
        #expect(g64.tableHolding(.pmd) == .pgd)
        // a PTE table hangs off a PGD entry and spans 8192 x 64K = 512 MiB
        #expect(g64.parentTable(of: .pte) == .pgd)
        #expect(g64.tableSpan(.pte) == 512 << 20)
        #expect(g64.freeableTableLevels == [.pte])

        let g16 = Geometry(pageShift: 14, vaBits: 36)
        // (36 - 4) / 11 = 2 levels; PGDIR_SHIFT = 11 * 2 + 3 = 25 (32 MiB); PTRS_PER_PGD = 2^(36-25) = 2048
        #expect(g16.levels == 2)
        #expect(g16.pgdirShift == 25)
        #expect(g16.entriesPerTable(.pgd) == 2048)
        // CONT_PMD (32 x 32M = 1G) exceeds the 32M PGD entry: never CONT at the PMD level on 2 levels
        #expect(g16.contPmdSize > g16.pudSize)
    }

    @Test func threeLevelGeometries() {
        let g = Geometry(pageShift: 12, vaBits: 39)
        // (39 - 4) / 9 = 3 levels; PGDIR_SHIFT = 9 * 3 + 3 = 30: a "PUD block" is a 1 GiB PGD entry
        #expect(g.levels == 3 && g.pgdirShift == 30)
        #expect(g.tableHolding(.pud) == .pgd)
        // the PMD table's parent entry lives in the PGD; a PMD table spans 512 x 2M = 1G
        #expect(g.parentTable(of: .pmd) == .pgd)
        #expect(g.tableSpan(.pmd) == 1 << 30)
        #expect(g.freeableTableLevels == [.pte, .pmd])

        let g52 = Geometry(pageShift: 16, vaBits: 52)
        // (52 - 4) / 13 = 3; PGDIR_SHIFT = 13 * 3 + 3 = 42; PAGE_OFFSET = -(1 << 52); PAGE_END uses VA_BITS_MIN = 48
        #expect(g52.levels == 3 && g52.pgdirShift == 42)
        #expect(g52.pageOffset == 0xfff0_0000_0000_0000)
        #expect(g52.pageEnd == 0xffff_8000_0000_0000)
    }
}
