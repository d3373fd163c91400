// The ordering rules on an entry cleared: from here until an invalidation reaches it and a dsb(ish) completes
// that invalidation, the MMU may still use it.  A cleared table entry is a walk-cache copy to drop and a table
// page that may not be freed yet; a cleared leaf is a translation to drop and, outside the linear map, a
// backing page that may not be freed yet.

import HotRemoveModel
import HotRemoveScenario

extension OrderingJudge {
    mutating func clear(_ i: Int, _ e: ObservedEvent) {
        guard e.b != 0, e.b & Descriptor.valid != 0, let t = table(at: e.a) else { return }
        let first = lay.off(t.vaStart &+ (e.a - t.pa) / 8 &* t.entrySize)
        guard first &+ e.count &* t.entrySize > first else { return }
        let span = first ..< first + e.count * t.entrySize
        switch Descriptor.kind(e.b, lastLevel: t.level == .pte) {
        case .table:
            walk.clear(span, size: t.entrySize)
            for k in 0 ..< e.count {
                let s = first + k * t.entrySize
                unhooked[(e.b & oaMask) &+ k &* t.entrySize] = (s ..< s + t.entrySize, t.entrySize, (i, e))
            }
        case .page, .block:
            if e.b & Descriptor.cont != 0, let cs = contSize(t.entrySize) {
                clearContiguous(span, cs, entrySize: t.entrySize, event: (i, e))
            } else {
                leaf.clear(span, size: t.entrySize)
            }
            guard !linear.overlaps(span) else { return }
            for k in 0 ..< e.count {
                let s = first + k * t.entrySize
                let pa = (e.b & oaMask) &+ k &* t.entrySize
                clearedData[pa] = ClearedLeaf(va: s ..< s + t.entrySize, size: t.entrySize, level: t.level, event: (i, e))
                lastClearedData = clearedData[pa]
            }
        default:
            return
        }
    }
}
