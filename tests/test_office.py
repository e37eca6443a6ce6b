"""An office's own repository: ``reportflow init``, and the README's walkthrough as a test.

The walkthrough runs ``scripts/office.sh``, which runs the README's "Your own report, step by
step" blocks as written, so the README cannot drift from what works. The unit tests pin what
``init`` writes and what it refuses, and that the pre-commit hook it writes really blocks a
commit, with the real pre-commit and real git in temp folders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SAMPLE_REPORT, git
from releasing import fill_figures

from reportflow.content import model, office, schema

BIN = Path(sys.prefix) / "bin"
PE = ("--report", "political-ecology", "--year", "2023")
PE_TEMPLATE = ("--template", "political-ecology-self-assessment")


def _env(tmp_path: Path) -> dict[str, str]:
    """The venv's reportflow and pre-commit first on PATH (pre-commit's local hook runs
    ``reportflow`` from PATH, as on an office PC)."""
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(BIN), os.environ["PATH"]]),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=env)


def test_the_readme_walkthrough_runs_and_the_release_verifies(tmp_path: Path) -> None:
    work = tmp_path / "office"
    done = _run(["bash", ROOT / "scripts" / "office.sh", work], tmp_path, _env(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    verify = done.stdout[done.stdout.rindex("reportflow verify $r") :]
    assert re.search(r"all \d+ checks passed", verify), verify
    assert "✗" not in verify
    repo = work / "reports"
    assert git(repo, "tag").split() == ["political-ecology/2023/v1"]
    # every sign-off was committed by its reviewer, under the email the roster lists (the
    # office director's: the trust root's approval of the roster, step 6)
    authors = git(
        repo, "log", "--format=%ae", "--", "content/political-ecology/2023/signoffs/*.json"
    )
    assert set(authors.split()) == {
        "deputy-head-1@example.gov.cn",
        "party-secretary@example.gov.cn",
        "office-director@example.gov.cn",
    }
    assert "root: sha256:" in done.stdout  # trust show on the party secretary's PC
    assert git(repo, "status", "--porcelain").strip() == ""  # archive/ is git-ignored


def _findings(cli, report: Path) -> list[dict]:
    done = cli("validate", report, "--format", "json")
    assert done.code == 1, done.out + done.err
    return json.loads(done.out)["findings"]


def test_init_makes_a_repository_with_a_report_to_fill_in(cli, tmp_path: Path) -> None:
    done = cli("init", "reports", *PE, *PE_TEMPLATE, "--organisation", "区政府党组", cwd=tmp_path)
    assert done.code == 0, done.err
    root = tmp_path / "reports"
    assert "created the git repository" in done.out and "report.yaml" in done.out
    assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    report = root / "content" / "political-ecology" / "2023"
    names = sorted(p.name for p in (report / "sections").iterdir())
    assert names == ["00-preface.md", "01-situation.md", "02-problems.md", "03-measures.md"]
    assert (report / "signoffs").is_dir()
    assert sorted(p.name for p in root.iterdir()) == [
        ".git",
        ".gitignore",
        ".pre-commit-config.yaml",
        "README.md",
        "content",
    ]  # no staging folder left behind
    assert (root / ".gitignore").read_text(encoding="utf-8").splitlines()[-2:] == [
        "archive/",
        "build/",
    ]
    assert "reportflow validate content/political-ecology/2023" in (root / "README.md").read_text(
        encoding="utf-8"
    )

    text = (report / "report.yaml").read_text(encoding="utf-8")
    assert "git config user.email" in text and "公钥" in text  # comments saying what to fill in
    doc = yaml.safe_load(text)
    schema.validate(doc, "report.schema.json", file=report / "report.yaml")
    loaded = model.load_report(report)
    assert loaded.organisation == "区政府党组" and loaded.year == 2023
    assert set(doc["people"]) == {"office-director", "deputy-head-1", "party-secretary"}
    assert all(
        p["email"].endswith("@example.invalid") and p["keys"] == [] for p in doc["people"].values()
    )
    assert doc["policy"]["report"] == {"approvals": 1, "roles": ["party-secretary"]}
    # the only findings: the title left to fill in (no --title), the empty sections, one each
    found = _findings(cli, report)
    assert [(f["rule"], f["file"]) for f in found] == [("placeholders.marker", "report.yaml")] + [
        ("placeholders.empty-section", f"sections/{n}") for n in names
    ]
    title_line = next(i for i, s in enumerate(text.split("\n"), 1) if s.startswith("title:"))
    assert (found[0]["line"], found[0]["column"]) == (title_line, 9)  # after the opening quote

    hook = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    shipped = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    (repo,) = hook["repos"]
    assert repo["repo"] == "local"
    (local,) = repo["hooks"]
    assert local["id"] == shipped["id"] and local["entry"] == shipped["entry"]
    assert local["files"] == shipped["files"] and local["language"] == "system"


def test_init_defaults(cli, tmp_path: Path) -> None:
    folder = tmp_path / "here"
    folder.mkdir()  # an empty folder is fine; the default folder is the current one
    done = cli("init", cwd=folder)
    assert done.code == 0, done.err
    report = folder / "content" / "annual-report" / str(date.today().year)
    loaded = model.load_report(report)
    assert loaded.template == "generic" and loaded.title == office.TO_FILL
    found = [(f["rule"], f["file"]) for f in _findings(cli, report)]
    assert found == [  # title and organisation still to fill in, the one empty section
        ("placeholders.marker", "report.yaml"),
        ("placeholders.marker", "report.yaml"),
        ("placeholders.empty-section", "sections/01-section-1.md"),
    ]


def test_init_refuses_a_folder_with_files(cli, tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    done = cli("init", folder)
    assert done.code == 2
    assert str(folder) in done.err and "not empty and not a git repository" in done.err
    assert "nothing was written" in done.err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_init_refuses_a_repository_with_content(cli, tmp_path: Path) -> None:
    root = tmp_path / "reports"
    assert cli("init", root).code == 0
    before = sorted(str(p) for p in root.rglob("*") if ".git" not in p.parts)
    done = cli("init", root, "--report", "other")
    assert done.code == 2 and "already has a content/ folder" in done.err
    assert "reportflow new" in done.err
    assert sorted(str(p) for p in root.rglob("*") if ".git" not in p.parts) == before


def test_init_refuses_a_foreign_pre_commit_config(cli, tmp_path: Path) -> None:
    root = tmp_path / "reports"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    done = cli("init", root)
    assert done.code == 2 and "reportflow-validate" in done.err
    assert sorted(p.name for p in root.iterdir()) == [".git", ".pre-commit-config.yaml"]


def test_init_in_an_existing_repository_keeps_its_files(cli, tmp_path: Path) -> None:
    root = tmp_path / "reports"
    root.mkdir()
    git(root, "init", "-q", "-b", "trunk")
    (root / "README.md").write_text("# ours\n", encoding="utf-8")
    (root / ".gitignore").write_text("*.tmp\nbuild\n", encoding="utf-8")
    done = cli("init", root, *PE)
    assert done.code == 0, done.err
    assert f"wrote {office.README_BESIDE}" in done.out
    assert (root / "README.md").read_text(encoding="utf-8") == "# ours\n"
    assert "reportflow" in (root / office.README_BESIDE).read_text(encoding="utf-8")
    ignore = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ignore[:2] == ["*.tmp", "build"] and ignore[-1] == "archive/"
    assert ignore.count("build/") == 0  # "build" already ignores it
    assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/trunk"  # not re-initialised


def test_a_failing_init_leaves_nothing(cli, tmp_path: Path) -> None:
    done = cli("init", tmp_path / "new", "--template", "no-such-template")
    assert done.code == 2 and "unknown template" in done.err
    assert not (tmp_path / "new").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("init", empty, "--report", "Bad/Id").code == 2
    assert cli("init", empty, "--template", "no-such-template").code == 2
    assert list(empty.iterdir()) == []


def test_the_hook_passes_a_clean_commit_and_blocks_a_placeholder(cli, tmp_path: Path) -> None:
    """The written .pre-commit-config.yaml with the real pre-commit and git commit."""
    env = _env(tmp_path)
    made = cli("init", "reports", *PE, *PE_TEMPLATE, "--organisation", "区政府党组", cwd=tmp_path)
    assert made.code == 0
    root = tmp_path / "reports"
    report = root / "content" / "political-ecology" / "2023"
    yaml_path = report / "report.yaml"  # the title, left to fill in, is a placeholder too
    yaml_path.write_text(
        yaml_path.read_text("utf-8").replace(office.TO_FILL, "区政府党组2023年自评报告"), "utf-8"
    )
    for section in (SAMPLE_REPORT / "sections").glob("*.md"):
        shutil.copy(section, report / "sections" / section.name)
    fill_figures(report)
    installed = _run([BIN / "pre-commit", "install"], root, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    git(root, "add", "-A")
    clean = _run(["git", "commit", "-m", "first draft"], root, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"reportflow validate.*Passed", clean.stdout + clean.stderr)

    problems = report / "sections" / "02-problems.md"
    problems.write_text(
        problems.read_text(encoding="utf-8") + "\n全年召开会议\\*\\*\\*次。\n", encoding="utf-8"
    )
    git(root, "add", "-A")
    blocked = _run(["git", "commit", "-m", "a figure to fill in"], root, env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, output
    assert "Failed" in output and "placeholders.asterisks" in output
    assert "content/political-ecology/2023/sections/02-problems.md" in output
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"  # nothing committed

    every = _run([BIN / "pre-commit", "run", "--all-files"], root, env)
    assert every.returncode == 1 and "placeholders.asterisks" in every.stdout


@pytest.mark.parametrize("existing", ["", "archive/\nbuild/\n", "node_modules", "archive\n"])
def test_gitignore_adds_each_line_once(existing: str) -> None:
    merged = office.gitignore(existing)
    assert merged.startswith(existing)
    lines = {line.strip().rstrip("/") for line in merged.splitlines()}
    assert {"archive", "build"} <= lines
    assert office.gitignore(merged) == merged
