#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Token-identity check of CShim/mmu transcriptions against their postings.

A posting is kept as the text of its diff (the mmu.c part, or the file the
revision takes its routines from).  Its post-image is the context (' ') and
added ('+') lines of each hunk, the diff marker removed; removed ('-') lines
are dropped.  A quoted posting (V4, quoted in a reply) is first unquoted.

  posting.py decode RAW.json OUT.diff    JSON-escaped text (\\n, \\t) -> text
  posting.py extract POSTING NAME...     print the top-level items NAME of the
                                         post-image (with an adjacent comment)
  posting.py check FILE.c POSTING... [--base FILE]
                                         every top-level item of FILE.c (after
                                         its provenance comment) must be a
                                         contiguous token run of one posting
  posting.py fingerprint FILE.c POSTING... [--base FILE] [--unverified WHY]
             [--out FINGERPRINTS]         check, then write each item's token
                                         fingerprint (sha256 of its token
                                         stream) with the posting it matched,
                                         replacing FILE.c's lines in
                                         FINGERPRINTS (default
                                         tools/history/fingerprints.tsv); an
                                         item that matches no posting fails,
                                         or with --unverified is written as
                                         "recorded" with the reason WHY
  posting.py record FILE.c --unverified WHY [--out FINGERPRINTS]
                                         fingerprints of FILE.c as it stands
                                         (no posting at hand), all "recorded"
  (check and fingerprint take --pre-image: the postings' pre-image, the
   context and '-' lines, for code a later diff replaced)
  posting.py verify [FINGERPRINTS] [--root DIR]
                                         recompute every fingerprint from the
                                         C files (paths relative to the
                                         package root, or DIR); fails on an
                                         item that changed, went away or is new

A POSTING or --base argument may be LABEL::PATH: LABEL (a commit id, a
Message-ID) is what the fingerprint names as the item's source; without it
the file's name is used.  Posting texts are not committed; their labels
are, with the fingerprints, so that CI (.ci/run) can check that no
transcribed item drifts from the text it was checked against.

Tokens: identifiers, numbers, strings, punctuators; a comment is one token
(its words, whitespace collapsed), so comments are checked too; whitespace
and line breaks are not.  Hunks of one posting are joined with a gap marker
that may stand for no tokens only (the unseen lines between two hunks must
be blank for a match across them) or, with --base, for a run of up to 30
lines of the pre-image file the hunks apply to (non-blank lines; a diff's
start and end count as gaps too, for an item its first or last hunk cuts) (an unseen context line, such
as `unsigned long start_pfn = ...;` between two hunks of arch_remove_memory);
matches that cross a gap, and the gaps filled from the base, are reported.
"""
import hashlib, json, os, re, sys

TOKEN = re.compile(r"""
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!=<>]=|\#\#|[{}\[\]();,.<>+\-*/%&|^!~?:=\#])
  | (?P<space>\s+)
""", re.S | re.X)

GAP = ("gap", None)


class Untokenisable(SystemExit):
    """Text that is no C token stream (a stray quote, a half comment)."""


MAX_FILL = 30	# lines of the base file one hunk gap may stand for


def tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise Untokenisable("posting.py: cannot tokenise at %r" % text[pos:pos + 40])
        pos = m.end()
        kind = m.lastgroup
        if kind == "space":
            continue
        val = m.group(kind)
        if kind == "comment":
            val = " ".join(val.split())
        out.append((kind, val))
    return out


def unquote(text):
    lines = text.split("\n")
    if sum(1 for l in lines if l.startswith(">")) > len(lines) // 2:
        lines = [re.sub(r"^>+ ?", "", l) for l in lines]
    return lines


PRE_IMAGE = False	# --pre-image: the hunks' context and '-' lines instead


def hunks(path):
    """Post-image lines of each hunk of the posting at path (a file that is
    no diff, such as a copy of a stable tree's mmu.c, is one hunk); with
    --pre-image, the lines the diff applies to."""
    lines = unquote(open(path).read())
    if not any(l.startswith("@@") for l in lines):
        return [lines]
    out, cur, in_hunk = [], None, False
    for l in lines:
        if l.startswith("@@"):
            cur = []
            out.append(cur)
            in_hunk = True
            continue
        if l.startswith("diff --git") or l.startswith("-- ") or l == "--":
            in_hunk = False
            continue
        if not in_hunk:
            continue
        if l.startswith("+"):
            if not PRE_IMAGE:
                cur.append(l[1:])
        elif l.startswith(" ") or l == "":
            cur.append(l[1:])
        elif l.startswith("-"):
            if PRE_IMAGE:
                cur.append(l[1:])
        elif l.startswith("\\"):
            pass
        else:	# a context line that lost its leading space (seed 001's text)
            cur.append(l)
    return out


def posting_tokens(path):
    hs = hunks(path)
    is_diff = len(hs) > 1 or any(l.startswith("@@") for l in unquote(open(path).read()))
    seq = [GAP] if is_diff else []	# a diff's first and last hunk may cut an item too
    for i, h in enumerate(hs):
        if i:
            seq.append(GAP)
        seq.extend(tokens("\n".join(h)))
    if is_diff:
        seq.append(GAP)
    return seq


def items(lines):
    """Top-level items: a declaration or definition and the comment just above it."""
    res, i, n = [], 0, len(lines)
    pending = None
    while i < n:
        l = lines[i]
        if not l.strip():
            pending = None
            i += 1
            continue
        if l[0] in "#} \t":	# directive, or a piece of an item cut by a hunk
            pending = None
            i += 1
            continue
        if l.startswith("/*"):
            j = i
            while "*/" not in lines[j]:
                j += 1
            pending = (i, j)
            i = j + 1
            continue
        start = pending[0] if pending else i
        pending = None
        depth, j = 0, i
        while j < n:
            code = re.sub(r"/\*.*?\*/|//.*", "", lines[j])
            depth += code.count("{") - code.count("}")
            if depth == 0 and (code.rstrip().endswith("}") or code.rstrip().endswith(";")):
                break
            j += 1
        if j == n:	# cut by the end of a hunk
            break
        res.append((start, j))
        i = j + 1
    return res


def item_name(text):
    m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*(\(|;|=|\[)", re.sub(r"/\*.*?\*/", "", text, flags=re.S))
    return m.group(1) if m else text.split("\n")[0]


def find_run(item, seq, fills):
    """Number of hunk gaps the item crosses (and how many were filled with
    lines of the base file), or None when it is no contiguous run."""
    sys.setrecursionlimit(100000)

    def match(ti, si, used):
        # used: (gaps crossed, gaps filled from the base, tokens taken from the base)
        if ti == len(item):
            return used
        if si == len(seq):
            return None
        if seq[si] is GAP:
            r = match(ti, si + 1, (used[0] + 1, used[1], used[2]))
            if r is not None:
                return r
            for f in fills:
                if f and item[ti:ti + len(f)] == f:
                    r = match(ti + len(f), si + 1, (used[0] + 1, used[1] + 1, used[2] + len(f)))
                    if r is not None:
                        return r
            return None
        if seq[si] != item[ti]:
            return None
        return match(ti + 1, si + 1, used)

    starts = [si for si in range(len(seq)) if seq[si] is not GAP and seq[si] == item[0]]
    starts += [si for si in range(len(seq)) if seq[si] is GAP]
    for si in starts:
        if True:
            r = match(0, si, (0, 0, 0))
            # an item must come from the posting, not from the base file alone
            if r is not None and r[2] < len(item):
                return r
    return None


def cmd_extract(path, names):
    for h in hunks(path):
        for (s, e) in items(h):
            text = "\n".join(h[s:e + 1])
            body = "\n".join(l for l in h[s:e + 1])
            if item_name(text) in names:
                print(body)
                print()


def labelled(arg):
    """LABEL::PATH -> (label, path); a bare PATH is labelled by its file name."""
    if "::" in arg:
        label, path = arg.split("::", 1)
        return label, path
    return arg.split("/")[-1], arg


def c_items(cfile):
    """The top-level items of a transcription after its provenance comment:
    (key, name, tokens); key is the name, with #k for its k-th repetition."""
    src = open(cfile).read().split("\n")
    # skip the SPDX line and the provenance comment
    k = 0
    while not src[k].startswith(" */"):
        k += 1
    src = src[k + 1:]
    seen, out = {}, []
    for (s, e) in items(src):
        text = "\n".join(src[s:e + 1])
        name = item_name(text)
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else "%s#%d" % (name, seen[name]), name, tokens(text)))
    return out


def base_fills(base):
    """Token runs of 1..MAX_FILL non-blank lines of the base file; a window
    that cuts a comment or string in two is no run of tokens and is skipped."""
    fills = []
    if base:
        bl = [l for l in open(base).read().split("\n") if l.strip()]
        for k in range(1, MAX_FILL + 1):
            for i in range(len(bl) - k + 1):
                try:
                    fills.append(tokens("\n".join(bl[i:i + k])))
                except Untokenisable:
                    pass
    return fills


def match_item(toks, seqs, fills):
    """(label of the first posting the item is a contiguous run of, gaps) or None."""
    for label, seq in seqs:
        g = find_run(toks, seq, fills)
        if g is not None:
            return label, g
    return None


def digest(toks):
    """The item's fingerprint: sha256 of its token stream (kind and text of
    each token; whitespace and line breaks are not tokens)."""
    h = hashlib.sha256()
    for kind, val in toks:
        h.update(kind.encode())
        h.update(b"\x1f")
        h.update(val.encode())
        h.update(b"\x1e")
    return h.hexdigest()


def check_items(cfile, postings, base=None, quiet=False):
    """Each item of cfile with the posting it matched: (key, tokens, label, gaps) or
    (key, tokens, None, None); prints the check's report unless quiet."""
    seqs = [(label, posting_tokens(path)) for label, path in map(labelled, postings)]
    base_label, base_path = labelled(base) if base else (None, None)
    fills = base_fills(base_path)
    out = []
    for key, name, toks in c_items(cfile):
        hit = match_item(toks, seqs, fills)
        if hit is None:
            out.append((key, toks, None, None))
            if not quiet:
                print("MISMATCH %-36s (%d tokens) in no posting" % (name, len(toks)))
            continue
        label, g = hit
        if g[1]:
            label = "%s + %d line run(s) outside its hunks from %s" % (label, g[1], base_label)
        out.append((key, toks, label, g))
        if not quiet:
            note = "" if g[0] == 0 else ", across %d hunk gap(s)%s" % (
                g[0], ", %d filled with %d tokens of the base file" % (g[1], g[2]) if g[1] else "")
            print("ok       %-36s %5d tokens  %s%s" % (name, len(toks), hit[0], note))
    return out


def cmd_check(cfile, postings, base=None):
    res = check_items(cfile, postings, base)
    bad = sum(1 for r in res if r[2] is None)
    print("%s: %s" % (cfile, "all items token-identical" if not bad else "%d item(s) differ" % bad))
    return 1 if bad else 0


FINGERPRINTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fingerprints.tsv")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = """# Token fingerprints of the transcribed items of CShim/mmu: one line per top-level item
# (a function, a declaration, with the comment just above it), written by
# tools/history/posting.py fingerprint/record and checked by `posting.py verify` (.ci/run).
# file<TAB>item<TAB>tokens<TAB>sha256 of the token stream<TAB>status<TAB>source
# status: verified = a contiguous token run of the source named, checked when the line was written;
#         recorded = the transcription as committed, not checked against a source here (reason given).
"""


def read_fingerprints(path):
    rows = []
    for n, line in enumerate(open(path).read().split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 6 or not f[2].isdigit() or not re.fullmatch(r"[0-9a-f]{64}", f[3]) \
                or f[4] not in ("verified", "recorded"):
            raise SystemExit("posting.py: %s:%d: not file, item, tokens, sha256, verified|recorded, source" % (path, n))
        rows.append(f)
    return rows


def write_fingerprints(path, cfile, rows):
    rel = os.path.relpath(os.path.abspath(cfile), ROOT)
    old = read_fingerprints(path) if os.path.exists(path) else []
    keep = [r for r in old if r[0] != rel]
    new = keep + [[rel] + r for r in rows]
    order = {}
    for r in new:
        order.setdefault(r[0], len(order))
    new.sort(key=lambda r: order[r[0]])
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(HEADER)
        for r in new:
            f.write("\t".join(str(x) for x in r) + "\n")
    os.replace(tmp, path)
    print("%s: %d item(s) of %s written" % (path, len(rows), rel))


def cmd_fingerprint(cfile, postings, base, unverified, out):
    res = check_items(cfile, postings, base)
    bad = [r for r in res if r[2] is None]
    if bad and not unverified:
        print("%s: %d item(s) match no posting; nothing written (--unverified WHY records them)" % (cfile, len(bad)))
        return 1
    rows = []
    for key, toks, label, g in res:
        if label is None:
            rows.append([key, len(toks), digest(toks), "recorded", unverified])
        else:
            rows.append([key, len(toks), digest(toks), "verified", label])
    write_fingerprints(out, cfile, rows)
    return 0


def cmd_record(cfile, unverified, out):
    if not unverified:
        raise SystemExit("posting.py record: --unverified WHY is required (why no posting was checked)")
    rows = [[key, len(toks), digest(toks), "recorded", unverified] for key, name, toks in c_items(cfile)]
    write_fingerprints(out, cfile, rows)
    return 0


def cmd_verify(path, root=ROOT):
    rows = read_fingerprints(path)
    byfile = {}
    for r in rows:
        byfile.setdefault(r[0], []).append(r)
    bad = 0
    for rel, rs in byfile.items():
        cfile = os.path.join(root, rel)
        if not os.path.exists(cfile):
            print("MISSING  %s: fingerprinted but not there" % rel)
            bad += 1
            continue
        now = {key: toks for key, name, toks in c_items(cfile)}
        want = {r[1]: r for r in rs}
        for key, r in want.items():
            if key not in now:
                print("GONE     %s: %s is fingerprinted (%s) but no longer in the file" % (rel, key, r[4]))
                bad += 1
            elif digest(now[key]) != r[3]:
                print("CHANGED  %s: %s differs from its fingerprint (%s, %s tokens then, %d now; source: %s)"
                      % (rel, key, r[4], r[2], len(now[key]), r[5]))
                bad += 1
        for key in now:
            if key not in want:
                print("NEW      %s: %s has no fingerprint (posting.py fingerprint FILE.c POSTING...)" % (rel, key))
                bad += 1
    verified = sum(1 for r in rows if r[4] == "verified")
    print("%s: %d items in %d files (%d verified against a source, %d recorded): %s"
          % (os.path.relpath(path, root), len(rows), len(byfile), verified, len(rows) - verified,
             "no drift" if not bad else "%d difference(s)" % bad))
    return 1 if bad else 0


def option(a, name):
    if name in a:
        k = a.index(name)
        if k + 1 >= len(a):
            raise SystemExit("posting.py: %s needs a value" % name)
        v = a[k + 1]
        return v, a[:k] + a[k + 2:]
    return None, a


if __name__ == "__main__":
    a = sys.argv[1:]
    base, a = option(a, "--base")
    unverified, a = option(a, "--unverified")
    out, a = option(a, "--out")
    root, a = option(a, "--root")
    if "--pre-image" in a:
        a.remove("--pre-image")
        PRE_IMAGE = True
    out = out or FINGERPRINTS
    if a and a[0] == "decode" and len(a) == 3:
        open(a[2], "w").write(json.loads('"' + open(a[1]).read().rstrip("\n") + '"'))
    elif a and a[0] == "extract" and len(a) >= 3:
        cmd_extract(a[1], set(a[2:]))
    elif a and a[0] == "check" and len(a) >= 3:
        sys.exit(cmd_check(a[1], a[2:], base))
    elif a and a[0] == "fingerprint" and len(a) >= 3:
        sys.exit(cmd_fingerprint(a[1], a[2:], base, unverified, out))
    elif a and a[0] == "record" and len(a) == 2:
        sys.exit(cmd_record(a[1], unverified, out))
    elif a and a[0] == "verify" and len(a) <= 2:
        sys.exit(cmd_verify(a[1] if len(a) == 2 else FINGERPRINTS, root or ROOT))
    else:
        print(__doc__)
        sys.exit(2)
