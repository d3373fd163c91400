#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Writes tools/history/fingerprints.tsv: the token fingerprint of every transcribed item of
# CShim/mmu, checked against the upstream text it comes from where that text is at hand
# ("verified"), and as committed otherwise ("recorded", with the reason).  CI does not need the
# texts: .ci/run runs `posting.py verify`, which recomputes the fingerprints from the C files.
#
#   tools/history/fingerprints.sh POSTINGS [SEEDS]
#
# POSTINGS is a directory with these texts (not committed; each is the plain text of a mail or
# a tree's file, tabs and all; JSON-escaped copies become text with `posting.py decode`):
#   48478b9f7913.diff      the commit "arm64/mm: Enable batched TLB flush in unmap_hotplug_range()"
#                          as Linus's tree has it, quoted whole in Greg Kroah-Hartman's
#                          <2026042727-detonate-paging-829b@gregkh> (from its "From 48478b9f..." line)
#   mainline-2026-mmu.c    arch/arm64/mm/mmu.c of 2026 mainline (after 95a58852b0e5, 48478b9f7913
#                          and the follow-up): unmap_hotplug_pte_range() .. unmap_hotplug_range()
#                          and addr_splits_kernel_leaf() .. early_initcall(), without the copy's
#                          Chinese annotation comments (not kernel text)
#   v5.9-mmu.c             arch/arm64/mm/mmu.c of Linux v5.9: free_hotplug_page_range() ..
#                          vmemmap_free(), and __remove_pgd_mapping() .. device_initcall()
# SEEDS is the directory of the seed texts (default: ../shared/seeds beside the package).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 POSTINGS [SEEDS]" >&2; exit 2; }
p=$(cd "$1" && pwd)
seeds=${2:-"$root/../shared/seeds"}
seeds=$(cd "$seeds" && pwd)
for f in "$p/48478b9f7913.diff" "$p/mainline-2026-mmu.c" "$p/v5.9-mmu.c" \
	 "$seeds/001_0e17890cafa0eedf.txt" "$seeds/002_8f770b50126f7295.txt"; do
	[ -f "$f" ] || { echo "$0: no $f" >&2; exit 1; }
done
py="python3 $here/posting.py"
mmu="$root/CShim/mmu"
out="$here/fingerprints.tsv"
rm -f "$out"

batched="48478b9f7913 (Linus's tree, quoted whole in <2026042727-detonate-paging-829b@gregkh>)"
mainline="2026 mainline arch/arm64/mm/mmu.c (95a58852b0e5 merged)"
v59="Linux v5.9 arch/arm64/mm/mmu.c"
altmap_pre="pre-image of v5.9's 'arm64/mm: enable vmem_altmap support for vmemmap mappings' (<1594004178-8861-4-git-send-email-anshuman.khandual@arm.com>, seed 002)"
v6="[PATCH V6 3/3] (seed 001; its context lines lost their leading space)"
pre="hotremove_pre.c (v5.6's lines as the V14 posting removes them; a transcription)"
hand="checked by hand with posting.py check against"

# fix2026: the merged pair (CShim/mmu/README.md, fix2026)
$py fingerprint "$mmu/hotremove_fix2026.c" "$batched::$p/48478b9f7913.diff" "$v59::$p/v5.9-mmu.c" \
	"$mainline::$p/mainline-2026-mmu.c" --base "$mainline::$p/mainline-2026-mmu.c" --out "$out"
# altmap (and fix2025, which includes it): v5.9
$py fingerprint "$mmu/hotremove_altmap.c" "$v59::$p/v5.9-mmu.c" --out "$out"
# final: the code the altmap commit replaced (its pre-image, the lines outside its hunks being
# v5.9's), and v5.9's where that commit leaves the code alone; arch_add_memory() is V14's
# (mhp_restrictions), which v5.8 changed
$py fingerprint "$mmu/hotremove_final.c" "$altmap_pre::$seeds/002_8f770b50126f7295.txt" \
	"$v59 (code the altmap commit leaves alone)::$p/v5.9-mmu.c" --base "$v59::$p/v5.9-mmu.c" --pre-image \
	--unverified "[PATCH V14 2/2] (2020-03-04) not at hand here; $hand it" --out "$out"
$py fingerprint "$mmu/hotremove_v6.c" "$v6::$seeds/001_0e17890cafa0eedf.txt" --base "$pre::$mmu/hotremove_pre.c" --out "$out"
# vmemmap_v5.9.c: v5.9's arm64 vmemmap_populate(); mm/sparse-vmemmap.c is not at hand
$py fingerprint "$mmu/vmemmap_v5.9.c" "$v59::$p/v5.9-mmu.c" \
	--unverified "v5.9 mm/sparse-vmemmap.c not at hand here" --out "$out"

# the postings not at hand here: the transcriptions as committed
for v in v1 v2 v3 v4 v5 v7 v8 v9 v10 v12; do
	f="$mmu/hotremove_$v.c"
	mid=$(grep -o '<[^>]*@[^>]*>' "$f" | head -n 1)
	[ -n "$mid" ] || mid="(see its header)"
	$py record "$f" --unverified "posting $mid not at hand here; $hand it (CShim/mmu/README.md)" --out "$out"
done
$py record "$mmu/hotremove_pre.c" --unverified "V14's removed lines (v5.6) not at hand here" --out "$out"
$py record "$mmu/mmu_create.c" --unverified "Linux v5.7 arch/arm64/mm/mmu.c not at hand here" --out "$out"
$py record "$mmu/vmemmap_v5.7.c" --unverified "Linux v5.7 mm/sparse-vmemmap.c and mmu.c not at hand here" --out "$out"
$py record "$mmu/vmemmap_fix2025.c" --unverified "the 6.1.y arch/arm64/mm/mmu.c not at hand here" --out "$out"
$py record "$mmu/walkers.c" --unverified "v5.4 dump.c and v5.7 vmalloc.c/memory.c not at hand here (note_page() is the harness's own)" --out "$out"
$py verify "$out"
