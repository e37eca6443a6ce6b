"""Messages in the reader's language, and input errors that say which input and exit 2.

The catalogue checks use Babel as ``make messages`` does: every ``_()`` in the code is in the
.po and translated, the committed .mo is the .po compiled, translations keep the msgid's
``{placeholders}``, and the click/typer messages we translate are still theirs.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import click
import pytest
import typer
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from conftest import ROOT, git

from reportflow.core import i18n

PO = ROOT / "reportflow" / "locale" / "zh" / "LC_MESSAGES" / "reportflow.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "Nn_": (1, 2)}  # as in the Makefile's `messages`
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _ids(folder: Path) -> set[str]:
    found = extract_from_dir(str(folder), keywords=KEYWORDS, comment_tags=())
    return {msg if isinstance(msg, str) else msg[0] for _file, _line, msg, *_rest in found}


def _po() -> dict[str, str]:
    with PO.open("rb") as fh:
        catalogue = read_po(fh, locale="zh")
    return {_key(m.id): _first(m.string) for m in catalogue if m.id}


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _first(msgstr: str | tuple[str, ...]) -> str:
    return msgstr if isinstance(msgstr, str) else msgstr[0]


def test_every_message_in_the_code_is_in_the_catalogue_and_translated() -> None:
    in_code = _ids(ROOT / "reportflow")
    catalogue = _po()
    assert in_code - catalogue.keys() == set(), "run `make messages` and translate"
    assert [m for m in in_code if not catalogue[m]] == []


def test_the_committed_mo_is_the_po_compiled() -> None:
    with PO.open("rb") as fh:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(fh, locale="zh"))
    compiled.seek(0)
    with MO.open("rb") as fh:
        committed = read_mo(fh)
    fresh = read_mo(compiled)
    assert {_key(m.id): m.string for m in committed if m.id} == {
        _key(m.id): m.string for m in fresh if m.id
    }, "run `make messages` and commit the .mo"


def test_translations_keep_the_placeholders() -> None:
    for msgid, msgstr in _po().items():
        if msgstr:
            assert set(PLACEHOLDER.findall(msgstr)) <= set(PLACEHOLDER.findall(msgid)), msgid


def test_the_click_and_typer_messages_we_translate_are_theirs() -> None:
    from reportflow.commands import click_messages

    theirs = _ids(Path(click.__file__).parent) | _ids(Path(typer.__file__).parent)
    ours = set(click_messages.MESSAGES) | {s for s, _p in click_messages.PLURALS}
    assert ours - theirs == set()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "C.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "fr:zh_CN"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LANGUAGE": "en_US"}, "en"),
    ],
)
def test_language_follows_the_locale(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert i18n.language() == expected


def test_the_library_answers_in_the_language_of_the_moment(monkeypatch) -> None:
    assert i18n._("not inside a git repository") == "not inside a git repository"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n._("not inside a git repository") == "不在 git 仓库中"


def _zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def test_a_refusal_in_both_languages(cli, report_dir: Path, monkeypatch) -> None:
    en_gate = cli("gate", "/nonexistent")
    en_sign = cli("signoff", report_dir, "--section", "problems", "--as", "nobody")
    _zh(monkeypatch)
    zh_gate = cli("gate", "/nonexistent")
    zh_sign = cli("signoff", report_dir, "--section", "problems", "--as", "nobody")
    assert en_gate.code == zh_gate.code == 2
    assert "/nonexistent: no such folder" in en_gate.err
    assert "/nonexistent: 文件夹不存在" in zh_gate.err and "reportflow：错误" in zh_gate.err
    assert en_sign.code == zh_sign.code == 1
    assert "'nobody' is not in the report's people" in en_sign.err
    assert "'nobody' 不在报告的人员名单中" in zh_sign.err
    assert not re.search(r"[\u4e00-\u9fff]", en_gate.err + en_sign.err)


def test_help_in_chinese(cli, monkeypatch) -> None:
    _zh(monkeypatch)
    top = cli("-h")
    assert top.code == 0
    for words in ("用法", "选项", "命令", "显示本帮助并退出", "审批某一部分、全文或人员名单的变更"):
        assert words in top.out, words
    sub = cli("signoff", "-h")
    assert "报告文件夹：content/<report>/<year>  [必填]" in sub.out


def test_help_shows_argument_help_once_without_escapes(cli) -> None:
    for command in ("validate", "signoff", "gate", "owners", "import", "new", "init"):
        page = cli(command, "-h").out
        assert "\\[" not in page, command
        assert page.count("Arguments:") == 1 and "Positional arguments" not in page, command
    signoff = cli("signoff", "-h").out
    assert re.search(r"PATH +report folder: content/<report>/<year> +\[required\]", signoff)


def test_a_typo_is_suggested_once(cli) -> None:
    result = cli("signof", "x")
    assert result.code == 2
    assert result.err.count("Did you mean") == 1 and "'signoff'" in result.err


def test_signoff_says_rejected(cli, report_dir: Path, tmp_path: Path) -> None:
    key = tmp_path / "deputy-head-1"
    shutil.copyfile(ROOT / "demo" / "keys" / "deputy-head-1", key)
    key.chmod(0o600)
    result = cli(
        "signoff", report_dir, "--section", "problems", "--as", "deputy-head-1",
        "--key", key, "--reject", "-m", "再核实数字",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.startswith("deputy-head-1 rejected section:problems: ")


# --- inputs the user can fix: exit 2, the input named --------------------------------------


@pytest.fixture
def outside(tmp_path: Path, report_dir: Path) -> Path:
    """A copy of the report in a folder no git repository holds."""
    folder = tmp_path / "outside" / "2022"
    shutil.copytree(report_dir, folder)
    return folder


MISSING = "/nonexistent/content/x/2022"
# command line before and after the report folder
COMMANDS = {
    "status": (["status"], []),
    "gate": (["gate"], []),
    "signoff": (["signoff"], ["--section", "problems", "--as", "office-director"]),
    "owners": (["owners"], []),
    "release": (["release"], []),
    "verify": (["verify"], []),
    "versions": (["versions"], []),
    "render": (["render"], ["--to", "html", "--commit", "HEAD"]),
    "validate": (["validate"], []),
    "new": (["new", "x", "2023", "--from"], []),
}
NEEDS_GIT = ("gate", "signoff", "owners", "release", "verify", "versions", "render")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_folder_is_named_and_exits_2(cli, tmp_path: Path, command: str) -> None:
    before, after = COMMANDS[command]
    result = cli(*before, MISSING, *after, cwd=tmp_path)
    assert result.code == 2, result.err
    assert MISSING in result.err


@pytest.mark.parametrize("command", NEEDS_GIT)
def test_a_folder_outside_git_is_named_and_exits_2(cli, outside: Path, command: str) -> None:
    before, after = COMMANDS[command]
    result = cli(*before, outside, *after, cwd=outside.parent)
    assert result.code == 2, result.err
    assert str(outside) in result.err and "not inside a git repository" in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["gate", "{dir}", "--rev", "nosuchrev"],
        ["release", "{dir}", "--commit", "nosuchrev"],
        ["render", "{dir}", "--commit", "nosuchrev", "--to", "html"],
        ["owners", "{dir}", "nosuchrev..HEAD"],
        ["owners", "{dir}", "HEAD..nosuchrev"],
        ["owners", "{dir}", "nosuchrev"],
    ],
)
def test_an_unknown_revision_is_named_and_exits_2(
    cli, repo: Path, report_dir: Path, tmp_path: Path, args: list[str]
) -> None:
    argv = [a.format(dir=report_dir) for a in args]
    result = cli(*argv, "--out", tmp_path / "o") if "render" in argv else cli(*argv)
    assert result.code == 2, result.err
    assert "'nosuchrev'" in result.err and str(repo) in result.err
    assert not (tmp_path / "o").exists()


def test_a_git_failure_is_a_sentence_not_git_output(cli, repo: Path, report_dir: Path) -> None:
    git(repo, "tag", "not-a-release")
    result = cli("owners", report_dir, "HEAD...nosuchrev")
    assert result.code == 2 and "stderr:" not in result.err


def test_a_corrupt_docx_is_named_and_exits_2(cli, tmp_path: Path) -> None:
    bad = tmp_path / "last-year.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = cli("import", bad, "--report", "x", "--year", "2022", "--into", tmp_path / "c")
    assert result.code == 2, result.err
    assert str(bad) in result.err and "save it again as .docx" in result.err
    assert not (tmp_path / "c").exists()
