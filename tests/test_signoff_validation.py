"""Errors block approval (issue 16): ``signoff`` refuses to approve a section while it has
validation errors, naming them, and the final approval while the report has any; a reject
and a roster sign-off are never blocked."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import commit_all
from signoff_support import head, record_files, section_file

SECTIONS = ("preface", "situation", "problems", "measures")


@pytest.fixture
def sign(cli, keys):
    def run(rdir: Path, person: str, *scope: str, extra=()):
        return cli("signoff", rdir, *scope, "--as", person, "--key", keys[person][0], *extra)

    return run


def _break(rdir: Path, sid: str, text: str) -> str:
    """Append a paragraph with errors to a section, commit it; returns its file name."""
    path = section_file(rdir, sid)
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    path.write_text("\n".join([*lines, "", text]) + "\n", encoding="utf-8")
    commit_all(rdir.parents[2], f"{sid}: a draft paragraph")
    return f"sections/{path.name}:{len(lines) + 2}"


def test_a_section_with_errors_cannot_be_approved_and_the_errors_are_named(
    sign, rdir: Path
) -> None:
    where = _break(rdir, "problems", "全年召开会议\\*\\*\\*次，XX个单位的办复率为102%。")
    before, files = head(rdir.parents[2]), record_files(rdir)
    refused = sign(rdir, "deputy-head-1", "--section", "problems")
    assert refused.code == 1
    assert "section problems has 3 validation errors" in refused.err
    for column, rule in ((7, "placeholders.asterisks"), (15, "placeholders.marker")):
        assert f"{where}:{column} {rule}" in refused.err
    assert "figures.percent-over-100" in refused.err
    assert "reportflow validate" in refused.err  # what to do
    assert head(rdir.parents[2]) == before and record_files(rdir) == files  # nothing written
    # another section of the same report is not blocked by it
    assert sign(rdir, "deputy-head-1", "--section", "situation").code == 0
    # rejecting the text with errors is what a reviewer should do: never blocked
    rejected = sign(rdir, "deputy-head-1", "--section", "problems", extra=("--reject",))
    assert rejected.code == 0, rejected.err


def test_warnings_do_not_block(sign, rdir: Path) -> None:
    _break(rdir, "measures", "认真贯彻,严格落实。")  # a half-width comma: a warning
    done = sign(rdir, "deputy-head-1", "--section", "measures")
    assert done.code == 0, done.err


def test_final_approval_refused_while_the_report_has_errors(sign, rdir: Path) -> None:
    for sid in SECTIONS:
        assert sign(rdir, "deputy-head-1", "--section", sid).code == 0
    yaml_path = rdir / "report.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(text.replace("区政府党组\n", "【待补充】\n", 1), encoding="utf-8")
    commit_all(rdir.parents[2], "organisation left to fill in")
    refused = sign(rdir, "party-secretary", "--report")
    assert refused.code == 1
    assert "the report has 1 validation error, so it cannot be approved" in refused.err
    assert "report.yaml:8:15 placeholders.marker" in refused.err
    yaml_path.write_text(text, encoding="utf-8")
    commit_all(rdir.parents[2], "organisation filled in")
    done = sign(rdir, "party-secretary", "--report")
    assert done.code == 0, done.err


def test_the_refusal_is_in_the_users_language(cli, keys, rdir: Path, monkeypatch) -> None:
    _break(rdir, "problems", "共开展___次。")
    monkeypatch.setenv("LANGUAGE", "zh")
    refused = cli(
        "signoff", rdir, "--section", "problems", "--as", "deputy-head-1",
        "--key", keys["deputy-head-1"][0],
    )  # fmt: skip
    assert refused.code == 1
    assert "校验错误" in refused.err and "placeholders.marker" in refused.err
