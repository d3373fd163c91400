import CShimMutants
import HotRemoveHarness

/// One test-only mutant, as the manifest of its patch describes it: a mutant of a revision
/// (CShim/mutants/<base>/<name>.patch) or of the generic hotplug layer (CShim/mutants/generic/<name>.patch,
/// run with the revision its `Base:` line names).
public struct Mutant: Sendable, Equatable {
    /// "mut_<base>_<name>" or "mut_generic_<name>"
    public let name: String
    /// the revision whose code it runs and whose contract it is checked against
    public let base: String
    /// the finding rule (prefix) that must kill it; "crash" or "hang" for the crash-isolation mutants
    public let rule: String
    /// MutationTests kill scenarios that reach the changed code
    public let killScenarios: [String]
    /// what kind of bug, e.g. "free before walk TLBI"
    public let bugClass: String
    public let description: String
    /// The patch file, relative to the package root.
    public let patch: String

    /// A mutant of the generic hotplug layer (CShim/kernel/hotplug.c), not of its base revision's code.
    public var mutatesGenericLayer: Bool { patch.hasPrefix("CShim/mutants/generic/") }

    /// Killable by the checker (crash, abort and hang mutants test the crash isolation instead).
    public var killable: Bool { rule != "crash" && rule != "hang" }
}

/// The mutants of the revisions and of the generic layer (CShim/mutants): test-only, never linked into `hotremove`.
public enum Mutants {
    /// Every mutant, in the manifest's order (by base revision, then patch name).
    public static let all: [Mutant] = (0..<hr_mutant_count()).compactMap { i in
        guard let m = hr_mutant_at(Int32(i))?.pointee else { return nil }
        let kill = String(cString: m.kill)
        return Mutant(name: String(cString: m.revision), base: String(cString: m.base), rule: String(cString: m.rule),
                      killScenarios: kill == "-" ? [] : kill.split(separator: ",").map { $0.trimmed() },
                      bugClass: String(cString: m.class_name), description: String(cString: m.description),
                      patch: String(cString: m.patch))
    }

    public static func named(_ name: String) -> Mutant? { all.first { $0.name == name } }

    /// Registers the mutants' C instances with CShim and their revisions with `Registry`; once.
    public static func register() { _ = registered }

    private static let registered: Bool = {
        precondition(hr_mutants_register() == 0, "the mutant instances could not be registered")
        Registry.register(mutants: all.map {
            RevisionInfo(name: $0.name, title: $0.description,
                         provenance: "test-only mutant of \($0.mutatesGenericLayer ? "the generic hotplug layer, run with \($0.base)" : $0.base) (\($0.patch))",
                         contract: $0.base, inDefaultRuns: false)
        })
        return true
    }()
}

private extension Substring {
    func trimmed() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
