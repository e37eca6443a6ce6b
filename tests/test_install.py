"""reportflow as a user gets it: a wheel installed into a fresh venv, and the pre-commit hook.

Every other test imports reportflow from this checkout, where files outside the package (the
schemas, the flows) are found whatever the packaging says. These build the wheel, install it
where the source tree is not on the path, and run the whole chain from a temp folder; and they
run the real ``pre-commit try-repo`` against this repository, as an office's repo would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_REPORT, SAMPLE_TXT, author_env, commit_all, git, trusted
from releasing import SECTIONS, demo_key, fill_figures

# Captured at import, before the autouse fixture points HOME at a temp folder: pip's download
# cache is content-addressed, so sharing the user's keeps these tests from fetching every
# dependency again, and they stay correct with an empty cache too (only slower).
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # the venv's bin must not shadow the one under test
    env["PATH"] = os.pathsep.join(
        p for p in env["PATH"].split(os.pathsep) if Path(p).resolve() != Path(sys.prefix) / "bin"
    )
    return {**env, "PIP_CACHE_DIR": PIP_CACHE, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def _run(cmd: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=_env(**env)
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = _run([sys.executable, "-m", "build", "--wheel", "--outdir", out, ROOT], cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("reportflow-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel (no extras: the plain CLI, without Prefect)."""
    where = tmp_path_factory.mktemp("venv")
    done = _run([sys.executable, "-m", "venv", where / "v"], cwd=where)
    assert done.returncode == 0, done.stderr
    pip = where / "v" / "bin" / "pip"
    done = _run([pip, "install", "-q", wheel], cwd=where)
    assert done.returncode == 0, done.stdout + done.stderr
    return where / "v"


def test_the_wheel_holds_every_module_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"reportflow/{p.relative_to(ROOT / 'reportflow')}" for p in _files("reportflow")}
    expected |= {f"reportflow/schemas/{p.relative_to(ROOT / 'schemas')}" for p in _files("schemas")}
    expected |= {f"reportflow/flows/{p.relative_to(ROOT / 'flows')}" for p in _files("flows")}
    assert expected - names == set()
    assert not any(n.startswith(("schemas/", "flows/", "tests/")) for n in names)


def _files(folder: str) -> list[Path]:
    tracked = git(ROOT, "ls-files", folder).split()
    return [ROOT / f for f in tracked if (ROOT / f).is_file() and "__pycache__" not in f]


def test_installed_wheel_runs_the_whole_chain_from_a_temp_folder(
    venv: Path, tmp_path: Path
) -> None:
    bin_ = venv / "bin"
    where = _run(
        [bin_ / "python", "-c", "import reportflow, sys; print(reportflow.__file__)"], tmp_path
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # not this checkout
    no_prefect = _run([bin_ / "python", "-c", "import prefect"], tmp_path)
    assert no_prefect.returncode == 1  # the plain install stays small: flows are an extra

    def rf(*args: str | Path, person: str = "office-director") -> subprocess.CompletedProcess:
        done = _run([bin_ / "reportflow", *args], repo, **author_env(person))
        assert "Traceback" not in done.stderr, done.stderr
        return done

    repo = tmp_path / "reports"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    assert rf("--version").stdout.startswith("reportflow ")
    imported = rf(
        "import",
        SAMPLE_TXT,
        "--report",
        "political-ecology",
        "--year",
        "2022",
        "--template",
        "political-ecology-self-assessment",
        "--title",
        "区政府党组2022年政治生态自评情况报告",
        "--into",
        "imported",
    )
    assert imported.returncode == 0, imported.stderr
    found = rf("validate", "imported/political-ecology/2022", "--format", "json")
    assert found.returncode == 1 and '"placeholders.asterisks"' in found.stdout

    report = repo / "content" / "political-ecology" / "2022"
    shutil.copytree(SAMPLE_REPORT, report)
    fill_figures(report)
    commit_all(repo, "the 2022 report, figures filled in")
    trusted(repo, report)
    assert rf("validate", report).returncode == 0
    for sid in SECTIONS:
        done = rf(
            "signoff", report, "--section", sid, "--as", "deputy-head-1",
            "--key", demo_key("deputy-head-1"), person="deputy-head-1",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    done = rf(
        "signoff", report, "--report", "--as", "party-secretary",
        "--key", demo_key("party-secretary"), person="party-secretary",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert rf("gate", report).returncode == 0
    drafts = rf("render", report, "--to", "docx,pdf,html", "--out", tmp_path / "drafts")
    assert drafts.returncode == 0, drafts.stderr
    for name in ("report.docx", "report.pdf", "report.html"):
        assert (tmp_path / "drafts" / name).stat().st_size > 1000
    released = rf("release", report, "--key", demo_key("party-secretary"), person="party-secretary")
    assert released.returncode == 0, released.stderr
    verified = rf("verify", report)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "political-ecology/2022/v1" in git(repo, "tag")


def _content_repo(root: Path) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    report = root / "content" / "political-ecology" / "2022"
    shutil.copytree(SAMPLE_REPORT, report)
    fill_figures(report)
    commit_all(root, "the 2022 report")
    return report


def test_pre_commit_try_repo_passes_a_clean_commit_and_blocks_a_placeholder(
    tmp_path: Path,
) -> None:
    """The shipped .pre-commit-hooks.yaml with the real pre-commit: it installs reportflow
    from this repository into its own environment, as it would for an office."""
    pre_commit = Path(sys.prefix) / "bin" / "pre-commit"
    report = _content_repo(tmp_path / "reports")
    repo = report.parents[2]
    home = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}

    def try_repo(*args: str) -> subprocess.CompletedProcess[str]:
        return _run([pre_commit, "try-repo", ROOT, "reportflow-validate", *args], repo, **home)

    clean = report / "sections" / "00-preface.md"
    clean.write_text(clean.read_text(encoding="utf-8") + "\n现报告如下。\n", encoding="utf-8")
    git(repo, "add", "-A")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    git(repo, "commit", "-q", "-m", "a clean change", env=author_env("office-director"))

    section = report / "sections" / "02-problems.md"
    text = section.read_text(encoding="utf-8")
    section.write_text(text + "\n全年召开会议\\*\\*\\*次。\n", encoding="utf-8")
    git(repo, "add", "-A")
    blocked = try_repo()
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "Failed" in blocked.stdout
    assert "placeholders.asterisks" in blocked.stdout
    line = len(text.split("\n")) + 1
    assert "content/political-ecology/2022/sections/02-problems.md\n" in blocked.stdout
    assert re.search(rf"\n +{line}:\d+ +错误 error .*placeholders\.asterisks", blocked.stdout)
    every = try_repo("--all-files")
    assert every.returncode == 1 and "placeholders.asterisks" in every.stdout
