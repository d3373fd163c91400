import Foundation
@testable import HotRemoveCLI
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// The oracle's parts that need no QEMU, with expected values worked out by hand next to each
/// test, and one run of the oracle itself where QEMU and the 6.1 kernel are installed.
@Suite(.serialized) struct OracleTests {
    // MARK: gdb remote serial protocol

    @Test func packetFramingAndChecksum() throws {
        // 'O' 0x4f + 'K' 0x4b = 0x9a
        #expect(String(decoding: GDBPacket.frame("OK"), as: UTF8.self) == "$OK#9a")
        // 'm' 0x6d + '8' 0x38 + seven '0' 7 * 0x30 = 0x150 + ',' 0x2c + '8' 0x38 + two '0' 0x60 = 0x2b9 -> 0xb9
        #expect(String(decoding: GDBPacket.frame("m80000000,800"), as: UTF8.self) == "$m80000000,800#b9")
        // '#' goes as '}' (0x7d) then 0x23 ^ 0x20 = 0x03; sum 0x61 + 0x7d + 0x03 + 0x62 = 0x143 -> 0x43
        #expect(GDBPacket.frame("a#b") == [0x24, 0x61, 0x7d, 0x03, 0x62, 0x23, 0x34, 0x33])
        #expect(try GDBPacket.unframe(Array("$OK#9a".utf8)) == Array("OK".utf8))
        #expect(throws: GDBPacket.Malformed.self) { try GDBPacket.unframe(Array("$OK#9b".utf8)) }
        #expect(throws: GDBPacket.Malformed.self) { try GDBPacket.unframe(Array("OK#9a".utf8)) }
        // run length: '0' then "* " (0x20 = 32: 32 - 29 = 3 more); checksum 0x30 + 0x2a + 0x20 = 0x7a
        #expect(try GDBPacket.unframe(Array("$0* #7a".utf8)) == Array("0000".utf8))
        // an escaped '}' in a reply: "}]" is 0x5d ^ 0x20 = 0x7d
        #expect(try GDBPacket.decode([0x7d, 0x5d]) == [0x7d])
    }

    @Test func registerValuesAreLittleEndianHex() throws {
        // TTBR1_EL1 as QEMU sent it for the 6.1 guest: bytes 01 80 85 41 00 00 24 00
        let v = GDBPacket.littleEndian(try GDBPacket.bytes(fromHex: Array("0180854100002400".utf8)))
        #expect(v == 0x0024_0000_4185_8001)
        // BADDR: ASID (bits 63:48 = 0x24) and CnP (bit 0) dropped
        #expect(PageTableWalker.tableBase(ttbr: v) == 0x4185_8000)
        #expect(throws: GDBPacket.Malformed.self) { try GDBPacket.bytes(fromHex: Array("0g".utf8)) }
        #expect(throws: GDBPacket.Malformed.self) { try GDBPacket.bytes(fromHex: Array("012".utf8)) }
    }

    @Test func targetDescriptionNumbersRegisters() {
        let target = #"<target><architecture>aarch64</architecture><xi:include href="core.xml"/><xi:include href="sys.xml"/></target>"#
        #expect(GDBTargetDescription.includes(target) == ["core.xml", "sys.xml"])
        let core = #"<feature name="org.gnu.gdb.aarch64.core"><reg name="x0" bitsize="64"/><reg name="x1" bitsize="64"/><reg name="pc" bitsize="64" type="code_ptr"/></feature>"#
        let sys = #"<feature name="org.qemu.gdb.aarch64.sysregs"><reg name="TCR_EL1" bitsize="64" regnum="174" group="cp_regs"/><reg name="TTBR1_EL1" bitsize="64" regnum="175" group="cp_regs"/><reg name="MAIR_EL1" bitsize="64"/></feature>"#
        let td = GDBTargetDescription(documents: [core, sys])
        // x0, x1, pc numbered 0, 1, 2 in order; explicit regnums; MAIR_EL1 follows TTBR1_EL1
        #expect(td.number(of: "x0") == 0)
        #expect(td.number(of: "pc") == 2)
        #expect(td.number(of: "TTBR1_EL1") == 175)
        #expect(td.number(of: "MAIR_EL1") == 176)
        #expect(td.number(of: "TTBR0_EL1") == nil)
    }

    // MARK: the walker on a hand-built descriptor image

    struct Image: PhysicalMemory {
        var pages: [UInt64: [Int: UInt64]]
        var read = Locked<[UInt64]>([])
        func tablePage(at pa: UInt64) throws -> [UInt64] {
            read.with { $0.append(pa) }
            guard let p = pages[pa] else { throw GDBRemote.Failure(description: "no page at \(pa)") }
            return (0 ..< 512).map { p[$0] ?? 0 }
        }
    }

    static let normal: UInt64 = (1 << 10) | (3 << 8) | (1 << 53) | (1 << 54)   // AF, SH inner, PXN, UXN; AttrIndx 0

    /// root 0x1000 -> [0] L1 0x2000: [1] 1G block @0x40000000, [2] L2 0x3000: [0] 2M block @0x80000000 CONT,
    /// [1] L3 0x4000: [0] page 0x90000000, [1] page 0x90001000, [5] invalid 0x2; root [1]: 0b01 at level 0;
    /// root [511] -> 0x5000, outside the windows (never read).
    static func image() -> Image {
        Image(pages: [
            0x1000: [0: 0x2000 | 3, 1: 0x7000 | 1, 511: 0x5000 | 3],
            0x2000: [1: 0x4000_0000 | normal | 1, 2: 0x3000 | 3],
            0x3000: [0: 0x8000_0000 | normal | (1 << 52) | 1, 1: 0x4000 | 3],
            0x4000: [0: 0x9000_0000 | normal | 3, 1: 0x9000_1000 | normal | 3, 5: 0x2],
            0x5000: [0: 0x6000 | 3],
        ])
    }

    @Test func walkerFollowsOnlyTheWindows() throws {
        let img = Self.image()
        let base: UInt64 = 0xffff_0000_0000_0000
        // VA = base + L0 index * 512G + L1 index * 1G + L2 index * 2M + L3 index * 4K
        let w = try PageTableWalker.walk(root: 0x1000, memory: img, windows: [base ..< base + (1 << 40)])
        #expect(img.read.with { $0 } == [0x1000, 0x2000, 0x3000, 0x4000])
        #expect(w.tablePagesRead == 4)
        let g: UInt64 = 1 << 30, m2: UInt64 = 2 << 20
        #expect(w.leaves == [
            .init(va: base + g, level: 1, kind: .block, size: g, output: 0x4000_0000, attributes: Self.normal | 1),
            .init(va: base + 2 * g, level: 2, kind: .block, size: m2, output: 0x8000_0000, attributes: Self.normal | (1 << 52) | 1),
            .init(va: base + 2 * g + m2, level: 3, kind: .page, size: 4096, output: 0x9000_0000, attributes: Self.normal | 3),
            .init(va: base + 2 * g + m2 + 4096, level: 3, kind: .page, size: 4096, output: 0x9000_1000, attributes: Self.normal | 3),
            .init(va: base + 2 * g + m2 + 5 * 4096, level: 3, kind: .invalid, size: 4096, output: 0, attributes: 0x2),
            // root entry 1 (512G on): 0b01 is reserved at level 0 with 4K pages
            .init(va: base + (1 << 39), level: 0, kind: .invalid, size: 1 << 39, output: 0, attributes: 0x7001),
        ])
        #expect(w.tables.map(\.pa) == [0x1000, 0x2000, 0x3000, 0x4000])
        #expect(w.tables.map(\.level) == [0, 1, 2, 3])
        // the L3 table translates the second 2M of the third GiB
        #expect(w.tables[3].spanStart == base + 2 * g + m2 && w.tables[3].span == m2)
    }

    @Test func walkerSkipsEntriesOutsideTheWindows() throws {
        let img = Self.image()
        let base: UInt64 = 0xffff_0000_0000_0000
        // only the 1G block's GiB: the L2 table at entry [2] of L1 is never read
        let w = try PageTableWalker.walk(root: 0x1000, memory: img, windows: [(base + (1 << 30)) ..< (base + (2 << 30))])
        #expect(img.read.with { $0 } == [0x1000, 0x2000])
        #expect(w.leaves.map(\.output) == [0x4000_0000])
    }

    @Test func leafAttributesNameTheFields() {
        // a 6.1 linear-map PTE: page 0b11, AttrIndx 0, SH 3, AF, DBM (51), PXN (53), UXN (54), PTE_DIRTY (55)
        let bits: UInt64 = 3 | (3 << 8) | (1 << 10) | (1 << 51) | (1 << 53) | (1 << 54) | (1 << 55)
        // 6.1's MAIR_EL1 as read, 0x40044ffff: Attr0 0xff (MT_NORMAL), Attr1 0xff (MT_NORMAL_TAGGED without MTE),
        // Attr2 0x44 (MT_NORMAL_NC), Attr3 0x00 (MT_DEVICE_nGnRnE), Attr4 0x04 (MT_DEVICE_nGnRE)
        let a = LeafAttributes(bits, mair: 0x0000_0004_0044_ffff)
        #expect(a.memoryType == "Normal WB")
        #expect(a.software == 1 && a.dbm && a.pxn && a.uxn && a.af && a.sh == 3 && !a.cont)
        #expect(a.description == "RW NX SHD AF DBM UXN SW1 Normal WB")
        // the same PTE under v5.7's MAIR names AttrIndx 0 Device-nGnRnE: the index alone says nothing
        #expect(LeafAttributes(bits, mair: HarnessEra.v5_7.mair).memoryType == "Device-nGnRnE")
        // v5.7's PAGE_KERNEL (AttrIndx 4) under its MAIR is Normal WB
        #expect(LeafAttributes(pageKernelPage, mair: HarnessEra.v5_7.mair).memoryType == "Normal WB")
        #expect(LeafAttributes.memoryType(mairByte: 0x44) == "Normal NC")
        #expect(LeafAttributes.memoryType(mairByte: 0x04) == "Device-nGnRE")
        let d = a.differences(from: LeafAttributes(pageKernelPage, mair: HarnessEra.v5_7.mair))
        #expect(d.map(\.field) == ["software"])
    }

    // MARK: scenario -> virtio-mem

    static func scenario(boot: UInt64 = 1 << 30, bootSize: UInt64 = 1 << 30, section: Int = 27, geometry g: String = "4K/48",
                         _ steps: [Scenario.Step]) -> Scenario {
        Scenario(name: "t", geometry: Geometry(name: g)!, sectionSizeBits: section, physOffset: boot, bootSize: bootSize,
                 rodataFull: true, steps: steps)
    }

    @Test func planPlacesTheScenarioOnTheDeviceRegion() throws {
        let M128: UInt64 = 128 << 20
        let p = try VirtioMemPlan.make(Self.scenario([
            .init(op: .add, start: 0x8000_0000, size: M128), .init(op: .add, start: 0x8800_0000, size: M128),
            .init(op: .remove, start: 0x8000_0000, size: M128), .init(op: .add, start: 0x8000_0000, size: M128),
            .init(op: .remove, start: 0x8000_0000, size: 2 * M128),
        ]))
        // boot memory [1G, 2G) is the guest's RAM at 1G: delta 0; region at the first GiB after RAM: 2G
        #expect(p.delta == 0 && p.regionBase == 0x8000_0000)
        // the highest end is 0x90000000: 256M over the region's start, rounded up to 1G
        #expect(p.regionSize == 1 << 30)
        #expect(p.steps.map(\.action) == [.plug, .plug, .unplug, .plug, .unplug])
        #expect(p.steps.map(\.requestedSize) == [M128, 2 * M128, M128, 2 * M128, 0])
        // the two-block removal runs as two calls, the higher block first
        #expect(p.calls.suffix(2).map(\.start) == [0x8800_0000, 0x8000_0000])
        #expect(p.calls.map(\.op) == [.add, .add, .remove, .add, .remove, .remove])
    }

    @Test func planMovesBootMemoryToTheGuestsRAM() throws {
        // boot memory at 8G: guest = scenario - 7G; RAM [1G, 2G) -> region at 2G guest = 9G scenario
        let p = try VirtioMemPlan.make(Self.scenario(boot: 8 << 30, [.init(op: .add, start: 9 << 30, size: 512 << 20)]))
        #expect(p.guest(8 << 30) == 0x4000_0000)
        #expect(p.guest(9 << 30) == 0x8000_0000 && p.regionBase == 0x8000_0000)
        let at: UInt64 = 9 << 30, block: UInt64 = 128 << 20
        let expected: [UInt64] = [at, at + block, at + 2 * block, at + 3 * block]
        #expect(p.calls.map(\.start) == expected)
    }

    @Test func planRefusesWhatVirtioMemCannotExpress() {
        func refusal(_ sc: Scenario) -> String {
            do { _ = try VirtioMemPlan.make(sc); return "accepted" } catch { return "\(error)" }
        }
        let M128: UInt64 = 128 << 20
        #expect(refusal(Self.scenario(geometry: "16K/47", [.init(op: .add, start: 2 << 30, size: 1 << 30)])).hasPrefix("geometry: 16K/47"))
        #expect(refusal(Self.scenario(section: 30, [.init(op: .add, start: 2 << 30, size: 1 << 30)])).hasPrefix("era.sectionSizeBits: 30"))
        // the lowest unplugged block is 2G: an add at 2G + 128M first is refused
        #expect(refusal(Self.scenario([.init(op: .add, start: 0x8800_0000, size: M128)]))
            == "steps[0]: add [0x88000000, +128M): virtio-mem plugs the lowest unplugged memory blocks of its region first (from 0x80000000 here); an add must fill them in order")
        // below the region: with 1G of boot memory at 1G it starts at 2G
        #expect(refusal(Self.scenario(bootSize: 512 << 20, [.init(op: .add, start: 0x6000_0000, size: M128)])).contains("below the virtio-mem region, which starts at 0x80000000"))
        #expect(refusal(Self.scenario([.init(op: .add, start: 2 << 30, size: 64 << 20)])).contains("whole 128 MiB memory blocks"))
        // a block offlined and left: the next removal would unplug it first
        #expect(refusal(Self.scenario([.init(op: .add, start: 2 << 30, size: 2 * M128), .init(op: .offline, start: 0x8800_0000, size: M128),
                                      .init(op: .remove, start: 2 << 30, size: M128)]))
            .contains("the offline block at 0x88000000 would be unplugged first"))
        var dev = Self.scenario([.init(op: .add, start: 2 << 30, size: 1 << 30, kind: .device)])
        #expect(refusal(dev).contains("device memory"))
        dev = Self.scenario([.init(op: .add, start: 2 << 30, size: M128, failAllocation: 1)])
        #expect(refusal(dev).contains("cannot be made to fail"))
        var nb = Self.scenario([.init(op: .add, start: 2 << 30, size: M128)])
        nb.neighbours = [.init(va: nb.geometry.vmallocEnd - (2 << 20), size: 64 << 10)]
        #expect(refusal(nb).hasPrefix("neighbours"))
        // 512M of boot memory, 32G plugged: 32G / 4K * 64 = 512M of memmap, more than a quarter (128M)
        #expect(refusal(Self.scenario(bootSize: 512 << 20, [.init(op: .add, start: 2 << 30, size: 32 << 30)])).contains("512M of memmap"))
        #expect(refusal(Self.scenario([.init(op: .add, start: 2 << 30, size: M128)])) == "accepted")
    }

    // MARK: host-side parsing

    @Test func iomemAndBlocksAreParsed() throws {
        let iomem = ["40000000-7fffffff : System RAM", "80000000-17fffffff : virtio0", "  80000000-9fffffff : System RAM (virtio_mem)"]
        #expect(OracleMachine.iomemListsRAM(iomem, overlapping: 0x9000_0000 ..< 0x9800_0000))
        #expect(!OracleMachine.iomemListsRAM(iomem, overlapping: 0xa000_0000 ..< 0xa800_0000))
        let (size, blocks) = try GuestChannel.parseBlocks(["block_size_bytes 8000000", "block 16 online 00000010", "block 8 offline 00000008"])
        #expect(size == 128 << 20)
        #expect(blocks == [.init(number: 8, online: false, firstSection: 8), .init(number: 16, online: true, firstSection: 16)])
        #expect(throws: GuestChannel.Failure.self) { try GuestChannel.parseBlocks(["block 8 online 8"]) }
    }

    // MARK: the comparison

    static let frame = OracleView.Frame(base: [.linear: 0xffff_0000_0000_0000, .vmemmap: 0xffff_fc00_0000_0000],
                                        windows: [.linear: [0xffff_0000_4000_0000 ..< 0xffff_0000_8000_0000],
                                                  .vmemmap: [0xffff_fc00_0100_0000 ..< 0xffff_fc00_0200_0000]],
                                        mair: 0xff, linearOutputDelta: 0)

    static func view(_ leaves: [OracleView.Leaf], tables: [OracleView.Table] = []) -> OracleView {
        OracleView(leaves: leaves, tables: tables, frame: frame)
    }

    @Test func viewsMergeRunsAndCompare() {
        let va: UInt64 = 0xffff_0000_4000_0000
        let pte = { (i: UInt64, bits: UInt64) in OracleView.Leaf(va: va + i * 4096, level: 3, kind: .page, size: 4096, output: 0x8000_0000 + i * 4096, attributes: bits) }
        let normal = Self.normal | 3
        let k = Self.view((0 ..< 512).map { pte($0, normal) })
        // 512 PTEs with consecutive outputs are one run at offset 1G
        #expect(k.runs.count == 1 && k.runs[0].offset == 0x4000_0000 && k.runs[0].count == 512 && k.runs[0].output == 0x8000_0000)
        let always: (OracleView.Region, UInt64) -> Bool = { _, _ in true }
        #expect(OracleComparison.compareLeaves(step: 0, kernel: k, harness: k, comparable: always).isEmpty)
        // the harness maps the same 2M with a block: one leaf-size finding over [+1G, +1G+2M)
        let h = Self.view([.init(va: va, level: 2, kind: .block, size: 2 << 20, output: 0x8000_0000, attributes: Self.normal | 1)])
        let f = OracleComparison.compareLeaves(step: 0, kernel: k, harness: h, comparable: always)
        #expect(f.map(\.rule) == ["oracle.leaf-size"] && f[0].offset == 0x4000_0000 && f[0].classification == .mismatch)
        // one PTE without PXN: leaf-attrs over exactly that page
        var bad = (0 ..< 512).map { pte($0, normal) }
        bad[7].attributes &= ~(1 << 53)
        let g = OracleComparison.compareLeaves(step: 0, kernel: k, harness: Self.view(bad), comparable: always)
        #expect(g.map(\.rule) == ["oracle.leaf-attrs"] && g[0].offset == 0x4000_0000 + 7 * 4096)
        #expect(g[0].message.contains("PXN 1 vs 0"))
        // one output address off by a page
        var off = (0 ..< 512).map { pte($0, normal) }
        off[3].output += 4096
        #expect(OracleComparison.compareLeaves(step: 0, kernel: k, harness: Self.view(off), comparable: always).map(\.rule) == ["oracle.leaf-output"])
        // PTE_DIRTY on the kernel's side only: a known era difference, not a finding
        let dirty = Self.view((0 ..< 512).map { pte($0, normal | (1 << 55)) })
        let known = KnownEraDifference.between(kernel: "6.1", era: "v5.7")
        let e = OracleComparison.compareLeaves(step: 0, kernel: dirty, harness: k, known: known, comparable: always)
        #expect(e.map(\.rule) == ["era.pte-dirty"] && e[0].classification == .eraDifference)
        // ... and a finding when nothing explains it
        #expect(OracleComparison.compareLeaves(step: 0, kernel: dirty, harness: k, comparable: always).map(\.classification) == [.mismatch])
        // a missing half: leaf-absent over the second 1M
        let half = Self.view((0 ..< 256).map { pte($0, normal) })
        let a = OracleComparison.compareLeaves(step: 0, kernel: k, harness: half, comparable: always)
        #expect(a.map(\.rule) == ["oracle.leaf-absent"] && a[0].offset == 0x4000_0000 + (1 << 20))
    }

    @Test func tablesCompareBySpanWhereBasesAlignAlike() {
        let va: UInt64 = 0xffff_0000_4000_0000
        let t = { (pa: UInt64, i: UInt64) in OracleView.Table(level: 3, pa: pa, spanStart: va + i * (2 << 20), span: 2 << 20) }
        let k = Self.view([], tables: [t(0x10000, 0), t(0x11000, 1)])
        let h = Self.view([], tables: [t(0x20000, 0)])
        let always: (OracleView.Region, UInt64) -> Bool = { _, _ in true }
        let f = OracleComparison.compareTables(step: 1, kernel: k, harness: h, comparable: always)
        #expect(f.map(\.rule) == ["oracle.table-absent"] && f[0].offset == 0x4000_0000 + (2 << 20))
        // bases aligned differently for 2M spans: counts compared only, as an era difference
        let never: (OracleView.Region, UInt64) -> Bool = { _, _ in false }
        #expect(OracleComparison.compareTables(step: 1, kernel: k, harness: h, comparable: never).map(\.rule) == ["era.table-span"])
        // allocated and freed: kernel 2 PTE tables new since an empty view, harness 1
        let counts = OracleComparison.compareTableCounts(step: 1, kernel: k.tableChanges(since: OracleView()),
                                                         harness: h.tableChanges(since: OracleView()), comparable: always)
        #expect(counts.map(\.kernel) == ["2 allocated, 0 freed"] && counts.map(\.harness) == ["1 allocated, 0 freed"])
    }

    // MARK: the harness side

    @Test func adapterRunsTheHarnessPerMemoryBlock() throws {
        // two 128M blocks at 2G and 2G + 128M under rodata_full, removed in the other order
        let M128: UInt64 = 128 << 20
        let sc = Self.scenario([.init(op: .add, start: 0x8000_0000, size: M128), .init(op: .add, start: 0x8800_0000, size: M128),
                                .init(op: .remove, start: 0x8000_0000, size: M128), .init(op: .remove, start: 0x8800_0000, size: M128)])
        let plan = try VirtioMemPlan.make(sc)
        let side = try OracleHarnessAdapter.run(sc, plan: plan, revision: "fix2026", era: .v5_7)
        #expect(side.steps.map(\.result) == ["ok", "ok", "ok", "ok"])
        // step 0: 128M / 4K = 32768 PTEs at offset 2G - 1G = 1G, in 128M / 2M = 64 PTE tables under a new
        // PMD table (its GiB [2G, 3G) had none); the vmemmap: 32768 * 64 bytes = 2M, one PMD block
        let s0 = side.steps[0]
        let lin = s0.view.runs.filter { $0.region == .linear }
        #expect(lin.count == 1 && lin[0].offset == 1 << 30 && lin[0].count == 32768 && lin[0].size == 4096 && lin[0].output == 0x8000_0000)
        let vmm = s0.view.runs.filter { $0.region == .vmemmap }
        // the vmemmap of [2G, 2G+128M): (1G / 4K) * 64 = 16M from the base
        #expect(vmm.count == 1 && vmm[0].offset == 16 << 20 && vmm[0].size == 2 << 20 && vmm[0].level == 2)
        #expect(s0.tableChanges[.linear]?[2]?.allocated == 1 && s0.tableChanges[.linear]?[3]?.allocated == 64)
        // step 2 frees the first block's 64 PTE tables; step 3 the rest and the PMD table
        #expect(side.steps[2].tableChanges[.linear]?[3]?.freed == 64 && side.steps[2].tableChanges[.linear]?[2] == nil)
        #expect(side.steps[3].tableChanges[.linear]?[2]?.freed == 1)
        #expect(side.steps[3].view.runs.isEmpty)
    }

    // MARK: the oracle itself, where QEMU and the kernel are installed

    static let cache = packageRoot + "/tools/oracle/cache"
    static var installed: Bool {
        (try? OracleKernel.qemuBinary()) != nil && (try? OracleKernel.installed("6.1", cache: cache)) != nil
    }

    @Test(.enabled(if: OracleTests.installed,
                   "SKIPPED: QEMU or the 6.1 oracle kernel is not installed (run tools/oracle/install.sh)"),
          .timeLimit(.minutes(10)))
    func twoCyclesOnTheRealKernelAgree() throws {
        setenv("HOTREMOVE_ORACLE_CACHE", Self.cache, 1)
        let r = cli(["oracle", packageRoot + "/tools/oracle/scenarios/oracle-cycles-2.json", "--json"])
        #expect(r.code == 0, "\(r.err.suffix(2000))")
        struct J: Decodable { var agrees: Bool; var mismatches: Int; var steps: [S]; struct S: Decodable { var kernelEntries: UInt64; var kernelTables: String } }
        let j = try JSONDecoder().decode([J].self, from: Data(r.out.utf8))
        #expect(j.count == 1 && j[0].agrees && j[0].mismatches == 0)
        // each add: 512M / 4K = 131072 PTEs + 512M / 128M = 4 vmemmap PMD blocks, in 256 PTE tables and one PMD table
        #expect(j[0].steps.map(\.kernelEntries) == [131_076, 0, 131_076, 0])
        #expect(j[0].steps[0].kernelTables == "lin PMD +1, lin PTE +256")
        #expect(j[0].steps[1].kernelTables == "lin PMD -1, lin PTE -256")
    }

    @Test func oracleWithoutTheKernelSaysSo() {
        setenv("HOTREMOVE_ORACLE_CACHE", "/nonexistent/oracle-cache", 1)
        defer { unsetenv("HOTREMOVE_ORACLE_CACHE") }
        let r = cli(["oracle", packageRoot + "/tools/oracle/scenarios/oracle-cycles-2.json"])
        #expect(r.code == OracleCommand.notInstalled)
        #expect(r.err.contains("tools/oracle/install.sh"))
    }

    @Test func oracleRefusesWhatItCannotRun() {
        let r = cli(["oracle", packageRoot + "/scenarios/example.json", "--plan"])
        #expect(r.code == 3)
        #expect(r.err.contains("virtio-mem cannot express it"))
        #expect(cli(["oracle"]).code == 2)
        #expect(cli(["oracle", "--kernel", "5.10", packageRoot + "/tools/oracle/scenarios/oracle-cycles-2.json"]).code == 2)
        let plan = cli(["oracle", "--plan", packageRoot + "/tools/oracle/scenarios/oracle-partial-unplug.json"])
        #expect(plan.code == 0 && plan.out.contains("step 1: unplug [0x90000000, +128M) -> requested-size 384M"))
    }
}
