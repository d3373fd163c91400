import Foundation

/// Walkers: kernel code running at the same time as a scenario's last removal, for
/// `hotremove explore` (the model does not predict them; the explorer judges them).
///
/// ```json
/// "walkers": [
///   { "kind": "ptdump", "lock": "none" },
///   { "kind": "ptdump", "lock": "hotplug" },
///   { "kind": "vmalloc", "va": "VMALLOC_START", "size": "2M", "ops": ["map", "unmap"] }
/// ]
/// ```
extension Scenario {
    public struct Walker: Equatable, Sendable {
        public enum Kind: String, Sendable, CaseIterable { case ptdump, vmalloc }
        /// `hotplug`: get_online_mems()/put_online_mems() around the walk (upstream bf2b59f60ee1)
        public enum Lock: String, Sendable, CaseIterable { case none, hotplug }
        public enum Op: String, Sendable, CaseIterable { case map, unmap }
        public var kind: Kind
        public var lock: Lock
        /// vmalloc: the range mapped and unmapped
        public var va: UInt64
        public var size: UInt64
        public var ops: [Op]
        public init(kind: Kind, lock: Lock = .none, va: UInt64 = 0, size: UInt64 = 0, ops: [Op] = []) {
            self.kind = kind; self.lock = lock; self.va = va; self.size = size; self.ops = ops
        }
        public static func ptdump(lock: Lock) -> Walker { Walker(kind: .ptdump, lock: lock) }
        public static func vmalloc(va: UInt64, size: UInt64, ops: [Op] = [.map, .unmap]) -> Walker {
            Walker(kind: .vmalloc, va: va, size: size, ops: ops)
        }
        /// "ptdump (lock none)", "vmalloc map,unmap [0x..., +2M)"
        public var label: String {
            switch kind {
            case .ptdump: return "ptdump (lock \(lock.rawValue))"
            case .vmalloc: return "vmalloc \(ops.map(\.rawValue).joined(separator: ",")) [\(Quantity.hex(va)), +\(Quantity.human(size)))"
            }
        }
    }

    /// At most this many walkers run beside the removal (the scheduler's threads, less one).
    public static let maxWalkers = 7

    /// The walkers' form: kinds, locks and operations by name, the fields each kind takes.
    static func parseWalkers(_ r: Reader, _ geometry: Geometry) throws -> [Walker] {
        var walkers: [Walker] = []
        for (i, w) in try r.optionalArray("walkers").enumerated() {
            let path = "walkers[\(i)]"
            let kindName = try w.string("kind")
            guard let kind = Walker.Kind(rawValue: kindName) else {
                throw ScenarioError(path + ".kind", "unknown walker \"\(printable(kindName))\"; one of \(Walker.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var lock = Walker.Lock.none
            if w.has("lock") {
                let l = try w.string("lock")
                guard let ll = Walker.Lock(rawValue: l) else {
                    throw ScenarioError(path + ".lock", "unknown lock \"\(printable(l))\"; none or hotplug")
                }
                lock = ll
            }
            switch kind {
            case .ptdump:
                try w.only(["kind", "lock"])
                walkers.append(.ptdump(lock: lock))
            case .vmalloc:
                try w.only(["kind", "lock", "va", "size", "ops"])
                var ops: [Walker.Op] = [.map, .unmap]
                if w.has("ops") {
                    guard let raw = w.dict["ops"] as? [Any] else { throw ScenarioError(path + ".ops", "expected an array of \"map\", \"unmap\"") }
                    ops = try raw.enumerated().map { k, x in
                        guard let s = x as? String, let op = Walker.Op(rawValue: s) else {
                            throw ScenarioError(path + ".ops[\(k)]", "expected \"map\" or \"unmap\"")
                        }
                        return op
                    }
                }
                walkers.append(Walker(kind: .vmalloc, lock: lock, va: try w.address("va", geometry),
                                      size: try w.size("size", geometry), ops: ops))
            }
        }
        return walkers
    }

    /// The walkers' values: how many, and for vmalloc its lock, range (page multiples in the vmalloc area,
    /// clear of the neighbours and of the other walkers) and operations.
    func validateWalkers() throws {
        guard walkers.count <= Scenario.maxWalkers else {
            throw ScenarioError("walkers", "\(walkers.count) walkers: at most \(Scenario.maxWalkers)")
        }
        for (i, w) in walkers.enumerated() where w.kind == .vmalloc {
            let path = "walkers[\(i)]", va = w.va, size = w.size
            guard w.lock == .none else {
                throw ScenarioError(path + ".lock", "vmalloc takes no memory-hotplug lock (only \"none\")")
            }
            guard size > 0, size % geometry.pageSize == 0, va % geometry.pageSize == 0 else {
                throw ScenarioError(path, "va \(Quantity.hex(va)) and size \(Quantity.hex(size)) must be non-zero multiples of the \(Quantity.human(geometry.pageSize)) page")
            }
            let (end, o) = va.addingReportingOverflow(size)
            guard !o, va >= geometry.vmallocStart, end <= geometry.vmemmapStart else {
                throw ScenarioError(path + ".va", "[\(Quantity.hex(va)), +\(Quantity.human(size))) is outside the vmalloc area and the gap below vmemmap [\(Quantity.hex(geometry.vmallocStart)), \(Quantity.hex(geometry.vmemmapStart)))")
            }
            guard size <= 1 << 30 else {
                throw ScenarioError(path + ".size", "\(Quantity.human(size)): a vmalloc walker maps at most 1G")
            }
            for (j, n) in neighbours.enumerated() where va < n.va + n.size && n.va < end {
                throw ScenarioError(path + ".va", "[\(Quantity.hex(va)), +\(Quantity.human(size))) overlaps neighbours[\(j)]")
            }
            for (j, x) in walkers.prefix(i).enumerated() where x.kind == .vmalloc && va < x.va + x.size && x.va < end {
                throw ScenarioError(path + ".va", "[\(Quantity.hex(va)), +\(Quantity.human(size))) overlaps walkers[\(j)]")
            }
            guard w.ops == [.map] || w.ops == [.map, .unmap] else {
                throw ScenarioError(path + ".ops", "[\(w.ops.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))]: [\"map\"] or [\"map\", \"unmap\"] (the walker unmaps what it mapped)")
            }
        }
    }

    func walkersJSON() -> [[String: Any]] {
        walkers.map { w in
            switch w.kind {
            case .ptdump: return ["kind": "ptdump", "lock": w.lock.rawValue]
            case .vmalloc: return ["kind": "vmalloc", "va": Quantity.hex(w.va), "size": Quantity.hex(w.size), "ops": w.ops.map(\.rawValue)]
            }
        }
    }
}
