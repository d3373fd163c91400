import Foundation
@testable import HotRemoveCLI
@testable import HotRemoveHarness
@testable import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario
import Testing

/// Runs the CLI in-process, capturing both streams; campaigns' workers are the shipped tool, and no crash
/// guard is installed (its handlers would belong to the whole test process).
func cli(_ args: [String]) -> (code: Int32, out: String, err: String) {
    let out = Locked(""), err = Locked("")
    let console = Console(out: { s in out.with { $0 += s } }, err: { s in err.with { $0 += s } })
    let code = CLI.main(args, console: console, settings: CLI.Settings(crashGuard: false, worker: Tools.shipped))
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
        ("failing remove", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"},{"op":"remove","start":"8G","size":"1G","fail":"add_pages"}]}"#, 3, "steps[1].fail: only an add can fail"),
        ("failAllocation 0", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","failAllocation":0}]}"#, 3, "steps[0].failAllocation: 0 must be between 1"),
        ("physSize too small", #"{"version":1,"geometry":"4K/48","physSize":"4G","steps":[{"op":"add","start":"8G","size":"1G"}]}"#, 3, "physSize: 4G does not hold boot memory"),
        ("beyond the linear map", #"{"version":1,"geometry":"16K/36","steps":[{"op":"add","start":"40G","size":"1G"}]}"#, 3, "steps[0]: add [0xa00000000, +1G) does not fit the 32G linear map of 16K/36"),
        ("overflow", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"0xffffffffffff0000","size":"1G"}]}"#, 3, "steps[0].size: start + size overflows"),
        ("step field", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G","bogus":1}]}"#, 3, "steps[0].bogus: unknown field"),
        ("bool expected", #"{"version":1,"geometry":"4K/48","config":{"rodataFull":"yes"},"steps":[]}"#, 3, "config.rodataFull: expected true or false"),
        ("unaligned RAM add", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"0x200200000","size":"1G"}]}"#, 3, "steps[0]: RAM add [0x200200000, +1G): start and size must be multiples of the section size 1G"),
        ("overlapping add", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"},{"op":"add","start":"8G","size":"1G"}]}"#, 3, "steps[1]: add [0x200000000, +0x40000000): overlaps memory already present"),
        ("remove never added", #"{"version":1,"geometry":"4K/48","steps":[{"op":"remove","start":"8G","size":"1G"}]}"#, 3, "steps[0]: remove [0x200000000, +1G): no boot memory there, and no earlier add"),
        ("add over boot memory", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"2G","size":"1G"}]}"#, 3, "steps[0]: add [0x80000000, +1G) overlaps boot memory"),
        // checked arithmetic, the field named
        ("wrapping step", #"{"version":1,"geometry":"4K/48","physOffset":0,"steps":[{"op":"add","start":"0xffffffffc0000000","size":"0x3fffffff"}]}"#, 3, "steps[0]: add [0xffffffffc0000000, +0x3fffffff) is beyond 48-bit physical addresses"),
        ("step start 2^63-1", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"9223372036854775807","size":"1G"}]}"#, 3, "steps[0]: add [0x7fffffffffffffff, +1G) is beyond 48-bit physical addresses"),
        ("largest UInt64 as a number", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":18446744073709551615,"size":"1G"}]}"#, 3, "steps[0].size: start + size overflows"),
        ("fraction", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":1.5}]}"#, 3, "steps[0].size: a whole number is expected"),
        ("physOffset 2^48", #"{"version":1,"geometry":"4K/48","physOffset":"0x1000000000000","steps":[]}"#, 3, "physOffset: 0x1000000000000 is beyond 48-bit physical addresses"),
        ("wrapped boot memory", #"{"version":1,"geometry":"4K/48","bootMemory":{"start":"0xffffffffc0000000","size":"2G"},"steps":[]}"#, 3, "bootMemory.size: start + size overflows"),
        ("step below physOffset", #"{"version":1,"geometry":"4K/48","physOffset":"4G","bootMemory":{"start":"4G"},"steps":[{"op":"add","start":"0","size":"1G"}]}"#, 3, "steps[0].start: 0x0 is below physOffset 0x100000000"),
        ("physSize not whole sections", #"{"version":1,"geometry":"4K/48","physSize":"0x240001000","steps":[]}"#, 3, "physSize: 0x240001000 must be a multiple of the section size 1G"),
        ("neighbour symbol wraps", #"{"version":1,"geometry":"4K/48","neighbours":[{"va":"PAGE_OFFSET-0xffffffffffffffff","size":"4K"}],"steps":[]}"#, 3, "neighbours[0].va: \"PAGE_OFFSET-0xffffffffffffffff\" is not an address"),
        // strict numbers
        ("plus sign", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"+8G","size":"1G"}]}"#, 3, "steps[0].start: \"+8G\" is not a size"),
        ("minus zero", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"-0"}]}"#, 3, "steps[0].size: \"-0\" is not a size"),
        ("sign after 0x", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"0x+40000000","size":"1G"}]}"#, 3, "steps[0].start: \"0x+40000000\" is not a size"),
        ("version fraction", #"{"version":1.5,"geometry":"4K/48","steps":[]}"#, 3, "version: a whole number is expected"),
        // JSON text
        ("duplicate key", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"}],"steps":[]}"#, 3, "steps: duplicate key"),
        ("duplicate nested key", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","op":"remove","start":"8G","size":"1G"}]}"#, 3, "steps[0].op: duplicate key"),
        ("jsonc comment", "{ \"version\": 1, // the format\n \"geometry\": \"4K/48\", \"steps\": [] }", 3, "comments are not allowed in a scenario (JSON has none): // at line 1"),
        ("block comment", "{ \"version\": 1, \"geometry\": \"4K/48\",\n /* none */ \"steps\": [] }", 3, "comments are not allowed in a scenario (JSON has none): /* at line 2"),
        ("control character in name", #"{"version":1,"name":"a\u0007b","geometry":"4K/48","steps":[]}"#, 3, "name: contains the control character U+0007"),
        ("control character in description", #"{"version":1,"description":"x\ny","geometry":"4K/48","steps":[]}"#, 3, "description: contains the control character U+000A"),
        // steps
        ("failAllocation on remove", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"},{"op":"remove","start":"8G","size":"1G","failAllocation":2}]}"#, 3, "steps[1].failAllocation: only an add allocates pages (a remove does not)"),
        ("failAllocation on offline", #"{"version":1,"geometry":"4K/48","steps":[{"op":"offline","start":"2G","size":"1G","failAllocation":1}]}"#, 3, "steps[0].failAllocation: only an add allocates pages (a offline does not)"),
        ("64K sections of 2^28", #"{"version":1,"geometry":"64K/48","era":{"sectionSizeBits":28},"steps":[]}"#, 3, "era.sectionSizeBits: 28 is out of range for 64K/48 (29...30"),
        ("4K sections of 2^21", #"{"version":1,"geometry":"4K/48","era":{"sectionSizeBits":21},"steps":[]}"#, 3, "era.sectionSizeBits: 21 is out of range for 4K/48 (22...30"),
        ("altmap reserve with a unit", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"4M","kind":"device","altmap":{"reserve":"4M"}}]}"#, 3, "steps[0].altmap.reserve: \"4M\" is not a page count"),
        ("altmap reserve the whole range", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"2M","kind":"device","altmap":{"reserve":512}}]}"#, 3, "steps[0].altmap.reserve: 512 pages: not fewer than the 512 pages of the range"),
        ("altmap free beyond the range", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"2M","kind":"device","altmap":{"reserve":12,"free":"0x200"}}]}"#, 3, "steps[0].altmap.free: 512 pages: more than the 500 pages after reserve 12"),
        ("device memory unaligned", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"0x200100000","size":"2M","kind":"device"}]}"#, 3, "steps[0]: device memory add [0x200100000, +2M): start and size must be multiples of the sub-section size 2M"),
        ("offline boot memory as device", #"{"version":1,"geometry":"4K/48","steps":[{"op":"offline","start":"2G","size":"1G","kind":"device"}]}"#, 3, "steps[0].kind: device, but [0x80000000, +1G) is boot memory, which is RAM"),
        ("remove boot memory as device", #"{"version":1,"geometry":"4K/48","steps":[{"op":"remove","start":"2G","size":"1G","kind":"device"}]}"#, 3, "steps[0].kind: device, but [0x80000000, +1G) is boot memory, which is RAM"),
        ("remove device memory as RAM", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"2M","kind":"device"},{"op":"remove","start":"8G","size":"2M","kind":"ram"}]}"#, 3, "steps[1].kind: ram, but [0x200000000, +2M) is device memory (as added)"),
        ("remove across RAM and device", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"1G"},{"op":"add","start":"9G","size":"2M","kind":"device"},{"op":"remove","start":"8G","size":"2G"}]}"#, 3, "steps[2]: remove [0x200000000, +2G) spans RAM and device memory"),
        ("remove after a failed device add", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"2M","kind":"device","fail":"add_pages"},{"op":"remove","start":"8G","size":"2M"}]}"#, 3, "steps[1]: remove [0x200000000, +2M): no boot memory there, and no earlier add (that is not told to fail) adds any"),
        // resources: refused up front, the limit named.  8T of 4K pages: 2^31 pages x 6 host bytes = 12 GiB,
        // plus the process and boot page tables, rounded up to 13G; 256G added: 2^26 struct pages x 64 bytes
        // = 4 GiB of memmap > half of 4G boot memory
        ("boot memory beyond the host limit", #"{"version":1,"geometry":"4K/48","bootMemory":{"start":"1G","size":"8T"},"steps":[]}"#, 3, "bootMemory.size: 8T of boot memory needs about 13G of host memory; the limit is 4G"),
        ("boot memory too small for itself", #"{"version":1,"geometry":"4K/48","era":{"sectionSizeBits":22},"bootMemory":{"start":"1G","size":"4M"},"steps":[]}"#, 3, "bootMemory.size: 4M of boot memory cannot hold its own memmap and page tables"),
        ("add beyond what boot memory can map", #"{"version":1,"geometry":"4K/48","steps":[{"op":"add","start":"8G","size":"256G"}]}"#, 3, "steps[0]: the memmap and page tables of the memory added so far need about"),
        // a 1T neighbour of 4K pages: 2^28 PTEs of 8 bytes, 2 GiB of PTE tables, with boot's own > 2G
        ("neighbour beyond boot memory", #"{"version":1,"geometry":"4K/48","neighbours":[{"va":"VMALLOC_START","size":"1T"}],"steps":[]}"#, 3, "neighbours[0].size: 1T: the page tables of the neighbours so far need about 3G of boot memory"),
        ("too many rodata_full steps", CLITests.manyRodataSteps, 3, "steps[7539]: the steps up to this one need about 5G of host memory (boot memory, the memory added, page tables, and what each step's check keeps); the limit is 4G"),
    ]

    /// 5,000 add/remove pairs of 1 GiB at 128G under rodata_full with 64 GiB of boot memory (docs/SCENARIOS.md's
    /// estimate).  Before any step: 32 MiB (process) + 2^24 boot pages x 6 B = 96 MiB + boot's 32,768 PTE tables
    /// and a few more, 32,834 pages x 6 KiB = 192.4 MiB: 320.1 MiB.  Each step touches 262,144 PTEs + 8
    /// vmemmap blocks + 16 = 262,168 entries, and keeps 2 B each (512.0 KiB); the step in hand costs 12 B each
    /// (3 MiB), and the memory added and not yet removed its 533 table pages x 6 KiB = 3.1 MiB and half a byte
    /// for each of its 262,144 pages.  320.1 + 6.2 + k x 0.50003 MiB passes 4096 MiB at step k = 7539, a
    /// removal (the memory's tables are there until it ends); 4.0002 GiB is said rounded up, 5G.
    static let manyRodataSteps: String = {
        let pair = #"{"op":"add","start":"128G","size":"1G"},{"op":"remove","start":"128G","size":"1G"}"#
        return #"{"version":1,"geometry":"4K/48","config":{"rodataFull":true},"bootMemory":{"start":"1G","size":"64G"},"steps":["#
            + Array(repeating: pair, count: 5000).joined(separator: ",") + "]}"
    }()

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
        (["check", "scenarios/example.json", "--revision", "v6,,final"], 2, "--revision v6,,final: an empty revision name"),
        (["check", "scenarios/example.json", "--revision", "final", "--revision", "final"], 2, "revision final is named twice"),
        (["diff", "scenarios/example.json", "--revisions", "v6,v6"], 2, "revision v6 is named twice"),
        (["--seed", "abc", "--count", "0"], 2, "--seed abc: expected a whole number"),
        (["--seed", "-3", "--count", "0"], 2, "--seed -3: expected a whole number"),
        (["fuzz", "--seed", "1x"], 2, "--seed 1x: expected a whole number"),
        (["fuzz", "--seed", "1", "--out", ""], 2, "--out: an empty directory name"),
        (["--count", "0", "--out", ""], 2, "--out: an empty directory name"),
        (["scenarios", "--write", ""], 2, "--write: an empty directory name"),
        (["run", "scenarios/example.json", "--timeout", "0"], 2, "--timeout 0: expected a whole number in 1...3600"),
        (["check", "scenarios/example.json", "--timeout", "-1"], 2, "--timeout -1: expected a whole number"),
        (["check", "scenarios"], 4, "scenarios: is a directory, not a scenario file"),
        (["check", "/dev/null"], 4, "/dev/null: not a regular file (a device, fifo or socket)"),
        (["fuzz", "--seed", "1", "--count", "1", "--report", "scenarios"], 4, "--report "),
        (["fuzz", "--seed", "1", "--count", "1", "--out", "/dev/null/x"], 4, "--out /dev/null/x"),
        (["fuzz", "--seed", "1", "--count", "1", "--out", "scenarios/example.json"], 4, "not a directory"),
    ]

    @Test(arguments: CLITests.badArgumentCases.indices)
    func badArguments(_ i: Int) {
        let (args, code, message) = CLITests.badArgumentCases[i]
        let r = cli(args.enumerated().map { $0.offset > 0 && $0.element.hasPrefix("scenarios") ? packageRoot + "/" + $0.element : $0.element })
        #expect(r.code == code, "\(args): exit \(r.code), stderr \(r.err)")
        #expect(r.err.contains(message), "\(args): \(r.err)")
        // refused before any work: no campaign started
        #expect(!r.err.contains("fuzz: seed"), "\(args): \(r.err)")
    }

    @Test(arguments: ["revisions", "dump", "run", "check", "diff", "fuzz", "scenarios", "bench"])
    func helpOfEveryCommand(_ command: String) {
        let r = cli([command, "--help"])
        #expect(r.code == 0, "\(command) --help: \(r.err)")
        #expect(r.out.contains("usage: hotremove"))
        #expect(r.out.contains("7 the revision under test crashed or hung"))
    }

    @Test func repeatedRevisionOptionsAreAllRun() {
        let r = cli(["check", packageRoot + "/scenarios/example.json", "--revision", "v6", "--revision", "final"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("example on v6 (4K/48)"))
        #expect(r.out.contains("example on final (4K/48)"))
    }

    @Test func dumpReplaysRemovalsBetweenAdds() throws {
        let sc = try #require(CuratedScenarios.all.first { $0.name == "repeat-add-remove@4K-48" })
        let path = tempFile("repeat-add-remove.json", String(decoding: sc.jsonData(), as: UTF8.self))
        let r = cli(["dump", path])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("# step 3: remove ram [0x200000000, +1G) -> ok"))
        #expect(r.out.contains("# step 4: add ram [0x200000000, +1G) -> ok"))
        #expect(!r.out.contains("# step 5"), "the last removal is not replayed: the dump shows the memory added")
        // [8G, +1G) at PAGE_OFFSET + 7G: one PUD block, as after the first add
        #expect(r.out.contains("0xffff0001c0000000-0xffff000200000000           1G PUD"))
    }

    @Test func scenariosOfACampaignCanBeWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotremove-write-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        let r = cli(["scenarios", "--seed", "1", "--index", "1", "--write", dir])
        #expect(r.code == 0, "\(r.err)")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/fuzz-1-1.json"))
        let sc = try Scenario.parse(data: data)
        #expect(sc.name == "fuzz-1-1")
        #expect(sc.steps.count == ScenarioGenerator.generate(seed: 1, index: 1).steps.count)
    }
}
