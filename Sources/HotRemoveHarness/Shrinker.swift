
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// Greedy delta debugging: drop steps and neighbours, halve ranges, fall back to default
/// era and configuration, as long as the finding that made the scenario interesting stays.
public enum Shrinker {
    public static func shrink(_ scenario: Scenario, maxTries: Int = 400,
                              stillFails: (Scenario) -> Bool) -> Scenario {
        var best = scenario
        var tries = 0
        var progress = true
        while progress && tries < maxTries {
            progress = false
            for candidate in candidates(best) {
                tries += 1
                if tries > maxTries { break }
                if stillFails(candidate) {
                    best = candidate
                    progress = true
                    break
                }
            }
        }
        best.name = scenario.name + "-min"
        return best
    }

    package static func candidates(_ s: Scenario) -> [Scenario] {
        var out: [Scenario] = []
        for i in s.steps.indices.reversed() {
            var c = s
            c.steps.remove(at: i)
            out.append(c)
        }
        for i in s.neighbours.indices {
            var c = s
            c.neighbours.remove(at: i)
            out.append(c)
        }
        // halve each distinct range everywhere it appears (add and its remove stay paired)
        let ranges = Set(s.steps.map { Pair(start: $0.start, size: $0.size) })
        for r in ranges.sorted(by: { ($0.start, $0.size) < ($1.start, $1.size) }) {
            let device = s.steps.contains { $0.start == r.start && $0.kind == .device }
            let unit: UInt64 = device ? 2 << 20 : s.sectionSize
            let half = r.size / 2 / unit * unit
            guard half >= unit, half < r.size else { continue }
            var c = s
            for i in c.steps.indices where c.steps[i].start == r.start && c.steps[i].size == r.size {
                c.steps[i].size = half
            }
            out.append(c)
        }
        for i in s.steps.indices where s.steps[i].failAllocation != nil || s.steps[i].altmap?.reserve ?? 0 > 0 {
            var c = s
            if let n = c.steps[i].failAllocation, n > 1 { c.steps[i].failAllocation = n / 2 } else { continue }
            out.append(c)
        }
        if s.rodataFull { var c = s; c.rodataFull = false; out.append(c) }
        if s.structPageSize != 64 { var c = s; c.structPageSize = 64; out.append(c) }
        if s.sectionSizeBits != 30, s.steps.allSatisfy({ $0.start % (1 << 30) == 0 && ($0.size % (1 << 30) == 0 || $0.kind == .device) }) {
            var c = s; c.sectionSizeBits = 30; out.append(c)
        }
        if s.bootSize > s.sectionSize, s.bootSize / 2 % s.sectionSize == 0 {
            var c = s
            c.bootSize /= 2
            if c.steps.allSatisfy({ $0.start >= c.bootStart + c.bootSize || $0.start + $0.size <= c.bootStart }) {
                out.append(c)
            }
        }
        return out
    }

    package struct Pair: Hashable { let start: UInt64; let size: UInt64 }
}
