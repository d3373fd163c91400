// The ordering rules on a descriptor written: where it is written (writeOutsideTable), what a live entry may
// not change in place (breakBeforeMake), and what the write changes in the judge's picture of the tables.

import HotRemoveModel
import HotRemoveScenario

extension OrderingJudge {
    /// A set or rewrite of the step's own.
    mutating func write(_ i: Int, _ e: ObservedEvent) {
        guard let t = table(at: e.a) else { strayWrite(i, e); return }
        let kind = Descriptor.kind(e.b, lastLevel: t.level == .pte)
        if e.kind == .replace && e.db & Descriptor.valid != 0 && e.b & Descriptor.valid != 0 {
            // break-before-make: what a live entry may not change in place
            let must = oaMask | Descriptor.typeMask | Descriptor.cont
            if (e.db ^ e.b) & must != 0 {
                let va = t.vaStart &+ (e.a - t.pa) / 8 &* t.entrySize
                finding(.breakBeforeMake, level: t.level, va: va,
                        expected: "clear, invalidate, then write the new entry",
                        found: describe((i, e)),
                        "the \(t.level) entry for \(Quantity.hex(va)) went from \(Quantity.hex(e.db)) to \(Quantity.hex(e.b)) while valid: the TLB may hold both translations at once")
            }
        }
        if kind == .page || kind == .block, e.b & Descriptor.cont != 0, let cs = contSize(t.entrySize) {
            let first = lay.off(t.vaStart &+ (e.a - t.pa) / 8 &* t.entrySize)
            OrderingJudge.contRanges(first ..< first + e.count * t.entrySize, cs) { r, part in
                contLive[r.lowerBound] = live(r, size: t.entrySize) + Int64(UInt64(part.count) / t.entrySize)
            }
        }
        // a table installed during the step (an add, or the add a failed add rolls back)
        guard t.level != .pte, kind == .table else { return }
        for k in 0 ..< e.count {
            install(table: e.b & oaMask, below: t, va: t.vaStart &+ ((e.a - t.pa) / 8 + k) &* t.entrySize)
        }
    }

    /// A descriptor written into a page that is no page-table page the judge knows: say whose page it is.
    mutating func strayWrite(_ i: Int, _ e: ObservedEvent) {
        let why = liveLeafMapping(e.a).map { va -> String in
            guard va >= g.vmemmapStart && va < g.vmemmapEnd else { return "the output page of the leaf for \(Quantity.hex(va)) (a data page)" }
            let page = "into memmap page \(Quantity.hex(va)) (the output of the vmemmap leaf that maps it)"
            guard let memory else { return page }
            return "\(page): \(memory.describeMemmapPage(va, word: va + e.a % g.pageSize, lay))"
        } ?? "no page-table page reachable from swapper_pg_dir or installed in this step"
        finding(.writeOutsideTable, level: nil, va: nil,
                expected: "a descriptor written into a live page-table page", found: describe((i, e)),
                "a descriptor was written at pa \(Quantity.hex(e.a)), \(why)")
    }

    /// Another thread's write: what it changes in the tables (a table installed, a contiguous range's valid
    /// entries, a non-linear leaf mapped or unmapped), nothing judged.
    mutating func otherThreadWrite(_ e: ObservedEvent) {
        guard e.kind == .set || e.kind == .replace || e.kind == .clear,
              let t = tables[alignDown(e.a, g.pageSize)] else { return }
        for k in 0 ..< max(e.count, 1) {
            switch e.kind {
            case .clear: otherThreadChange(e.b, entry: e.a, k: k, of: t, adds: false)
            case .replace: otherThreadChange(e.db, entry: e.a, k: k, of: t, adds: false); otherThreadChange(e.b, entry: e.a, k: k, of: t, adds: true)
            default: otherThreadChange(e.b, entry: e.a, k: k, of: t, adds: true)
            }
        }
    }

    /// Entry k of a record at `entry` in table `t` held `value` before it (`adds` false) or holds it after.
    private mutating func otherThreadChange(_ value: UInt64, entry: UInt64, k: UInt64, of t: TableInfo, adds: Bool) {
        guard value != 0, value & Descriptor.valid != 0 else { return }
        let va = t.vaStart &+ ((entry - t.pa) / 8 + k) &* t.entrySize
        let output = (value & oaMask) &+ k &* t.entrySize
        let kind = Descriptor.kind(value, lastLevel: t.level == .pte)
        if adds, t.level != .pte, kind == .table { install(table: output, below: t, va: va) }
        guard kind == .page || kind == .block else { return }
        if value & Descriptor.cont != 0, let cs = contSize(t.entrySize) {
            let first = lay.off(va)
            OrderingJudge.contRanges(first ..< first + t.entrySize, cs) { r, _ in
                contLive[r.lowerBound] = live(r, size: t.entrySize) + (adds ? 1 : -1)
            }
        }
        if !linear.contains(lay.off(va)) { otherThreadLeaves[output] = (va, t.entrySize, adds) }
    }
}
