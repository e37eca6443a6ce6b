"""Input limits (issue 11, S9): symbolic links, NUL bytes, sizes, and a busy git index.

Each test builds the bad input with real files (and real git where the input is a commit) and
runs the real CLI, asserting the exact refusal: exit 2, one line, the file, the line where it
matters, and the figure against the limit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import commit_all, git
from signoff_support import make_repo, record_files, section_file

from reportflow.content import model
from reportflow.core import limits
from reportflow.core.errors import ContentError

SECRET = "机密：服务器口令 hunter2"


def _refused(result, *needles: str) -> str:
    assert result.code == 2, result
    assert result.err.count("\n") == 1, result.err
    for needle in needles:
        assert needle in result.err, result.err
    return result.err


def _secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.md"
    path.write_text("---\nid: measures\ntitle: 措施\nowner: office-director\n---\n" + SECRET)
    return path


# --- symbolic links ----------------------------------------------------------------------------


def test_symlinked_section_in_the_working_tree_is_refused_with_its_target(
    cli, report_dir: Path, tmp_path: Path
) -> None:
    secret = _secret(tmp_path)
    link = section_file(report_dir, "measures")
    link.unlink()
    link.symlink_to(secret)
    for command in ("validate", "status"):
        _refused(
            cli(command, report_dir),
            f"{link}: is a symbolic link to {secret}; a report folder holds files only",
        )
    with pytest.raises(ContentError):
        model.load_report(report_dir)


def test_symlinked_sections_folder_is_refused(cli, report_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (report_dir / "sections").rename(elsewhere)
    (report_dir / "sections").symlink_to(elsewhere)
    _refused(
        cli("validate", report_dir),
        f"{report_dir / 'sections'}: is a symbolic link to {elsewhere}",
    )


def test_committed_symlink_is_refused_at_that_commit(
    cli, repo: Path, report_dir: Path, tmp_path: Path
) -> None:
    secret = _secret(tmp_path)
    link = section_file(report_dir, "measures")
    original = link.read_bytes()
    link.unlink()
    link.symlink_to(secret)
    commit = commit_all(repo, "measures as a link")
    rel = link.relative_to(repo).as_posix()
    assert git(repo, "ls-tree", "HEAD", rel).startswith("120000 blob ")
    link.unlink()
    link.write_bytes(original)  # the working tree is clean again: only the commit has the link
    assert cli("validate", report_dir).code == 1  # the sample's findings, no refusal
    shown = f"{commit[:10]}:{rel}: is a symbolic link to {secret}; a report folder holds files only"
    _refused(cli("gate", report_dir), shown)
    with pytest.raises(ContentError, match="symbolic link"):
        model.load_report_at(report_dir, "HEAD")


# --- NUL bytes ---------------------------------------------------------------------------------


def test_nul_byte_is_refused_with_line_and_column(cli, report_dir: Path) -> None:
    path = section_file(report_dir, "problems")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[6] = "问题" + "\0" + lines[6]
    path.write_text("\n".join(lines), encoding="utf-8")
    _refused(cli("validate", report_dir), f"{path}:7:3: file contains a NUL byte (0x00)")


def test_nul_byte_in_report_yaml_is_refused(cli, report_dir: Path) -> None:
    path = report_dir / "report.yaml"
    path.write_bytes(path.read_bytes().replace(b"year: 2022", b"year: 2022\0", 1))
    _refused(cli("status", report_dir), f"{path}:", "NUL byte")


# --- sizes -------------------------------------------------------------------------------------


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def test_section_over_the_size_limit_names_size_and_limit(cli, report_dir: Path) -> None:
    path = section_file(report_dir, "problems")
    pad = 600 * 1024 - path.stat().st_size - 1
    _append(path, ("整改落实。" * 60 + "\n\n") * (pad // 902) + "x" * (pad % 902))
    size = path.stat().st_size
    assert size == 600 * 1024
    _refused(
        cli("validate", report_dir),
        f"{path}: file is 600 KiB (614,400 bytes); the limit is 512 KiB per section file "
        "(split it into several sections)",
    )


def test_a_million_byte_section_no_longer_stops_inside_autocorrect(cli, report_dir: Path) -> None:
    """Today's exit 3 ("call limit reached" in autocorrect) becomes the size refusal."""
    path = section_file(report_dir, "problems")
    _append(path, "问题整改ab，" * 70_000)  # one paragraph, ~1.1 MB
    _refused(cli("validate", report_dir), "the limit is 512 KiB per section file")


def test_long_line_is_refused_with_its_line(cli, report_dir: Path) -> None:
    path = section_file(report_dir, "problems")
    before = path.read_text(encoding="utf-8").count("\n")
    _append(path, "长" * 30_000)
    _refused(
        cli("validate", report_dir),
        f"{path}:{before + 2}: line is 30,000 characters long; the limit is 20,000 characters",
    )


def test_long_paragraph_is_refused_before_autocorrect(cli, report_dir: Path) -> None:
    """150,000 characters in one paragraph, every line short: autocorrect stops at ~220,000
    for ASCII text, so the paragraph limit keeps a margin of two."""
    path = section_file(report_dir, "problems")
    before = path.read_text(encoding="utf-8").count("\n")
    _append(path, "\n" + "\n".join(["a." * 2_999] * 25))
    _refused(
        cli("validate", report_dir),
        f"{path}:{before + 3}: paragraph is 149,974 characters long (no blank line in it); "
        "the limit is 100,000 characters",
    )


def test_report_yaml_over_its_limit(cli, report_dir: Path) -> None:
    path = report_dir / "report.yaml"
    _append(path, ("# " + "注" * 300 + "\n") * 300)
    _refused(cli("status", report_dir), f"{path}: file is ", "the limit is 256 KiB for report.yaml")


def test_a_long_real_report_is_well_inside_the_limits(cli, report_dir: Path) -> None:
    """A 200 KB annual report in one section loads: the limits are for accidents."""
    path = section_file(report_dir, "situation")
    body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    _append(path, "\n\n".join([body] * (200_000 // len(body.encode()))))
    assert path.stat().st_size > 200_000
    assert cli("validate", report_dir).code in (0, 1)  # findings allowed, no refusal


def test_the_line_and_paragraph_scans_report_the_right_line() -> None:
    text = "a\n\n\n" + "b" * (limits.PARAGRAPH_CHARS + 1)
    with pytest.raises(ContentError) as paragraph:
        limits.check_text(text.replace("b" * 10, "b" * 9 + "\n"), "f.md")
    assert paragraph.value.line == 4
    with pytest.raises(ContentError) as line:
        limits.check_text(text, "f.md")
    assert (line.value.line, "line is") == (4, line.value.message[:7])
    limits.check_text("x" * limits.LINE_CHARS, "f.md")  # at the limit is allowed


# --- a busy git index --------------------------------------------------------------------------


def _hold_lock(repo: Path, seconds: float, until: Path | None = None) -> subprocess.Popen[bytes]:
    """Another git command holding ``index.lock``: a process that creates it (as git does,
    O_EXCL) and removes it ``seconds`` after a record file appears in ``until`` (at once when None),
    exiting 1 if none appears within 60 s."""
    lock = repo / ".git" / "index.lock"
    code = (
        "import os, sys, time\n"
        f"fd = os.open({str(lock)!r}, os.O_CREAT | os.O_EXCL | os.O_WRONLY)\n"
        "print('held', flush=True)\n"
        f"folder, end = {str(until) if until else ''!r}, time.monotonic() + 60\n"
        "while folder and not [n for n in os.listdir(folder) if n.endswith('.json')]:\n"
        "    if time.monotonic() > end: sys.exit(1)\n"
        "    time.sleep(0.02)\n"
        f"time.sleep({seconds})\n"
        f"os.close(fd); os.unlink({str(lock)!r})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"held\n"
    return proc


def test_signoff_waits_for_a_busy_index(cli, keys, tmp_path: Path) -> None:
    rdir = make_repo(tmp_path / "reports", keys)
    repo = rdir.parents[2]
    assert record_files(rdir) == []
    # released 0.5 s after the record file is written, i.e. while signoff is committing it
    holder = _hold_lock(repo, 0.5, until=rdir / "signoffs")
    key = keys["deputy-head-1"][0]
    result = cli("signoff", rdir, "--section", "problems", "--as", "deputy-head-1", "--key", key)
    assert holder.wait(timeout=60) == 0  # the lock was held when signoff wanted it
    assert result.code == 0, result.err
    assert git(repo, "log", "-1", "--format=%s").startswith("signoff: deputy-head-1 approves")
    assert git(repo, "status", "--porcelain") == ""


def test_signoff_gives_up_on_a_held_index_naming_the_lock(
    cli, keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rdir = make_repo(tmp_path / "reports", keys)
    repo = rdir.parents[2]
    monkeypatch.setenv("REPORTFLOW_LOCK_WAIT", "0.3")
    holder = _hold_lock(repo, 5)
    try:
        key = keys["deputy-head-1"][0]
        result = cli(
            "signoff", rdir, "--section", "problems", "--as", "deputy-head-1", "--key", key
        )
        assert (repo / ".git" / "index.lock").exists()  # never deleted by us
    finally:
        holder.kill()
        holder.wait()
        (repo / ".git" / "index.lock").unlink(missing_ok=True)
    assert result.code == 3, result
    assert f"another git command holds {repo / '.git' / 'index.lock'}; waited 0." in result.err
    assert record_files(rdir) == []  # the record file is removed again
