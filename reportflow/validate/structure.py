"""Structure: required sections in the template's order, 一、二、三 numbering, 一是/二是 points,
and count claims ("从4个方面") that must match the points that follow them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reportflow.content import footnotes, images
from reportflow.content.markdown import CN_NUM, Block, cn_number, cn_numeral
from reportflow.validate.rule import Context, Doc, Rule

RULES = (
    Rule(
        "structure.required-section",
        "error",
        "every section the template requires is in report.yaml `sections:`",
        "template political-ecology-self-assessment without `measures`",
    ),
    Rule(
        "structure.section-order",
        "error",
        "the template's sections appear in the template's order",
        "`problems` listed before `situation`",
    ),
    Rule(
        "structure.heading-numbering",
        "error",
        "section titles 一、二、三、 and headings （一）（二） are consecutive",
        "一、……  三、…… (二、 missing)",
    ),
    Rule(
        "structure.point-sequence",
        "error",
        "points 一是/二是/三是 at paragraph starts are consecutive, none skipped or repeated",
        "一是……  二是……  四是……",
    ),
    Rule(
        "structure.count-claim",
        "error",
        "a count claim (从N个方面, 以下N点, N项措施) matches the number of points that follow",
        "我们将从5个方面努力 followed by 一是……四是",
    ),
    Rule(
        "structure.point-count",
        "error",
        "a section has as many points as its template says (`points:`)",
        "template: situation has 6 points; the text has 5",
    ),
    Rule(
        "structure.image",
        "error",
        "an image every format can print: a PNG or JPEG file inside the report folder, "
        "relative to the section file (no web address, no path outside, no missing file)",
        "![图1](https://example.com/a.png) or ![图1](/home/me/a.png)",
    ),
    Rule(
        "structure.footnote",
        "error",
        "every footnote reference `[^1]` has its definition `[^1]: …` in the same section, "
        "and every definition is cited there (else a literal [^1], or a note printed nowhere)",
        "正文[^1] with `[^1]: 注释` in another section, or none",
    ),
)

_TITLE_NUM = re.compile(rf"^\s*({CN_NUM})、")
_HEADING_PAREN = re.compile(rf"^\s*[（(]({CN_NUM})[）)]")
_N = r"([0-9]{1,2}|[一二两三四五六七八九十]{1,3})"
_CLAIM = re.compile(
    rf"(?:从|以下|如下|下述|下列|主要有|存在)\s*{_N}\s*(?:个方面|个问题|方面|点|项|条)"
    rf"|{_N}\s*(?:项|条)(?:措施|举措)"
)


def _styles(ctx: Context, d: Doc) -> tuple[str, ...]:
    value = d.settings.get("point_styles", ctx.template.get("point_styles", ["shi"]))
    return tuple(s for s in value if s in ("shi", "paren"))


def _point(block: Block, styles: tuple[str, ...]) -> tuple[int, str] | None:
    for style in styles:
        n = block.point(style)
        if n is not None:
            return n, style
    return None


def _label(n: int, style: str) -> str:
    return f"{cn_numeral(n)}是" if style == "shi" else f"（{cn_numeral(n)}）"


def _sections(ctx: Context) -> None:
    ids = [s.id for s in ctx.report.sections]
    required = [
        s["id"]
        for s in ctx.template.get("sections") or []
        if isinstance(s, dict) and s.get("required", False)
    ]
    for sid in required:
        if sid not in ids:
            title = next(s.get("title", sid) for s in ctx.template["sections"] if s["id"] == sid)
            ctx.emit(
                "structure.required-section",
                "report.yaml",
                ctx.yaml_line(["sections"]),
                1,
                f"缺少模板要求的章节“{title}”（{sid}）/ required section missing",
                f"reportflow new 生成的 sections/NN-{sid}.md，并加入 sections:",
            )
    order = [s["id"] for s in ctx.template.get("sections") or [] if isinstance(s, dict)]
    present = [sid for sid in ids if sid in order]
    expected = sorted(present, key=order.index)
    for i, (got, want) in enumerate(zip(present, expected, strict=True)):
        if got != want:
            ctx.emit(
                "structure.section-order",
                "report.yaml",
                ctx.yaml_line(["sections", ids.index(got)]),
                1,
                f"章节顺序与模板不符：此处应为“{want}”，实为“{got}” / section out of order",
                "按模板顺序排列: " + ", ".join(expected[i:]),
            )
            break


def _titles(ctx: Context) -> None:
    expect = 1
    for d in ctx.docs:
        if not d.section.show_heading:
            continue
        m = _TITLE_NUM.match(d.section.title)
        if not m:
            continue
        n = cn_number(m.group(1))
        if n is not None and n != expect:
            ctx.emit(
                "structure.heading-numbering",
                d.section.path,
                ctx.title_line(d.section),
                1,
                f"章节序号不连续：应为“{cn_numeral(expect)}、”，实为“{m.group(1)}、” "
                "/ section numbering skips or repeats",
                f"{cn_numeral(expect)}、{d.section.title[m.end() :]}",
            )
        expect = (n or expect) + 1


def _runs(blocks: list[Block], styles: tuple[str, ...]) -> Iterator[list[tuple[Block, int, str]]]:
    """Point sequences: broken by headings and by a new 一是 (a second list of points)."""
    run: list[tuple[Block, int, str]] = []
    for block in blocks:
        if block.kind == "heading":
            if run:
                yield run
            run = []
            continue
        p = _point(block, styles)
        if p is None:
            continue
        if p[0] == 1 and run:
            yield run
            run = []
        run.append((block, *p))
    if run:
        yield run


def _points(ctx: Context, d: Doc) -> None:
    styles = _styles(ctx, d)
    blocks = [b for b in d.doc.blocks if b.kind in ("heading", "paragraph")]
    total = 0
    for run in _runs(blocks, styles):
        total = max(total, len(run))
        expect = 1
        for block, n, style in run:
            if n != expect:
                what = "重复" if n < expect else "跳号"
                ctx.at(
                    "structure.point-sequence",
                    d,
                    block,
                    len(block.text) - len(block.text.lstrip()),
                    f"要点序号{what}：应为“{_label(expect, style)}”，实为“{_label(n, style)}” "
                    "/ points must be consecutive",
                    _label(expect, style),
                )
            expect = n + 1
    want = d.settings.get("points")
    if isinstance(want, int) and total != want and not d.doc.empty:
        ctx.emit(
            "structure.point-count",
            d.section.path,
            ctx.title_line(d.section),
            1,
            f"模板要求本节有{want}个要点（一是……），实有{total}个 / expected {want} points",
        )
    _claims(ctx, d, blocks, styles)


def _claims(ctx: Context, d: Doc, blocks: list[Block], styles: tuple[str, ...]) -> None:
    for i, block in enumerate(blocks):
        if block.kind != "paragraph" or _point(block, styles) is not None:
            continue
        claims = list(_CLAIM.finditer(block.text))
        if not claims:
            continue
        following: list[int] = []
        for nxt in blocks[i + 1 :]:
            if nxt.kind == "heading":
                break
            p = _point(nxt, styles)
            if p is None:
                # points must follow at once; a later paragraph may continue a point
                if not following or _CLAIM.search(nxt.text):
                    break
                continue
            if p[0] == 1 and following:
                break
            following.append(p[0])
        if not following:
            continue  # prose that mentions a number, not an announcement of points
        claim = claims[-1]
        raw = claim.group(1) or claim.group(2)
        n = cn_number(raw)
        if n is not None and n != len(following):
            ctx.at(
                "structure.count-claim",
                d,
                block,
                claim.start(claim.lastindex or 1),
                f"“{claim.group()}”与其后的要点数不符：后面有{len(following)}点 "
                f"/ the claim says {n}, {len(following)} points follow",
                claim.group().replace(raw, _numeral_like(raw, len(following))),
            )


def _numeral_like(raw: str, n: int) -> str:
    """``n`` written as the claim wrote its number; 2 before a measure word is 两 (两个方面,
    以下两点, 两项措施), never 二."""
    if raw.isdigit():
        return str(n)
    return "两" if n == 2 else cn_numeral(n)


def _headings(ctx: Context, d: Doc) -> None:
    expect = 1
    for block in d.doc.blocks:
        if block.kind != "heading":
            continue
        m = _HEADING_PAREN.match(block.text)
        if not m:
            continue
        n = cn_number(m.group(1)) or expect
        if n != expect and n != 1:
            ctx.at(
                "structure.heading-numbering",
                d,
                block,
                m.start(1) - 1,
                f"标题序号不连续：应为“（{cn_numeral(expect)}）”，实为“{m.group()}” "
                "/ heading numbering skips or repeats",
                f"（{cn_numeral(expect)}）",
            )
        expect = n + 1


def run(ctx: Context) -> None:
    _sections(ctx)
    _titles(ctx)
    for d in ctx.docs:
        _points(ctx, d)
        _headings(ctx, d)
        if ctx.enabled("structure.image"):
            _images(ctx, d)
        if ctx.enabled("structure.footnote") and "[^" in d.section.body:
            _footnotes(ctx, d)


def _footnotes(ctx: Context, d: Doc) -> None:
    body = d.section.body
    refs, defs = footnotes.references(body), footnotes.definitions(body)
    defined, cited = {label for _, label in defs}, {label for _, label in refs}

    def place(offset: int) -> tuple[int, int]:
        line = d.section.body_line + body.count("\n", 0, offset)
        return line, offset - (body.rfind("\n", 0, offset) + 1) + 1

    for offset, label in refs:
        if label not in defined:
            line, column = place(offset)
            ctx.emit(
                "structure.footnote",
                d.section.path,
                line,
                column,
                f"脚注“[^{label}]”在本节没有定义 / footnote [^{label}] is not defined in this "
                "section: it would print as [^" + label + "]",
                f"在本节末尾写 [^{label}]: 脚注内容",
            )
    for offset, label in defs:
        if label not in cited:
            line, column = place(offset)
            ctx.emit(
                "structure.footnote",
                d.section.path,
                line,
                column,
                f"脚注“[^{label}]”的定义在本节没有被引用 / footnote [^{label}] is defined "
                "but not cited in this section: it would print nowhere",
                f"在正文中引用 [^{label}]，或删去该定义",
            )


def _images(ctx: Context, d: Doc) -> None:
    for img in images.find(ctx.report, d.section):
        if img.problem is not None:
            ctx.emit(
                "structure.image",
                d.section.path,
                img.line,
                img.column,
                f"图片“{img.target}”无法印出 / the image cannot be printed: {img.problem}",
                "图片须为报告文件夹内的 PNG 或 JPEG 文件，路径相对于本节文件",
            )
