import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// One QEMU `virt` machine running an oracle kernel: TCG, one CPU (`-cpu max,lpa2=off`: 48-bit VAs,
/// four levels), the scenario's boot memory as RAM, one virtio-mem device over the device-memory
/// region, the guest's command channel on a virtio console, QMP and the gdb stub on Unix sockets
/// in a private directory.  The kernel's console goes to `serial.log` there.
package final class OracleMachine {
    package struct Failure: Error, CustomStringConvertible { package let description: String }

    package let kernel: OracleKernel
    package let plan: VirtioMemPlan
    package let directory: String
    private let process: Process
    private let lifeline: Pipe
    private let qmp: QMPClient
    package let channel: GuestChannel
    /// the register numbers of TTBR1_EL1 and MAIR_EL1 in the stub's target description
    private var registerNumbers: (ttbr1: Int, mair: Int)?
    package static let device = "/machine/peripheral/vm0"
    /// seconds each phase took, for the cost figures
    private(set) var timings: [String: [Double]] = [:]

    package func record(_ phase: String, since start: Date) {
        timings[phase, default: []].append(Date().timeIntervalSince(start))
    }

    package init(kernel: OracleKernel, plan: VirtioMemPlan, bootTimeout: Double = 120) throws {
        self.kernel = kernel
        self.plan = plan
        let qemu = try OracleKernel.qemuBinary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-oracle-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        directory = dir
        let mib: UInt64 = 1 << 20
        let mapping = plan.rodataFull ? "rodata=full" : kernel.layout.blockMappingArguments
        let args = [
            "-nodefaults", "-no-reboot", "-display", "none",
            "-M", "virt", "-cpu", "max,lpa2=off", "-smp", "1", "-accel", "tcg",
            "-m", "\(plan.bootSize / mib)M,slots=1,maxmem=\(plan.maxMemory / mib)M",
            "-kernel", kernel.image, "-initrd", kernel.initrd,
            "-append", "console=ttyAMA0 panic=-1 nokaslr \(mapping) loglevel=4",
            "-object", "memory-backend-ram,id=vmem0,size=\(plan.regionSize / mib)M",
            "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0,romfile=",
            "-device", "virtio-serial-pci,romfile=",
            "-chardev", "socket,id=ch0,path=\(dir)/channel,server=on,wait=off",
            "-device", "virtconsole,chardev=ch0",
            "-qmp", "unix:\(dir)/qmp,server=on,wait=off",
            "-gdb", "unix:\(dir)/gdb,server=on,wait=off",
            "-serial", "file:\(dir)/serial.log",
        ]
        // QEMU runs under a shell that kills it when the pipe from this process closes: at
        // shutdown, and when this process dies without one (a crash must not leave a guest
        // behind).  The shell never waits for QEMU: a test runner may start it with SIGCHLD
        // blocked, and `wait` would then never return.  (An asynchronous list's standard input
        // is /dev/null unless redirected: QEMU gets it explicitly, cat the pipe.)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "\"$0\" \"$@\" </dev/null & q=$!; cat >/dev/null; kill $q 2>/dev/null", qemu] + args
        let lifeline = Pipe()
        p.standardInput = lifeline
        self.lifeline = lifeline
        let errLog = FileManager.default.createFile(atPath: dir + "/qemu.log", contents: nil)
            ? FileHandle(forWritingAtPath: dir + "/qemu.log") : nil
        p.standardOutput = errLog ?? FileHandle.nullDevice
        p.standardError = errLog ?? FileHandle.nullDevice
        let start = Date()
        do { try p.run() } catch {
            throw Failure(description: "cannot start \(qemu): \(error)")
        }
        process = p
        do {
            qmp = try QMPClient(path: dir + "/qmp")
            channel = try GuestChannel(path: dir + "/channel", bootTimeout: bootTimeout)
        } catch {
            let log = (try? String(contentsOfFile: dir + "/qemu.log", encoding: .utf8)) ?? ""
            let serial = (try? String(contentsOfFile: dir + "/serial.log", encoding: .utf8)) ?? ""
            try? lifeline.fileHandleForWriting.close()
            p.waitUntilExit()
            throw Failure(description: "QEMU with \(kernel.name): \(error)\n\(log.suffix(800))\n\(serial.suffix(1500))")
        }
        record("boot", since: start)
        let base = try qmp.get(Self.device, "memaddr")
        guard base == plan.regionBase else {
            throw Failure(description: "QEMU placed the virtio-mem device at \(Quantity.hex(base)), the plan expected \(Quantity.hex(plan.regionBase))")
        }
    }

    deinit { shutdown() }

    private var down = false
    package func shutdown() {
        guard !down else { return }
        down = true
        qmp.quit()
        // closing the lifeline ends the shell, and QEMU with it if `quit` did not
        try? lifeline.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The serial log (the kernel's messages), for errors.
    package var serialLog: String { (try? String(contentsOfFile: directory + "/serial.log", encoding: .utf8)) ?? "" }

    // MARK: steps

    /// Plugs up to `requestedSize`; returns when the new memory blocks are in sysfs (each appears
    /// after arch_add_memory() has returned) and online.
    package func plug(range: Range<UInt64>, requestedSize: UInt64, timeout: Double = 120) throws {
        let start = Date()
        try qmp.set(Self.device, "requested-size", requestedSize)
        let want = blockNumbers(range)
        let deadline = Date().addingTimeInterval(timeout)
        var polls = 0
        while true {
            // QMP first: asking the guest costs more than asking QEMU
            let size = try qmp.get(Self.device, "size")
            if size == requestedSize {
                let present = Set(try channel.memoryBlocks().blocks.map(\.number))
                if want.isSubset(of: present) { break }
            } else if polls % 20 == 19 {
                // with more than 1 GiB offline, virtio-mem waits for memory to be onlined
                try online(want)
            }
            if Date() > deadline {
                throw Failure(description: "plug of [\(Quantity.hex(range.lowerBound)), \(Quantity.hex(range.upperBound))) did not complete in \(Int(timeout)) s (size \(Quantity.human(size)) of \(Quantity.human(requestedSize)))")
            }
            polls += 1
            usleep(20_000)
        }
        record("plug", since: start)
        let onl = Date()
        try online(want)
        record("online", since: onl)
        let (_, blocks) = try channel.memoryBlocks()
        let plugged = Set(blocks.map(\.number).filter { UInt64($0) * VirtioMemPlan.blockSize >= plan.regionBase })
        let expected = plugged.filter { want.contains($0) }
        guard expected == want else {
            throw Failure(description: "virtio-mem plugged blocks \(plugged.sorted()), the plan expected \(want.sorted())")
        }
    }

    /// Onlines those of `blocks` that are there and offline (only the step's own: a block the
    /// scenario offlined earlier stays offline).
    private func online(_ blocks: Set<Int>) throws {
        for b in try channel.memoryBlocks().blocks where blocks.contains(b.number) && !b.online {
            try channel.run("online \(b.number)")
        }
    }

    /// Offlines the memory blocks of `range` through sysfs.
    package func offline(range: Range<UInt64>) throws {
        let start = Date()
        for b in blockNumbers(range).sorted() { try channel.run("offline \(b)") }
        record("offline", since: start)
    }

    /// Offlines `range` and unplugs down to `requestedSize`; returns when /proc/iomem no longer
    /// lists the range (release_mem_region_adjustable() runs after arch_remove_memory()).
    package func unplug(range: Range<UInt64>, requestedSize: UInt64, timeout: Double = 120) throws {
        try offline(range: range)
        let start = Date()
        try qmp.set(Self.device, "requested-size", requestedSize)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let size = try qmp.get(Self.device, "size")
            if try size == requestedSize && !OracleMachine.iomemListsRAM(channel.run("iomem"), overlapping: range) { break }
            if Date() > deadline {
                throw Failure(description: "unplug of [\(Quantity.hex(range.lowerBound)), \(Quantity.hex(range.upperBound))) did not complete in \(Int(timeout)) s")
            }
            usleep(20_000)
        }
        record("unplug", since: start)
    }

    private func blockNumbers(_ r: Range<UInt64>) -> Set<Int> {
        Set(stride(from: r.lowerBound, to: r.upperBound, by: Int(VirtioMemPlan.blockSize)).map { Int($0 / VirtioMemPlan.blockSize) })
    }

    /// Does /proc/iomem list "System RAM (virtio_mem)" overlapping `range`?
    package static func iomemListsRAM(_ lines: [String], overlapping range: Range<UInt64>) -> Bool {
        for l in lines where l.contains("System RAM") {
            let parts = l.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard let span = parts.first else { continue }
            let ends = span.split(separator: "-")
            guard ends.count == 2, let a = UInt64(ends[0], radix: 16), let b = UInt64(ends[1], radix: 16) else { continue }
            if a < range.upperBound && b >= range.lowerBound { return true }
        }
        return false
    }

    // MARK: tables

    package struct TableRead {
        package var walk: PageTableWalker.Walk
        package var ttbr1: UInt64
        package var mair: UInt64
        package var seconds: Double
        package var packets: Int
    }

    /// Stops the guest through the gdb stub, reads TTBR1_EL1 and MAIR_EL1, walks the tables under
    /// TTBR1 that meet `windows` in physical-memory mode, and lets the guest run again.
    package func readTables(windows: [Range<UInt64>]) throws -> TableRead {
        let start = Date()
        let gdb = try GDBRemote(path: directory + "/gdb")
        defer { gdb.detach() }
        // QEMU answers `p` only on a connection that has read the target description (gdb_has_xml)
        let target = try gdb.features("target.xml")
        if registerNumbers == nil {
            let docs = try GDBTargetDescription.includes(target).map { try gdb.features($0) }
            let td = GDBTargetDescription(documents: docs)
            guard let t = td.number(of: "TTBR1_EL1"), let m = td.number(of: "MAIR_EL1") else {
                throw Failure(description: "QEMU's gdb stub does not describe TTBR1_EL1 and MAIR_EL1")
            }
            registerNumbers = (t, m)
        }
        let ttbr1 = try gdb.register(registerNumbers!.ttbr1)
        let mair = try gdb.register(registerNumbers!.mair)
        try gdb.usePhysicalMemory()
        struct Memory: PhysicalMemory {
            package let gdb: GDBRemote
            package func tablePage(at pa: UInt64) throws -> [UInt64] {
                let bytes = try gdb.read(pa, 4096)
                return (0 ..< 512).map { i in GDBPacket.littleEndian(Array(bytes[(8 * i) ..< (8 * i + 8)])) }
            }
        }
        let walk = try PageTableWalker.walk(root: PageTableWalker.tableBase(ttbr: ttbr1), memory: Memory(gdb: gdb), windows: windows)
        record("read tables", since: start)
        return TableRead(walk: walk, ttbr1: ttbr1, mair: mair, seconds: Date().timeIntervalSince(start), packets: gdb.packets)
    }
}
