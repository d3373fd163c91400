import Foundation

/// A Debian arm64 kernel that tools/oracle/install.sh put in the cache: its Image, the initramfs
/// built for it, and what the oracle must know of its layout.
package struct OracleKernel: Sendable {
    /// "6.1" (Debian 12) or "6.12" (bookworm-backports)
    package var name: String
    package var release: String
    package var package: String
    package var image: String
    package var initrd: String
    package var config: String

    /// The kernel's layout for 4 KiB pages when the CPU has no LPA2 (48-bit VAs, four levels),
    /// as its arch/arm64/include/asm/memory.h builds it:
    /// 6.1 (CONFIG_ARM64_VA_BITS=48): PAGE_OFFSET = -(1 << 48), VMEMMAP_START = -(1 << (VA_BITS -
    ///   VMEMMAP_SHIFT)) = 0xfffffc0000000000 with VMEMMAP_SHIFT = PAGE_SHIFT - STRUCT_PAGE_MAX_SHIFT = 6;
    /// 6.12 (CONFIG_ARM64_VA_BITS=52 running with vabits_actual 48): PAGE_OFFSET = -(1 << 52), and
    ///   arm64_memblock_init() lowers memstart_addr by _PAGE_OFFSET(48) - _PAGE_OFFSET(52) so that the
    ///   linear map lands in the 48-bit half; VMEMMAP_END = -SZ_1G, VMEMMAP_START = VMEMMAP_END -
    ///   VMEMMAP_SIZE, VMEMMAP_SIZE = ((_PAGE_END(48) - PAGE_OFFSET) >> PAGE_SHIFT) * 64.
    /// `vmemmap = VMEMMAP_START - (memstart_addr >> PAGE_SHIFT)` in both.  The oracle boots with
    /// `nokaslr`, so memstart_addr is the start of DRAM rounded down to ARM64_MEMSTART_ALIGN (1 GiB).
    /// The boot walk checks these figures against the tables (`OracleRun.checkLayout`).
    package struct Layout: Equatable, Sendable {
        /// the VA the linear map gives the physical address `memstart` (the start of DRAM here)
        package var linearVAOfMemstart: UInt64
        /// the VA of memstart's struct page in the vmemmap
        package var vmemmapVAOfMemstart: UInt64
        package var structPageSize: UInt64 = 64
        /// kernel arguments under which can_set_direct_map() is false, so that arch_add_memory()
        /// maps with blocks and contiguous ranges (a scenario's `rodataFull: false`).  rodata=on:
        /// arch_parse_debug_rodata() takes "full", "on" (rodata_full off) and "off" in both kernels
        /// (later kernels renamed them "on" and "noalias").  6.12 also needs KFENCE initialised
        /// early: can_set_direct_map() is true while arm64_kfence_can_set_direct_map() is, i.e.
        /// while !kfence_early_init, which its CONFIG_KFENCE_SAMPLE_INTERVAL=0 leaves so; a non-zero
        /// kfence.sample_interval gives KFENCE an early pool mapped page by page on its own.
        package var blockMappingArguments: String
    }

    package var layout: Layout {
        switch name {
        case "6.12":
            return Layout(linearVAOfMemstart: 0xffff_0000_0000_0000, vmemmapVAOfMemstart: 0xffff_fdff_c000_0000,
                          blockMappingArguments: "rodata=on kfence.sample_interval=1000")
        default:
            return Layout(linearVAOfMemstart: 0xffff_0000_0000_0000, vmemmapVAOfMemstart: 0xffff_fc00_0000_0000,
                          blockMappingArguments: "rodata=on")
        }
    }

    package static let names = ["6.1", "6.12"]

    /// The cache: $HOTREMOVE_ORACLE_CACHE, else tools/oracle/cache under the current directory
    /// (the package root, where `swift run` and `swift test` run).
    package static func cacheDirectory() -> String {
        if let c = ProcessInfo.processInfo.environment["HOTREMOVE_ORACLE_CACHE"], !c.isEmpty { return c }
        return FileManager.default.currentDirectoryPath + "/tools/oracle/cache"
    }

    package struct Missing: Error, CustomStringConvertible { package let description: String }

    /// The installed kernel `name`, or why it is not there.
    package static func installed(_ name: String, cache: String = cacheDirectory()) throws -> OracleKernel {
        guard names.contains(name) else {
            throw Missing(description: "unknown oracle kernel \"\(name)\"; one of \(names.joined(separator: ", "))")
        }
        let dir = cache + "/" + name
        func file(_ f: String) throws -> String {
            let p = dir + "/" + f
            guard FileManager.default.isReadableFile(atPath: p) else {
                throw Missing(description: "kernel \(name) is not installed (\(p) missing): run tools/oracle/install.sh")
            }
            return p
        }
        func text(_ f: String) throws -> String {
            (try String(contentsOfFile: try file(f), encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return OracleKernel(name: name, release: try text("release"), package: try text("package"),
                            image: try file("Image"), initrd: try file("initrd.img"), config: try file("config"))
    }

    /// qemu-system-aarch64 on PATH, or why not.
    package static func qemuBinary() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = "\(dir)/qemu-system-aarch64"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw Missing(description: "qemu-system-aarch64 is not installed: run tools/oracle/install.sh")
    }
}
