internal import CShim
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

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
                     provenance: "posted 2019-06-19; remove_pagetable(), no floor/ceiling, vmemmap tables never freed"),
        RevisionInfo(name: "final", title: "[PATCH V14 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2020-03-04, merged in Linux v5.7 (bbd6ec605c0f); floor/ceiling, p4d level, boot-memory notifier"),
        RevisionInfo(name: "altmap", title: "arm64/mm: enable vmem_altmap support for vmemmap mappings",
                     provenance: "Linux v5.9 (eee07935bb52); final with struct vmem_altmap * and vmem_altmap_free()"),
        // The patch history (docs/HISTORY.md): run only when named (`hotremove history` runs them all).  Each has
        // a model contract of its own (RevisionContract) except v1, checked against the global invariants only.
        RevisionInfo(name: "v1", title: "[PATCH 2/6] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-04-03 (v5.1 API); x86-style remove_pagetable(), pmd_large()/pud_large(), pgtable_page_dtor(), one TLBI after the walk",
                     inDefaultRuns: false),
        RevisionInfo(name: "v2", title: "[PATCH V2 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-04-14 (v5.1 API); V1 with pmd_sect()/pud_sect(), free_reserved_page() for boot pages",
                     inDefaultRuns: false),
        RevisionInfo(name: "v3", title: "[PATCH V3 4/4] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-05-14 (v5.1 API); sparse_vmap, a TLBI per PTE range and per freed table, none for blocks",
                     inDefaultRuns: false),
        RevisionInfo(name: "v4", title: "[PATCH V4 4/4] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-05-20, quoted in full in David Hildenbrand's reply of 2019-05-27; READ_ONCE(), p?d_none() walks",
                     inDefaultRuns: false),
        RevisionInfo(name: "v5", title: "[PATCH V5 3/3] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-05-29; V4 re-indented (token for token V4)",
                     inDefaultRuns: false),
        RevisionInfo(name: "v7", title: "[PATCH V7 3/3] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-09-03; V6 plus vmemmap tables freed unless vmalloc and vmemmap share a PGD entry (vmalloc_vmemmap_overlap)",
                     inDefaultRuns: false),
        RevisionInfo(name: "v8", title: "[PATCH V8 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-09-23; overlap flag dropped, floor/ceiling per table page, block TLBI over the walked range",
                     inDefaultRuns: false),
        RevisionInfo(name: "v9", title: "[PATCH V9 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-10-09; free_mapped, free_p?d_table() folded into free_empty_p?d_table(), floor/ceiling on the walked range",
                     inDefaultRuns: false),
        RevisionInfo(name: "v10", title: "[PATCH V10 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2019-10-11; V9 with one TLBI per block entry (addr, addr + PAGE_SIZE), no boot-memory notifier",
                     inDefaultRuns: false),
        RevisionInfo(name: "v12", title: "[PATCH V12 2/2] arm64/mm: Enable memory hot remove",
                     provenance: "posted 2020-01-16; V10 plus the boot-memory notifier; V14 (final) without the p4d level",
                     inDefaultRuns: false),
        RevisionInfo(name: "fix2025", title: "altmap + arm64: mm: Populate vmemmap at the page level if not section aligned",
                     provenance: "2025-03 (d4234d131b0a, Cc stable v5.4+), 6.1.y form; a sub-section's memmap is mapped with base pages",
                     inDefaultRuns: false),
        RevisionInfo(name: "fix2026", title: "fix2025 + arm64/mm: Enable batched TLB flush in unmap_hotplug_range() + Reject memory removal that splits a kernel leaf mapping",
                     provenance: "2026 (48478b9f7913 and 95a58852b0e5 as merged); linear map flushed once per range, a vmemmap block over its whole size, removals splitting a leaf refused",
                     inDefaultRuns: false),
        // arm64's vmemmap teardown rewritten the way the s390 series (<20200703133917.39045-1-david@redhat.com>) does it; new code
        // of this project, run only when named.
        RevisionInfo(name: "s390style", title: "final + s390-style vmemmap_free(): unused sub-PMD ranges remembered, one range flush at the end",
                     provenance: "new code after \"s390: implement and optimize vmemmap_free()\" (2020-07, v5.9), in s390's order: free, clear, one flush after the walk",
                     inDefaultRuns: false),
        RevisionInfo(name: "subpmd", title: "final + s390-style vmemmap_free() in arm64's order: unused sub-PMD ranges remembered",
                     provenance: "new code after the s390 vmemmap_free() series: a vmemmap PMD block goes only when wholly unused; clear, invalidate, then free",
                     inDefaultRuns: false),
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
    package static func instance(revision: String, geometry: Geometry) -> OpaquePointer? {
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
