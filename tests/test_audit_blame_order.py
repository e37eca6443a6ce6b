"""``reportflow blame`` picks a paragraph's last change by the commit graph, never by date.

A commit's date is what its author claims: plain git sets any ``GIT_AUTHOR_DATE``. Had blame
taken the newest date, anyone could backdate an edit and have blame name the paragraph's
earlier writer instead of them. The graph cannot be told a story: a commit built on another
one came after it.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import author_env, commit_all, git, sample_repo

from reportflow.audit import blame

SITUATION = Path("content") / "political-ecology" / "2022" / "sections" / "01-situation.md"


def _report_repo(root: Path) -> Path:
    """A repository with the sample report (its roster knows the four people), as the shared
    ``repo`` fixture makes it; returns the report folder."""
    return sample_repo(root)


def _edit(root: Path, old: str, new: str) -> None:
    path = root / SITUATION
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _commit(root: Path, message: str, person: str, date: str | None = None) -> str:
    """Commit everything as ``person``; ``date``: the author date they claim."""
    git(root, "add", "-A")
    env = author_env(person) | ({"GIT_AUTHOR_DATE": date} if date else {})
    git(root, "commit", "-q", "-m", message, env=env)
    return git(root, "rev-parse", "HEAD").strip()


def _last(report_dir: Path) -> blame.Paragraph:
    return blame.blame(report_dir, "situation")[2][-1]


def test_backdated_edit_is_still_the_last_change(tmp_path: Path, cli) -> None:
    """deputy-head-2 writes a paragraph; office-director then changes its second line and
    claims the author date 2021-01-01, before the paragraph was written. The edit descends
    from the paragraph's commit, so it is the last change: blame names office-director and
    their commit, and shows the date they claimed (it is what git records), which chose
    nothing. The old code took the newest author date and named deputy-head-2."""
    report_dir = _report_repo(tmp_path / "reports")
    root = tmp_path / "reports"
    path = root / SITUATION
    path.write_text(path.read_text(encoding="utf-8") + "\n第一行。\n第二行。\n", encoding="utf-8")
    written = _commit(root, "situation: a new paragraph", "deputy-head-2")
    _edit(root, "第二行。", "第二行，改过。")
    edited = _commit(root, "situation: reword", "office-director", "2021-01-01T09:00:00+08:00")
    last = _last(report_dir)
    assert (last.text, last.person, last.commit) == (
        "第一行。\n第二行，改过。", "office-director", edited,
    )  # fmt: skip
    assert last.commit != written
    assert last.when == "2021-01-01T09:00:00+08:00"
    proc = cli("blame", report_dir, "situation", "--format", "json")
    assert proc.code == 0, proc.err
    shown = json.loads(proc.out)["paragraphs"][-1]
    assert (shown["person"], shown["commit"], shown["time"]) == (
        "office-director", edited, "2021-01-01T09:00:00+08:00",
    )  # fmt: skip


def _parallel(root: Path, side_date: str, main_date: str) -> tuple[str, str, blame.Paragraph]:
    """deputy-head-2 writes a paragraph; on a branch deputy-head-2 rewords its first line,
    on main office-director its third; the branch is merged. Neither edit descends from
    the other. Returns (side commit, main commit, the paragraph's blame)."""
    report_dir = _report_repo(root)
    path = root / SITUATION
    lines = "\n第一行。\n第二行。\n第三行。\n"  # one line between the edits: no conflict
    path.write_text(path.read_text(encoding="utf-8") + lines, encoding="utf-8")
    commit_all(root, "situation: a new paragraph", "deputy-head-2")
    git(root, "checkout", "-q", "-b", "draft")
    _edit(root, "第一行。", "第一行，分支改过。")
    side = _commit(root, "situation: first line", "deputy-head-2", side_date)
    git(root, "checkout", "-q", "main")
    _edit(root, "第三行。", "第三行，主线改过。")
    main = _commit(root, "situation: second line", "office-director", main_date)
    git(root, "merge", "-q", "--no-ff", "-m", "merge", "draft", env=author_env("office-director"))
    return side, main, _last(report_dir)


def test_parallel_edits_are_ordered_by_the_graph_alone(tmp_path: Path) -> None:
    """Two edits on parallel branches, merged, are not ordered by ancestry: blame takes the
    first of them in the history's topological order, a function of the graph. Swapping the
    dates the two authors claim must not change which one is named, since a date is only a
    claim; asking twice gives the same answer."""
    early, late = "2021-01-01T09:00:00+08:00", "2030-01-01T09:00:00+08:00"
    picked = []
    for name, (side_date, main_date) in {"a": (early, late), "b": (late, early)}.items():
        root = tmp_path / name / "reports"
        side, main, last = _parallel(root, side_date, main_date)
        assert last.text == "第一行，分支改过。\n第二行。\n第三行，主线改过。"
        topo = git(root, "rev-list", "--topo-order", "HEAD").split()
        first = min((side, main), key=topo.index)
        assert last.commit == first
        assert _last(root / "content" / "political-ecology" / "2022") == last
        picked.append("side" if last.commit == side else "main")
    assert picked[0] == picked[1]
