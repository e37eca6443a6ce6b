"""The review server's decision at a HEAD that only added records (``cycle/recordsonly.py``,
``signoff/remember.py``) is the decision a full read gives, record addition after record
addition: an approval, a reject, a stale approval, a forged signature, a record dated after
its commit, one made with `reportflow signoff` and a final approval. Commits that do more than
add records (an edit, a deleted record, a merge) are read in full, and still agree.

Real repositories, real ssh-keygen keys, plain git for what an author can make by hand."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import author_env, commit_all, git
from signoff_support import edit, section_file

from reportflow.cycle import recordsonly, review, todo
from reportflow.signoff import approval, ledger


def _blob(rdir: Path, sid: str) -> str:
    rel = section_file(rdir, sid).relative_to(rdir.parents[2])
    return git(rdir, "rev-parse", f"HEAD:{rel}").strip()


def _add(rdir: Path, keys, person: str, scope: str, fingerprint: str, *, decision="approve",
         key: str | None = None, when: str | None = None, comment: str = "") -> None:  # fmt: skip
    """One signed record committed by itself with plain git, as anyone could."""
    head = git(rdir, "rev-parse", "HEAD").strip()
    rec = ledger.SignoffRecord(
        "political-ecology", 2022, scope, fingerprint, head, person, decision,
        when or ledger.now_utc(), "cli", comment,
    )  # fmt: skip
    signed = dataclasses.replace(rec, signature=ledger.sign(rec.payload(), keys[key or person][0]))
    ledger.write_record(rdir / "signoffs", signed)
    commit_all(rdir.parents[2], f"record of {person}", person)


def _same_as_full(rdir: Path) -> review.Decision:
    """The server's decision at HEAD, asserted equal to a full, uncached one."""
    made = review.decision(rdir)
    ctx = approval.load_context(rdir, "HEAD")
    verdict, result = approval.decide(ctx)
    assert made.ctx.commit == ctx.commit
    assert made.verdict == verdict
    assert made.result == result
    assert sorted(r.digest for r in made.ctx.records) == sorted(r.digest for r in ctx.records)
    assert made.ctx.problems == ctx.problems and made.ctx.blocking == ctx.blocking
    assert made.ctx.facts == ctx.facts and made.ctx.report == ctx.report
    assert (made.reviews, made.coordinator) == todo.reviews_of(ctx.repo, ctx, verdict, result)
    assert made.ctx.walk is not None and ctx.walk is not None
    assert list(made.ctx.walk.commits.items()) == list(ctx.walk.commits.items())
    assert dict(made.ctx.walk.changes) == dict(ctx.walk.changes)
    assert dict(made.ctx.added_in) == dict(ctx.added_in)
    return made


def _same_as_gate(cli, rdir: Path, made: review.Decision) -> None:
    """``reportflow gate --format json`` in a fresh process says what the server decided."""
    from reportflow.commands.gate import as_json

    out = cli("gate", rdir, "--format", "json")
    assert json.loads(out.out) == json.loads(json.dumps(as_json(made.verdict))), out.err


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch):
    """The server's caches emptied around each test (they are per process)."""
    for cache in (review._decisions, review._newest, review._findings, review._records_only):
        cache.clear()
    monkeypatch.setattr(review, "_verify", review.remember.Remembered())
    yield
    for cache in (review._decisions, review._newest, review._findings):
        cache.clear()


def test_record_additions_decide_as_a_full_read(fresh, cli, keys, rdir: Path) -> None:
    first = _same_as_full(rdir)
    assert first.snap is not None
    before = review._verify.verified

    _add(rdir, keys, "deputy-head-1", "section:preface", _blob(rdir, "preface"))
    made = _same_as_full(rdir)
    assert made.snap is not None and made.snap.report is first.snap.report  # not read again
    assert review._verify.verified == before + 1  # only the new record's signature checked
    assert made.ctx.walk is not None and first.ctx.walk is not None
    older = first.ctx.commit
    assert made.ctx.walk.commits[older] is first.ctx.walk.commits[older]  # walked only since
    assert made.verdict.sections["preface"].status == "approved"

    _add(rdir, keys, "deputy-head-2", "section:situation", _blob(rdir, "situation"),
         decision="reject", comment="数据不全")  # fmt: skip
    made = _same_as_full(rdir)
    assert made.verdict.sections["situation"].status == "rejected"
    assert made.snap.report is first.snap.report

    # an approval of a text that is no longer the section's: stale, counts nothing
    old = "e" * 40
    _add(rdir, keys, "deputy-head-1", "section:problems", old)
    made = _same_as_full(rdir)
    assert made.verdict.sections["problems"].status == "stale"

    # forged: deputy-head-2's name, the intruder's key; and one dated after its commit
    _add(rdir, keys, "deputy-head-2", "section:measures", _blob(rdir, "measures"), key="intruder")
    made = _same_as_full(rdir)
    assert made.verdict.sections["measures"].status == "pending"
    assert any("does not verify" in p for p in made.verdict.problems)
    _add(rdir, keys, "deputy-head-1", "section:measures", _blob(rdir, "measures"),
         when="2999-01-01T00:00:00.000Z")  # fmt: skip
    made = _same_as_full(rdir)
    assert made.verdict.sections["measures"].status == "pending"
    assert any("2999" in p for p in made.ctx.problems)
    assert made.snap.report is first.snap.report
    _same_as_gate(cli, rdir, made)

    # through the CLI, as an office does; then the remaining sections and the final approval
    signed = cli("signoff", rdir, "--section", "measures", "--as", "deputy-head-1",
                 "--key", keys["deputy-head-1"][0])  # fmt: skip
    assert signed.code == 0, signed.err
    _same_as_full(rdir)
    for sid in ("situation", "problems"):
        _add(rdir, keys, "deputy-head-1", f"section:{sid}", _blob(rdir, sid))
    made = _same_as_full(rdir)
    assert made.ctx.facts.report_fingerprint
    _add(rdir, keys, "party-secretary", "report", made.ctx.facts.report_fingerprint)
    made = _same_as_full(rdir)
    assert made.verdict.passed and made.snap.report is first.snap.report
    _same_as_gate(cli, rdir, made)
    gate = cli("gate", rdir)
    assert gate.code == 0, gate.out + gate.err


def test_an_edit_or_a_deleted_record_is_read_in_full(fresh, keys, rdir: Path) -> None:
    first = _same_as_full(rdir)
    _add(rdir, keys, "deputy-head-1", "section:preface", _blob(rdir, "preface"))
    approved = _same_as_full(rdir)
    assert approved.verdict.sections["preface"].status == "approved"

    edit(section_file(rdir, "preface"))
    commit_all(rdir.parents[2], "edit the preface")
    made = _same_as_full(rdir)
    assert made.snap.report is not first.snap.report  # read again: the text changed
    assert made.verdict.sections["preface"].status == "stale"

    record = next(p for p in (rdir / "signoffs").glob("*preface*.json"))
    record.unlink()
    commit_all(rdir.parents[2], "a record deleted by hand")
    made = _same_as_full(rdir)
    assert made.ctx.blocking  # the ledger lost a record: the gate says so and stays shut


def test_only_commits_that_add_record_files_extend(keys, rdir: Path) -> None:
    repo = rdir.parents[2]
    folder = str(rdir.relative_to(repo))
    start = git(repo, "rev-parse", "HEAD").strip()
    _add(rdir, keys, "deputy-head-1", "section:preface", _blob(rdir, "preface"))
    one = git(repo, "rev-parse", "HEAD").strip()
    from reportflow.core import gitio

    handle = gitio.require_repo(rdir)
    added = recordsonly.added_records(handle, start, one, folder)
    assert added is not None and len(added) == 1
    (rel,) = added
    assert rel.startswith("signoffs/") and rel.endswith(".json")
    assert recordsonly.added_records(handle, one, start, folder) is None  # not a descendant
    # a file beside the records, and a section edit with a record: not records only
    (rdir / "signoffs" / "notes.txt").write_text("x\n")
    commit_all(repo, "a note")
    assert recordsonly.added_records(handle, one, git(repo, "rev-parse", "HEAD").strip(),
                                     folder) is None  # fmt: skip
    # a merge of two record commits: read in full
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "side")
    _add(rdir, keys, "deputy-head-2", "section:situation", _blob(rdir, "situation"))
    git(repo, "checkout", "-q", "main")
    _add(rdir, keys, "deputy-head-1", "section:problems", _blob(rdir, "problems"))
    git(repo, "merge", "-q", "--no-edit", "side", env=author_env("office-director"))
    merged = git(repo, "rev-parse", "HEAD").strip()
    assert recordsonly.added_records(handle, base, merged, folder) is None
