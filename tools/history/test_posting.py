#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tests of posting.py's fingerprints (run by .ci/run): the committed transcriptions match
tools/history/fingerprints.tsv, and verify fails on a changed, new or missing item while
whitespace alone is no change."""
import hashlib, io, os, shutil, subprocess, sys, tempfile, unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
POSTING = os.path.join(HERE, "posting.py")
FIX2026 = "CShim/mmu/hotremove_fix2026.c"
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import posting  # noqa: E402


def verify(fp, root):
    r = subprocess.run([sys.executable, POSTING, "verify", fp, "--root", root], capture_output=True, text=True)
    return r.returncode, r.stdout


class Fingerprints(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        os.makedirs(os.path.join(self.tmp, "CShim/mmu"))
        self.c = os.path.join(self.tmp, FIX2026)
        shutil.copy(os.path.join(ROOT, FIX2026), self.c)
        rows = [l for l in open(posting.FINGERPRINTS) if l.startswith(FIX2026 + "\t")]
        self.assertGreater(len(rows), 20, "fix2026 has its items fingerprinted")
        self.fp = os.path.join(self.tmp, "fp.tsv")
        open(self.fp, "w").write("".join(rows))
        self.text = open(self.c).read()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def edit(self, old, new):
        self.assertEqual(self.text.count(old), 1, old)
        open(self.c, "w").write(self.text.replace(old, new))

    def test_tree_has_no_drift(self):
        rc, out = verify(posting.FINGERPRINTS, ROOT)
        self.assertEqual(rc, 0, out)

    def test_unchanged_copy_passes(self):
        self.assertEqual(verify(self.fp, self.tmp)[0], 0)

    def test_one_token_changed_fails(self):
        # the follow-up's change, made to the merged text: no longer 48478b9f7913's body
        self.edit("flush_tlb_kernel_range(addr, addr + PMD_SIZE);", "flush_tlb_kernel_range(addr, addr + PAGE_SIZE);")
        rc, out = verify(self.fp, self.tmp)
        self.assertEqual(rc, 1)
        self.assertIn("CHANGED  %s: unmap_hotplug_pmd_range" % FIX2026, out)

    def test_comment_word_changed_fails(self):
        # comments are tokens too
        self.edit("/* CONT blocks are not supported in the vmemmap */\n\t\t\tWARN_ON(pte_cont(pte));",
                  "/* CONT blocks are unsupported in the vmemmap */\n\t\t\tWARN_ON(pte_cont(pte));")
        rc, out = verify(self.fp, self.tmp)
        self.assertEqual(rc, 1)
        self.assertIn("unmap_hotplug_pte_range differs", out)

    def test_whitespace_is_no_change(self):
        self.edit("\t\tWARN_ON(!pte_present(pte));\n\t\t__pte_clear(&init_mm, addr, ptep);",
                  "\t\tWARN_ON( !pte_present(pte) );\n\n\t\t__pte_clear(&init_mm,\n\t\t\t    addr, ptep);")
        self.assertEqual(verify(self.fp, self.tmp)[0], 0)

    def test_new_and_missing_items_fail(self):
        self.edit("static struct notifier_block prevent_memory_remove_nb = {\n"
                  "\t.notifier_call = prevent_memory_remove_notifier,\n};\n",
                  "static int hr_extra;\n")
        rc, out = verify(self.fp, self.tmp)
        self.assertEqual(rc, 1)
        self.assertIn("GONE     %s: prevent_memory_remove_nb" % FIX2026, out)
        self.assertIn("NEW      %s: hr_extra" % FIX2026, out)

    def test_digest_is_sha256_of_kind_and_text(self):
        # by hand: "int x;" is word int, word x, punct ;
        want = hashlib.sha256(b"word\x1fint\x1eword\x1fx\x1epunct\x1f;\x1e").hexdigest()
        self.assertEqual(posting.digest(posting.tokens("int  x ;")), want)
        self.assertEqual(posting.tokens("/* a\n *  b */"), [("comment", "/* a * b */")])


if __name__ == "__main__":
    unittest.main()
