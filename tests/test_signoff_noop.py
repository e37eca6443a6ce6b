"""A sign-off that says again what the ledger already says writes nothing (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import commit_all
from signoff_support import edit, head, record_files, section_file


@pytest.fixture
def sign(cli, keys):
    def run(rdir: Path, person: str, *args: str):
        return cli("signoff", rdir, *args, "--as", person, "--key", keys[person][0])

    return run


def test_approving_the_same_text_twice_is_a_no_op_that_says_so(sign, rdir: Path) -> None:
    repo = rdir.parents[2]
    first = sign(rdir, "deputy-head-1", "--section", "problems")
    assert first.code == 0, first.err
    files, commit = record_files(rdir), head(repo)

    again = sign(rdir, "deputy-head-1", "--section", "problems")
    assert again.code == 0, again.err
    assert "already approved this text of section:problems" in again.out
    assert "nothing written" in again.out
    assert str(files[0]) in again.out  # names the record that says it already
    assert record_files(rdir) == files and head(repo) == commit

    edit(section_file(rdir, "problems"))
    commit_all(repo, "problems: one more sentence")
    changed = sign(rdir, "deputy-head-1", "--section", "problems")
    assert changed.code == 0 and "deputy-head-1 approved section:problems" in changed.out
    assert len(record_files(rdir)) == 2  # a new text: a new approval


def test_a_changed_decision_is_written_and_a_repeated_reject_is_not(sign, rdir: Path) -> None:
    repo = rdir.parents[2]
    assert sign(rdir, "deputy-head-1", "--section", "problems").code == 0
    reject = sign(rdir, "deputy-head-1", "--section", "problems", "--reject", "-m", "数据错")
    assert reject.code == 0 and "rejected" in reject.out
    assert len(record_files(rdir)) == 2
    commit = head(repo)

    again = sign(rdir, "deputy-head-1", "--section", "problems", "--reject", "-m", "还是错")
    assert again.code == 0
    assert "already rejected this text of section:problems" in again.out
    assert len(record_files(rdir)) == 2 and head(repo) == commit

    back = sign(rdir, "deputy-head-1", "--section", "problems")
    assert back.code == 0 and "deputy-head-1 approved section:problems" in back.out
    assert len(record_files(rdir)) == 3


def test_an_approval_that_a_later_reject_outweighs_may_be_given_again(sign, rdir: Path) -> None:
    assert sign(rdir, "deputy-head-1", "--section", "problems").code == 0
    assert sign(rdir, "deputy-head-2", "--section", "problems", "--reject").code == 0
    again = sign(rdir, "deputy-head-1", "--section", "problems")
    assert again.code == 0 and "nothing written" not in again.out
    assert len(record_files(rdir)) == 3
