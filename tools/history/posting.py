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
import json, re, sys

TOKEN = re.compile(r"""
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!=<>]=|\#\#|[{}\[\]();,.<>+\-*/%&|^!~?:=\#])
  | (?P<space>\s+)
""", re.S | re.X)

GAP = ("gap", None)
MAX_FILL = 30	# lines of the base file one hunk gap may stand for


def tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SystemExit("posting.py: cannot tokenise at %r" % text[pos:pos + 40])
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


def hunks(path):
    """Post-image lines of each hunk of the posting at path (a file that is
    no diff, such as a copy of a stable tree's mmu.c, is one hunk)."""
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
            cur.append(l[1:])
        elif l.startswith(" ") or l == "":
            cur.append(l[1:])
        elif l.startswith("-") or l.startswith("\\"):
            pass
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


def cmd_check(cfile, postings, base=None):
    src = open(cfile).read().split("\n")
    # skip the SPDX line and the provenance comment
    k = 0
    while not src[k].startswith(" */"):
        k += 1
    src = src[k + 1:]
    seqs = [(p, posting_tokens(p)) for p in postings]
    fills = []
    if base:
        bl = [l for l in open(base).read().split("\n") if l.strip()]
        for k in range(1, MAX_FILL + 1):
            fills += [tokens("\n".join(bl[i:i + k])) for i in range(len(bl) - k + 1)]
    bad = 0
    for (s, e) in items(src):
        text = "\n".join(src[s:e + 1])
        name = item_name(text)
        toks = tokens(text)
        hit = None
        for p, seq in seqs:
            g = find_run(toks, seq, fills)
            if g is not None:
                hit = (p, g)
                break
        if hit is None:
            bad += 1
            print("MISMATCH %-36s (%d tokens) in no posting" % (name, len(toks)))
        else:
            g = hit[1]
            note = "" if g[0] == 0 else ", across %d hunk gap(s)%s" % (
                g[0], ", %d filled with %d tokens of the base file" % (g[1], g[2]) if g[1] else "")
            print("ok       %-36s %5d tokens  %s%s" % (name, len(toks), hit[0].split("/")[-1], note))
    print("%s: %s" % (cfile, "all items token-identical" if not bad else "%d item(s) differ" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "decode":
        open(a[2], "w").write(json.loads('"' + open(a[1]).read().rstrip("\n") + '"'))
    elif a and a[0] == "extract":
        cmd_extract(a[1], set(a[2:]))
    elif a and a[0] == "check":
        base = None
        if "--base" in a:
            k = a.index("--base")
            base = a[k + 1]
            a = a[:k] + a[k + 2:]
        sys.exit(cmd_check(a[1], a[2:], base))
    else:
        print(__doc__)
        sys.exit(2)
