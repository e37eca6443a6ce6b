"""Edits made in Word, back into the report for review: ``reportflow import --update``.

Leaders and reviewers often edit the DOCX they were sent rather than the Markdown. Their edits
must go through the same review as anyone's: each changed section becomes one commit, authored
by the person who made the edits, on a branch of its own (never on the branch checked out), on
top of the commit the DOCX was rendered from (its ``dc:identifier``), so git shows exactly what
they changed against the text they saw and a merge shows any conflict with later work.

What is taken from the file is the text of the sections. The title, the addressee, the
signature and the date are the report's (report.yaml) and stay as they are; sections cannot be
added, removed or renamed in Word (the file must hold the report's sections in order).
"""

from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportflow.content import importer, model
from reportflow.core import gitio, pandoc
from reportflow.core.errors import GitError, ImportFailed, InputError
from reportflow.core.i18n import _

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DC = "http://purl.org/dc/elements/1.1/"
#: Revision marks that change text: insertions, deletions and moves (formatting changes, rPrChange
#: and pPrChange, change no text and are left to Word).
_TRACKED = ("ins", "del", "moveFrom", "moveTo")
_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
_BREAK = "RFSECTIONBREAK7f3a"  # a paragraph of its own between sections in one pandoc call
_BLANK = re.compile(r"\n[ \t]*\n+")
_WS = re.compile(r"\s+")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class SectionEdit:
    section: model.Section
    path: str  # repository path of the section file
    text: bytes  # the whole new file: its front matter unchanged, the body from Word


@dataclass(frozen=True)
class Updated:
    branch: str | None  # None: the file holds the report's text, nothing was committed
    base: str  # the commit the edits were put on top of
    base_from_file: bool  # the DOCX named that commit (else HEAD)
    commits: tuple[tuple[str, str], ...]  # (section id, commit id), in report order


def _xml(file: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(file) as z:
            names = set(z.namelist())
            return {n: z.read(n) for n in (*_PARTS, "docProps/core.xml") if n in names}
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(
            _("cannot read this as a docx file; it may be damaged: {detail}").format(detail=exc),
            file=file,
            hint=_("open it in Word or WPS and save it again as .docx, or save it as .txt"),
        ) from None


def tracked_changes(parts: dict[str, bytes]) -> int:
    """Text changes still pending in the file (Word's 修订 not accepted or rejected)."""
    from lxml import etree

    count = 0
    for name in _PARTS:
        if name in parts:
            root = etree.fromstring(parts[name])
            count += sum(len(root.findall(f".//{{{W}}}{tag}")) for tag in _TRACKED)
    return count


def rendered_from(parts: dict[str, bytes]) -> str | None:
    """The commit a reportflow DOCX was rendered from (``dc:identifier``), if it says."""
    from lxml import etree

    if "docProps/core.xml" not in parts:
        return None
    node = etree.fromstring(parts["docProps/core.xml"]).find(f"{{{DC}}}identifier")
    value = (node.text or "").strip() if node is not None else ""
    return value if re.fullmatch(r"[0-9a-f]{40}", value) else None


def _norm_title(text: str | None) -> str | None:
    return None if text is None else _WS.sub("", text)


def _drop_addressee(markdown: str, addressee: str | None) -> str:
    """The 主送机关 line the render prints above the text is report.yaml's, not the preface's."""
    if not addressee:
        return markdown
    first, _sep, rest = markdown.strip("\n").partition("\n\n")
    if _WS.sub("", first).rstrip("：:") == _WS.sub("", addressee).rstrip("：:"):
        return rest.lstrip("\n") + ("\n" if rest and not rest.endswith("\n") else "")
    return markdown


def _match(report: model.Report, doc: importer.ImportedDocument, file: Path) -> list[str]:
    """The Word file's section bodies in report order; refused unless its sections are the
    report's, in order (a preface printed without heading is the text before the first)."""
    expected = [_norm_title(s.title) if s.show_heading else None for s in report.sections]
    parts = list(doc.sections)
    if parts and parts[0].title is None:
        first = _drop_addressee(parts[0].markdown, report.addressee)
        parts[0] = importer.ImportedSection(None, first)
        if not first.strip():
            parts = parts[1:]
    found = [_norm_title(p.title) for p in parts]
    if found != expected:
        shown = ", ".join(s.title if s.show_heading else "（前言）" for s in report.sections)
        got = ", ".join(p.title or "（前言）" for p in parts)
        raise InputError(
            _(
                "the Word file's sections are not the report's: expected {expected}; found {found}"
            ).format(expected=shown, found=got),
            file=file,
            hint=_(
                "add, remove or rename sections in the report folder, not in Word; "
                "then render it again and edit that file"
            ),
        )
    return [p.markdown for p in parts]


def _plain(bodies: list[str]) -> list[str]:
    """Each body's text as pandoc reads it, whitespace removed: Markdown spelled differently
    (escapes, list markers, table syntax, line wrapping) is the same text. One pandoc call."""
    joined = f"\n\n{_BREAK}\n\n".join(bodies)
    # each note after its own block, not all at the document's end: in its section's part
    args = ["--wrap=none", "--reference-location=block"]
    text = pandoc.convert(joined, "plain", pandoc.MARKDOWN_IN, args)
    return [_WS.sub("", part) for part in text.split(_BREAK)]


def _key(paragraph: str) -> str:
    return _WS.sub("", _ESCAPE.sub(r"\1", paragraph))


def splice(old: str, new: str) -> str:
    """``new``'s text, keeping ``old``'s own spelling of every paragraph whose text did not
    change, so that git's diff shows only the paragraphs edited in Word. With footnotes the
    labels pandoc writes ([^1]…) need not be the author's: the new body is taken whole."""
    if "[^" in old or "[^" in new:
        return new
    a = [p for p in _BLANK.split(old.strip("\n")) if p.strip()]
    b = [p for p in _BLANK.split(new.strip("\n")) if p.strip()]
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, [_key(p) for p in a], [_key(p) for p in b], False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        out.extend(a[i1:i2] if op == "equal" else b[j1:j2])
    return "\n\n".join(out) + "\n"


def plan(
    report: model.Report,
    source: model.Source,
    folder: str,
    doc: importer.ImportedDocument,
    file: Path,
) -> list[SectionEdit]:
    """The sections whose text in the Word file differs from the report's (pure but for pandoc)."""
    bodies = _match(report, doc, file)
    old_plain = _plain([s.body for s in report.sections])
    new_plain = _plain(bodies)
    edits = []
    for sec, body, before, after in zip(report.sections, bodies, old_plain, new_plain, strict=True):
        if before == after:
            continue
        if "![" in body:
            raise InputError(
                _("section {id} holds an image: edits to it cannot be taken from Word yet").format(
                    id=sec.id
                ),
                file=file,
                hint=_("make that section's edits in {path}").format(path=sec.path),
            )
        raw = source.read(sec.path) or b""
        lines = raw.decode("utf-8").split("\n")
        front = "\n".join(lines[: sec.body_line - 1])
        text = front + "\n" + splice(sec.body, body)
        edits.append(SectionEdit(sec, f"{folder}/{sec.path}", text.encode("utf-8")))
    return edits


def _author(report: model.Report, person: str, file: Path) -> tuple[str, str]:
    who = report.people.get(person)
    if who is None:
        raise InputError(
            _("{person} is not one of the report's people").format(person=person),
            file=file,
            hint=_("people are: {ids}").format(ids=", ".join(report.people)),
        )
    if not who.email:
        raise InputError(
            _("{person} has no email in report.yaml: commits are attributed by it").format(
                person=person
            ),
            file=report.root / model.REPORT_FILE,
            hint=_("add email: to {person} under people:").format(person=person),
        )
    return who.name, who.email


def _base(repo: object, named: str | None, head: str) -> str:
    """The commit the DOCX was rendered from if this history holds it, else HEAD."""
    if named:
        try:
            if gitio.is_ancestor(repo, named, head):  # type: ignore[arg-type]
                return named
        except GitError:  # a commit this clone does not have
            pass
    return head


def update(report_dir: Path, file: Path, person: str, branch: str | None = None) -> Updated:
    """Put the Word file's edits on a new branch, one commit per changed section."""
    if not file.is_file() or file.suffix.lower() != ".docx":
        raise ImportFailed(_("give the .docx file that was edited"), file=file)
    parts = _xml(file)
    pending = tracked_changes(parts)
    if pending:
        raise ImportFailed(
            _("the file still has {count} tracked changes").format(count=pending),
            file=file,
            hint=_(
                "in Word or WPS accept or reject every change (审阅 → 接受/拒绝), save, "
                "and import it again"
            ),
        )
    repo = gitio.require_repo(report_dir)
    folder = gitio.relpath(repo, report_dir)
    head = gitio.resolve(repo, "HEAD")
    named = rendered_from(parts)
    base = _base(repo, named, head)
    snap = model.snapshot(repo, base, folder, report_dir)
    author = _author(snap.report, person, file)
    edits = plan(snap.report, snap.source, folder, importer.read_docx(file), file)
    if not edits:
        return Updated(None, base, base == named, ())
    name = branch or f"word/{person}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    commits = []
    parent = base
    for edit in edits:
        message = _("{id}: edits made in Word ({file})").format(id=edit.section.id, file=file.name)
        parent = gitio.commit_tree(repo, parent, {edit.path: edit.text}, message, author)
        commits.append((edit.section.id, parent))
    gitio.create_branch(repo, name, parent)
    return Updated(name, base, base == named, tuple(commits))
