/// Attribute differences between an oracle kernel and a harness era that are known and explained:
/// the comparison reports them as era differences, not as findings.  Anything not listed here is
/// a finding until it is explained (and then listed, with its source).
package struct KnownEraDifference: Sendable {
    package var kernels: Set<String>
    package var era: String
    /// nil: both regions
    package var region: OracleView.Region?
    /// a `LeafAttributes.differences` field name
    package var field: String
    /// the kernel's value and the harness's, as the predicate sees them
    package var holds: @Sendable (LeafAttributes, LeafAttributes) -> Bool
    package var rule: String
    package var explanation: String

    package func explains(field f: String, region r: OracleView.Region, kernel k: LeafAttributes, harness h: LeafAttributes) -> Bool {
        f == field && (region == nil || region == r) && holds(k, h)
    }

    package static func between(kernel: String, era: String) -> [KnownEraDifference] {
        all.filter { $0.kernels.contains(kernel) && $0.era == era }
    }

    package static let all: [KnownEraDifference] = [
        // PTE_DIRTY is bit 55, the lowest software bit
        KnownEraDifference(
            kernels: ["6.1", "6.12"], era: "v5.7", region: .linear, field: "software",
            holds: { k, h in k.software == h.software | 1 },
            rule: "era.pte-dirty",
            explanation: "PTE_DIRTY (bit 55) set by the kernel: PAGE_KERNEL carries it again since the stable backport of \"arm64: mm: Add PTE_DIRTY back to PAGE_KERNEL* to fix kexec/hibernation\" (in Debian's 6.1.y and 6.12.y); v5.7's PROT_NORMAL has none"),
        KnownEraDifference(
            kernels: ["6.12"], era: "v5.7", region: .vmemmap, field: "DBM",
            holds: { k, h in k.dbm && !h.dbm },
            rule: "era.sect-write",
            explanation: "DBM (PTE_WRITE, bit 51) on the vmemmap's PMD blocks: 6.12's PROT_SECT_NORMAL, which vmemmap_set_pmd() maps them with, includes PTE_WRITE; v5.7's (and 6.1's) does not"),
    ]
}
