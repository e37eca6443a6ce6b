"""``blame``: per paragraph of a section, who last changed it, when, and the released version
in which it first appeared in its present form.

``git blame --porcelain -M -C`` (``gitio.blame``) gives each line its last commit, following
the file through renames and lines moved or copied from other files of the same commit (a
paragraph moved from another section keeps its author). A paragraph's last change is the
newest of its lines' commits by the commit graph, never by date: a date is what the author
claims (``GIT_AUTHOR_DATE``), so a backdated edit would otherwise hide behind an older one.
Its author is mapped to a person of the roster by e-mail, which anyone can type: a claim,
``author_verified`` only when a key the approved rosters list for that person signed the
commit (``edits.signers``, as the audit's edits). "First released": the lowest
release number of this report whose version of the section holds the paragraph's exact text
(the section found by id, so a renamed file still matches); numbers, not tag dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.audit import edits, textdiff, versions
from reportflow.content import model
from reportflow.core import gitio


@dataclass(frozen=True)
class Line:
    commit: str
    email: str
    author: str
    time: int
    tz: str
    text: str


@dataclass(frozen=True)
class Paragraph:
    number: int
    line: int  # first line in the file, 1-based
    text: str
    person: str
    name: str
    when: str  # ISO 8601 with the author's offset
    commit: str
    released: int | None  # first release holding this text, None: not released yet
    author_verified: bool = False  # the commit signed by a key listed for ``person``

    def to_json(self) -> dict[str, Any]:
        return {
            "paragraph": self.number,
            "line": self.line,
            "text": self.text,
            "person": self.person,
            "name": self.name,
            "time": self.when,
            "commit": self.commit,
            "first_released": f"v{self.released}" if self.released else None,
            "author_verified": self.author_verified,
        }


def parse_porcelain(text: str) -> list[Line]:
    """``git blame --porcelain`` into one ``Line`` per line of the file. A commit's headers
    (author, author-mail, author-time, author-tz) come only at its first line, so they are
    remembered by commit."""
    heads: dict[str, dict[str, str]] = {}
    lines: list[Line] = []
    current = ""
    for row in text.split("\n"):
        if row.startswith("\t"):
            h = heads.get(current, {})
            email = h.get("author-mail", "").strip("<>").lower()
            lines.append(
                Line(current, email, h.get("author", ""), int(h.get("author-time", "0") or 0),
                     h.get("author-tz", "+0000"), row[1:])
            )  # fmt: skip
            continue
        key, _, value = row.partition(" ")
        if len(key) == 40 and all(c in "0123456789abcdef" for c in key):
            current = key
            heads.setdefault(current, {})
        elif current and key:
            heads[current][key] = value
    return lines


def _iso(epoch: int, tz: str) -> str:
    from datetime import datetime, timedelta, timezone

    sign = -1 if tz.startswith("-") else 1
    digits = tz.lstrip("+-").rjust(4, "0")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return datetime.fromtimestamp(epoch, timezone(sign * offset)).isoformat()


def _released_texts(
    repo: Any, report: str, year: int, folder: str, sid: str
) -> list[tuple[int, set[str]]]:
    """(version, paragraphs of the section at that release), oldest version first."""
    tags = gitio.release_tags(repo, report, year)
    sections = (f"{folder}/" if folder not in ("", ".") else "") + model.SECTIONS_DIR
    wanted: dict[int, str] = {}
    for number, tag in sorted(tags.items()):
        for path, blob in gitio.tree_blobs(repo, tag.commit, sections).items():
            match = model.SECTION_FILE_RE.match(path.rsplit("/", 1)[-1])
            if match and match["id"] == sid:
                wanted[number] = blob
    data = gitio.read_blobs(repo, sorted(set(wanted.values())))
    found = []
    for number, blob in sorted(wanted.items()):
        text = data.get(blob, b"").decode("utf-8", errors="replace")
        body = text.split("\n---\n", 1)[-1] if text.startswith("---") else text
        found.append((number, set(textdiff.paragraphs(body))))
    return found


def topo_positions(repo: Any, commit: str) -> dict[str, int]:
    """Each commit reachable from ``commit`` by its place in ``git rev-list --topo-order`` (0:
    the newest; the gate's walk has the same order, with each commit's changes, which blame
    does not need). No commit comes before one of its descendants, so
    the smallest position among a paragraph's commits is the one descending from the others;
    commits of parallel branches keep git's topological order, which depends on the graph
    alone, so the choice is stable and no date can move it."""
    return {sha: i for i, sha in enumerate(gitio.topo_order(repo, commit))}


def newest(lines: list[Line], order: dict[str, int]) -> Line:
    """The line whose commit is the last change among ``lines``: first in topological order
    (``topo_positions``). Not ``max`` by ``Line.time``: that is the author's claim. A commit
    missing from ``order`` (git blame gives only ancestors of the blamed revision, so none
    should be) counts as the oldest; the commit id breaks any remaining tie."""
    return min(lines, key=lambda ln: (order.get(ln.commit, len(order)), ln.commit))


def blame(
    report_dir: Path, section_id: str, rev: str = "HEAD"
) -> tuple[model.Report, str, list[Paragraph]]:
    report_dir = Path(report_dir)
    repo = gitio.require_repo(report_dir)
    commit = versions.resolve_at(repo, report_dir, rev)
    folder = gitio.relpath(repo, report_dir)
    report = model.snapshot(repo, commit, folder, report_dir).report
    sec = report.section(section_id)
    path = (f"{folder}/" if folder not in ("", ".") else "") + sec.path
    lines = parse_porcelain(gitio.blame(repo, commit, path))
    people = {p.email.lower(): (p.id, p.name) for p in report.people.values() if p.email}
    releases = _released_texts(repo, report.report, report.year, folder, sec.id)
    order = topo_positions(repo, commit)
    blocks: list[list[tuple[int, Line]]] = [[]]
    for number, line in enumerate(lines, 1):
        if number < sec.body_line:
            continue
        if line.text.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    lasts = [newest([ln for _n, ln in block], order) for block in blocks if block]
    claimed = {ln.commit: people.get(ln.email, ("", ""))[0] for ln in lasts}
    signed_by = edits.signers_at(repo, report_dir, commit, claimed)
    out = []
    for block, last in zip((b for b in blocks if b), lasts, strict=True):
        text = "\n".join(ln.text for _n, ln in block).strip()
        pid, name = people.get(last.email, (f"{last.author} <{last.email}>", last.author))
        first = next((n for n, paras in releases if text in paras), None)
        # the time shown is the author's claim, as git records it; it chose nothing
        out.append(
            Paragraph(len(out) + 1, block[0][0], text, pid, name, _iso(last.time, last.tz),
                      last.commit, first, signed_by.get(last.commit) == pid)
        )  # fmt: skip
    return report, commit, out
