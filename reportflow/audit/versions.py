"""``diff`` between two versions of a report: per section, paragraphs then characters, and
who made each change.

Versions are named as people name them: ``v1`` (the release tag ``<report>/<year>/v1``), any
tag, branch or commit. Both texts are read from git objects, never the working tree.

Who made a change: the changes are attributed per paragraph to the commit of the range from
which on the section file has held the paragraph's new text (an insertion or a changed
paragraph) or no longer held its old text (a deletion), found from the versions of the file at
the commits of the range (one ``git log``; the versions read back from the newest, see
``_Search``). Text written and rewritten within the range is attributed to whoever gave it its
final form, which is the person an inspector asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reportflow.audit import textdiff
from reportflow.audit.textdiff import Para
from reportflow.content import model
from reportflow.core import gitio, history, prewalk
from reportflow.core.errors import GitInputError, ReportflowError
from reportflow.core.i18n import _
from reportflow.core.prewalk import RangeWalk

_VERSION = prewalk.RELEASE_REV


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


def _names(report_dir: Path) -> tuple[str, int]:
    """report.yaml's ``report`` and ``year`` (they name the release tags), without reading
    the working tree's sections (a tenth of a second on 100): the texts compared come from
    the two commits. Anything odd is left to ``load_report``, whose error names it."""
    from reportflow.content import schema

    path = report_dir / model.REPORT_FILE
    try:
        doc = schema.parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, ReportflowError):
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("report"), str):
        year = doc.get("year")
        if isinstance(year, int) and not isinstance(year, bool):
            return doc["report"], year
    here = model.load_report(report_dir)
    return here.report, here.year


def _bodies(report: model.Report) -> dict[str, model.Section]:
    return {s.id: s for s in report.sections}


def compare(
    report_dir: Path, old_rev: str, new_rev: str, early: RangeWalk | None = None
) -> VersionDiff:
    """``early``: the range's walk started before the imports (``commands/diff.py``), used
    if it walked the two commits resolved here."""
    report_dir = Path(report_dir)
    repo = gitio.require_repo(report_dir)
    folder = gitio.relpath(repo, report_dir)
    report, year = _names(report_dir)
    old_commit = resolve(repo, report, year, old_rev)
    new_commit = resolve(repo, report, year, new_rev)
    prefix = (f"{folder}/" if folder not in ("", ".") else "") + model.SECTIONS_DIR + "/"
    with ThreadPoolExecutor(max_workers=1) as pool:
        # git walks the range (for who made each change) while the two texts are diffed
        def walk() -> list[tuple[str, list[str]]]:
            text = early.output_for(old_commit, new_commit) if early is not None else None
            if text is not None:
                return history.parse_range_log(text, prefix)
            return gitio.range_changes(repo, f"{old_commit}..{new_commit}", prefix)  # type: ignore[arg-type]

        steps = pool.submit(walk)
        sections = _sections(repo, folder, report_dir, old_commit, new_commit)
        new = sections.pop()
        people = {p.email.lower(): (p.id, p.name) for p in new.people.values() if p.email}
        attributed = _attribute(repo, steps.result(), sections, people, new_commit)
    return VersionDiff(
        new.report, new.year, new.title, old_rev, new_rev, old_commit, new_commit,
        tuple(attributed), new.organisation,
    )  # fmt: skip


def _sections(
    repo: Any, folder: str, report_dir: Path, old_commit: str, new_commit: str
) -> list[Any]:
    """Each section's paragraph diff, then (last) the new version's report."""
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
    return [*sections, new]


def _attribute(
    repo: object,
    steps: list[tuple[str, list[str]]],
    sections: list[SectionDiff],
    people: Mapping[str, tuple[str, str]],
    new_commit: str,
) -> list[SectionDiff]:
    """``steps``: ``gitio.range_changes`` of the range, under the sections folder."""
    by_sid: dict[
        str, list[str]
    ] = {}  # section id -> "<commit>:<path>" of each version, oldest first
    for sha, paths in steps:
        for path in paths:
            match = model.SECTION_FILE_RE.match(path.rsplit("/", 1)[-1])
            if match:
                by_sid.setdefault(match["id"], []).append(f"{sha}:{path}")
    found = _Search(repo, by_sid)
    for sec in sections:
        for i, para in enumerate(sec.paras):
            if para.op in "+~":
                found.ask(sec.id, ("ins", i), para.new, present=True)
            if para.op in "-~":
                found.ask(sec.id, ("del", i), para.old, present=False)
    answers = found.run()
    chosen = {v.split(":", 1)[0] for v in answers.values()}
    latest = {sid: v[-1].split(":", 1)[0] for sid, v in by_sid.items() if v}
    who = gitio.authors(repo, sorted(chosen | set(latest.values()) | {new_commit}))  # type: ignore[arg-type]

    def by(sha: str) -> By:
        name, email, when = who.get(sha, ("", "", ""))
        pid, printed = people.get(email.lower(), (f"{name} <{email}>", name))
        return By(pid, printed, when, sha)

    out = []
    for sec in sections:
        fallback = by(latest.get(sec.id, new_commit))
        ins: dict[int, By] = {}
        dels: dict[int, By] = {}
        for (sid, (kind, i)), version in answers.items():
            if sid == sec.id:
                (ins if kind == "ins" else dels)[i] = by(version.split(":", 1)[0])
        for i, para in enumerate(sec.paras):
            if para.op in "+~":
                ins.setdefault(i, fallback)
            if para.op in "-~":
                dels.setdefault(i, fallback)
        out.append(
            SectionDiff(
                sec.id, sec.title, sec.old_title, sec.status, sec.paras,
                MappingProxyType(ins), MappingProxyType(dels),
            )
        )  # fmt: skip
    return out


class _Search:
    """For each question "which version of the range last made this text present (or
    absent)?", walk a section's versions back from the newest while the answer holds. The
    versions are read in windows that double each round (one ``cat-file --batch`` a round
    for every open question), so a paragraph changed in the last commit costs two versions,
    and one older costs a handful of rounds, not a read of the whole range."""

    def __init__(self, repo: object, versions: Mapping[str, list[str]]) -> None:
        self.repo, self.versions = repo, versions
        self.texts: dict[str, str | None] = {}
        self.open: list[list] = []  # [section, key, text, present, index, window]

    def ask(self, sid: str, key: tuple[str, int], text: str, *, present: bool) -> None:
        seq = self.versions.get(sid, [])
        if seq:
            self.open.append([sid, key, text, present, len(seq) - 1, 2])

    def _holds(self, q: list, index: int) -> bool:
        """True when the question's answer holds at version ``index``; a version that does
        not exist (the old path of a renamed file) is stepped over."""
        text = self.texts[self.versions[q[0]][index]]
        return text is None or (q[2] in text) == q[3]

    def run(self) -> dict[tuple[str, tuple[str, int]], str]:
        done: dict[tuple[str, tuple[str, int]], str] = {}
        while self.open:
            wanted = set()
            for sid, _key, _text, _present, index, window in self.open:
                seq = self.versions[sid]
                wanted |= {seq[j] for j in range(max(0, index - window), index + 1)}
            missing = sorted(wanted - self.texts.keys())
            for name, data in gitio.read_blobs(self.repo, missing).items():  # type: ignore[arg-type]
                self.texts[name] = data.decode("utf-8", errors="replace")
            for name in missing:  # the path deleted at that commit (a renamed file's old name)
                self.texts.setdefault(name, None)
            still = []
            for q in self.open:
                seq = self.versions[q[0]]
                if not self._holds(q, q[4]):  # not so at the newest version: nobody in range
                    continue
                while q[4] > 0 and seq[q[4] - 1] in self.texts and self._holds(q, q[4] - 1):
                    q[4] -= 1
                if q[4] == 0 or (seq[q[4] - 1] in self.texts):
                    at = q[4]  # a version that exists (not a renamed file's old name)
                    while at + 1 < len(seq) and self.texts.get(seq[at]) is None:
                        at += 1
                    done[(q[0], q[1])] = seq[at]
                else:
                    q[5] *= 2
                    still.append(q)
            self.open = still
        return done
