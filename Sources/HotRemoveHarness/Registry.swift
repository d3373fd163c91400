import CShim
import HotRemoveModel

/// A transcribed revision of the hot-remove routines.  Adding a revision is one
/// C file in CShim/mmu (then CShim/instances/generate.sh) and one line here.
public struct RevisionInfo: Sendable, Equatable {
    public let name: String
    public let title: String
    public let provenance: String
}

public enum Registry {
    public static let revisions: [RevisionInfo] = [
        RevisionInfo(name: "v6", title: "[PATCH V6 3/3] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-06-19 (seed 001); remove_pagetable(), no floor/ceiling, vmemmap tables never freed"),
        RevisionInfo(name: "final", title: "[PATCH V14 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2020-03-04, merged in Linux v5.7 (seed 000); floor/ceiling, p4d level, boot-memory notifier"),
        RevisionInfo(name: "altmap", title: "arm64/mm: enable vmem_altmap support for vmemmap mappings",
                     provenance: "Linux v5.9 (seed 002); final with struct vmem_altmap * and vmem_altmap_free()"),
    ]

    public static func revision(named name: String) -> RevisionInfo? { revisions.first { $0.name == name } }

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
