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

    /// Where a RAM add's memmap lives when not in boot memory (the page allocator).
    public enum Memmap: String, Sendable {
        /// v5.14 memory_hotplug.memmap_on_memory: the range is added memory block by memory block, each
        /// with MHP_MEMMAP_ON_MEMORY when mhp_supports_memmap_on_memory() holds: its memmap from an altmap at
        /// the block's start; removal refused at any other granularity than one memory block
        case memoryBlock = "memory-block"
        /// <20190122103708.11043-4-osalvador@suse.de>, RFC v2 (2019-01) "allocate memmap from the added memory range for sparse-vmemmap": one
        /// altmap at the start of the whole range holds every section's memmap, its pages marked PageVmemmap,
        /// a head page counting the sections; vmemmap_free() deferred to the range's last section, then
        /// done backwards; the removal hands no altmap
        case range
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
        /// RAM adds: the memmap on the added memory ("memmap": "memory-block"); nil: from the page allocator
        public var memmap: Memmap?
        public init(op: Op, start: UInt64, size: UInt64, kind: MemoryKind = .ram, altmap: Altmap? = nil,
                    failAddPages: Bool = false, failAllocation: Int? = nil, memmap: Memmap? = nil) {
            self.op = op; self.start = start; self.size = size; self.kind = kind
            self.altmap = altmap; self.failAddPages = failAddPages; self.failAllocation = failAllocation
            self.memmap = memmap
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
    /// CONFIG_INIT_ON_ALLOC_DEFAULT_ON (init_on_alloc=1, v5.3 on): every page allocation is zeroed, so a
    /// vmemmap block holds zeros until struct pages are written into it.  On by default: Debian's arm64
    /// 6.1 and 6.12 kernels (the eras of the revisions whose walks read that memory, and the oracle's
    /// kernels) are built with it.  Off, a block holds what its last user left: the harness does not
    /// pretend to know what (steps that read it are not checked).
    public var initOnAlloc: Bool = true
    public var neighbours: [Neighbour]
    public var steps: [Step]
    /// code running beside the last removal, for `hotremove explore` (ScenarioWalkers.swift)
    public var walkers: [Walker] = []

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
        // never traps: parsing asks before validation has seen the steps
        let (rounded, o) = span.addingReportingOverflow(unit - 1)
        return (o ? UInt64.max : rounded) / unit * unit
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
    /// `text` read as 0x and hex digits: nil when it does not start with 0x; .some(nil) when it does but
    /// its digits are malformed or beyond 64 bits.
    private static func hexNumber(_ text: String) -> UInt64?? {
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else { return nil }
        let digits = text.dropFirst(2)
        guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return .some(nil) }
        return .some(UInt64(digits, radix: 16))
    }

    /// "4096", "0x1000", "4K", "2M", "1G", "1T" (binary units, optional "iB"/"B").  Digits only:
    /// no sign, no inner spaces; nil when malformed or beyond 64 bits.
    public static func parseSize(_ text: String) -> UInt64? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if let hex = hexNumber(t) { return hex }
        for suffix in ["iB", "B"] where t.hasSuffix(suffix) && t.count > suffix.count {
            let rest = t.dropLast(suffix.count)
            if let c = rest.last, "KMGTkmgt".contains(c) { t = String(rest) }
        }
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var unit: UInt64 = 1
        if let c = t.last?.uppercased().first, let u = units[c] { unit = u; t.removeLast() }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt64(t) else { return nil }
        let (v, o) = n.multipliedReportingOverflow(by: unit)
        return o ? nil : v
    }

    /// A whole number of pages (or other units): decimal or 0x hex digits, no unit suffix.
    public static func parseCount(_ text: String) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let hex = hexNumber(t) { return hex }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(t)
    }

    /// A size, or SYMBOL, SYMBOL+size, SYMBOL-size with the v5.7 memory-map symbols; nil when
    /// malformed or when the sum leaves the 64-bit address space.
    public static func parseAddress(_ text: String, geometry: Geometry) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for sym in Geometry.symbols where t.hasPrefix(sym) {
            guard let base = geometry.symbol(sym) else { return nil }
            let rest = t.dropFirst(sym.count).trimmingCharacters(in: .whitespaces)
            if rest.isEmpty { return base }
            guard let sign = rest.first, sign == "+" || sign == "-",
                  let off = parseSize(String(rest.dropFirst())) else { return nil }
            let (v, o) = sign == "+" ? base.addingReportingOverflow(off) : base.subtractingReportingOverflow(off)
            return o ? nil : v
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
    /// The largest physical address arm64 v5.7 supports (PHYS_MASK_SHIFT 48).
    public static let physLimit: UInt64 = 1 << 48

    public static func parse(data: Data) throws -> Scenario {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            if let c = JSONScan.comment(in: data) {
                throw ScenarioError("", "comments are not allowed in a scenario (JSON has none): \(c)")
            }
            throw ScenarioError("", "malformed JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription)")
        }
        if let dup = JSONScan.duplicateKey(in: data) {
            throw ScenarioError(dup, "duplicate key (each key may appear once in an object)")
        }
        return try parse(object: any)
    }

    /// The scenario a JSON object describes.  Parsing checks the form (known fields, types, names) and
    /// fills in what a file may leave out, then `validate()` decides whether the values are valid: the
    /// machine before the steps are read, since a step's omitted kind is what was added there.
    public static func parse(object: Any) throws -> Scenario {
        let r = try Reader(object, path: "")
        try r.only(["version", "name", "description", "geometry", "era", "physOffset", "physSize",
                    "bootMemory", "config", "neighbours", "steps", "walkers"])
        let version = try r.int("version")
        guard version == formatVersion else {
            throw ScenarioError("version", "format version \(version) is not supported (this tool reads version \(formatVersion))")
        }
        let gname = try r.string("geometry")
        guard let geometry = Geometry(name: gname) else {
            throw ScenarioError("geometry", "unknown geometry \"\(printable(gname))\"; one of \(Geometry.all.map(\.name).joined(separator: ", "))")
        }
        var sc = Scenario(name: r.has("name") ? try r.text("name") : "unnamed", geometry: geometry)
        if r.has("description") { sc.description = try r.text("description") }
        if let era = try r.optionalObject("era") {
            try era.only(["sectionSizeBits", "structPageSize"])
            if era.has("sectionSizeBits") { sc.sectionSizeBits = try era.int("sectionSizeBits") }
            if era.has("structPageSize") { sc.structPageSize = try era.int("structPageSize") }
        }
        if r.has("physOffset") { sc.physOffset = try r.size("physOffset", geometry) }
        sc.bootStart = sc.physOffset
        if let boot = try r.optionalObject("bootMemory") {
            try boot.only(["start", "size"])
            if boot.has("start") { sc.bootStart = try boot.size("start", geometry) }
            if boot.has("size") { sc.bootSize = try boot.size("size", geometry) }
        }
        if let cfg = try r.optionalObject("config") {
            try cfg.only(["rodataFull", "debugPagealloc", "initOnAlloc"])
            if cfg.has("rodataFull") { sc.rodataFull = try cfg.bool("rodataFull") }
            if cfg.has("debugPagealloc") { sc.debugPagealloc = try cfg.bool("debugPagealloc") }
            if cfg.has("initOnAlloc") { sc.initOnAlloc = try cfg.bool("initOnAlloc") }
        }
        sc.neighbours = try r.optionalArray("neighbours").map { n in
            try n.only(["va", "size"])
            return Neighbour(va: try n.address("va", geometry), size: try n.size("size", geometry))
        }
        sc.walkers = try parseWalkers(r, geometry)
        try sc.validateMachine()
        var added = AddedMemory(sc)
        for s in try r.array("steps") {
            var (step, explicitKind) = try parseStep(s, geometry)
            // validation reports the overflow
            guard !step.start.addingReportingOverflow(step.size).overflow else { sc.steps.append(step); continue }
            // a removal or an offline acts on memory of the kind it was added as; validation reports a range
            // that is not all of one kind, or a kind named that is not the one added
            if explicitKind == nil, step.op != .add,
               let was = added.kinds(overlapping: step.start ..< step.start + step.size).first {
                step.kind = was
            }
            sc.steps.append(step)
            added.record(step)
        }
        sc.physSize = r.has("physSize") ? try r.size("physSize", geometry) : sc.derivedPhysSize()
        try sc.validateSteps()
        return sc
    }

    /// One step's form, and the kind it names (nil: not named).
    private static func parseStep(_ s: Reader, _ geometry: Geometry) throws -> (Step, MemoryKind?) {
        try s.only(["op", "start", "size", "kind", "altmap", "fail", "failAllocation", "memmap"])
        let opName = try s.string("op")
        guard let op = Op(rawValue: opName) else {
            throw ScenarioError(s.path + ".op", "unknown operation \"\(printable(opName))\"; one of add, remove, offline")
        }
        var step = Step(op: op, start: try s.size("start", geometry), size: try s.size("size", geometry))
        var explicitKind: MemoryKind?
        if s.has("kind") {
            let k = try s.string("kind")
            guard let kk = MemoryKind(rawValue: k) else {
                throw ScenarioError(s.path + ".kind", "unknown memory kind \"\(printable(k))\"; ram or device")
            }
            explicitKind = kk
            step.kind = kk
        }
        if let a = try s.optionalObject("altmap") {
            try a.only(["reserve", "free"])
            step.altmap = Altmap(reserve: a.has("reserve") ? try a.count("reserve") : 0,
                                 free: a.has("free") ? try a.count("free") : nil)
        }
        if s.has("fail") {
            let f = try s.string("fail")
            guard f == "add_pages" else {
                throw ScenarioError(s.path + ".fail", "unknown failure \"\(printable(f))\"; the one supported is \"add_pages\"")
            }
            step.failAddPages = true
        }
        if s.has("failAllocation") { step.failAllocation = try s.int("failAllocation") }
        if s.has("memmap") {
            let v = try s.string("memmap")
            guard let mm = Memmap(rawValue: v) else {
                throw ScenarioError(s.path + ".memmap", "unknown memmap placement \"\(printable(v))\"; one of \"memory-block\", \"range\"")
            }
            step.memmap = mm
        }
        return (step, explicitKind)
    }

    public static let maxSteps = 10_000

    /// SECTION_SIZE_BITS must hold a sub-section (2 MiB) and a MAX_ORDER block
    /// (include/linux/mmzone.h: "Allocator MAX_ORDER exceeds SECTION_SIZE"): 22 (4K), 25 (16K), 29 (64K).
    public static func minimumSectionSizeBits(_ g: Geometry) -> Int { max(21, g.maxOrder - 1 + g.pageShift) }

    /// Text with control characters shown as \u{..}, for messages.
    static func printable(_ s: String) -> String {
        s.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }

    /// The scenario as format-v1 JSON (keys sorted, addresses in hex): reproducers.
    public func jsonData() -> Data {
        var o: [String: Any] = [
            "version": Scenario.formatVersion, "name": name, "geometry": geometry.name,
            "era": ["sectionSizeBits": sectionSizeBits, "structPageSize": structPageSize],
            "physOffset": Quantity.hex(physOffset), "physSize": Quantity.hex(physSize),
            "bootMemory": ["start": Quantity.hex(bootStart), "size": Quantity.hex(bootSize)],
            "config": ["rodataFull": rodataFull, "debugPagealloc": debugPagealloc, "initOnAlloc": initOnAlloc],
        ]
        if !description.isEmpty { o["description"] = description }
        if !neighbours.isEmpty {
            o["neighbours"] = neighbours.map { ["va": Quantity.hex($0.va), "size": Quantity.hex($0.size)] }
        }
        if !walkers.isEmpty { o["walkers"] = walkersJSON() }
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
            if let mm = s.memmap { d["memmap"] = mm.rawValue }
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
    /// A string without control characters (names and descriptions are printed).
    func text(_ key: String) throws -> String {
        let s = try string(key)
        if let c = s.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw ScenarioError(sub(key), "contains the control character U+\(String(format: "%04X", c.value))")
        }
        return s
    }
    private static let boolType = ObjectIdentifier(type(of: NSNumber(value: true)))
    private func isBool(_ v: Any) -> Bool { ObjectIdentifier(type(of: v)) == Reader.boolType || type(of: v) == Bool.self }
    /// A JSON number that is a whole number: its value, or why not.
    private func whole(_ v: Any) -> (value: UInt64?, negative: Bool, why: String?) {
        guard !isBool(v), let n = v as? NSNumber else { return (nil, false, nil) }
        let t = String(cString: n.objCType)
        if t == "d" || t == "f" { return (nil, false, "a whole number is expected (no fraction or exponent)") }
        if t == "Q" || t == "L" || t == "I" || t == "S" || t == "C" { return (n.uint64Value, false, nil) }
        let i = n.int64Value
        return i < 0 ? (nil, true, nil) : (UInt64(i), false, nil)
    }
    func int(_ key: String) throws -> Int {
        let v = try value(key)
        let w = whole(v)
        if let why = w.why { throw ScenarioError(sub(key), why) }
        if w.negative, let n = v as? Int { return n }
        guard let u = w.value else { throw ScenarioError(sub(key), "expected an integer") }
        guard u <= UInt64(Int32.max) else { throw ScenarioError(sub(key), "\(u) is too large") }
        return Int(u)
    }
    func bool(_ key: String) throws -> Bool {
        let v = try value(key)
        guard isBool(v), let b = v as? Bool else { throw ScenarioError(sub(key), "expected true or false") }
        return b
    }
    /// A whole number given either as a JSON number or as a string `parse` reads; `meaning` says what the
    /// string should have been, `expected` what the number should have been.
    private func quantity(_ key: String, parse: (String) -> UInt64?, meaning: String, expected: String) throws -> UInt64 {
        let v = try value(key)
        if let s = v as? String {
            guard let q = parse(s) else { throw ScenarioError(sub(key), "\"\(Scenario.printable(s))\" is not \(meaning)") }
            return q
        }
        let w = whole(v)
        if let why = w.why { throw ScenarioError(sub(key), why) }
        guard let u = w.value else { throw ScenarioError(sub(key), expected) }
        return u
    }
    func size(_ key: String, _ g: Geometry) throws -> UInt64 {
        try quantity(key, parse: Quantity.parseSize,
                     meaning: "a size (4096, 0x1000, 4K, 2M, 1G, 1T; digits only, no sign)",
                     expected: "expected a non-negative integer or a size string")
    }
    /// A number of pages: a whole number (JSON number, or a decimal or 0x string), no unit.
    func count(_ key: String) throws -> UInt64 {
        try quantity(key, parse: Quantity.parseCount,
                     meaning: "a page count (a whole number of pages, such as 16 or 0x10; no unit)",
                     expected: "expected a page count (a non-negative whole number)")
    }
    func address(_ key: String, _ g: Geometry) throws -> UInt64 {
        let v = try value(key)
        if let s = v as? String {
            guard let a = Quantity.parseAddress(s, geometry: g) else {
                throw ScenarioError(sub(key), "\"\(Scenario.printable(s))\" is not an address (a size, or \(Geometry.symbols.joined(separator: "/")) with an optional +/- size)")
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
