import CShim
import HotRemoveModel

/// A transcribed revision of the hot-remove routines.  Adding a revision is one
/// C file in CShim/mmu (then CShim/instances/generate.sh) and one line here.
public struct RevisionInfo: Sendable, Equatable {
    public let name: String
    public let title: String
    public let provenance: String
    /// the model contract it is checked against (its own, or "final" for a mutant of final)
    public let contract: String
    /// part of "all" and of the main job
    public let inDefaultRuns: Bool

    public init(name: String, title: String, provenance: String, contract: String? = nil, inDefaultRuns: Bool = true) {
        self.name = name; self.title = title; self.provenance = provenance; self.contract = contract ?? name
        self.inDefaultRuns = inDefaultRuns
    }
}

public enum Registry {
    public static let revisions: [RevisionInfo] = [
        RevisionInfo(name: "v6", title: "[PATCH V6 3/3] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-06-19 (seed 001); remove_pagetable(), no floor/ceiling, vmemmap tables never freed"),
        RevisionInfo(name: "final", title: "[PATCH V14 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2020-03-04, merged in Linux v5.7 (seed 000); floor/ceiling, p4d level, boot-memory notifier"),
        RevisionInfo(name: "altmap", title: "arm64/mm: enable vmem_altmap support for vmemmap mappings",
                     provenance: "Linux v5.9 (seed 002); final with struct vmem_altmap * and vmem_altmap_free()"),
        RevisionInfo(name: "pre", title: "arm64 memory hotplug before hot remove (Linux v5.6)",
                     provenance: "the lines V14 removes: no unmapping at all; a baseline, run only when named",
                     inDefaultRuns: false),
    ]

    /// The revisions `all` and the main job mean.
    public static var defaultRevisions: [RevisionInfo] { revisions.filter(\.inDefaultRuns) }

    /// Deliberately broken variants of v6, final and altmap, for the mutation test of the checker and
    /// the crash isolation.  The shipped tool has none: a test-only target (HotRemoveMutants, built
    /// from the patches in CShim/mutants) registers them, with their C instances, before use.
    /// Not listed by `revisions`.
    public static var mutants: [RevisionInfo] { registeredMutants.with { $0 } }

    private static let registeredMutants = Locked<[RevisionInfo]>([])

    /// Adds mutants (names must start with "mut_"; each is checked against its `contract`).
    /// Their instances must be registered with CShim (hr_instance_register_extra) too.
    /// A name registered already is kept once.
    public static func register(mutants: [RevisionInfo]) {
        precondition(mutants.allSatisfy { $0.name.hasPrefix("mut_") }, "mutant names start with mut_")
        registeredMutants.with { list in
            for m in mutants where !list.contains(where: { $0.name == m.name }) { list.append(m) }
        }
    }

    /// the geometries CShim/mutants/generate.sh compiles every mutant for
    public static let mutantGeometries = ["4K/48", "16K/47", "64K/42"]

    public static func revision(named name: String) -> RevisionInfo? {
        revisions.first { $0.name == name } ?? mutants.first { $0.name == name }
    }

    /// The compiled instance of a revision for a geometry.
    static func instance(revision: String, geometry: Geometry) -> OpaquePointer? {
        hr_instance_find(revision, geometry.name)
    }

    /// Every compiled (revision, geometry) pair, as the C registry lists them.
    public static var compiledInstances: [(revision: String, geometry: String)] {
        (0..<hr_instance_count()).compactMap { i in
            guard let inst = hr_instance_at(i) else { return nil }
            return (String(cString: hr_instance_revision(inst)), String(cString: hr_instance_geometry_name(inst)))
        }
    }
}
