"""``reportflow diff``: what changed between two versions, per section, as text, an HTML
redline or a Word document with tracked changes."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reportflow.core.i18n import _
from reportflow.core.prewalk import RELEASE_REV, RangeWalk

if TYPE_CHECKING:
    from reportflow.audit.versions import VersionDiff


def _default_out(diff_report: str, year: int, old: str, new: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{old}-{new}")
    return Path("build") / diff_report / str(year) / f"diff-{safe}.docx"


def _early(report_dir: Path, old: str, new: str) -> RangeWalk | None:
    """The range's walk, started before the imports: ``v<N>`` as the release tag of the report
    and year report.yaml names (read with a regex: a guess, which ``compare`` checks)."""
    try:
        text = (Path(report_dir) / "report.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    report = re.search(r"^report:\s*([a-z0-9-]+)\s*$", text, re.M)
    year = re.search(r"^year:\s*([0-9]{4})\s*$", text, re.M)
    if report is None or year is None:
        return None

    def rev(name: str) -> str:
        return f"{report[1]}/{year[1]}/{name}" if RELEASE_REV.fullmatch(name) else name

    return RangeWalk(Path(report_dir), rev(old), rev(new))


def _verified(report_dir: Path, diff: VersionDiff) -> frozenset[str]:
    """The changes' commits whose author a key the approved rosters list for that person
    signed (``edits.signers_at``, judged at the newer version): Word shows the others'
    authors marked claimed. Nothing is read beyond the commit objects unless one is signed."""
    from reportflow.audit import edits
    from reportflow.core import gitio

    claimed: dict[str, str] = {}
    for sec in diff.sections:
        for by in (*sec.inserted_by.values(), *sec.deleted_by.values()):
            claimed[by.commit] = by.person
    if not claimed:
        return frozenset()
    repo = gitio.require_repo(report_dir)
    found = edits.signers_at(repo, report_dir, diff.new_commit, claimed)
    return frozenset(sha for sha, pid in found.items() if claimed.get(sha) == pid)


def run(report_dir: Path, old: str, new: str, fmt: str = "text", out: Path | None = None) -> None:
    early = _early(report_dir, old, new)
    from reportflow.audit import versions  # imported while git walks

    if fmt == "docx":
        from concurrent.futures import ThreadPoolExecutor

        from reportflow.audit import tracked

        with ThreadPoolExecutor(max_workers=1) as pool:
            # python-docx and the reference document load while git walks the range
            blank = pool.submit(tracked.Writer)
            diff = versions.compare(Path(report_dir), old, new, early)
            writer = blank.result()
        target = out or _default_out(diff.report, diff.year, old, new)
        written = tracked.write(diff, target, writer, _verified(Path(report_dir), diff))
        print(_("tracked changes: {file}").format(file=written))
        return
    diff = versions.compare(Path(report_dir), old, new, early)
    from reportflow.audit import redline

    page = redline.html(diff) if fmt == "html" else redline.text(diff)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
        print(out)
    else:
        sys.stdout.write(page)
