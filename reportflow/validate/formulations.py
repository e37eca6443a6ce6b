"""Formulations (规范提法): official phrases written slightly wrong.

No package checks these (the list is ours, ``schemas/rules/formulations.yaml``). Fuzzy matching
must never fire on correct text, so a candidate must: start and end with the phrase's own first
and last characters (a different last character is usually a different, correct phrase:
中央八项规定及其实施细则精神); be 1 substitution away (2 from 8 characters on) or double one
character (see ``edits``); not be a canonical or allowed phrase nor overlap an exact occurrence
of one (``_masks``); and not differ only in numerals (十九大/二十大) or in quotes and 、.
Speed: one regex per phrase finds windows with the right first and last characters
(``Phrase.candidates``), so the comparison runs on a handful of windows per paragraph; one
regex of them all (``Dictionary.starts``) first finds where any window starts, so a paragraph
is scanned once, not once per phrase (most paragraphs have no window at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from reportflow.validate.rule import Context, Rule

RULES = (
    Rule(
        "formulations.known-variant",
        "error",
        "a known wrong form of an official phrase (listed as `variants`)",
        "两个捍卫 → 两个维护",
    ),
    Rule(
        "formulations.near-miss",
        "warning",
        "1-2 wrong characters (or one doubled) in an official phrase of formulations.yaml",
        "习近平新时代中国特色社会主意思想 → …社会主义思想",
    ),
)

_NUMERALS = re.compile(r"[0-9〇零一二两三四五六七八九十百]")
_QUIET = re.compile(r"[“”‘’\"'「」、\s]")


@dataclass(frozen=True)
class Phrase:
    text: str
    k: int  # edits allowed; 0 = variants only

    @property
    def candidates(self) -> re.Pattern[str]:
        """Starts of windows that begin with the first character and end with the last one
        (same length, or one longer), other than the exact phrase: the regex engine scans
        in C, so Python only sees real candidates."""
        return _candidates(self.text)


@cache
def _candidates(text: str) -> re.Pattern[str]:
    first, last, size = re.escape(text[0]), re.escape(text[-1]), len(text)
    rest = re.escape(text[1:])
    return re.compile(f"{first}(?!{rest})(?=.{{{size - 2}}}{last}|.{{{size - 1}}}{last})", re.S)


@dataclass(frozen=True)
class Dictionary:
    phrases: tuple[Phrase, ...]
    variants: tuple[tuple[str, str], ...]  # (wrong, canonical)
    exact: tuple[str, ...]  # canonical + allowed: never reported, nor anything inside them

    # Derived once (``__post_init__``): where a window of any fuzzy phrase starts (the union
    # of their ``candidates``), and the indexes in ``phrases`` of the fuzzy phrases by first
    # character.
    starts: re.Pattern[str] = field(init=False, repr=False, compare=False)
    by_first: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fuzzy = [(i, p.text) for i, p in enumerate(self.phrases) if p.k]
        union = "|".join(_candidates(t).pattern for _, t in fuzzy) or "(?!)"
        by_first: dict[str, tuple[int, ...]] = {}
        for i, t in fuzzy:
            by_first[t[0]] = (*by_first.get(t[0], ()), i)
        object.__setattr__(self, "starts", re.compile(union, re.S))
        object.__setattr__(self, "by_first", by_first)


def max_edits(length: int) -> int:
    return 0 if length <= 5 else 1 if length <= 7 else 2


@cache
def dictionary() -> Dictionary:
    from reportflow.content.schema import SCHEMA_DIR, parse_yaml
    from reportflow.core.textio import read_text

    path = SCHEMA_DIR / "rules" / "formulations.yaml"
    doc = parse_yaml(read_text(path), path) or {}
    phrases, variants = [], []
    for entry in doc.get("phrases") or []:
        text = str(entry["phrase"])
        phrases.append(Phrase(text, max_edits(len(text))))
        variants += [(str(v), text) for v in entry.get("variants") or []]
    allowed = [str(a) for a in doc.get("allow") or []]
    exact = tuple(sorted({p.text for p in phrases} | set(allowed), key=len, reverse=True))
    return Dictionary(tuple(phrases), tuple(variants), exact)


def mismatches(a: str, b: str, limit: int) -> int:
    """Substitutions between equal-length strings, stopping early above ``limit``."""
    count = 0
    for ca, cb in zip(a, b, strict=True):
        if ca != cb:
            count += 1
            if count > limit:
                break
    return count


def edits(window: str, phrase: str, limit: int) -> int:
    """Edits that make ``window`` from ``phrase``, as far as typing slips go.

    Substitutions (同音字/形近字: 主意/主义, 权利/权力) count one each; a length change counts
    only as a doubled character (社会主主义). A dropped or added word is not a slip but
    usually another correct phrase (全面从严治党责任 / 全面从严治党主体责任), so it is never
    reported: plain Levenshtein would flag it.
    """
    if len(window) == len(phrase):
        return mismatches(window, phrase, limit)
    if len(window) == len(phrase) + 1:
        for i in range(1, len(window)):
            if window[i] == window[i - 1] and window[:i] + window[i + 1 :] == phrase:
                return 1
    return limit + 1


def _exact_spans(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for w in words:
        i = text.find(w)
        while i >= 0:
            spans.append((i, i + len(w)))
            i = text.find(w, i + 1)
    return spans


def _masks(a: int, b: int, start: int, end: int, size: int) -> bool:
    """Does the exact phrase at [a, b) make the window [start, end) correct text?

    Yes if it overlaps the window, unless it is a shorter phrase wholly inside it
    (党风廉政建设 inside a misspelt 党风廉政建设和反腐败工作)."""
    overlaps = a < end and start < b
    inside = start <= a and b <= end and b - a < size
    return overlaps and not inside


def find(text: str, dic: Dictionary | None = None) -> list[tuple[int, int, str, str]]:
    """(start, end, rule, canonical) for every near-miss and known variant in ``text``."""
    dic = dic or dictionary()
    hits: list[tuple[int, int, str, str]] = []
    for wrong, right in dic.variants:
        i = text.find(wrong)
        while i >= 0:
            hits.append((i, i + len(wrong), "formulations.known-variant", right))
            i = text.find(wrong, i + 1)
    exact: list[tuple[int, int]] | None = None
    n = len(text)
    starts: dict[str, list[int]] = {}  # first character -> where some window starts
    for m in dic.starts.finditer(text):
        starts.setdefault(m.group(), []).append(m.start())
    # Phrase order, as the tie-breaking of overlapping hits below depends on it.
    for index in sorted(k for first in starts for k in dic.by_first.get(first, ())):
        p = dic.phrases[index]
        first, last, size = p.text[0], p.text[-1], len(p.text)
        candidates = p.candidates
        for i in starts.get(first, ()):
            if not candidates.match(text, i):
                continue
            for width in (size, size + 1):
                end = i + width
                if end > n or text[end - 1] != last:
                    continue
                window = text[i:end]
                if edits(window, p.text, p.k) > p.k:
                    continue
                if _NUMERALS.sub("", window) == _NUMERALS.sub("", p.text):
                    continue
                if _QUIET.sub("", window) == _QUIET.sub("", p.text):
                    continue
                if exact is None:
                    exact = _exact_spans(text, dic.exact)
                if any(_masks(a, b, i, end, size) for a, b in exact):
                    continue
                hits.append((i, end, "formulations.near-miss", p.text))
    # One finding per stretch of text: the longest phrase wins (variants first).
    hits.sort(key=lambda h: (h[2] != "formulations.known-variant", -(h[1] - h[0]), h[0]))
    kept: list[tuple[int, int, str, str]] = []
    for h in hits:
        if all(h[1] <= k[0] or h[0] >= k[1] for k in kept):
            kept.append(h)
    return sorted(kept)


def run(ctx: Context) -> None:
    if not (ctx.enabled("formulations.near-miss") or ctx.enabled("formulations.known-variant")):
        return
    dic = dictionary()
    for d in ctx.docs:
        for block in d.doc.prose():
            for start, end, rule, right in find(block.text, dic):
                wrong = block.text[start:end]
                ctx.at(rule, d, block, start, f"“{wrong}”应为规范提法“{right}”", right)
