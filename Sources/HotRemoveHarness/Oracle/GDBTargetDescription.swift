import Foundation

/// Register numbers from a gdb target description (gdb/doc "Target Descriptions"): the
/// features are read in the order target.xml includes them; each `<reg>` takes the number in its
/// `regnum` attribute, or the one after the previous register's.  QEMU generates the aarch64
/// system registers (TTBR1_EL1, MAIR_EL1, ...) as a feature of their own, "system-registers.xml".
package struct GDBTargetDescription {
    package struct Register: Equatable { var name: String; var number: Int; var bits: Int }
    private(set) var registers: [String: Register] = [:]

    /// The documents target.xml includes, in order.
    package static func includes(_ targetXML: String) -> [String] {
        attributeValues("href", in: targetXML, element: "xi:include")
    }

    /// Numbers the registers of `documents` (each a feature's XML, in include order).
    package init(documents: [String]) {
        var next = 0
        for doc in documents {
            for attrs in GDBTargetDescription.elements("reg", in: doc) {
                guard let name = attrs["name"] else { continue }
                let n = attrs["regnum"].flatMap { Int($0) } ?? next
                registers[name] = Register(name: name, number: n, bits: attrs["bitsize"].flatMap { Int($0) } ?? 0)
                next = n + 1
            }
        }
    }

    package func number(of name: String) -> Int? { registers[name]?.number }

    /// The attributes of every `<element ...>` in `xml` (a flat scan: the documents are generated).
    package static func elements(_ element: String, in xml: String) -> [[String: String]] {
        var out: [[String: String]] = []
        var rest = xml[...]
        while let r = rest.range(of: "<\(element) ") ?? rest.range(of: "<\(element)/") {
            rest = rest[r.upperBound...]
            guard let end = rest.firstIndex(of: ">") else { break }
            let body = rest[..<end]
            var attrs: [String: String] = [:]
            var s = body[...]
            while let eq = s.firstIndex(of: "=") {
                let key = s[..<eq].trimmingCharacters(in: .whitespaces)
                let afterEq = s[s.index(after: eq)...]
                guard let q = afterEq.first, q == "\"" || q == "'",
                      let close = afterEq.dropFirst().firstIndex(of: q) else { break }
                attrs[key] = String(afterEq[afterEq.index(after: afterEq.startIndex) ..< close])
                s = afterEq[afterEq.index(after: close)...]
            }
            out.append(attrs)
            rest = rest[end...]
        }
        return out
    }

    package static func attributeValues(_ name: String, in xml: String, element: String) -> [String] {
        elements(element, in: xml).compactMap { $0[name] }
    }
}
