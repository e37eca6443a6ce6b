"""The report model: a report folder loaded into immutable, schema-checked objects.

A report is read either from a folder on disk or from a commit (rendering and releasing a
past version must never touch the working tree), through the same ``Source`` interface
(``content.sources``, which also refuses symbolic links), so every check here applies equally
to both. Sizes are checked on the bytes before decoding (``reportflow.core.limits``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reportflow.content import schema, titles
from reportflow.content.sources import FolderSource, Source, TreeSource, tree_source
from reportflow.core import limits
from reportflow.core.errors import ContentError
from reportflow.core.i18n import _
from reportflow.core.textio import decode

REPORT_FILE = "report.yaml"
SECTIONS_DIR = "sections"
SIGNOFFS_DIR = "signoffs"
SECTION_FILE_RE = re.compile(r"^(?P<num>\d{2,3})-(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_WS = re.compile(r"\s+")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    roles: tuple[str, ...] = ()
    email: str | None = None
    keys: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()  # apprise URLs


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    owner: str
    path: str  # relative to the report folder, e.g. "sections/01-situation.md"
    body: str
    body_line: int  # 1-based line of the file where ``body`` starts
    co_authors: tuple[str, ...] = ()
    show_heading: bool = True

    @property
    def characters(self) -> int:
        """Characters of text, whitespace excluded: how Chinese offices count length."""
        return len(_WS.sub("", _ESCAPE.sub(r"\1", self.body)))

    @property
    def authors(self) -> tuple[str, ...]:
        return (self.owner, *self.co_authors)


@dataclass(frozen=True)
class Report:
    root: Path
    report: str
    year: int
    title: str
    organisation: str
    people: Mapping[str, Person]
    sections: tuple[Section, ...]
    template: str | None = None
    language: str = "zh-CN"
    dates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    policy: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    render: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    archive: str | None = None
    title_lines: tuple[str, ...] = ()  # report.yaml title_lines:, checked against the title
    addressee: str | None = None  # 主送机关
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: Where the files came from (folder or commit): images are read through it, like the text.
    source: Source | None = field(default=None, compare=False, repr=False)

    def section(self, section_id: str) -> Section:
        for sec in self.sections:
            if sec.id == section_id:
                return sec
        raise ContentError(
            f"no section {section_id!r} in this report",
            file=self.root / REPORT_FILE,
            hint="sections are: " + ", ".join(s.id for s in self.sections),
        )


def split_front_matter(text: str, file: str) -> tuple[dict[str, Any], str, int]:
    """Split ``---``-delimited YAML front matter from the body; return (meta, body, body_line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError(
            "section file has no front matter",
            file=file,
            line=1,
            hint="start the file with '---', then id:, title:, owner:, then '---'",
        )
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            meta = schema.parse_front_matter("\n".join(lines[1:i]), file, line_offset=1)
            if not isinstance(meta, dict):
                raise ContentError(
                    "front matter must be a mapping of keys (id:, title:, owner:)",
                    file=file,
                    line=2,
                )
            schema.validate(
                meta,
                "section.schema.json",
                file=file,
                source="\n".join(lines[1:i]),
                line_offset=1,
            )
            return meta, "\n".join(lines[i + 1 :]), i + 2
    raise ContentError("front matter is not closed", file=file, line=1, hint="add a '---' line")


def _load_people(doc: Mapping[str, Any]) -> dict[str, Person]:
    return {
        pid: Person(
            id=pid,
            name=p["name"],
            roles=tuple(p.get("roles", ())),
            email=p.get("email"),
            keys=tuple(p.get("keys", ())),
            notify=tuple(p.get("notify", ())),
        )
        for pid, p in doc["people"].items()
    }


def _order_line(text: str, index: int) -> int | None:
    return schema.node_line(text, ["sections", index])


def load_sections(
    source: Source, order: list[str], people: Mapping[str, Person], yaml_text: str
) -> tuple[Section, ...]:
    report_file = source.display(REPORT_FILE)
    names = source.listdir(SECTIONS_DIR)
    if names is None:
        raise ContentError(
            "the report has no sections/ folder",
            file=source.display(SECTIONS_DIR),
            hint="create sections/NN-<id>.md files, or run 'reportflow new'",
        )
    by_id: dict[str, Section] = {}
    for name in names:
        if name.startswith("."):
            continue
        rel = f"{SECTIONS_DIR}/{name}"
        shown = source.display(rel)
        match = SECTION_FILE_RE.match(name)
        if not match:
            raise ContentError(
                f"section file name {name!r} is not NN-<id>.md",
                file=shown,
                hint="name it like 01-situation.md: two digits, '-', then a-z, 0-9 and '-'",
            )
        data = source.read(rel)
        if data is None:
            continue
        limits.check_size(data, shown, limits.SECTION)
        text = decode(data, shown)
        limits.check_text(text, shown)
        meta, body, body_line = split_front_matter(text, shown)
        if meta["id"] != match["id"]:
            raise ContentError(
                f"front matter id {meta['id']!r} does not match the file name id {match['id']!r}",
                file=shown,
                line=2,
                hint=f"rename the file or set 'id: {match['id']}'",
            )
        if meta["id"] in by_id:
            raise ContentError(
                f"duplicate section id {meta['id']!r}, also used by {by_id[meta['id']].path}",
                file=shown,
                line=2,
                hint="give each section its own id",
            )
        for who in (meta["owner"], *meta.get("co_authors", ())):
            if who not in people:
                raise ContentError(
                    f"owner or co-author {who!r} is not in the report's people",
                    file=shown,
                    hint=f"add {who!r} under people: in report.yaml, or fix the spelling",
                )
        by_id[meta["id"]] = Section(
            id=meta["id"],
            title=meta["title"],
            owner=meta["owner"],
            path=rel,
            body=body,
            body_line=body_line,
            co_authors=tuple(meta.get("co_authors", ())),
            show_heading=meta.get("show_heading", True),
        )
    seen: set[str] = set()
    for index, sid in enumerate(order):
        if sid in seen:
            raise ContentError(
                f"section {sid!r} is listed twice in sections:",
                file=report_file,
                line=_order_line(yaml_text, index),
            )
        seen.add(sid)
        if sid not in by_id:
            raise ContentError(
                f"section {sid!r} is listed in sections: but has no file",
                file=report_file,
                line=_order_line(yaml_text, index),
                hint=f"create sections/NN-{sid}.md or remove it from the list",
            )
    for sid, sec in by_id.items():
        if sid not in seen:
            raise ContentError(
                f"section file is not listed in report.yaml sections: ({sid!r})",
                file=source.display(sec.path),
                hint=f"add '{sid}' to sections: in report.yaml in its place, or delete the file",
            )
    return tuple(by_id[sid] for sid in order)


def load_from(source: Source, root: Path) -> Report:
    data = source.read(REPORT_FILE)
    shown = source.display(REPORT_FILE)
    if data is None:
        raise ContentError(
            "report.yaml not found: this is not a report folder",
            file=shown,
            hint="give the folder that holds report.yaml, e.g. content/<report>/<year>",
        )
    limits.check_size(data, shown, limits.REPORT_YAML)
    text = decode(data, shown)
    limits.check_text(text, shown)
    doc = schema.parse_report_yaml(text, shown)
    if not isinstance(doc, dict):
        raise ContentError("report.yaml must be a mapping of keys", file=shown, line=1)
    schema.validate(doc, "report.schema.json", file=shown, source=text)
    if "title_lines" in doc and (wrong := titles.check_lines(doc["title"], doc["title_lines"])):
        raise ContentError(
            wrong,
            file=shown,
            line=schema.node_line(text, ["title_lines"]),
            hint=_(
                "write the title's lines under title_lines:, each at most 20 characters, "
                "together the title; or remove title_lines: to let reportflow break it"
            ),
        )
    people = _load_people(doc)
    sections = load_sections(source, list(doc["sections"]), people, text)
    return Report(
        root=root,
        report=doc["report"],
        year=doc["year"],
        title=doc["title"],
        title_lines=tuple(doc.get("title_lines", ())),
        addressee=doc.get("addressee"),
        organisation=doc["organisation"],
        people=MappingProxyType(people),
        sections=sections,
        template=doc.get("template"),
        language=doc.get("language", "zh-CN"),
        dates=MappingProxyType(dict(doc.get("dates", {}))),
        policy=MappingProxyType(dict(doc.get("policy", {}))),
        rules=MappingProxyType(dict(doc.get("rules", {}))),
        render=MappingProxyType(dict(doc.get("render", {}))),
        archive=doc.get("archive"),
        raw=MappingProxyType(doc),
        source=source,
    )


def load_report(path: Path | str) -> Report:
    root = Path(path)
    if not root.is_dir():
        raise ContentError(
            "no such report folder", file=root, hint="give a folder like content/<report>/<year>"
        )
    return load_from(FolderSource(root), root)


@dataclass(frozen=True)
class Snapshot:
    """A report folder as committed, with what was read from git to load it: a release
    hands it to the gate instead of reading and parsing the same commit twice."""

    commit: str
    folder: str  # repository-relative
    source: TreeSource
    blobs: Mapping[str, str]  # path relative to the report folder -> blob id
    report: Report


def snapshot(repo: Any, commit: str, folder: str, root: Path) -> Snapshot:
    source, blobs = tree_source(repo, commit, folder)
    return Snapshot(commit, folder, source, blobs, load_from(source, root))


def load_report_at(path: Path | str, rev: str) -> Report:
    """Load the report folder ``path`` as it was at revision ``rev``."""
    from reportflow.core import gitio

    root = Path(path)
    repo = gitio.require_repo(root)
    return snapshot(repo, gitio.resolve(repo, rev), gitio.relpath(repo, root), root).report
