
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The kernel page tables in the style of arm64's
/// /sys/kernel/debug/kernel_page_tables (arch/arm64/mm/dump.c, v5.7): one line
/// per run of like entries (VA range, size, level, attributes), regions
/// introduced by markers.  Like the kernel, lines ignore output addresses.
public enum PageTableDump {
    package struct Line { var start: UInt64; var end: UInt64; var level: String; var attrs: UInt64; var kind: RunKind }

    package static func levelName(_ r: ObservedRun, _ g: Geometry) -> String {
        // the innermost kernel level whose entry maps this size (folded levels share sizes)
        for l in [Level.pte, .pmd, .pud, .pgd] where g.entrySize(l) == r.entrySize { return l.description }
        return r.level.description
    }

    package static func protString(_ d: UInt64, kind: RunKind) -> String {
        if kind == .invalid { return "F (invalid, non-zero: 0x\(String(d, radix: 16)))" }
        func bit(_ n: UInt64, _ set: String, _ clear: String) -> String { d & (1 << n) != 0 ? set : clear }
        var parts = [
            bit(0, " ", "F"), bit(6, "USR", "   "), bit(7, "ro", "RW"), bit(53, "NX", "x "),
            (d >> 8) & 3 == 3 ? "SHD" : "   ", bit(10, "AF", "  "), bit(11, "NG", "  "),
            bit(52, "CON", "   "), bit(1, "   ", "BLK"), bit(54, "UXN", "   "),
        ]
        let mt = ["DEVICE/nGnRnE", "DEVICE/nGnRE", "DEVICE/GRE", "MEM/NORMAL-NC", "MEM/NORMAL", "MEM/NORMAL-WT"]
        let idx = Int((d >> 2) & 7)
        parts.append(idx < mt.count ? mt[idx] : "ATTR\(idx)")
        return parts.joined(separator: " ")
    }

    package static func sizeString(_ bytes: UInt64) -> String {
        var delta = bytes >> 10
        var unit = Array("KMGTPE")[...]
        while delta & 1023 == 0 && unit.count > 1 && delta > 0 {
            delta >>= 10
            unit = unit.dropFirst()
        }
        let n = String(delta)
        return String(repeating: " ", count: max(0, 9 - n.count)) + n + String(unit.first!)
    }

    package static func hex16(_ v: UInt64) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - h.count) + h
    }

    public static func render(_ state: ObservedState, geometry g: Geometry) -> String {
        let markers: [(UInt64, String)] = [
            (g.pageOffset, "Linear Mapping start"), (g.pageEnd, "Linear Mapping end"),
            (g.vmallocStart, "vmalloc() area"), (g.vmallocEnd, "vmalloc() end"),
            (g.vmemmapStart, "vmemmap start"), (g.vmemmapEnd, "vmemmap end"),
        ]
        var lines: [Line] = []
        for r in state.runs.sorted(by: { $0.va < $1.va }) {
            let name = levelName(r, g)
            if var last = lines.last, last.end == r.va, last.level == name, last.attrs == r.attrs, last.kind == r.kind,
               !markers.contains(where: { $0.0 == r.va }) {
                last.end = r.end
                lines[lines.count - 1] = last
            } else {
                lines.append(Line(start: r.va, end: r.end, level: name, attrs: r.attrs, kind: r.kind))
            }
        }
        var out = ""
        var mi = 0
        for l in lines {
            while mi < markers.count && markers[mi].0 <= l.start {
                out += "---[ \(markers[mi].1) ]---\n"
                mi += 1
            }
            out += "\(hex16(l.start))-\(hex16(l.end))   \(sizeString(l.end &- l.start)) \(l.level)   \(protString(l.attrs, kind: l.kind))\n"
        }
        while mi < markers.count {
            out += "---[ \(markers[mi].1) ]---\n"
            mi += 1
        }
        return out
    }

    /// Table pages per level, for the summary under a dump.
    public static func tableSummary(_ state: ObservedState) -> String {
        let byLevel = Dictionary(grouping: state.tables, by: \.level)
        return Level.allCases.compactMap { l in
            byLevel[l].map { "\(l) \($0.count)" }
        }.joined(separator: ", ")
    }
}
