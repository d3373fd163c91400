import Foundation

/// A scenario, format v1: a machine (geometry, era parameters, boot memory,
/// configuration), neighbour mappings in the vmalloc area, and a sequence of
/// memory-hotplug operations.  Parsing is strict: an unknown field, a bad
/// value or a missing one is an error naming the field and the reason.
public struct Scenario: Equatable, Sendable {
    public static let formatVersion = 1

    public enum Op: String, Sendable, CaseIterable { case add, remove, offline }
    public enum MemoryKind: String, Sendable { case ram, device }

    public struct Altmap: Equatable, Sendable {
        public var reserve: UInt64
        /// pages the memmap may take; nil: the whole range after `reserve`
        public var free: UInt64?
        public init(reserve: UInt64 = 0, free: UInt64? = nil) { self.reserve = reserve; self.free = free }
    }

    public struct Step: Equatable, Sendable {
        public var op: Op
        public var start: UInt64
        public var size: UInt64
        public var kind: MemoryKind
        public var altmap: Altmap?
        /// `__add_pages()` fails before touching any section (arch_add_memory's failure path)
        public var failAddPages: Bool
        /// the Nth page allocation of this step fails (1 = the first)
        public var failAllocation: Int?
        public init(op: Op, start: UInt64, size: UInt64, kind: MemoryKind = .ram, altmap: Altmap? = nil,
                    failAddPages: Bool = false, failAllocation: Int? = nil) {
            self.op = op; self.start = start; self.size = size; self.kind = kind
            self.altmap = altmap; self.failAddPages = failAddPages; self.failAllocation = failAllocation
        }
    }

    public struct Neighbour: Equatable, Sendable {
        public var va: UInt64
        public var size: UInt64
        public init(va: UInt64, size: UInt64) { self.va = va; self.size = size }
    }

    public var name: String
    public var description: String
    public var geometry: Geometry
    public var sectionSizeBits: Int
    public var structPageSize: Int
    public var physOffset: UInt64
    public var physSize: UInt64
    public var bootStart: UInt64
    public var bootSize: UInt64
    public var rodataFull: Bool
    public var debugPagealloc: Bool
    public var neighbours: [Neighbour]
    public var steps: [Step]

    public init(name: String, description: String = "", geometry: Geometry, sectionSizeBits: Int = 30,
                structPageSize: Int = 64, physOffset: UInt64 = 0x4000_0000, physSize: UInt64? = nil,
                bootStart: UInt64? = nil, bootSize: UInt64 = 4 << 30, rodataFull: Bool = false,
                debugPagealloc: Bool = false, neighbours: [Neighbour] = [], steps: [Step] = []) {
        self.name = name; self.description = description; self.geometry = geometry
        self.sectionSizeBits = sectionSizeBits; self.structPageSize = structPageSize
        self.physOffset = physOffset; self.bootStart = bootStart ?? physOffset; self.bootSize = bootSize
        self.rodataFull = rodataFull; self.debugPagealloc = debugPagealloc
        self.neighbours = neighbours; self.steps = steps
        self.physSize = 0
        self.physSize = physSize ?? derivedPhysSize()
    }

    public var sectionSize: UInt64 { 1 << UInt64(sectionSizeBits) }
    /// NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS, as arch_add_memory() decides
    public var noBlockMappings: Bool { rodataFull || debugPagealloc }

    /// The simulated physical range must hold boot memory and every step.
    public func derivedPhysSize() -> UInt64 {
        var end = bootStart &+ bootSize
        for s in steps { end = max(end, s.start &+ s.size) }
        let gib: UInt64 = 1 << 30
        let span = end > physOffset ? end - physOffset : gib
        let unit = max(gib, sectionSize)
        return (span + unit - 1) / unit * unit
    }
}

public struct ScenarioError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public init(_ path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

// MARK: sizes and addresses

public enum Quantity {
    /// "4096", "0x1000", "4K", "2M", "1G", "1T" (binary units, optional "iB"/"B").
    public static func parseSize(_ text: String) -> UInt64? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("0x") || t.hasPrefix("0X") { return UInt64(t.dropFirst(2), radix: 16) }
        for suffix in ["iB", "B"] where t.hasSuffix(suffix) && t.count > suffix.count {
            let rest = t.dropLast(suffix.count)
            if let c = rest.last, "KMGTkmgt".contains(c) { t = String(rest) }
        }
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        if let c = t.last?.uppercased().first, let u = units[c] {
            guard let n = UInt64(t.dropLast()) else { return nil }
            let (v, o) = n.multipliedReportingOverflow(by: u)
            return o ? nil : v
        }
        return UInt64(t)
    }

    /// A size, or SYMBOL, SYMBOL+size, SYMBOL-size with the v5.7 memory-map symbols.
    public static func parseAddress(_ text: String, geometry: Geometry) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for sym in Geometry.symbols where t.hasPrefix(sym) {
            guard let base = geometry.symbol(sym) else { return nil }
            let rest = t.dropFirst(sym.count).trimmingCharacters(in: .whitespaces)
            if rest.isEmpty { return base }
            guard let sign = rest.first, sign == "+" || sign == "-",
                  let off = parseSize(String(rest.dropFirst())) else { return nil }
            return sign == "+" ? base &+ off : base &- off
        }
        return parseSize(t)
    }

    public static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    /// Human size: 1G, 2M, 64K, or hex when not a round binary unit.
    public static func human(_ v: UInt64) -> String {
        for (u, s) in [(UInt64(1) << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")] where v >= u && v % u == 0 {
            return "\(v / u)\(s)"
        }
        return v < 1024 ? "\(v)" : hex(v)
    }
}

// MARK: parsing

extension Scenario {
    public static func parse(data: Data) throws -> Scenario {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ScenarioError("", "malformed JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription)")
        }
        return try parse(object: any)
    }

    public static func parse(object: Any) throws -> Scenario {
        let r = try Reader(object, path: "")
        try r.only(["version", "name", "description", "geometry", "era", "physOffset", "physSize",
                    "bootMemory", "config", "neighbours", "steps"])
        let version = try r.int("version")
        guard version == formatVersion else {
            throw ScenarioError("version", "format version \(version) is not supported (this tool reads version \(formatVersion))")
        }
        let gname = try r.string("geometry")
        guard let geometry = Geometry(name: gname) else {
            throw ScenarioError("geometry", "unknown geometry \"\(gname)\"; one of \(Geometry.all.map(\.name).joined(separator: ", "))")
        }
        var sectionBits = 30, structPage = 64
        if let era = try r.optionalObject("era") {
            try era.only(["sectionSizeBits", "structPageSize"])
            if era.has("sectionSizeBits") {
                sectionBits = try era.int("sectionSizeBits")
                guard (21...30).contains(sectionBits), sectionBits > geometry.pageShift else {
                    throw ScenarioError("era.sectionSizeBits", "\(sectionBits) is out of range (21...30; 30 at v5.7, 27 or 29 from v5.12)")
                }
            }
            if era.has("structPageSize") {
                structPage = try era.int("structPageSize")
                guard (32...128).contains(structPage), structPage % 8 == 0 else {
                    throw ScenarioError("era.structPageSize", "\(structPage) must be a multiple of 8 between 32 and 128")
                }
            }
        }
        let physOffset = try r.has("physOffset") ? r.size("physOffset", geometry) : 0x4000_0000
        guard physOffset % (1 << 30) == 0 else {
            throw ScenarioError("physOffset", "\(Quantity.hex(physOffset)) must be 1 GiB aligned (ARM64_MEMSTART_ALIGN)")
        }
        var bootStart = physOffset, bootSize: UInt64 = 4 << 30
        if let boot = try r.optionalObject("bootMemory") {
            try boot.only(["start", "size"])
            if boot.has("start") { bootStart = try boot.size("start", geometry) }
            if boot.has("size") { bootSize = try boot.size("size", geometry) }
            let sec: UInt64 = 1 << UInt64(sectionBits)
            guard bootSize > 0, bootStart % sec == 0, bootSize % sec == 0 else {
                throw ScenarioError("bootMemory", "start \(Quantity.hex(bootStart)) and size \(Quantity.hex(bootSize)) must be non-zero multiples of the section size \(Quantity.human(sec))")
            }
            guard bootStart >= physOffset else {
                throw ScenarioError("bootMemory.start", "\(Quantity.hex(bootStart)) is below physOffset \(Quantity.hex(physOffset))")
            }
        }
        var rodata = false, dpa = false
        if let cfg = try r.optionalObject("config") {
            try cfg.only(["rodataFull", "debugPagealloc"])
            if cfg.has("rodataFull") { rodata = try cfg.bool("rodataFull") }
            if cfg.has("debugPagealloc") { dpa = try cfg.bool("debugPagealloc") }
        }
        var neighbours: [Neighbour] = []
        for (i, n) in try r.optionalArray("neighbours").enumerated() {
            try n.only(["va", "size"])
            let va = try n.address("va", geometry)
            let size = try n.size("size", geometry)
            guard size > 0, size % geometry.pageSize == 0, va % geometry.pageSize == 0 else {
                throw ScenarioError("neighbours[\(i)]", "va \(Quantity.hex(va)) and size \(Quantity.hex(size)) must be non-zero multiples of the \(Quantity.human(geometry.pageSize)) page")
            }
            guard va >= geometry.vmallocStart, va &+ size <= geometry.vmemmapStart, va &+ size > va else {
                throw ScenarioError("neighbours[\(i)].va", "[\(Quantity.hex(va)), +\(Quantity.human(size))) is outside the vmalloc area and the gap below vmemmap [\(Quantity.hex(geometry.vmallocStart)), \(Quantity.hex(geometry.vmemmapStart)))")
            }
            neighbours.append(Neighbour(va: va, size: size))
        }
        var steps: [Step] = []
        let stepReaders = try r.array("steps")
        guard stepReaders.count <= 10_000 else {
            throw ScenarioError("steps", "\(stepReaders.count) steps: at most 10000")
        }
        for s in stepReaders {
            try s.only(["op", "start", "size", "kind", "altmap", "fail", "failAllocation"])
            let opName = try s.string("op")
            guard let op = Op(rawValue: opName) else {
                throw ScenarioError(s.path + ".op", "unknown operation \"\(opName)\"; one of add, remove, offline")
            }
            let start = try s.size("start", geometry)
            let size = try s.size("size", geometry)
            guard size > 0 else { throw ScenarioError(s.path + ".size", "size is zero") }
            guard start &+ size > start else { throw ScenarioError(s.path + ".size", "start + size overflows") }
            var kind = MemoryKind.ram
            if s.has("kind") {
                let k = try s.string("kind")
                guard let kk = MemoryKind(rawValue: k) else {
                    throw ScenarioError(s.path + ".kind", "unknown memory kind \"\(k)\"; ram or device")
                }
                kind = kk
            }
            var altmap: Altmap?
            if let a = try s.optionalObject("altmap") {
                try a.only(["reserve", "free"])
                guard op == .add, kind == .device else {
                    throw ScenarioError(a.path, "an altmap belongs to an add of device memory")
                }
                altmap = Altmap(reserve: a.has("reserve") ? try a.size("reserve", geometry) : 0,
                                free: a.has("free") ? try a.size("free", geometry) : nil)
            }
            var failAddPages = false
            if s.has("fail") {
                let f = try s.string("fail")
                guard f == "add_pages" else {
                    throw ScenarioError(s.path + ".fail", "unknown failure \"\(f)\"; the one supported is \"add_pages\"")
                }
                guard op == .add else { throw ScenarioError(s.path + ".fail", "only an add can fail") }
                failAddPages = true
            }
            var failAlloc: Int?
            if s.has("failAllocation") {
                let n = try s.int("failAllocation")
                guard n >= 1, n <= 1_000_000_000 else {
                    throw ScenarioError(s.path + ".failAllocation", "\(n) must be between 1 and 1000000000")
                }
                failAlloc = n
            }
            steps.append(Step(op: op, start: start, size: size, kind: kind, altmap: altmap,
                              failAddPages: failAddPages, failAllocation: failAlloc))
        }
        var sc = Scenario(name: r.has("name") ? try r.string("name") : "unnamed",
                          description: r.has("description") ? try r.string("description") : "",
                          geometry: geometry, sectionSizeBits: sectionBits, structPageSize: structPage,
                          physOffset: physOffset, physSize: nil, bootStart: bootStart, bootSize: bootSize,
                          rodataFull: rodata, debugPagealloc: dpa, neighbours: neighbours, steps: steps)
        if r.has("physSize") {
            let ps = try r.size("physSize", geometry)
            guard ps >= sc.derivedPhysSize() else {
                throw ScenarioError("physSize", "\(Quantity.human(ps)) does not hold boot memory and every step (needs \(Quantity.human(sc.derivedPhysSize())))")
            }
            sc.physSize = ps
        }
        let linear = geometry.pageEnd &- geometry.pageOffset
        guard sc.physSize <= linear, physOffset &+ sc.physSize <= 1 << 48 else {
            throw ScenarioError("physSize", "\(Quantity.human(sc.physSize)) of physical memory does not fit the \(Quantity.human(linear)) linear map of \(geometry.name) or 48-bit physical addresses")
        }
        return sc
    }

    /// The scenario as format-v1 JSON (keys sorted, addresses in hex): reproducers.
    public func jsonData() -> Data {
        var o: [String: Any] = [
            "version": Scenario.formatVersion, "name": name, "geometry": geometry.name,
            "era": ["sectionSizeBits": sectionSizeBits, "structPageSize": structPageSize],
            "physOffset": Quantity.hex(physOffset), "physSize": Quantity.hex(physSize),
            "bootMemory": ["start": Quantity.hex(bootStart), "size": Quantity.hex(bootSize)],
            "config": ["rodataFull": rodataFull, "debugPagealloc": debugPagealloc],
        ]
        if !description.isEmpty { o["description"] = description }
        if !neighbours.isEmpty {
            o["neighbours"] = neighbours.map { ["va": Quantity.hex($0.va), "size": Quantity.hex($0.size)] }
        }
        o["steps"] = steps.map { s -> [String: Any] in
            var d: [String: Any] = ["op": s.op.rawValue, "start": Quantity.hex(s.start), "size": Quantity.hex(s.size)]
            if s.kind != .ram { d["kind"] = s.kind.rawValue }
            if let a = s.altmap {
                var ad: [String: Any] = ["reserve": Quantity.hex(a.reserve)]
                if let f = a.free { ad["free"] = Quantity.hex(f) }
                d["altmap"] = ad
            }
            if s.failAddPages { d["fail"] = "add_pages" }
            if let n = s.failAllocation { d["failAllocation"] = n }
            return d
        }
        return (try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}

/// Path-tracking reader over JSONSerialization output.
struct Reader {
    let dict: [String: Any]
    let path: String

    init(_ any: Any, path: String) throws {
        guard let d = any as? [String: Any] else {
            throw ScenarioError(path, "expected a JSON object")
        }
        dict = d
        self.path = path
    }
    private func sub(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    func has(_ key: String) -> Bool { dict[key] != nil && !(dict[key] is NSNull) }
    func only(_ keys: [String]) throws {
        for k in dict.keys.sorted() where !keys.contains(k) {
            throw ScenarioError(sub(k), "unknown field (known: \(keys.joined(separator: ", ")))")
        }
    }
    private func value(_ key: String) throws -> Any {
        guard let v = dict[key], !(v is NSNull) else { throw ScenarioError(sub(key), "missing") }
        return v
    }
    func string(_ key: String) throws -> String {
        guard let s = try value(key) as? String else { throw ScenarioError(sub(key), "expected a string") }
        return s
    }
    private static let boolType = ObjectIdentifier(type(of: NSNumber(value: true)))
    private func isBool(_ v: Any) -> Bool { ObjectIdentifier(type(of: v)) == Reader.boolType || type(of: v) == Bool.self }
    func int(_ key: String) throws -> Int {
        let v = try value(key)
        guard !isBool(v), let n = v as? Int else { throw ScenarioError(sub(key), "expected an integer") }
        return n
    }
    func bool(_ key: String) throws -> Bool {
        let v = try value(key)
        guard isBool(v), let b = v as? Bool else { throw ScenarioError(sub(key), "expected true or false") }
        return b
    }
    func size(_ key: String, _ g: Geometry) throws -> UInt64 {
        let v = try value(key)
        if let s = v as? String {
            guard let q = Quantity.parseSize(s) else {
                throw ScenarioError(sub(key), "\"\(s)\" is not a size (4096, 0x1000, 4K, 2M, 1G, 1T)")
            }
            return q
        }
        guard !isBool(v), let n = v as? Int, n >= 0 else {
            throw ScenarioError(sub(key), "expected a non-negative integer or a size string")
        }
        return UInt64(n)
    }
    func address(_ key: String, _ g: Geometry) throws -> UInt64 {
        let v = try value(key)
        if let s = v as? String {
            guard let a = Quantity.parseAddress(s, geometry: g) else {
                throw ScenarioError(sub(key), "\"\(s)\" is not an address (a size, or \(Geometry.symbols.joined(separator: "/")) with an optional +/- size)")
            }
            return a
        }
        return try size(key, g)
    }
    func optionalObject(_ key: String) throws -> Reader? {
        guard has(key) else { return nil }
        return try Reader(dict[key]!, path: sub(key))
    }
    func array(_ key: String) throws -> [Reader] {
        guard let a = try value(key) as? [Any] else { throw ScenarioError(sub(key), "expected an array") }
        return try a.enumerated().map { try Reader($0.element, path: "\(sub(key))[\($0.offset)]") }
    }
    func optionalArray(_ key: String) throws -> [Reader] { has(key) ? try array(key) : [] }
}
