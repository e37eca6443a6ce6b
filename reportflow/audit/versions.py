"""``diff`` between two versions of a report: per section, paragraphs then characters, and
who made each change.

Versions are named as people name them: ``v1`` (the release tag ``<report>/<year>/v1``), any
tag, branch or commit. Both texts are read from git objects, never the working tree.

Who made a change: the changes are attributed per paragraph to the commit of the range that
first gave the paragraph its new text (an insertion or a changed paragraph) or first lost the
old text (a deletion), read from the versions of the section file at each commit of the range
(one ``git log`` and one ``cat-file --batch``). Text written and rewritten within the range is
attributed to whoever gave it its final form, which is the person an inspector asks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from reportflow.audit import textdiff
from reportflow.audit.textdiff import Para
from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.errors import GitInputError
from reportflow.core.i18n import _

_VERSION = re.compile(r"^v([1-9][0-9]*)$")


@dataclass(frozen=True)
class By:
    person: str
    name: str  # printed name (for Word's w:author)
    when: str  # ISO 8601
    commit: str


@dataclass(frozen=True)
class SectionDiff:
    id: str
    title: str
    old_title: str | None  # None: added section
    status: str  # same | changed | added | removed
    paras: tuple[Para, ...]
    inserted_by: Mapping[int, By] = field(default_factory=lambda: MappingProxyType({}))
    deleted_by: Mapping[int, By] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class VersionDiff:
    report: str
    year: int
    title: str
    old_rev: str
    new_rev: str
    old_commit: str
    new_commit: str
    sections: tuple[SectionDiff, ...]
    organisation: str = ""


def resolve(repo: object, report: str, year: int, rev: str) -> str:
    """The commit a version name means; ``v<N>`` is the release tag of this report."""
    match = _VERSION.match(rev)
    if match:
        tags = gitio.release_tags(repo, report, year)  # type: ignore[arg-type]
        tag = tags.get(int(match[1]))
        if tag is None:
            known = ", ".join(f"v{n}" for n in sorted(tags)) or _("none yet")
            raise GitInputError(
                _("no released version {rev} of {report}/{year}").format(
                    rev=rev, report=report, year=year
                ),
                hint=_("released versions: {known}; or give a tag, branch or commit").format(
                    known=known
                ),
            )
        return tag.commit
    return gitio.resolve(repo, rev)  # type: ignore[arg-type]


def resolve_at(repo: object, report_dir: Path, rev: str) -> str:
    """``resolve`` for a report folder: its report and year are read (from the working tree)
    only when ``rev`` names a release."""
    if not _VERSION.match(rev):
        return gitio.resolve(repo, rev)  # type: ignore[arg-type]
    here = model.load_report(report_dir)
    return resolve(repo, here.report, here.year, rev)


def _bodies(report: model.Report) -> dict[str, model.Section]:
    return {s.id: s for s in report.sections}


def compare(report_dir: Path, old_rev: str, new_rev: str) -> VersionDiff:
    report_dir = Path(report_dir)
    repo = gitio.require_repo(report_dir)
    folder = gitio.relpath(repo, report_dir)
    here = model.load_report(report_dir)
    old_commit = resolve(repo, here.report, here.year, old_rev)
    new_commit = resolve(repo, here.report, here.year, new_rev)
    old = model.snapshot(repo, old_commit, folder, report_dir).report
    new = model.snapshot(repo, new_commit, folder, report_dir).report
    before, after = _bodies(old), _bodies(new)
    order = [s.id for s in new.sections] + [s.id for s in old.sections if s.id not in after]
    sections = []
    for sid in order:
        a, b = before.get(sid), after.get(sid)
        paras = textdiff.paragraph_diff(
            textdiff.paragraphs(a.body) if a else [], textdiff.paragraphs(b.body) if b else []
        )
        if a is None:
            status = "added"
        elif b is None:
            status = "removed"
        elif a.body == b.body and a.title == b.title:
            status = "same"
        else:
            status = "changed"
        title = b.title if b else a.title  # type: ignore[union-attr]
        sections.append(SectionDiff(sid, title, a.title if a else None, status, tuple(paras)))
    people = {p.email.lower(): (p.id, p.name) for p in new.people.values() if p.email}
    attributed = _attribute(repo, folder, old_commit, new_commit, sections, people)
    return VersionDiff(
        new.report, new.year, new.title, old_rev, new_rev, old_commit, new_commit,
        tuple(attributed), new.organisation,
    )  # fmt: skip


def _attribute(
    repo: object,
    folder: str,
    old_commit: str,
    new_commit: str,
    sections: list[SectionDiff],
    people: Mapping[str, tuple[str, str]],
) -> list[SectionDiff]:
    prefix = (f"{folder}/" if folder not in ("", ".") else "") + model.SECTIONS_DIR + "/"
    steps = gitio.range_changes(repo, f"{old_commit}..{new_commit}", prefix)  # type: ignore[arg-type]
    by_sid: dict[str, list[tuple[str, str]]] = {}  # section id -> (commit, path), oldest first
    for sha, paths in steps:
        for path in paths:
            match = model.SECTION_FILE_RE.match(path.rsplit("/", 1)[-1])
            if match:
                by_sid.setdefault(match["id"], []).append((sha, path))
    wanted = sorted({f"{sha}:{path}" for v in by_sid.values() for sha, path in v})
    texts = {
        k: v.decode("utf-8", errors="replace")
        for k, v in gitio.read_blobs(repo, wanted).items()  # type: ignore[arg-type]
    }
    commits = sorted({sha for v in by_sid.values() for sha, _p in v} | {new_commit})
    who = gitio.authors(repo, commits)  # type: ignore[arg-type]

    def by(sha: str) -> By:
        name, email, when = who.get(sha, ("", "", ""))
        pid, printed = people.get(email.lower(), (f"{name} <{email}>", name))
        return By(pid, printed, when, sha)

    out = []
    for sec in sections:
        versions = [(sha, texts.get(f"{sha}:{path}", "")) for sha, path in by_sid.get(sec.id, [])]
        fallback = by(versions[-1][0] if versions else new_commit)
        ins: dict[int, By] = {}
        dels: dict[int, By] = {}
        for i, para in enumerate(sec.paras):
            if para.op in "+~":
                sha = next((s for s, t in versions if para.new in t), None)
                ins[i] = by(sha) if sha else fallback
            if para.op in "-~":
                sha = next((s for s, t in versions if para.old not in t), None)
                dels[i] = by(sha) if sha else fallback
        out.append(
            SectionDiff(
                sec.id,
                sec.title,
                sec.old_title,
                sec.status,
                sec.paras,
                MappingProxyType(ins),
                MappingProxyType(dels),
            )
        )
    return out
