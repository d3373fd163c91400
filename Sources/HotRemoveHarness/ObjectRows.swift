// The objects an execution's accesses touch (SchedEvent.keys), numbered 0, 1, ... in order of first
// touch, so that the search's per-object tables are arrays indexed by that number: a schedule of a 64 MiB
// walker makes some 600,000 accesses, and hashing each key into a Dictionary twice per access was most of
// what a schedule cost beyond running it.

/// Per access: the rows of the (at most two) objects it touches and whether it writes each.
package struct ObjectRows {
    /// rows[2 * j], rows[2 * j + 1]: the objects of event j, -1 where it touches fewer
    package var rows: [Int32]
    /// bit 0: event j writes its first object; bit 1: its second
    package var writes: [UInt8]
    /// each row's key, in row order
    package var keys: [UInt64] = []

    package init(_ events: [SchedEvent]) {
        rows = [Int32](repeating: -1, count: events.count * 2)
        writes = [UInt8](repeating: 0, count: events.count)
        var table = KeyTable()
        for (j, e) in events.enumerated() where e.obj != SchedEvent.objNone {
            var n = 0
            e.forEachKey { key, write in
                let r = table.row(of: key, next: Int32(keys.count))
                if Int(r) == keys.count { keys.append(key) }
                rows[2 * j + n] = r
                if write { writes[j] |= 1 << UInt8(n) }
                n += 1
            }
        }
    }

    package var count: Int { keys.count }
}

/// An open-addressing table from a 64-bit key to its row, with a multiplicative hash: the keys are
/// physical addresses and page numbers, spread enough for it.
private struct KeyTable {
    private var keys = [UInt64](repeating: 0, count: 1024)
    private var rows = [Int32](repeating: -1, count: 1024)
    private var used = 0

    /// The key's row, or `next` (recorded as its row) when it is new.
    mutating func row(of key: UInt64, next: Int32) -> Int32 {
        if used * 2 >= rows.count { grow() }
        let mask = rows.count - 1
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while rows[i] >= 0 {
            if keys[i] == key { return rows[i] }
            i = (i + 1) & mask
        }
        keys[i] = key
        rows[i] = next
        used += 1
        return next
    }

    private mutating func grow() {
        let (oldKeys, oldRows) = (keys, rows)
        keys = [UInt64](repeating: 0, count: oldRows.count * 2)
        rows = [Int32](repeating: -1, count: oldRows.count * 2)
        used = 0
        for i in oldRows.indices where oldRows[i] >= 0 { _ = row(of: oldKeys[i], next: oldRows[i]) }
    }
}
