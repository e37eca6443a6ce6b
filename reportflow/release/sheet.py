"""The approval sheet (签批单) of a released version: the human-readable form of its signatures.

As a 发文稿纸 records who drafted, checked and signed a document (and as 21 CFR 11.50 asks of
electronic signatures: the printed name, the date and time, the meaning of the signing), the
sheet lists for one release: report, version, commit, the drafters of each section, each
approval that made the release (printed name, role, meaning, date and time, channel, the
fingerprint of the key that signed it), the report fingerprint, the manifest digest and the
trust-root digest. Everything comes from the release's records (those copied into its manifest)
and the gate's reading of that commit (``approval.load_context``: who changed each section, the
people of the roster; the roster in force there names the meanings, ``meaning:`` in the
policy). ``release`` writes the sheet into the archive entry (``FILES``, listed in the
manifest) and ``verify`` builds it again from the ledger and compares (``check``).

The PDF is typst with the sheet's facts passed as one JSON ``sys.inputs`` string, never as typst
code; the DOCX is python-docx on the render's reference document. Both in the GB/T 9704 page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: The meaning of each kind of approval, as a 发文稿纸 names the steps.
MEANING = {"section": "审核", "report": "签发", "roster": "名册变更审批"}
#: A trust-root member's approval of the first roster (the genesis, channel ``trust-root``).
ROOT_MEANING = "信任根核准名册"
#: What the sheet inside an archive entry prints for the manifest's digest, which it cannot
#: hold (the manifest lists the sheet's own digest).
IN_MANIFEST = "本单列入清单 manifest.json，清单摘要见发布标签（manifest-sha256）"
#: The files of the sheet in an archive entry, each listed in the manifest: the PDF a person
#: reads and the JSON ``verify`` compares. Not the DOCX (``reportflow sheet`` writes it on
#: demand): an editable copy of a signed record is not what the archive keeps, and writing it
#: made every release 0.2-0.4 s slower.
FILES = ("approval-sheet.pdf", "approval-sheet.json")


@dataclass(frozen=True)
class Signature:
    meaning: str
    scope: str
    person: str
    name: str
    roles: str
    time: str
    channel: str
    decision: str
    key: str  # SHA256 fingerprint of the key that made the signature, or "unsigned"


@dataclass(frozen=True)
class Sheet:
    report: str
    year: int
    title: str
    organisation: str
    version: int
    tag: str
    commit: str
    report_fingerprint: str
    manifest_sha256: str
    trust_root: str  # digest of the pinned trust root, "" while none is pinned
    drafters: tuple[tuple[str, str, str], ...]  # (section id, title, drafters' names)
    signatures: tuple[Signature, ...]


def key_fingerprint(armored: object) -> str:
    """``SHA256:…`` of the public key inside an SSH signature (the SSHSIG blob begins with
    the magic, a version and the signer's public key), as ``ssh-keygen -l`` prints it. Read
    by hand: a few bytes of a documented format (PROTOCOL.sshsig), no library has it apart."""
    if not armored:
        return "unsigned"
    if not isinstance(armored, str):  # a passkey assertion: its credential names the key
        return "passkey " + str(getattr(armored, "credential_id", "?"))[:16]
    body = "".join(line for line in armored.splitlines() if line and not line.startswith("-----"))
    try:
        raw = base64.b64decode(body)
        if raw[:6] != b"SSHSIG":
            return "?"
        size = int.from_bytes(raw[10:14], "big")
        key = raw[14 : 14 + size]
    except (ValueError, IndexError):
        return "?"
    return "SHA256:" + base64.b64encode(hashlib.sha256(key).digest()).decode().rstrip("=")


def meaning_of(rec: Any, roster: Any) -> str:
    """What a signature means: as the policy in force names it (``meaning:`` on a section's,
    the report's or the release's entry of ``policy``), else ``MEANING``; a trust-root
    member's genesis record is always ``ROOT_MEANING``."""
    if rec.channel == "trust-root":
        return ROOT_MEANING
    kind = rec.scope.split(":", 1)[0]
    return policy_meaning(roster, kind, rec.section_id) or MEANING.get(kind, kind)


def policy_meaning(roster: Any, kind: str, section_id: str | None = None) -> str:
    """``meaning:`` the policy of ``roster`` gives approvals of ``kind`` ("" if none)."""
    if roster is None:
        return ""
    policy = roster.policy
    who = None
    if kind == "section":
        who = policy.sections.get(section_id or "") or policy.sections.get("default")
    elif kind == "report":
        who = policy.report
    elif kind == "release":
        who = policy.release or policy.report
    return who.meaning if who is not None else ""


def facts(
    ctx: Any,
    roster: Any,
    records: Sequence[Mapping[str, Any]],
    *,
    version: int,
    tag: str,
    manifest_sha256: str = "",
    trust_root: str = "",
) -> Sheet:
    """The sheet of the release of ``ctx.commit`` (``approval.load_context``) whose manifest
    holds ``records``, the meanings named by ``roster`` (the roster in force there).
    ``manifest_sha256`` is "" for the sheet inside the archive entry: the manifest lists the
    sheet's digest, so the sheet cannot hold the manifest's (the tag message does)."""
    from reportflow.signoff import approval, ledger

    if not trust_root and ctx.pin is not None:
        trust_root = ctx.pin.digest  # the root the records were judged against, as pinned
    report = ctx.report
    people = report.people
    contributors = approval.contributors(ctx)
    drafters = tuple(
        (s.id, s.title, "、".join(people[p].name if p in people else p for p in contributors[s.id]))
        for s in report.sections
    )
    signatures = []
    fingerprint = ""  # the final approval's, else the text's at the commit
    for data in records:
        rec = ledger.parse_record(data, f"v{version}")
        if rec.scope == "report":
            fingerprint = rec.fingerprint
        person = people.get(rec.reviewer)
        signatures.append(
            Signature(
                meaning_of(rec, roster) + (f"（{rec.section_id}）" if rec.section_id else ""),
                rec.scope, rec.reviewer, person.name if person else rec.reviewer,
                "、".join(person.roles) if person else "", rec.time, rec.channel,
                rec.decision, key_fingerprint(rec.signature),
            )
        )  # fmt: skip
    return Sheet(
        report.report, report.year, report.title, report.organisation, version, tag, ctx.commit,
        fingerprint or ctx.facts.report_fingerprint, manifest_sha256, trust_root, drafters,
        tuple(signatures),
    )  # fmt: skip


_TYP = r"""
#let d = json(bytes(sys.inputs.data))
#let f = json(bytes(sys.inputs.fonts))
#set document(title: d.title + " 签批单", date: none)
#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm))
#set text(font: f.fangsong, size: 12pt, lang: "zh")
#align(center, text(font: f.title, size: 22pt, weight: f.weight)[#d.title])
#v(4mm)
#align(center, text(size: 14pt)[签批单 · #d.report / #d.year · v#d.version])
#v(6mm)
#let cell(x) = text(size: 10.5pt, x)
#table(columns: (30mm, 1fr), stroke: 0.5pt, inset: 2.5mm,
  ..d.facts.map(r => (cell(r.at(0)), cell(r.at(1)))).flatten())
#v(4mm)
#text(font: f.heiti, size: 12pt)[起草]
#table(columns: (24mm, 1fr, 1fr), stroke: 0.5pt, inset: 2mm,
  cell[部分], cell[标题], cell[起草人],
  ..d.drafters.map(r => r.map(cell)).flatten())
#v(4mm)
#text(font: f.heiti, size: 12pt)[签批]
#table(columns: (24mm, 22mm, 22mm, 26mm, 12mm, 1fr), stroke: 0.5pt, inset: 2mm,
  cell[含义], cell[签批人], cell[职务], cell[时间], cell[方式], cell[密钥指纹],
  ..d.signatures.map(r => r.map(cell)).flatten())
"""


def _facts(sheet: Sheet) -> list[list[str]]:
    return [
        ["报告", sheet.title],
        ["单位", sheet.organisation],
        ["版本", f"v{sheet.version}（标签 {sheet.tag}）"],
        ["提交", sheet.commit],
        ["报告指纹", sheet.report_fingerprint],
        ["清单摘要", f"sha256:{sheet.manifest_sha256}" if sheet.manifest_sha256 else IN_MANIFEST],
        ["信任根摘要", sheet.trust_root or "未固定（trust root not pinned）"],
    ]


def _sig_rows(sheet: Sheet) -> list[list[str]]:
    return [
        [s.meaning, s.name, s.roles, s.time.replace("T", " "), s.channel, s.key]
        for s in sheet.signatures
    ]


_LONG = re.compile(r"[A-Za-z0-9+/=:_.-]{17,}")


def _breakable(value: str) -> str:
    """Digests and fingerprints with a zero-width space every 8 characters: typst breaks a
    line only between words, and a 64-digit digest is one word wider than its cell."""
    return _LONG.sub(lambda m: "\u200b".join(re.findall(".{1,8}", m.group())), value)


def to_pdf(sheet: Sheet, out: Path) -> Path:
    import typst

    from reportflow.render import fonts as fontmod

    roles = fontmod.roles_for()
    fonts = {"fangsong": roles.fangsong, "heiti": roles.heiti, "title": roles.title}
    fonts["weight"] = roles.title_weight
    data = {
        "title": sheet.title, "report": sheet.report, "year": sheet.year,
        "version": sheet.version,
        "facts": [[a, _breakable(b)] for a, b in _facts(sheet)],
        "drafters": [list(r) for r in sheet.drafters],
        "signatures": [[_breakable(c) for c in row] for row in _sig_rows(sheet)],
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="reportflow-sheet-") as tmp:
        main = Path(tmp) / "main.typ"
        main.write_text(_TYP, encoding="utf-8")
        compiler = typst.Compiler(
            str(main), root=tmp, font_paths=fontmod.typst_fonts(),
            sys_inputs={"data": json.dumps(data, ensure_ascii=False),
                        "fonts": json.dumps(fonts, ensure_ascii=False)},
        )  # fmt: skip
        pdf = compiler.compile(format="pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out


def to_docx(sheet: Sheet, out: Path) -> Path:
    import docx

    from reportflow.render.word import REFERENCE_DOCX

    document = docx.Document(str(REFERENCE_DOCX))
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    document.add_paragraph(sheet.title, style=document.styles["Title"])
    document.add_paragraph(f"签批单 · {sheet.report}/{sheet.year} · v{sheet.version}")
    for heading, header, rows in (
        ("", None, _facts(sheet)),
        ("起草", ["部分", "标题", "起草人"], [list(r) for r in sheet.drafters]),
        ("签批", ["含义", "签批人", "职务", "时间", "方式", "密钥指纹"], _sig_rows(sheet)),
    ):
        if heading:
            document.add_paragraph(heading, style=document.styles["Heading 1"])
        table = document.add_table(rows=0, cols=len(rows[0]) if rows else len(header or [1]))
        table.style = "Table Grid" if "Table Grid" in [x.name for x in document.styles] else None
        for row in ([header] if header else []) + rows:
            cells = table.add_row().cells
            for c, value in zip(cells, row, strict=True):
                c.text = str(value)
    props = document.core_properties
    props.title, props.author = f"{sheet.title} 签批单", "reportflow"
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def as_json(sheet: Sheet) -> dict[str, Any]:
    return asdict(sheet)


def write_files(sheet: Sheet, folder: Path) -> list[Path]:
    """The sheet as ``FILES`` in ``folder`` (an archive entry being staged): the PDF a person
    reads and the JSON ``verify`` compares with the ledger."""
    pdf, data = (folder / name for name in FILES)
    to_pdf(sheet, pdf)
    data.write_bytes(to_bytes(sheet))
    return [pdf, data]


def to_bytes(sheet: Sheet) -> bytes:
    """The archived ``approval-sheet.json``: canonical (sorted keys), so the same facts are the
    same bytes."""
    return (
        json.dumps(as_json(sheet), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    ).encode()
