"""Differences between two texts: by paragraph, then by character merged into phrases.

Chinese has no spaces between words, so a word diff has nothing to split on. Two ways exist:
segment with a dictionary (jieba) and diff the words, or diff characters and merge the result
into phrases. We diff characters (difflib, the standard library) and merge, because:
- the character diff is exact: every inserted or deleted character is shown, and the counts
  the audit prints are the diff's counts; a segmenter's errors on official terms (职能转变,
  一岗双责) would move hunk borders into the middle of what changed;
- jieba 0.42.1 loads a 5 MB dictionary on first use (about a second cold), more than a whole
  ``reportflow audit`` may take on 10,000 commits;
- readability comes from the merge: a short unchanged run (up to ``GLUE`` characters, no
  punctuation) between two changes joins them, so "加强组织领导" -> "强化组织建设" reads as one
  replaced phrase, not four one-character edits.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

#: An unchanged run this short between two changes is merged into them.
GLUE = 2
#: Marks a hunk never glues across: a phrase ends there.
_PUNCT = set("，。；：、！？（）《》“”‘’,.;:!?()\n")
_WS = re.compile(r"\s+")
#: Above this many characters a side, changed blocks are diffed by line first (difflib is
#: quadratic in the worst case).
_CHAR_LIMIT = 4000


@dataclass(frozen=True)
class Piece:
    """One run of a character diff: ``op`` is ``=`` (unchanged), ``-`` (deleted), ``+``."""

    op: str
    text: str


def paragraphs(body: str) -> list[str]:
    """The paragraphs of a Markdown body: blocks separated by blank lines, each stripped."""
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by halving with slice comparisons (done in C): a long
    section with a one-character edit costs a few comparisons, not a Python loop over it."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b)) - limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _visible(text: str) -> int:
    return len(_WS.sub("", text)) if text else 0


def count(old: str, new: str) -> tuple[int, int]:
    """(characters added, characters removed), whitespace not counted (as ``status`` counts a
    section's length), from the same character diff ``diff`` shows."""
    if old == new:
        return 0, 0
    if new.startswith(old):  # the common edit: text added at the end (one C comparison)
        return _visible(new[len(old) :]), 0
    start = _common_prefix(old, new)
    end = _common_suffix(old, new, start)
    a, b = old[start : len(old) - end], new[start : len(new) - end]
    if not a or not b:
        return _visible(b), _visible(a)
    added = removed = 0
    for piece in pieces(a, b):
        if piece.op == "+":
            added += _visible(piece.text)
        elif piece.op == "-":
            removed += _visible(piece.text)
    return added, removed


def _raw(a: str, b: str) -> list[Piece]:
    if len(a) > _CHAR_LIMIT or len(b) > _CHAR_LIMIT:  # by line, then characters per block
        la, lb = a.splitlines(keepends=True), b.splitlines(keepends=True)
        out: list[Piece] = []
        for op, i1, i2, j1, j2 in SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
            x, y = "".join(la[i1:i2]), "".join(lb[j1:j2])
            if op == "equal":
                out.append(Piece("=", x))
            elif op == "replace" and len(x) <= _CHAR_LIMIT and len(y) <= _CHAR_LIMIT:
                out += _raw(x, y)
            else:
                out += [p for p in (Piece("-", x), Piece("+", y)) if p.text]
        return out
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Piece("=", a[i1:i2]))
        else:
            if i2 > i1:
                out.append(Piece("-", a[i1:i2]))
            if j2 > j1:
                out.append(Piece("+", b[j1:j2]))
    return out


def pieces(a: str, b: str) -> list[Piece]:
    """The character diff of ``a`` and ``b``, merged into phrases: within each change the
    deletion comes before the insertion, and unchanged runs of at most ``GLUE`` characters
    without punctuation between two changes are folded into them."""
    # the common start and end first (C comparisons): difflib then sees only what changed,
    # which on a long paragraph with one edit is the difference between 1 ms and 1 s
    start = _common_prefix(a, b)
    end = _common_suffix(a, b, start)
    middle = _raw(a[start : len(a) - end], b[start : len(b) - end])
    raw = [Piece("=", a[:start]), *middle, Piece("=", a[len(a) - end :])]
    raw = [p for p in raw if p.text]
    groups: list[list[Piece]] = []  # alternating: [equal] or [changes...]
    for piece in raw:
        changed = piece.op != "="
        if groups and (groups[-1][0].op != "=") == changed:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    # fold short equal runs sitting between two change groups
    merged: list[list[Piece]] = []
    i = 0
    while i < len(groups):
        group = groups[i]
        if (
            group[0].op == "="
            and merged
            and merged[-1][0].op != "="
            and i + 1 < len(groups)
            and len(group[0].text) <= GLUE
            and not (set(group[0].text) & _PUNCT)
        ):
            glue = group[0].text
            merged[-1] += [Piece("-", glue), Piece("+", glue), *groups[i + 1]]
            i += 2
            continue
        if merged and merged[-1][0].op != "=" and group[0].op != "=":
            merged[-1] += group
        else:
            merged.append(list(group))
        i += 1
    out: list[Piece] = []
    for group in merged:
        if group[0].op == "=":
            out.append(Piece("=", "".join(p.text for p in group)))
            continue
        gone = "".join(p.text for p in group if p.op == "-")
        came = "".join(p.text for p in group if p.op == "+")
        out += [p for p in (Piece("-", gone), Piece("+", came)) if p.text]
    return out


@dataclass(frozen=True)
class Para:
    """One paragraph of a section diff: ``op`` is ``=``, ``-`` (deleted), ``+`` (inserted) or
    ``~`` (changed: ``pieces`` says how); ``old``/``new`` are its two versions."""

    op: str
    old: str
    new: str
    pieces: tuple[Piece, ...] = ()


#: Below this similarity two paragraphs in a replaced block are a deletion and an insertion.
_SIMILAR = 0.4


def _quick_ratio(a: str, b: str) -> float:
    """``SequenceMatcher(None, a, b).quick_ratio()`` (twice the characters the two have in
    common, multiset-wise, over their total length), from two ``Counter``s: SequenceMatcher
    indexes every position of ``b`` first, which on long paragraphs costs more than the
    character diff itself."""
    if not a and not b:
        return 1.0
    common = Counter(a) & Counter(b)
    return 2.0 * sum(common.values()) / (len(a) + len(b))


def paragraph_diff(old: list[str], new: list[str]) -> list[Para]:
    """Paragraphs aligned first (difflib over whole paragraphs), then each replaced pair that
    is still similar diffed by character; dissimilar ones stay a deletion and an insertion."""
    out: list[Para] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out += [Para("=", p, p) for p in old[i1:i2]]
            continue
        gone, came = old[i1:i2], new[j1:j2]
        for k in range(max(len(gone), len(came))):
            a = gone[k] if k < len(gone) else None
            b = came[k] if k < len(came) else None
            if a is not None and b is not None and _quick_ratio(a, b) >= _SIMILAR:
                out.append(Para("~", a, b, tuple(pieces(a, b))))
                continue
            if a is not None:
                out.append(Para("-", a, ""))
            if b is not None:
                out.append(Para("+", "", b))
    return out
