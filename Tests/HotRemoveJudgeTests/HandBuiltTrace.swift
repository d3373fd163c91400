// What the hand-built traces of the ordering tests share: a 4K/48 scenario with no steps (PAGE_OFFSET
// 0xffff000000000000, VMEMMAP_START 0xfffffdffffe00000), and the barriers of the kernel's flush
// sequences: dsb(ishst) before a TLBI, dsb(ish) after it, isb; and vmalle1is.
@testable import HotRemoveJudge
@testable import HotRemoveModel
import HotRemoveScenario
import HotRemoveTestSupport

protocol HandBuiltTrace {}

private let handBuiltScenario = scenario("4K/48", [])

extension HandBuiltTrace {
    var sc: Scenario { handBuiltScenario }
    var lay: Layout { Layout(sc) }
    var ishst: ObservedEvent { .init(kind: .dsb, level: 0, count: 1, a: 0, b: 0) }
    var ish: ObservedEvent { .init(kind: .dsb, level: 1, count: 1, a: 0, b: 0) }
    var isb: ObservedEvent { .init(kind: .isb, level: 0, count: 1, a: 0, b: 0) }
    var all: ObservedEvent { .init(kind: .tlbiAll, level: 0, count: 1, a: 0, b: 0) }
}
