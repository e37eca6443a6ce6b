"""Typography of Chinese official text: full-width punctuation, quotes, balanced pairs.

autocorrect-py does the general work (half-width ``,.!?:`` near Chinese, full-width digits,
spaces next to full-width marks) with its ``space-*`` rules OFF: official documents put no
space between Chinese and Latin letters or digits. It does not convert ``;`` between Chinese,
half-width ``()`` or ASCII quotes, so those are checked here on the plain text.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

from reportflow.validate.rule import Context, Doc, Rule

RULES = (
    Rule(
        "typography.halfwidth-punct",
        "warning",
        "half-width `,` `;` `:` `?` `!` `(` `)` in Chinese text (should be full-width)",
        "认真贯彻(试行)办法,严格落实",
    ),
    Rule(
        "typography.ascii-quote",
        "warning",
        "ASCII quotes `\"` `'` next to Chinese (should be “” or ‘’)",
        '落实"三会一课"制度',
    ),
    Rule(
        "typography.mixed-quotes",
        "warning",
        "a section mixes quote styles “” and 「」",
        "“两个维护”……「四个意识」",
    ),
    Rule(
        "typography.unbalanced",
        "warning",
        "unbalanced “” 《》 （） 【】 in a paragraph",
        "认真贯彻《准则，……",
    ),
    Rule(
        "typography.fullwidth-alnum",
        "warning",
        "full-width digits or letters (２０２２) where half-width are standard",
        "２０２２年",
    ),
    Rule(
        "typography.space",
        "warning",
        "spaces next to full-width punctuation",
        "第一句。 第二句",
    ),
)

_MARKS = re.compile(r"[,;:?!()]")
_QUOTES = re.compile("[\"']")


def is_cjk(ch: str) -> bool:
    """A Chinese character (a range test: a regex class over these ranges costs ms to compile,
    and ``reportflow validate`` must start fast)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def _neighbours(text: str, i: int) -> tuple[bool, bool]:
    before = i > 0 and is_cjk(text[i - 1])
    after = i + 1 < len(text) and is_cjk(text[i + 1])
    return before, after


#: Passed over when looking for the text a mark belongs to: spaces, quotes and ASCII marks.
_SKIP = frozenset(" \t\u3000\"'`“”‘’,;:?!()[]{}<>.-_/\\*~")


def _side(text: str, i: int, step: int) -> str:
    """What the mark at ``i`` stands next to, looking one way past spaces, quotes and other
    marks: ``zh`` (a Chinese character or full-width punctuation), ``latin`` (a letter, a digit
    or anything else) or ``end`` (the edge of the paragraph). Looking past them is what makes
    ``”,`` ``）,`` ``。,`` and `` , `` count as Chinese context, and ``9:30`` ``a.txt``
    ``https://`` and ``(Smith, 2020`` as Latin."""
    j = i + step
    while 0 <= j < len(text):
        ch = text[j]
        if ch not in _SKIP:
            o = ord(ch)
            if is_cjk(ch) or 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF60:
                return "zh"
            return "latin"
        j += step
    return "end"


def _between(text: str) -> list[int]:
    """Half-width marks that belong to Chinese text (see ``_side``). ``,;:?!`` close what stands
    before them, so they need Chinese before them (``时间:9点`` is Chinese; ``Python, Java``,
    ``1:2`` and an English ``Hello, world!`` inside Chinese prose stay); parentheses need
    Chinese on either side."""
    out = []
    for m in _MARKS.finditer(text):
        i = m.start()
        if _side(text, i, -1) == "zh" or (m.group() in "()" and _side(text, i, 1) == "zh"):
            out.append(i)
    return out


_ELLIPSIS = re.compile(r"\.{3,}|。{3,}")


_ZH_ELLIPSIS = {("zh", "zh"), ("zh", "latin"), ("zh", "end"), ("end", "zh")}


def _ellipses(text: str) -> list[re.Match[str]]:
    """``...`` (or ``。。。``) after Chinese text, which writes the ellipsis as ``……``."""
    return [
        m
        for m in _ELLIPSIS.finditer(text)
        if m.group()[0] == "。"
        or (_side(text, m.start(), -1), _side(text, m.end() - 1, 1)) in _ZH_ELLIPSIS
    ]


_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
# What autocorrect (space rules off) can change: ASCII letters or punctuation, spaces,
# full-width letters and digits, and the full-width ：；＜＝＞？＠ only next to an ASCII digit
# (9：4 -> 9:4; elsewhere, as in every ：and ； of Chinese prose, it leaves them, as fuzzing
# autocorrect with them in real paragraphs showed). Paragraphs without any are not handed to it.
_AUTOCORRECT_CAN_CHANGE = re.compile(  # one class, then the digit test for ：；＜＝＞？＠ only
    r"[A-Za-z!-$&-)+-.:-@\[-`{-~\s\uff10-\uff5a]"
    r"(?:(?<=[\uff1a-\uff20])(?:(?<=[0-9].)|(?=[0-9]))|(?<![\uff1a-\uff20]))"
)
_PAIRS = {"“": "”", "《": "》", "（": "）", "【": "】", "‘": "’"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_PAIR_MARKS = re.compile("[“”《》（）【】‘’]")
_NOT_PAIR_MARKS = re.compile("[^“”《》（）【】‘’]+")
_MATCHED_PAIRS = re.compile("“”|《》|（）|【】|‘’")


def _well_nested(text: str) -> bool:
    """Whether every mark of ``_PAIRS`` in ``text`` is closed in order: removing matched
    adjacent pairs until none is left empties the marks (in C; the common case)."""
    marks = _NOT_PAIR_MARKS.sub("", text)
    while marks:
        marks, removed = _MATCHED_PAIRS.subn("", marks)
        if not removed:
            return False
    return True


_AUTOCORRECT_RULES = {
    "space-word": 0,
    "space-punctuation": 0,
    "space-bracket": 0,
    "space-backticks": 0,
    "space-dash": 0,
    "spellcheck": 0,
}


@cache
def _autocorrect() -> Any:
    import json

    import autocorrect_py

    autocorrect_py.load_config(json.dumps({"rules": _AUTOCORRECT_RULES}))
    return autocorrect_py


def _classify(old: str, new: str) -> str:
    if old.strip() == "" and new == "":
        return "typography.space"
    if any("０" <= c <= "９" or "Ａ" <= c <= "ｚ" for c in old):
        return "typography.fullwidth-alnum"
    if old.strip() != old and old.strip() == new:
        return "typography.space"
    return "typography.halfwidth-punct"


def _autocorrected(ctx: Context, d: Doc, block: Any, seen: set[int]) -> None:
    text = block.text
    if not _AUTOCORRECT_CAN_CHANGE.search(text):
        return
    new = _autocorrect().format_for(text, "txt")
    if new == text:
        return
    ops = difflib.SequenceMatcher(None, text, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" or i1 in seen or (block.span.code and block.span.in_code(i1)):
            continue
        old_piece, new_piece = text[i1:i2], new[j1:j2]
        rule = _classify(old_piece, new_piece)
        seen.add(i1)
        shown_old = old_piece.replace(" ", "␣")
        ctx.at(rule, d, block, i1, f"“{shown_old}”应为“{new_piece}” / use “{new_piece}”", new_piece)


def _balance(ctx: Context, d: Doc, block: Any) -> None:
    if _well_nested(block.text):
        return
    stack: list[tuple[str, int]] = []
    for m in _PAIR_MARKS.finditer(block.text):
        i, ch = m.start(), m.group()
        if ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _CLOSERS:
            if stack and stack[-1][0] == _CLOSERS[ch]:
                stack.pop()
            else:
                ctx.at(
                    "typography.unbalanced",
                    d,
                    block,
                    i,
                    f"“{ch}”没有对应的“{_CLOSERS[ch]}” / unmatched closing mark",
                )
                return
    if stack:
        ch, i = stack[0]
        ctx.at(
            "typography.unbalanced",
            d,
            block,
            i,
            f"“{ch}”没有对应的“{_PAIRS[ch]}” / unclosed mark",
            _PAIRS[ch],
        )


def run(ctx: Context) -> None:
    auto = any(
        ctx.enabled(r)
        for r in ("typography.halfwidth-punct", "typography.fullwidth-alnum", "typography.space")
    )
    for d in ctx.docs:
        curly: tuple[int, Any] | None = None
        corner: tuple[int, Any] | None = None
        counts = [0, 0]
        for block in d.doc.prose():
            text = block.text
            seen: set[int] = set()
            for pos in _between(text):
                if block.span.code and block.span.in_code(pos):
                    continue
                seen.add(pos)
                mark = text[pos]
                ctx.at(
                    "typography.halfwidth-punct",
                    d,
                    block,
                    pos,
                    f"中文中使用了半角“{mark}”，应为“{_FULL[mark]}” / use full-width",
                    _FULL[mark],
                )
            for m in _ellipses(text) if "..." in text or "。。。" in text else ():
                if block.span.code and block.span.in_code(m.start()):
                    continue
                seen.update(range(m.start(), m.end()))
                ctx.at(
                    "typography.halfwidth-punct",
                    d,
                    block,
                    m.start(),
                    f"省略号“{m.group()}”应为“……” / write the ellipsis as “……”",
                    "……",
                )
            if auto:
                _autocorrected(ctx, d, block, seen)
            opened = False
            for m in _QUOTES.finditer(text):
                if not any(_neighbours(text, m.start())):
                    continue
                if block.span.code and block.span.in_code(m.start()):
                    continue
                fix = ("‘’" if m.group() == "'" else "“”")[1 if opened else 0]
                opened = not opened
                ctx.at(
                    "typography.ascii-quote",
                    d,
                    block,
                    m.start(),
                    f"中文中使用了英文引号 {m.group()}，应为“”或‘’ / use Chinese quotes",
                    fix,
                )
            _balance(ctx, d, block)
            for k, mark in enumerate(("“", "「")):
                pos = text.find(mark)
                if pos >= 0:
                    counts[k] += text.count(mark)
                    if k == 0 and curly is None:
                        curly = (pos, block)
                    if k == 1 and corner is None:
                        corner = (pos, block)
        if curly and corner:
            pos, block = corner if counts[1] <= counts[0] else curly
            ctx.at(
                "typography.mixed-quotes",
                d,
                block,
                pos,
                "同一节中混用了“”和「」两种引号 / mixed quote styles in one section",
                "“" if counts[1] <= counts[0] else "「",
            )
