// Helpers shared by the model tests: building scenarios, finding runs, and
// dressing a prediction up as an observation (to test the checker on
// observations that differ from it in one known way).
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// The reference case of the contract tests: 4K/48, boot [1G, 2G), the section at PA 65G added and removed.
public let referenceRemoval: [Scenario.Step] = [.init(op: .add, start: 65 * G, size: G), .init(op: .remove, start: 65 * G, size: G)]

public let K: UInt64 = 1 << 10, M: UInt64 = 1 << 20, G: UInt64 = 1 << 30, T: UInt64 = 1 << 40

public func scenario(_ g: String, boot: UInt64 = G, bootStart: UInt64? = nil, section: Int = 30, structPage: Int = 64,
              rodata: Bool = false, _ steps: [Scenario.Step]) -> Scenario {
    Scenario(name: "test", geometry: Geometry(name: g)!, sectionSizeBits: section, structPageSize: structPage,
             bootStart: bootStart, bootSize: boot, rodataFull: rodata, steps: steps)
}

/// The run holding `va`.
public func run(_ s: ModelSnapshot, at va: UInt64) -> PredictedRun? {
    s.runs.first { $0.va <= va && va < $0.end }
}

/// A deterministic stand-in for a PA the allocator would pick.
public func fakePA(_ va: UInt64) -> UInt64 { (va & 0x0000_ffff_ffff_ffff) | 0x0000_8000_0000_0000 }

/// An observed state exactly like the model's snapshot: table pages get
/// distinct made-up PAs, unknown leaf PAs are made up from the VA.
public func observed(_ s: ModelSnapshot, _ g: Geometry) -> ObservedState {
    let runs = s.runs.map {
        ObservedRun(va: $0.va, count: $0.count, entrySize: $0.entrySize, pa: $0.pa ?? fakePA($0.va), attrs: $0.attrs,
                    level: $0.level, kind: $0.kind)
    }
    var tables: [ObservedTable] = []
    for t in s.tables {
        for i in 0 ..< t.count {
            let va = t.vaStart &+ i &* t.span
            tables.append(ObservedTable(level: t.level, pa: tablePA(t.level, va, g), vaStart: va, vaSpan: t.span, live: 1))
        }
    }
    return ObservedState(runs: runs, tables: tables)
}

public func tablePA(_ l: Level, _ va: UInt64, _ g: Geometry) -> UInt64 {
    0x1000_0000_0000 &* UInt64(l.rawValue + 1) &+ ((va &- g.pageOffset) / g.tableSpan(l)) &* g.pageSize
}

/// The effects a perfect run of the step without a trace records: the prediction's, TLBI addresses not traced.
public func recordedEffects(_ p: StepPrediction) -> StepEffects {
    var e = p.effects
    e.tlbiVAAddresses = StepEffects.notTraced
    e.tlbiWalkAddresses = StepEffects.notTraced
    return e
}

/// The WARN_ON() sites a prediction implies, one made-up site per condition.
public func warnSites(_ p: StepPrediction) -> [ObservedWarn] {
    // the model's sites are "arch/arm64/mm/mmu.c: <condition>"; a transcription's file maps back to it
    p.effects.warns.sorted { $0.key < $1.key }.enumerated().map {
        let condition = String($0.element.key.drop { $0 != ":" }.dropFirst(2))
        return ObservedWarn(file: "hotremove_\(p.revision).c", line: 100 + $0.offset, condition: condition, count: $0.element.value)
    }
}

public func result(_ o: StepPrediction.Outcome) -> StepResult {
    switch o {
    case .ok: return .ok
    case .error(let e): return .error(e)
    case .refused: return .refused
    case .oops: return .oops("BUG")
    case .invalid(let why): return .invalid(why)
    case .blocked(let lock): return .blocked(lock.rawValue)
    }
}

/// The observation of step `i` the model predicts, before any tampering.
public func perfectObservation(_ m: ModelJudge, step i: Int, before: ModelSnapshot) -> StepObservation {
    let p = m.prediction(step: i)
    let g = m.scenario.geometry
    return StepObservation(index: i, result: result(p.outcome), effects: recordedEffects(p), warns: warnSites(p), faults: [], trace: nil,
                           before: observed(before, g), after: observed(p.after, g))
}
