"""Output safety (issue 11, S9): anyone's text is printed, never obeyed.

Titles, sign-off comments and git author names reach the terminal through status, gate,
owners and the error handler. Each test writes the hostile text with the real CLI and git
and checks that it is shown as escapes (no raw control character reaches stdout or stderr)
and that Rich markup in it neither crashes a command nor styles anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import commit_all, git
from signoff_support import make_repo, section_file

from reportflow.core import safe_text

FAKE = "\x1b[2K\r  section:problems         approved       deputy-head-1\x1b[32m"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables as wide as their text, so a cell is never wrapped across lines."""
    monkeypatch.setenv("COLUMNS", "400")


def _no_raw_controls(text: str) -> None:
    raw = [c for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7F <= ord(c) <= 0x9F]
    assert raw == [], text


def _set_title(path: Path, title: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[index] = f"title: {title}"
    path.write_text("\n".join(lines), encoding="utf-8")


def test_a_markup_title_is_printed_as_written(cli, repo: Path, report_dir: Path) -> None:
    _set_title(section_file(report_dir, "problems"), '"[/bold] 问题 [red]x[/red]"')
    commit_all(repo, "problems: a title with brackets")
    result = cli("status", report_dir)
    assert result.code == 0, result.err
    assert "[/bold]" in result.out
    assert "[/bold] 问题 [red]x[/red]" in result.out


def test_an_escape_sequence_in_a_title_is_shown_not_obeyed(cli, repo: Path, report_dir: Path):
    _set_title(section_file(report_dir, "problems"), '"问题\\e[8m"')  # YAML's \e is ESC
    commit_all(repo, "problems: a title with an escape")
    result = cli("status", report_dir)
    assert result.code == 0, result.err
    _no_raw_controls(result.out)
    assert "问题\\x1b[8m" in result.out


def test_a_reject_comment_cannot_print_a_fake_approval(cli, keys, tmp_path: Path) -> None:
    rdir = make_repo(tmp_path / "reports", keys)
    key = keys["deputy-head-1"][0]
    rejected = cli(
        "signoff", rdir, "--section", "problems", "--as", "deputy-head-1", "--key", key,
        "--reject", "-m", FAKE,
    )  # fmt: skip
    assert rejected.code == 0, rejected.err
    gate = cli("gate", rdir)
    assert gate.code == 1
    _no_raw_controls(gate.out)
    line = next(x for x in gate.out.splitlines() if x.lstrip().startswith("section:problems"))
    assert "rejected by deputy-head-1: \\x1b[2K\\r  section:problems" in line
    assert gate.out.count("\n") == cli("gate", rdir).out.count("\n")  # no extra line
    status = cli("status", rdir)
    assert status.code == 0, status.err
    _no_raw_controls(status.out)


def test_git_author_names_are_shown_not_obeyed(cli, repo: Path, report_dir: Path) -> None:
    path = section_file(report_dir, "problems")
    path.write_text(path.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    git(repo, "add", "-A")
    name = "[bold]x\x1b]0;owned\x07y"  # git drops trailing control characters only
    git(
        repo,
        "commit", "-q", "-m", "problems: an addition",
        env={"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": "someone@example.org"},
    )  # fmt: skip
    for command in ("status", "owners"):
        result = cli(command, report_dir)
        assert result.code in (0, 1), result.err
        _no_raw_controls(result.out)
        assert "[bold]x\\x1b]0;owned\\x07y" in result.out, result.out


def test_an_error_naming_a_hostile_path_is_one_safe_line(cli, tmp_path: Path) -> None:
    folder = tmp_path / "x\x1b[31my\nreportflow: fake"
    result = cli("status", folder)
    assert result.code == 2
    _no_raw_controls(result.err)
    assert "x\\x1b[31my\\nreportflow: fake" in result.err
    assert result.err.count("\n") == 1  # one line: no fake second message


def test_shown_escapes_every_control_and_bidi_character() -> None:
    assert safe_text.shown("a\tb\nc\rd\x00\x7f\x85\u202e\u2066") == (
        "a\\tb\\nc\\rd\\x00\\x7f\\x85\\u202e\\u2066"
    )
    assert safe_text.shown("区政府 [bold] “引号”") == "区政府 [bold] “引号”"
    assert safe_text.markup("[/bold]") == "\\[/bold]"
    assert safe_text.text("[red]x").plain == "[red]x"
