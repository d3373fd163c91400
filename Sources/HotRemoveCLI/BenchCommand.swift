import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

enum BenchCommand {
    static func run(_ args: [String], _ c: Console, _ settings: CLI.Settings) throws -> Int32 {
        let a = try Arguments(args, valued: ["sizes", "geometries", "mapping", "region", "revisions", "reps", "out", "throughput", "timeout",
                                             "campaign-count", "rss-count", "svg"],
                              flags: ["quick", "json", "no-throughput", "memmap-costs", "markdown", "no-targets", "no-tib"])
        // --timeout S: each repetition of a point may take S seconds (default 120: a repetition adds the
        // memory four times and checks a removal of up to terabytes in full)
        let timeout = a.options["timeout"] == nil ? 120 : try a.timeout()
        // each repetition of a point may take `timeout` seconds
        let runGuard = settings.guardRuns(timeout: timeout)
        if a.flags.contains("memmap-costs") { return try memmapCosts(a, c) }
        let quick = a.flags.contains("quick")
        let sizes = try (a.options["sizes"] ?? (quick ? "1G,8G" : "1G,8G,64G,256G")).split(separator: ",").map { s -> UInt64 in
            guard let v = Quantity.parseSize(String(s)), v >= 1 << 27, v <= 1 << 42 else {
                throw CommandError(.usage, "--sizes \(s): a size from one section (128M) to 4T")
            }
            return v
        }
        let geos = try (a.options["geometries"] ?? "4K/48").split(separator: ",").map { s -> Geometry in
            guard let g = Geometry(name: String(s)) else { throw CommandError(.usage, "--geometries \(s): unknown geometry") }
            return g
        }
        let mappings = try (a.options["mapping"] ?? "blocks,no-blocks").split(separator: ",").map { s -> Bench.Mapping in
            guard let m = Bench.Mapping(rawValue: String(s)) else { throw CommandError(.usage, "--mapping \(s): blocks, cont or no-blocks") }
            return m
        }
        let regions = try (a.options["region"] ?? "linear").split(separator: ",").map { s -> Bench.Region in
            guard let r = Bench.Region(rawValue: String(s)) else { throw CommandError(.usage, "--region \(s): linear, vmemmap or device") }
            return r
        }
        for (name, list) in [("sizes", sizes.count), ("geometries", geos.count), ("mapping", mappings.count), ("region", regions.count)]
            where list == 0 {
            throw CommandError(.usage, "--\(name) \(a.options[name] ?? ""): no value given")
        }
        // RAM is added in whole sections: a point's size is a multiple of the section size its mapping uses
        // (Bench.scenario: SECTION_SIZE_BITS 30 as in v5.7; cont: 27, or 29 with 64K pages)
        for g in geos {
            for m in mappings {
                let section: UInt64 = m == .cont ? (g.pageShift == 16 ? 1 << 29 : 1 << 27) : 1 << 30
                for size in sizes where size % section != 0 {
                    throw CommandError(.usage, "--sizes \(Quantity.human(size)): the \(m.rawValue) mapping on \(g.name) adds whole \(Quantity.human(section)) sections; use a multiple of \(Quantity.human(section))")
                }
            }
        }
        // every point must fit the host memory bound, checked before any is measured
        for g in geos {
            for region in regions {
                for mapping in mappings where region != .device || mapping == .blocks {
                    for size in sizes where size <= (g.pageEnd &- g.pageOffset) / 2 {
                        let need = Bench.scenario(g, mapping, region, size: size).0.hostMemoryEstimate(traced: false).bytes
                        guard need <= Scenario.hostMemoryLimit else {
                            throw CommandError(.usage, "--sizes \(Quantity.human(size)): the \(mapping.rawValue) \(region.rawValue) point on \(g.name) needs about \(Quantity.human(((need + (1 << 30) - 1) >> 30) << 30)) of host memory (its page tables and memmap); the limit is \(Quantity.human(Scenario.hostMemoryLimit))")
                        }
                    }
                }
            }
        }
        let revs = try CLI.revisionNames(a.all["revisions"])
        let reps = try a.int("reps", default: quick ? 1 : 3, range: 1...100)
        let out = a.options["out"] ?? "bench/bench.json"
        try AtomicFile.checkWritable(out, what: "--out")
        // the plots are written beside the report: their paths are checked before the work too
        let plotBase = out.hasSuffix(".json") ? String(out.dropLast(5)) : out
        for plot in [plotBase + "-cost.svg", plotBase + "-tlbi.svg"] { try AtomicFile.checkWritable(plot, what: "--out (its plot)") }
        // SIGINT/SIGTERM: the point in hand finishes, then the points measured so far are reported
        Interrupts.install()
        var points: [Bench.Point] = []
        let total = sizes.count * geos.count * mappings.count * regions.count * revs.count
        measuring: for g in geos {
            for region in regions {
                for mapping in mappings {
                    if region == .device && mapping != .blocks { continue }
                    for rev in revs {
                        if region == .device && rev != "altmap" { continue }
                        for size in sizes {
                            if size > (g.pageEnd &- g.pageOffset) / 2 { continue }
                            if Interrupts.requested() { break measuring }
                            c.err("bench: \(points.count + 1)/\(total) \(g.name) \(region.rawValue) \(mapping.rawValue) \(rev) \(Quantity.human(size))\n")
                            let pointGuard = CLI.RunGuard(armed: runGuard.armed, timeout: timeout &* UInt32(reps))
                            do {
                                points.append(try pointGuard.around {
                                    try Bench.point(geometry: g, mapping: mapping, region: region, revision: rev, size: size, reps: reps)
                                })
                            } catch {
                                throw CommandError(.internalError, "bench \(g.name) \(region.rawValue) \(mapping.rawValue) \(rev) \(Quantity.human(size)): \(error)")
                            }
                        }
                    }
                }
            }
        }
        var report = Bench.Report(cores: ProcessInfo.processInfo.activeProcessorCount, points: points, throughput: nil)
        let interrupted = Interrupts.requested()
        if interrupted { report.interrupted = true }
        if !a.flags.contains("no-throughput") && !interrupted {
            let n = try a.int("throughput", default: quick ? 200 : 2000, range: 10...1_000_000)
            c.err("bench: campaign throughput, \(n) scenarios\n")
            report.throughput = Bench.throughput(count: n, worker: settings.worker)
        }
        if !a.flags.contains("no-targets") && !interrupted {
            var o = BenchTargets.Options()
            o.reps = reps
            o.campaignCount = try a.int("campaign-count", default: quick ? 100 : 600, range: 10...1_000_000)
            o.smallCount = o.campaignCount
            o.rssCount = try a.int("rss-count", default: quick ? 500 : 10_000, range: 10...1_000_000)
            o.tebibyte = !a.flags.contains("no-tib") && !quick
            o.worker = settings.worker
            do {
                report.targets = try BenchTargets.measure(o, points: points) { c.err($0) }
            } catch let e as HarnessError {
                throw CommandError(.internalError, e.message)
            }
        }
        let json = JSONOutput.encode(report) + "\n"
        try AtomicFile.write(Data(json.utf8), to: out)
        let base = out.hasSuffix(".json") ? String(out.dropLast(5)) : out
        try AtomicFile.write(Data(costPlot(points).utf8), to: base + "-cost.svg")
        try AtomicFile.write(Data(tlbiPlot(points).utf8), to: base + "-tlbi.svg")
        c.out(a.flags.contains("json") ? json : table(report) + "written: \(out), \(base)-cost.svg, \(base)-tlbi.svg\n")
        if interrupted {
            c.err("hotremove: interrupted: \(points.count) of \(total) points measured (reported; no throughput or targets)\n")
            return ExitCode.interrupted.rawValue
        }
        return 0
    }

    /// `bench --memmap-costs`: the memmap cost table (MemmapCost) for each geometry (default one per granule),
    /// SECTION_SIZE_BITS (27 or 29, and 30), sizeof(struct page) 56/64/72 and variant.
    static func memmapCosts(_ a: Arguments, _ c: Console) throws -> Int32 {
        // --svg FILE: the table as a plot too (checked before the measurement, which takes a while)
        let svg = a.options["svg"]
        if let path = svg {
            guard !path.isEmpty else { throw CommandError(.usage, "--svg: an empty file name") }
            try AtomicFile.checkWritable(path, what: "--svg")
        }
        let geos = try (a.options["geometries"] ?? "4K/48,16K/48,64K/48").split(separator: ",").map { s -> Geometry in
            guard let g = Geometry(name: String(s)) else { throw CommandError(.usage, "--geometries \(s): unknown geometry") }
            return g
        }
        var rows: [MemmapCost.Row] = []
        for g in geos {
            for bits in MemmapCost.sectionBits(g) {
                for size in [56, 64, 72] {
                    for v in MemmapCost.variants {
                        c.err("bench: memmap cost \(g.name) section bits \(bits) struct page \(size) \(v)\n")
                        do {
                            rows.append(try MemmapCost.row(geometry: g, sectionBits: bits, structPage: size, variant: v))
                        } catch {
                            throw CommandError(.internalError, "bench --memmap-costs \(g.name) \(bits) \(size) \(v): \(error)")
                        }
                    }
                }
            }
        }
        c.out(a.flags.contains("json") ? JSONOutput.encode(rows) + "\n" : MemmapCost.table(rows, markdown: a.flags.contains("markdown")))
        if let path = svg {
            try AtomicFile.write(Data(MemmapCost.svg(rows).utf8), to: path)
            c.err("bench: written \(path)\n")
        }
        return 0
    }

    static func table(_ r: Bench.Report) -> String {
        func f(_ v: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", v) }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var s = "geometry mapping   region  rev     size     add ms   unmap ms  free ms  rmw ms  read ms  unmap/rmw free/read ns/leaf  remove ms check ms chk/rm model ms  vaale1is/G vmalle1is/G vaae1is/G tables  rss MiB  TLBI/vmemmap-blk\n"
        for p in r.points {
            s += p.geometry.padding(toLength: 9, withPad: " ", startingAt: 0) + p.mapping.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            s += p.region.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + p.revision.padding(toLength: 7, withPad: " ", startingAt: 0)
            s += pad(Quantity.human(p.sizeBytes), 5) + pad(f(p.addMs.median), 11) + pad(f(p.unmapMs.median), 11) + pad(f(p.freeMs.median), 9)
            s += pad(f(p.rmwSweepMs.median), 8) + pad(f(p.readSweepMs.median), 9) + pad(f(p.unmapVsRmw), 10) + pad(f(p.freeVsRead), 10)
            s += pad(f(p.nsPerLeaf), 8) + pad(f(p.removeMs.median), 11) + pad(f(p.checkMs.median), 9) + pad(f(p.checkVsRemove), 7)
            s += pad(f(p.modelMs.median, 3), 9) + pad(f(p.tlbiPerGiB["vaale1is"] ?? 0, 1), 12) + pad(f(p.tlbiPerGiB["vmalle1is"] ?? 0, 1), 12)
            s += pad(f(p.tlbiPerGiB["vaae1is"] ?? 0, 1), 10) + pad("\(p.tablesFreed)", 7) + pad(f(p.peakRssMiB, 0), 9)
            s += pad(p.tlbiPerVmemmapBlock.map { f($0, 1) } ?? "-", 18) + "\n"
        }
        s += "(times: median of the repetitions; min-max in the JSON)\n"
        if r.interrupted == true { s += "(interrupted: only the points measured before the signal; no throughput or targets)\n" }
        if let t = r.throughput {
            s += "campaign throughput (\(t.scenarios) small random scenarios, final, every step checked): "
            s += "\(Int(t.singleCorePerSecond))/s on 1 core, \(Int(t.allCoresPerSecond))/s on \(t.cores) cores"
            if let i = t.isolatedAllCoresPerSecond { s += ", \(Int(i))/s on \(t.cores) cores with crash isolation" }
            s += "\n"
        }
        if let ts = r.targets { s += "\ntargets (docs/PERFORMANCE.md; each measured in this run, met on the median):\n" + BenchTargets.table(ts) }
        return s
    }

    static func costPlot(_ points: [Bench.Point]) -> String {
        var series: [SVGPlot.Series] = []
        let keys = Set(points.map { "\($0.revision) \($0.geometry) \($0.mapping.rawValue) \($0.region.rawValue)" }).sorted()
        for k in keys {
            let ps = points.filter { "\($0.revision) \($0.geometry) \($0.mapping.rawValue) \($0.region.rawValue)" == k }
            series.append(.init(name: k, points: ps.map { (Double($0.sizeBytes) / Double(1 << 30), $0.unmapMs.median + $0.freeMs.median) }))
        }
        return SVGPlot.logLog(title: "Teardown cost (unmap + free pass) vs size", xLabel: "memory removed (GiB)",
                              yLabel: "time (ms)", series: series)
    }

    static func tlbiPlot(_ points: [Bench.Point]) -> String {
        let groups = Set(points.map { "\($0.geometry) \($0.mapping.rawValue) \($0.region.rawValue)" }).sorted()
        let revs = Set(points.map(\.revision)).sorted()
        var series: [SVGPlot.Series] = []
        for rev in revs {
            for kind in ["vaale1is", "vmalle1is", "vaae1is"] {
                let pts = groups.enumerated().compactMap { gi, g -> (x: Double, y: Double)? in
                    let ps = points.filter { $0.revision == rev && "\($0.geometry) \($0.mapping.rawValue) \($0.region.rawValue)" == g }
                    guard let big = ps.max(by: { $0.sizeBytes < $1.sizeBytes }) else { return nil }
                    return (Double(gi), big.tlbiPerGiB[kind] ?? 0)
                }
                if pts.contains(where: { $0.y > 0 }) { series.append(.init(name: "\(rev) \(kind)", points: pts)) }
            }
        }
        return SVGPlot.bars(title: "TLBIs per GiB removed (largest size of each group)", yLabel: "TLBIs per GiB (log)",
                            groups: groups, series: series)
    }
}
