"""Helpers for the sign-off tests: real ed25519 keys made with ssh-keygen, and a repository
whose report.yaml lists their public halves, with the demo trust root and its approval of that
first roster (``conftest.trusted``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from conftest import SAMPLE_REPORT, commit_all, git, trusted

PEOPLE_IDS = ("office-director", "deputy-head-1", "deputy-head-2", "party-secretary", "intruder")


def make_keys(folder: Path) -> dict[str, tuple[Path, str]]:
    """person -> (private key path, public key line)."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = {}
    for person in PEOPLE_IDS:
        path = folder / person
        if not path.exists():
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person, "-f", str(path)],
                check=True,
            )
        pub = " ".join(path.with_suffix(".pub").read_text().split()[:2])
        keys[person] = (path, pub)
    return keys


def set_keys(report_yaml: Path, keys: dict[str, tuple[Path, str]]) -> None:
    text = report_yaml.read_text(encoding="utf-8")
    for person in PEOPLE_IDS:
        text = re.sub(
            rf"(  {person}:\n(?:    .*\n)*?)    keys: \[.*\]\n",
            lambda m, p=person: f"{m.group(1)}    keys: [{keys[p][1]} {p}]\n",
            text,
        )
    report_yaml.write_text(text, encoding="utf-8")


def make_repo(root: Path, keys: dict[str, tuple[Path, str]], required_for: object = None) -> Path:
    """A git repo with the sample report using ``keys``, its redacted figures filled in (a
    section with validation errors cannot be approved); returns the report folder.
    ``required_for``: the policy's ``signatures.required_for`` in the first roster."""
    from releasing import fill_figures

    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    dest = root / "content" / "political-ecology" / "2022"
    shutil.copytree(SAMPLE_REPORT, dest)
    fill_figures(dest)
    set_keys(dest / "report.yaml", keys)
    if required_for is not None:
        import yaml

        doc = yaml.safe_load((dest / "report.yaml").read_text(encoding="utf-8"))
        doc["policy"]["signatures"] = {"required_for": required_for}
        (dest / "report.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    commit_all(root, "import the 2022 report with people, keys and policy")
    trusted(root, dest)
    return dest


def edit(path: Path, extra: str = "\n补充一句。\n") -> None:
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def section_file(report_dir: Path, sid: str) -> Path:
    return next((report_dir / "sections").glob(f"*-{sid}.md"))


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def record_files(report_dir: Path) -> list[Path]:
    """The sign-off records in ``signoffs/``, without the trust root's genesis records that
    every test repository starts with (``conftest.trusted``)."""
    return [p for p in sorted((report_dir / "signoffs").glob("*.json")) if not is_genesis(p)]


def is_genesis(path: Path) -> bool:
    return path.name.endswith("-roster.json") and '"trust-root"' in path.read_text(encoding="utf-8")
