// Leaves grouped by how they look (table level, entry size, kind, attributes
// and, when asked, output-address offset), each group a set of VAs.  Two
// mappings are the same iff their groups are; the harness may split runs
// wherever it likes (table boundaries, unknown PAs) without that mattering.

import HotRemoveModel
import HotRemoveScenario

struct LeafKey: Hashable, Comparable, Sendable {
    var level: Level
    var size: UInt64
    var kind: RunKind
    var attrs: UInt64
    /// pa - va of the leaves, when the comparison includes output addresses (else 0)
    var delta: UInt64 = 0

    static func < (a: LeafKey, b: LeafKey) -> Bool {
        (a.level, a.size, a.kind.rawValue, a.attrs, a.delta) < (b.level, b.size, b.kind.rawValue, b.attrs, b.delta)
    }

    func describe() -> String {
        "\(level) \(kind)s of \(Quantity.human(size)) \(Descriptor.describe(attrs))"
    }
}

struct LeafIndex: Sendable {
    /// kernel offsets per key
    var groups: [LeafKey: IntervalSet] = [:]

    init() {}

    /// Observed runs (VAs below PAGE_OFFSET, which the kernel half cannot hold, are ignored).
    init(_ runs: [ObservedRun], _ lay: Layout, withPA: Bool = false) {
        for r in runs where r.va >= lay.g.pageOffset {
            let key = LeafKey(level: r.level, size: r.entrySize, kind: r.kind, attrs: r.attrs, delta: withPA ? r.pa &- r.va : 0)
            let start = lay.off(r.va)
            groups[key, default: IntervalSet()].append(start ..< start + r.count * r.entrySize)
        }
    }

    /// The observed runs' leaves inside `window` (kernel offsets, each range aligned to every leaf's size,
    /// so that no leaf is cut).
    init(_ runs: [ObservedRun], _ lay: Layout, withPA: Bool = false, within window: IntervalSet) {
        let w = window.ranges
        for r in runs where r.va >= lay.g.pageOffset {
            let start = lay.off(r.va), end = start + r.count * r.entrySize
            // the first window range ending after the run's start
            var lo = 0, hi = w.count
            while lo < hi { let mid = (lo + hi) / 2; if w[mid].upperBound <= start { lo = mid + 1 } else { hi = mid } }
            while lo < w.count && w[lo].lowerBound < end {
                let key = LeafKey(level: r.level, size: r.entrySize, kind: r.kind, attrs: r.attrs,
                                  delta: withPA ? r.pa &- r.va : 0)
                groups[key, default: IntervalSet()].insert(max(start, w[lo].lowerBound) ..< min(end, w[lo].upperBound))
                lo += 1
            }
        }
    }

    /// Where the leaves of two observed states differ (kernel offsets), rounded out to the largest leaf
    /// either has: outside it both hold the very same leaves.  Runs are compared whole, so a run split
    /// differently but mapping the same leaves only makes the region larger.
    static func changedRegion(_ a: [ObservedRun], _ b: [ObservedRun], _ lay: Layout) -> IntervalSet {
        var changed = IntervalSet()
        var largest: UInt64 = 1
        func mark(_ r: ObservedRun) {
            largest = max(largest, r.entrySize)
            guard r.va >= lay.g.pageOffset else { return }
            changed.insert(lay.off(r.va) ..< lay.off(r.end))
        }
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { largest = max(largest, a[i].entrySize); i += 1; j += 1; continue }
            if a[i].va <= b[j].va { mark(a[i]); i += 1 }
            else { mark(b[j]); j += 1 }
        }
        while i < a.count { mark(a[i]); i += 1 }
        while j < b.count { mark(b[j]); j += 1 }
        return changed.roundedOut(to: largest)
    }

    init(_ map: LeafMap) {
        for r in map.runs {
            let key = LeafKey(level: r.level, size: r.size, kind: r.kind, attrs: r.attrs)
            groups[key, default: IntervalSet()].append(r.range)
        }
    }

    var keys: [LeafKey] { groups.keys.sorted() }

    func set(_ k: LeafKey) -> IntervalSet { groups[k] ?? IntervalSet() }

    /// Every mapped VA.
    var coverage: IntervalSet {
        groups.values.reduce(IntervalSet()) { $0.union($1) }
    }

    /// The groups present inside `window`, clipped to it.
    func content(in window: Range<UInt64>) -> [(LeafKey, IntervalSet)] {
        keys.compactMap { k in
            let s = set(k).clipped(to: window)
            return s.isEmpty ? nil : (k, s)
        }
    }

    /// Each group's set replaced by `transform` of it, empty groups dropped.
    private func mapGroups(_ transform: (LeafKey, IntervalSet) -> IntervalSet) -> LeafIndex {
        var out = LeafIndex()
        for (k, s) in groups {
            let x = transform(k, s)
            if !x.isEmpty { out.groups[k] = x }
        }
        return out
    }

    /// The leaves lying wholly inside `r`, per group.
    func wholly(inside r: IntervalSet) -> LeafIndex {
        mapGroups { k, s in s.intersection(r.roundedIn(to: k.size)) }
    }

    /// Everything except the leaves lying wholly inside `r`.
    func removing(whollyInside r: IntervalSet) -> LeafIndex {
        mapGroups { k, s in s.subtracting(r.roundedIn(to: k.size)) }
    }

    /// Per group, what this index has and `other` lacks.
    func subtracting(_ other: LeafIndex) -> LeafIndex {
        mapGroups { k, s in s.subtracting(other.set(k)) }
    }

    var isEmpty: Bool { groups.isEmpty }
    var entryCount: UInt64 { groups.reduce(0) { $0 + $1.value.measure / $1.key.size } }

    /// A short account of what is mapped in `window`: "PMD blocks of 2M PROT_SECT_NORMAL x8 at 0x..".
    func describe(_ window: Range<UInt64>, _ lay: Layout) -> String {
        let c = content(in: window)
        if c.isEmpty { return "nothing mapped" }
        return c.map { k, s in
            let first = s.ranges[0].lowerBound
            return "\(k.describe()) x\(ceilDiv(s.measure, k.size)) from \(lay.hexVA(first))"
        }.joined(separator: "; ")
    }
}
