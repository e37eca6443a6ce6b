"""``reportflow owners``: commits that changed a section their author does not own.

For a pre-merge check of multi-author drafting: ``reportflow owners <dir> main..HEAD`` exits 1
and lists each commit in the range that changed a section whose author (mapped to people by
email) is neither its owner nor one of its co-authors in the front matter at the tip. A
change's committer and ``Co-authored-by:`` people count as its authors, and a merge commit that
put text of its own into a section (in neither parent) is a change by the merger.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportflow.content import model
from reportflow.core import gitio
from reportflow.core.i18n import _
from reportflow.core.safe_text import shown


@dataclass(frozen=True)
class Foreign:
    commit: str
    author: str  # person id, or "name <email>" when the email is not in people
    section: str
    owners: tuple[str, ...]


def find(report_dir: Path, rev_range: str = "HEAD") -> list[Foreign]:
    repo = gitio.require_repo(report_dir)
    gitio.check_range(repo, rev_range)
    report = model.load_report(report_dir)
    folder = gitio.relpath(repo, report_dir)
    by_email = {p.email.lower(): pid for pid, p in report.people.items() if p.email}
    prefix = f"{folder}/" if folder not in ("", ".") else ""
    by_path = {prefix + s.path: s for s in report.sections}
    found: list[Foreign] = []
    walk = gitio.walk(repo, rev_range, prefix + model.SECTIONS_DIR + "/")
    for path, changes in walk.changes.items():
        sec = by_path.get(path)
        if sec is None:
            continue
        for ch in changes:  # author, committer and co-authors all changed the text
            for email in ch.emails:
                who = by_email.get(email)
                if who not in sec.authors:
                    name = who or f"{ch.author} <{email}>"
                    found.append(Foreign(ch.commit, name, sec.id, sec.authors))
    order = {s.id: i for i, s in enumerate(report.sections)}
    return sorted(found, key=lambda f: (order[f.section], f.commit))


def run(report_dir: Path, rev_range: str = "HEAD") -> int:
    found = find(Path(report_dir), rev_range)
    for f in found:
        print(
            _("{commit} {author} changed section {section}, owned by {owners}").format(
                commit=f.commit[:10],
                author=shown(f.author),  # a git author name is anyone's text
                section=f.section,
                owners=", ".join(f.owners),
            )
        )
    if not found:
        print(
            _("every change in {range} to a section is by its owner or a co-author").format(
                range=rev_range
            )
        )
    return 1 if found else 0
