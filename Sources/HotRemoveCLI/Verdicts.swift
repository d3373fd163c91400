import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// Known findings a kernel developer's CI accepts: `check --baseline FILE` fails only on
/// findings not listed.  One finding per line: `<scenario> <revision> <rule>`; `#` starts a comment.
/// A scenario name is written with space, tab, `#` and `%` as `%20`, `%09`, `%23`, `%25`, and an empty
/// name as `%00`, so that every name the tool writes reads back.
struct FindingBaseline {
    private var known: Set<String> = []

    init() {}

    var isEmpty: Bool { known.isEmpty }

    static func key(_ scenario: String, _ revision: String, _ rule: String) -> String { "\(escape(scenario)) \(revision) \(rule)" }

    private static let escapes: [(Character, String)] = [("%", "%25"), (" ", "%20"), ("\t", "%09"), ("#", "%23")]

    /// A name as one word of a baseline line.
    static func escape(_ name: String) -> String {
        if name.isEmpty { return "%00" }
        var s = ""
        for c in name { s += escapes.first { $0.0 == c }?.1 ?? String(c) }
        return s
    }

    /// A word as written by escape(); nil when it holds a `%` that escape() does not write.
    static func unescape(_ word: String) -> String? {
        if word == "%00" { return "" }
        var out = "", rest = Substring(word)
        while let i = rest.firstIndex(of: "%") {
            out += rest[..<i]
            let code = rest[i...].prefix(3)
            guard let c = escapes.first(where: { $0.1 == code })?.0 else { return nil }
            out.append(c)
            rest = rest[i...].dropFirst(3)
        }
        return out + rest
    }

    static func load(_ path: String) throws -> FindingBaseline {
        let data: Data
        do { data = try CLI.readInput(path, what: ("a baseline", "a text file"), limit: 64 << 20) } catch let e as CommandError {
            throw CommandError(e.code, "--baseline \(e.message)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandError(.badInput, "--baseline \(path): not UTF-8 text")
        }
        var b = FindingBaseline()
        // "\r\n" is one Character in Swift: split on every line break, so a CRLF file has its lines
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            guard words.count == 3 else {
                throw CommandError(.badInput, "--baseline \(path):\(n + 1): expected \"<scenario> <revision> <rule>\", found \"\(raw)\"")
            }
            guard let scenario = unescape(words[0]) else {
                throw CommandError(.badInput, "--baseline \(path):\(n + 1): \"\(words[0])\": a % that is none of %20 %09 %23 %25 (or %00 alone)")
            }
            guard Registry.revision(named: words[1]) != nil else {
                throw CommandError(.badInput, "--baseline \(path):\(n + 1): unknown revision \"\(words[1])\"; one of \(Registry.revisions.map(\.name).joined(separator: ", "))")
            }
            b.known.insert(key(scenario, words[1], words[2]))
        }
        return b
    }

    /// The findings of `r` the baseline does not list.
    func new(in r: CheckResult) -> [Finding] {
        r.findings.filter { !known.contains(FindingBaseline.key(r.scenario, r.revision, $0.rule)) }
    }

    static func render(_ results: [CheckResult]) -> String {
        var lines = Set<String>()
        for r in results { for f in r.findings { lines.insert(key(r.scenario, r.revision, f.rule)) } }
        return "# hotremove check --write-baseline: <scenario> <revision> <rule>\n" + lines.sorted().joined(separator: "\n") + "\n"
    }
}

/// KTAP (Documentation/dev-tools/ktap.rst), the format kselftest and KUnit print: one test per
/// scenario x revision, findings as diagnostic lines before the result line.  Printed as the tests run
/// (the plan first), so a run that stops early - interrupted, or killed by a hang of the code under
/// test - has printed every result it finished.
enum KTAP {
    static func header(tests: Int) -> String { "KTAP version 1\n1..\(tests)\n" }

    /// Test `number` (from 1): its diagnostics, then its result line.
    static func result(_ r: CheckResult, number: Int, fails: Bool, baseline: FindingBaseline) -> String {
        var s = ""
        let newOnes = Set(baseline.new(in: r).map(\.line))
        for u in r.unchecked { s += "# \(r.scenario).\(r.revision): not checked: \(u)\n" }
        for f in r.findings {
            let tag = baseline.isEmpty || newOnes.contains(f.line) ? "" : " (in baseline)"
            s += "# \(oneLine(f.line))\(tag)\n"
        }
        return s + "\(fails ? "not ok" : "ok") \(number) \(name(r.scenario, r.revision))\n"
    }

    /// A test the run stopped before: a skip that says why.
    static func notRun(scenario: String, revision: String, number: Int, why: String) -> String {
        "ok \(number) \(name(scenario, revision)) # SKIP not run: \(why)\n"
    }

    /// A test name has no spaces or '#' (they would read as a directive).
    static func name(_ scenario: String, _ revision: String) -> String {
        "\(scenario).\(revision)".map { $0 == " " || $0 == "#" ? "_" : $0 }.map(String.init).joined()
    }

    static func oneLine(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }
}
