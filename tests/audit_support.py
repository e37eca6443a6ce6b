"""A scripted history for the audit tests: four people, edits, a branch and its merge,
sign-offs, a reject, a roster change, a renamed section file and two releases.

Built once per test module (``build``) with the shared helpers: the repository and its keys
from ``signoff_support.make_repo``/``make_keys`` (the sample with its figures filled in, the
keys' public halves in report.yaml; where a trust root is set up for a test repository, it is
set up there), commits through ``conftest.commit_all``/``git``, the real CLI in a subprocess,
in a folder isolated as every test is (``conftest.isolate``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, author_env, commit_all, git, isolate
from signoff_support import make_keys, make_repo

FOLDER = Path("content") / "political-ecology" / "2022"
SECTIONS = FOLDER / "sections"


def reportflow(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "reportflow", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _ok(*args: str | Path) -> str:
    proc = reportflow(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


KEYS: dict[str, tuple[Path, str]] = {}


def sign(report_dir: Path, person: str, *scope: str, reject: str | None = None) -> None:
    extra = ["--reject", "-m", reject] if reject is not None else []
    _ok("signoff", report_dir, *scope, "--as", person, "--key", KEYS[person][0], *extra)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def build(root: Path) -> dict[str, str]:
    """The history; returns named commits."""
    KEYS.update(make_keys(root.parent / f"{root.name}-keys"))
    report_dir = make_repo(root, KEYS)
    assert report_dir == root / FOLDER
    sec = root / SECTIONS
    # make_repo commits the import, then the trust root's genesis records on top of it
    named = {
        "import": git(root, "rev-parse", "HEAD^").strip(),
        "genesis": git(root, "rev-parse", "HEAD").strip(),
    }
    append(sec / "01-situation.md", "\n补充一句。\n")
    named["d2-situation"] = commit_all(root, "situation: one more sentence", "deputy-head-2")
    git(root, "checkout", "-q", "-b", "draft")
    replace(sec / "02-problems.md", "理论学习", "理论武装")
    named["od-problems"] = commit_all(root, "problems: wording", "office-director")
    git(root, "checkout", "-q", "main")
    append(sec / "03-measures.md", "\n坚持不懈。\n")
    named["d2-measures"] = commit_all(root, "measures: closing line", "deputy-head-2")
    git(
        root,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "merge the draft",
        "draft",
        env=author_env("office-director"),
    )
    named["merge"] = git(root, "rev-parse", "HEAD").strip()
    for sid in ("preface", "situation", "problems", "measures"):
        sign(report_dir, "deputy-head-1", "--section", sid)
    sign(report_dir, "party-secretary", "--report", reject="请补充工作成效")
    append(sec / "00-preface.md", "\n成效明显。\n")
    named["od-preface"] = commit_all(root, "preface: results", "office-director")
    sign(report_dir, "deputy-head-1", "--section", "preface")
    sign(report_dir, "party-secretary", "--report")
    _ok("release", report_dir, "--key", KEYS["party-secretary"][0])  # the releaser signs
    replace(
        report_dir / "report.yaml",
        "name: 副区长\n    roles: [deputy-head]",
        "name: 副区长\n    roles: [deputy-head, author]",
    )
    named["roster"] = commit_all(root, "roster: deputy-head-2 also drafts", "office-director")
    sign(report_dir, "party-secretary", "--roster")
    git(root, "mv", str(SECTIONS / "03-measures.md"), str(SECTIONS / "04-measures.md"))
    named["rename"] = commit_all(root, "measures: renumber the file", "office-director")
    replace(sec / "01-situation.md", "补充一句。", "补充两句。")
    named["d2-situation-2"] = commit_all(root, "situation: wording", "deputy-head-2")
    sign(report_dir, "deputy-head-1", "--section", "situation")
    sign(report_dir, "party-secretary", "--report")
    _ok("release", report_dir, "--key", KEYS["party-secretary"][0])  # the releaser signs
    return named


SCHEMA = json.loads((ROOT / "schemas" / "audit.schema.json").read_text(encoding="utf-8"))


def scripted_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The scripted history in its own isolated home: each test module's ``history`` fixture
    (module scope) builds it once."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        root = tmp_path_factory.mktemp("audit") / "reports"
        return root, build(root)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The scripted history, once per test module that imports this fixture."""
    return scripted_history(tmp_path_factory)


@pytest.fixture
def copy(history, tmp_path: Path) -> Path:
    """A copy of it for one test to change."""
    return copy_of(history, tmp_path)


def copy_of(history: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    """A copy of the scripted history for one test to change (symbolic links kept)."""
    import shutil

    target = tmp_path / "reports"
    shutil.copytree(history[0], target, symlinks=True)
    return target


def audit_json(root: Path, *args: str, folder: Path = FOLDER) -> dict:
    """``reportflow audit --format json`` of the report at ``root``, checked by its schema."""
    proc = reportflow("audit", root / folder, "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc
