import Foundation
import HotRemoveHarness
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// `hotremove oracle SCENARIO...`: each scenario on a real arm64 kernel under QEMU and in the
/// harness, compared leaf for leaf (Sources/HotRemoveHarness/Oracle).
enum OracleCommand {
    static let usage = """
    usage: hotremove oracle SCENARIO.json...   the scenario on a Debian arm64 kernel under QEMU and in the harness, compared
           [--kernel 6.1|6.12] [--revision R] [--era v5.7] [--json] [--plan]
      --kernel   the oracle kernel (default 6.1: Debian 12's; 6.12: bookworm-backports')
      --revision the harness revision to compare with (default fix2026)
      --era      the harness's environment (default v5.7, the only one it has yet)
      --plan     print the virtio-mem requests and the harness's per-block calls; run nothing
    Needs tools/oracle/install.sh (QEMU and the kernels; cache: $HOTREMOVE_ORACLE_CACHE or tools/oracle/cache).
    Exit: 0 the kernel and the harness agree, 1 an oracle.* difference, 3 a scenario virtio-mem cannot
    express, 5 QEMU or the guest failed, 8 QEMU or the kernel is not installed.
    """

    /// QEMU or the oracle kernel is missing: the oracle cannot run here (a test skips on it)
    static let notInstalled: Int32 = 8

    static func run(_ args: [String], _ c: Console) throws -> Int32 {
        let a: Arguments
        do { a = try Arguments(args, valued: ["kernel", "revision", "era"], flags: ["json", "plan"]) } catch let e as CommandError where e.code == .ok {
            throw CommandError(.ok, usage)
        }
        guard !a.positional.isEmpty else { throw CommandError(.usage, "oracle takes one or more scenario files\n\n\(usage)") }
        let kernelName = a.options["kernel"] ?? "6.1"
        guard OracleKernel.names.contains(kernelName) else {
            throw CommandError(.usage, "--kernel \(kernelName): one of \(OracleKernel.names.joined(separator: ", "))")
        }
        let revision = try CLI.revisionNames(a.all["revision"], default: "fix2026")
        guard revision.count == 1 else { throw CommandError(.usage, "oracle compares with one revision") }
        let eraName = a.options["era"] ?? HarnessEra.v5_7.name
        guard let era = HarnessEra.named(eraName) else {
            throw CommandError(.usage, "--era \(eraName): the harness has \(HarnessEra.all.map(\.name).joined(separator: ", "))")
        }
        let scenarios = try a.positional.map { try CLI.loadScenario($0) }
        var plans: [VirtioMemPlan] = []
        for sc in scenarios {
            do { plans.append(try VirtioMemPlan.make(sc)) } catch let e as VirtioMemPlan.Refusal {
                throw CommandError(.badInput, "\(sc.name): virtio-mem cannot express it: \(e)")
            }
        }
        if a.flags.contains("plan") {
            for (sc, p) in zip(scenarios, plans) { c.out(planText(sc, p)) }
            return 0
        }
        let kernel: OracleKernel
        do {
            _ = try OracleKernel.qemuBinary()
            kernel = try OracleKernel.installed(kernelName)
        } catch let e as OracleKernel.Missing {
            c.err("hotremove: oracle: \(e)\n")
            return notInstalled
        }
        var results: [OracleResult] = []
        for sc in scenarios {
            do {
                let r = try OracleRun.run(sc, kernel: kernel, revision: revision[0], era: era) { c.err("oracle: \($0)\n") }
                results.append(r)
                if !a.flags.contains("json") { c.out(OracleReport.text(r)) }
            } catch let e as OracleHarnessAdapter.Failure {
                throw CommandError(.badInput, "\(sc.name): \(e)")
            } catch {
                throw CommandError(.internalError, "\(sc.name) on kernel \(kernel.name): \(error)")
            }
        }
        if a.flags.contains("json") { c.out(JSONOutput.encode(results.map(OracleReport.json)) + "\n") }
        return results.contains { $0.mismatches > 0 } ? ExitCode.contractMismatch.rawValue : 0
    }

    static func planText(_ sc: Scenario, _ p: VirtioMemPlan) -> String {
        var s = "\(sc.name): guest RAM \(Quantity.human(p.bootSize)) at \(Quantity.hex(VirtioMemPlan.ramBase)), virtio-mem region \(Quantity.hex(p.regionBase)) +\(Quantity.human(p.regionSize)); guest = scenario + \(Quantity.hex(p.delta)); rodata=\(p.rodataFull ? "full" : "off")\n"
        for st in p.steps {
            s += "  step \(st.index): \(st.action.rawValue) [\(Quantity.hex(st.guestStart)), +\(Quantity.human(st.size))) -> requested-size \(Quantity.human(st.requestedSize))\n"
            let calls = p.calls.filter { $0.step == st.index }
            s += "    harness: " + calls.map { "\($0.op.rawValue) \(Quantity.hex($0.start))" }.joined(separator: ", ") + "\n"
        }
        return s
    }
}
