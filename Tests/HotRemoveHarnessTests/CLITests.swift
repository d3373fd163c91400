import Foundation
import Testing
@testable import HotRemoveHarness

/// Runs the CLI in-process, capturing both streams.
func cli(_ args: [String]) -> (code: Int32, out: String, err: String) {
    let out = Locked(""), err = Locked("")
    let console = Console(out: { s in out.with { $0 += s } }, err: { s in err.with { $0 += s } })
    let code = CLI.main(args, console: console)
    return (code, out.with { $0 }, err.with { $0 })
}

func tempFile(_ name: String, _ text: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
}

var packageRoot: String {
    let here = URL(fileURLWithPath: String(describing: #filePath))
    return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

@Suite struct CLITests {
    @Test func dumpOfTheReadmeExample() {
        let r = cli(["dump", packageRoot + "/scenarios/example.json"])
        #expect(r.code == 0)
        #expect(r.out.contains("---[ Linear Mapping start ]---"))
        // [8G, +1G) at PAGE_OFFSET + 7G: one PUD block
        #expect(r.out.contains("0xffff0001c0000000-0xffff000200000000           1G PUD"))
        #expect(r.out.contains("---[ vmemmap start ]---"))
    }

    @Test func runPrintsEveryRevision() {
        let r = cli(["run", packageRoot + "/scenarios/example.json"])
        #expect(r.code == 0)
        for rev in ["v6", "final", "altmap"] { #expect(r.out.contains("== example on \(rev), 4K/48")) }
        // V6 flushes the 1 GiB PUD block with flush_tlb_all(); final with one vaale1is
        #expect(r.out.contains("vmalle1is 1"))
    }

    @Test func revisionsListsProvenance() {
        let r = cli(["revisions"])
        #expect(r.code == 0)
        #expect(r.out.contains("[PATCH V14 2/2] arm64/mm: Enable memory hot remove"))
        #expect(r.out.contains("4K/39 4K/48 16K/36 16K/47 16K/48 64K/42 64K/48 64K/52"))
    }

    static let base = #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"}]}"#

    /// (description, scenario text, exit code, message fragment)
    static let badScenarioCases: [(String, String, Int32, String)] = [
        ("malformed JSON", "{", 3, "malformed JSON"),
        ("not an object", "[]", 3, "expected a JSON object"),
        ("no version", #"{"geometry":"4K/48","steps":[]}"#, 3, "version: missing"),
        ("future version", #"{"version":2,"geometry":"4K/48","steps":[]}"#, 3, "format version 2 is not supported"),
        ("unknown field", #"{"version":1,"geometry":"4K/48","steps":[],"foo":1}"#, 3, "foo: unknown field"),
        ("unknown geometry", #"{"version":1,"geometry":"8K/48","steps":[]}"#, 3, "unknown geometry \"8K/48\""),
        ("geometry not a string", #"{"version":1,"geometry":48,"steps":[]}"#, 3, "geometry: expected a string"),
        ("section bits", #"{"version":1,"geometry":"4K/48","era":{"sectionSizeBits":31},"steps":[]}"#, 3, "era.sectionSizeBits: 31 is out of range"),
        ("struct page size", #"{"version":1,"geometry":"4K/48","era":{"structPageSize":60},"steps":[]}"#, 3, "era.structPageSize: 60 must be a multiple of 8"),
        ("era field", #"{"version":1,"geometry":"4K/48","era":{"x":1},"steps":[]}"#, 3, "era.x: unknown field"),
        ("physOffset unaligned", #"{"version":1,"geometry":"4K/48","physOffset":"0x1000","steps":[]}"#, 3, "physOffset: 0x1000 must be 1 GiB aligned"),
        ("boot memory empty", #"{"version":1,"geometry":"4K/48","bootMemory":{"size":0},"steps":[]}"#, 3, "bootMemory: start"),
        ("boot below physOffset", #"{"version":1,"geometry":"4K/48","physOffset":"2G","bootMemory":{"start":"1G"},"steps":[]}"#, 3, "bootMemory.start: 0x40000000 is below physOffset"),
        ("neighbour outside", #"{"version":1,"geometry":"4K/48","neighbours":[{"va":"PAGE_OFFSET","size":"64K"}],"steps":[]}"#, 3, "neighbours[0].va"),
        ("neighbour unaligned", #"{"version":1,"geometry":"4K/48","neighbours":[{"va":"VMALLOC_START","size":100}],"steps":[]}"#, 3, "neighbours[0]: va"),
        ("neighbour symbol", #"{"version":1,"geometry":"4K/48","neighbours":[{"va":"FOO+1","size":"4K"}],"steps":[]}"#, 3, "neighbours[0].va: \"FOO+1\" is not an address"),
        ("no steps", #"{"version":1,"geometry":"4K/48"}"#, 3, "steps: missing"),
        ("steps not array", #"{"version":1,"geometry":"4K/48","steps":{}}"#, 3, "steps: expected an array"),
        ("unknown op", #"{"version":1,"geometry":"4K/48","steps":[{"op":"move","start":0,"size":1}]}"#, 3, "steps[0].op: unknown operation \"move\""),
        ("size zero", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":0}]}"#, 3, "steps[0].size: size is zero"),
        ("size not a size", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"3Q"}]}"#, 3, "steps[0].size: \"3Q\" is not a size"),
        ("negative size", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":-5}]}"#, 3, "steps[0].size: expected a non-negative integer"),
        ("unknown kind", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","kind":"pmem"}]}"#, 3, "steps[0].kind: unknown memory kind"),
        ("altmap on RAM", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","altmap":{}}]}"#, 3, "steps[0].altmap: an altmap belongs to an add of device memory"),
        ("unknown failure", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","fail":"oom"}]}"#, 3, "steps[0].fail: unknown failure \"oom\""),
        ("failing remove", #"{"version":1,"geometry":"4K/48","steps":[{"op":"remove","start":"8G","size":"1G","fail":"add_pages"}]}"#, 3, "only an add can fail"),
        ("failAllocation 0", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","failAllocation":0}]}"#, 3, "steps[0].failAllocation: 0 must be between 1"),
        ("physSize too small", #"{"version":1,"geometry":"4K/48","physSize":"4G","steps":[{"op":"add","start":"8G","size":"1G"}]}"#, 3, "physSize: 4G does not hold boot memory"),
        ("beyond the linear map", #"{"version":1,"geometry":"16K/36","steps":[{"op":"add","start":"40G","size":"1G"}]}"#, 3, "does not fit the 32G linear map of 16K/36"),
        ("overflow", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"0xffffffffffff0000","size":"1G"}]}"#, 3, "steps[0].size: start + size overflows"),
        ("step field", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","bogus":1}]}"#, 3, "steps[0].bogus: unknown field"),
        ("bool expected", #"{"version":1,"geometry":"4K/48","config":{"rodataFull":"yes"},"steps":[]}"#, 3, "config.rodataFull: expected true or false"),
        ("unaligned RAM add", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"0x200200000","size":"1G"}]}"#, 3, "steps[0]: memory add [0x200200000, +0x40000000): start and size must be multiples of 0x40000000"),
        ("overlapping add", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"},{"op":"add","start":"8G","size":"1G"}]}"#, 3, "steps[1]: add [0x200000000, +0x40000000): overlaps memory already present"),
        ("remove never added", #"{"version":1,"geometry":"4K/48","steps":[{"op":"remove","start":"8G","size":"1G"}]}"#, 3, "steps[0]: remove [0x200000000, +0x40000000): not inside boot memory or one added range"),
        ("add over boot memory", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"2G","size":"1G"}]}"#, 3, "overlaps memory already present"),
    ]

    @Test(arguments: CLITests.badScenarioCases.indices)
    func badScenario(_ i: Int) {
        let (what, text, code, message) = CLITests.badScenarioCases[i]
        let path = tempFile("bad-\(i).json", text)
        let r = cli(["run", path, "--revision", "final"])
        #expect(r.code == code, "\(what): exit \(r.code), stderr \(r.err)")
        #expect(r.err.contains(message), "\(what): \(r.err)")
        #expect(r.err.contains(path) || r.err.contains("final"), "\(what): the message names the file or run")
    }

    static let badArgumentCases: [([String], Int32, String)] = [
        (["frobnicate"], 2, "unknown command \"frobnicate\""),
        (["run"], 2, "run takes one scenario file"),
        (["run", "/nonexistent/x.json"], 4, "/nonexistent/x.json: cannot read"),
        (["run", "scenarios/example.json", "--revision", "v99"], 2, "unknown revision \"v99\""),
        (["run", "scenarios/example.json", "--frob"], 2, "unknown option --frob"),
        (["diff", "scenarios/example.json", "--revisions", "final"], 2, "diff needs at least two revisions"),
        (["fuzz", "--count", "10"], 2, "fuzz needs --seed S"),
        (["fuzz", "--seed", "1", "--count", "0"], 2, "--count 0: expected a whole number in 1...10000000"),
        (["fuzz", "--seed", "1", "--count", "1000000000000"], 2, "--count 1000000000000: expected a whole number"),
        (["scenarios", "--write", "/proc/hotremove-cannot-write"], 4, "cannot"),
        (["dump", "scenarios/example.json", "--revision", "v6,final"], 2, "dump shows one revision"),
    ]

    @Test(arguments: CLITests.badArgumentCases.indices)
    func badArguments(_ i: Int) {
        let (args, code, message) = CLITests.badArgumentCases[i]
        let r = cli(args.map { $0.hasPrefix("scenarios/") ? packageRoot + "/" + $0 : $0 })
        #expect(r.code == code, "\(args): exit \(r.code), stderr \(r.err)")
        #expect(r.err.contains(message), "\(args): \(r.err)")
    }
}
