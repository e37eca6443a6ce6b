"""Shared fixtures: real git repositories in tmp_path, and the real CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# No example database: a failure Hypothesis finds becomes a named regression test, not a replay
# that only the machine which found it performs (issue 17).
settings.register_profile("reportflow", database=None)
settings.load_profile("reportflow")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TXT = ROOT / "samples" / "political-ecology-self-assessment-2022.txt"
SAMPLE_REPORT = ROOT / "content" / "political-ecology" / "2022"

# The trust root every test repository gets (the demo root: party-secretary, office-director and
# records-officer, 2 of 3, keys in demo/keys/), and its pin, set for every test through the
# environment as a machine outside the repository would have it (README, "Trust root").
DEMO_ROOT = ROOT / "demo" / "trust" / "root-v1.json"
GENESIS_SIGNERS = ("party-secretary", "office-director")


def _pin_of(path: Path) -> str:
    import hashlib
    import json

    signed = json.loads(path.read_text(encoding="utf-8"))["signed"]
    body = json.dumps(signed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


DEMO_PIN = _pin_of(DEMO_ROOT)

PEOPLE = {
    "office-director": ("区政府办公室主任", "office-director@example.gov.cn"),
    "deputy-head-1": ("常务副区长", "deputy-head-1@example.gov.cn"),
    "deputy-head-2": ("副区长", "deputy-head-2@example.gov.cn"),
    "party-secretary": ("区政府党组书记", "party-secretary@example.gov.cn"),
}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads the developer's git config or writes to their home."""
    isolate(monkeypatch, tmp_path_factory.mktemp("home"))


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("REPORTFLOW_LOG", str(home / "reportflow.log"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("LANG", "C.UTF-8")  # English messages whatever the CI's locale
    for var in ("GIT_DIR", "GIT_WORK_TREE", "PREFECT_API_URL", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("REPORTFLOW_TRUST", DEMO_PIN)
    set_author(monkeypatch, "office-director")


def set_author(monkeypatch: pytest.MonkeyPatch, person: str) -> None:
    name, email = PEOPLE.get(person, (person, f"{person}@example.gov.cn"))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", name)
        monkeypatch.setenv(f"GIT_{role}_EMAIL", email)


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout


def author_env(person: str) -> dict[str, str]:
    name, email = PEOPLE.get(person, (person, f"{person}@example.gov.cn"))
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def commit_all(repo: Path, message: str, person: str = "office-director") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, env=author_env(person))
    return git(repo, "rev-parse", "HEAD").strip()


def root_key(member: str) -> Path:
    """A private copy of a demo root member's key (ssh-keygen refuses world-readable keys)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="reportflow-root-keys-"))
    key = folder / member
    shutil.copy(ROOT / "demo" / "keys" / member, key)
    key.chmod(0o600)
    return key


def trusted(repo: Path, report_dir: Path, signers: tuple[str, ...] = GENESIS_SIGNERS) -> str:
    """Give a test repository the demo trust root and the root's approval of the roster of
    report.yaml at HEAD (the genesis): ``trust/root-v1.json`` and one roster record per root
    member in ``signoffs/``, committed together, as ``reportflow trust approve-roster`` does.
    Every repository built by the shared helpers gets it; returns the new HEAD."""
    from reportflow.signoff import ledger, roster

    (repo / "trust").mkdir(exist_ok=True)
    shutil.copy(DEMO_ROOT, repo / "trust" / "root-v1.json")
    head = git(repo, "rev-parse", "HEAD").strip()
    doc = roster.from_yaml((report_dir / "report.yaml").read_bytes(), "report.yaml")
    assert doc is not None, "the test report has no roster"
    import yaml

    meta = yaml.safe_load((report_dir / "report.yaml").read_text(encoding="utf-8"))
    for member in signers:
        rec = ledger.SignoffRecord(
            meta["report"], int(meta["year"]), "roster", doc.digest, head, member, "approve",
            ledger.now_utc(), "trust-root", "genesis: the trust root approves the first roster",
        )  # fmt: skip
        signed = ledger.SignoffRecord(
            **{**rec.to_dict(), "signature": ledger.sign(rec.payload(), root_key(member))}
        )
        ledger.write_record(report_dir / "signoffs", signed)
    git(repo, "add", "trust", str(report_dir / "signoffs"))
    git(repo, "commit", "-q", "-m", "trust root v1; the root approves the first roster",
        env=author_env("party-secretary"))  # fmt: skip
    return git(repo, "rev-parse", "HEAD").strip()


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run the real ``reportflow`` command in a subprocess, as a user would."""

    def run(*args: str | Path, cwd: Path | None = None) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "reportflow", *map(str, args)],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


def sample_repo(root: Path) -> Path:
    """A real git repository at ``root`` holding the sample report, committed by the office
    director, with the demo trust root's approval of its roster; returns the report folder."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    dest = root / "content" / "political-ecology" / "2022"
    shutil.copytree(SAMPLE_REPORT, dest)
    commit_all(root, "import the 2022 report")
    trusted(root, dest)
    return dest


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real git repository holding the sample report, committed by the office director."""
    root = tmp_path / "reports"
    sample_repo(root)
    return root


@pytest.fixture
def report_dir(repo: Path) -> Path:
    return repo / "content" / "political-ecology" / "2022"


# The sign-off tests' people: their SSH keys (made once per run) and a report repository with
# the demo trust root whose roster lists them (``signoff_support``).
@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory):
    from signoff_support import make_keys

    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def rdir(tmp_path: Path, keys) -> Path:
    from signoff_support import make_repo

    return make_repo(tmp_path / "reports", keys)
