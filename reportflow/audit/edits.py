"""Edit events: every commit that changed a section, with its author and what it added.

The history is the gate's walk (``approval.Context.walk``): one ``git log`` over the whole
graph, merges with text of their own included. Paths are kept as git wrote them
(``--no-renames``); a section's identity is its id, so moving ``01-situation.md`` to
``02-situation.md`` keeps the section. A commit that deletes one section file and adds
another, with the same id, the same contents, or as its only deletion and addition, renames
the section: the history before it counts under the new id, and the characters counted are
the edit, not the whole file twice.

The characters come from the two versions of the file (one ``git cat-file --batch`` for all
of them) through ``textdiff.count``.

An edit's person is whom the commit's author e-mail names, which anyone with plain git sets
(``GIT_AUTHOR_EMAIL``): a claim. It is ``author_verified`` only when the commit carries an SSH
signature (``git commit -S``) that a key listed for that very person verifies, in the roster
in force at that commit (``signers``, ``inforce``: a key rotated out before verifies nobody),
through ``signoff.commitsig`` as the gate's ``policy.signed_commits`` checks. Never report.yaml's
roster as such: anyone can list a key there. ``signed_by`` names whoever's listed key signed,
which may be someone other than the e-mail claims. Only commits whose object has a ``gpgsig``
header are checked; an unsigned one is "claimed" at the cost of reading its object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reportflow.audit import textdiff
from reportflow.audit.timeline import Event
from reportflow.content.model import SECTION_FILE_RE
from reportflow.core import gitio, history
from reportflow.signoff import commitsig
from reportflow.signoff.roster import Roster

NULL = "0" * 40


@dataclass(frozen=True)
class Touch:
    commit: str
    path: str
    sid: str
    old: str  # blob before (NULL: added), or "<commit>:<path>" for a merge's first parent
    new: str  # blob after (NULL: deleted)
    change: history.Change
    renamed_from: str | None = None
    others: tuple[str, ...] = ()  # a merge's other parents' versions, "<commit>:<path>"


def section_id(path: str) -> str | None:
    match = SECTION_FILE_RE.match(path.rsplit("/", 1)[-1])
    return match["id"] if match else None


def touches(walk: history.Walk, prefix: str, before: Mapping[tuple[str, str], str]) -> list[Touch]:
    """Every change under ``prefix`` (``.../sections/``), renames paired, section ids resolved
    to the newest id of each renamed section."""
    by_commit: dict[str, list[Touch]] = {}
    for path, changes in walk.changes.items():
        sid = section_id(path) if path.startswith(prefix) else None
        if sid is None:
            continue
        for ch in changes:
            others: tuple[str, ...] = ()
            if ch.merge:  # measured against the parent it differs least from
                first, *rest = walk.commits[ch.commit].parents
                old, others = f"{first}:{path}", tuple(f"{p}:{path}" for p in rest)
            else:
                old = before.get((ch.commit, path), NULL)
            touch = Touch(ch.commit, path, sid, old, ch.blob, ch, None, others)
            by_commit.setdefault(ch.commit, []).append(touch)
    renamed: dict[str, str] = {}  # old id -> new id
    found: list[Touch] = []
    for sha in reversed(list(walk.commits)):  # oldest first
        group = by_commit.get(sha)
        if not group:
            continue
        if len(group) > 1:
            group.sort(key=lambda t: t.path)
        gone = [t for t in group if t.new == NULL]
        came = [t for t in group if t.old == NULL]
        paired: set[int] = set()
        for add in came:
            match = next(
                (
                    d
                    for d in gone
                    if id(d) not in paired
                    and (d.sid == add.sid or d.old == add.new or (len(gone) == len(came) == 1))
                ),
                None,
            )
            if match is None:
                continue
            paired |= {id(match), id(add)}
            if match.sid != add.sid:
                renamed[match.sid] = add.sid
            group[group.index(add)] = Touch(
                add.commit, add.path, add.sid, match.old, add.new, add.change, match.path
            )
        found += [t for t in group if id(t) not in paired or t.renamed_from]
    if not renamed:  # the common case: every id is its own newest id
        return found
    newest = {}
    for sid in {t.sid for t in found}:
        seen, cur = {sid}, sid
        while cur in renamed and renamed[cur] not in seen:
            cur = renamed[cur]
            seen.add(cur)
        newest[sid] = cur
    return [
        Touch(t.commit, t.path, newest[t.sid], t.old, t.new, t.change, t.renamed_from, t.others)
        for t in found
    ]


def _text(data: bytes | None) -> str:
    """An old version as text; one that is not UTF-8 (refused when it was committed, or
    never checked) is still counted, its undecodable bytes as U+FFFD."""
    if not data:
        return ""
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").removeprefix("\ufeff")


def blobs_in(text: str, prefix: str) -> list[str]:
    """The blob ids before and after each single-parent change under ``prefix`` in the walk's
    text (``git log --raw``): what ``read_versions`` will want, known before the walk is
    parsed, so that git can read them while the gate's context is read."""
    found: set[str] = set()
    for line in text.split("\n"):
        if line.startswith(":") and not line.startswith("::"):
            meta, _, path = line.partition("\t")
            if path.startswith(prefix):
                fields = meta.split()
                found.update(fields[2:4])
    found.discard(NULL)
    return sorted(found)


def read_versions(
    repo: object, found: list[Touch], have: Mapping[str, bytes] | None = None
) -> dict[str, bytes]:
    """Every version the touches compare, in one ``cat-file --batch`` (``have``: those read
    already)."""
    have = have or {}
    wanted = {b for t in found for b in (t.old, t.new, *t.others) if b != NULL}
    missing = sorted(wanted - have.keys())
    read = gitio.read_blobs(repo, missing) if missing else {}  # type: ignore[arg-type]
    return {**have, **read}


def _carries_signature(raw: bytes) -> bool:
    """A ``gpgsig`` header in the commit object: the only commits worth verifying."""
    return b"\ngpgsig " in raw.partition(b"\n\n")[0]


def signers(
    raw: Mapping[str, bytes],
    claimed: Mapping[str, str],
    roster_at: Callable[[str], Roster | None],
) -> dict[str, str]:
    """``commit -> person`` whose key, listed in the roster in force at that commit
    (``roster_at``, ``inforce.InForce.roster_at``: a key rotated out before verifies nobody),
    signed it, for the commits of ``raw`` (commit objects, as ``cat-file`` gives them) that
    carry a signature one verifies; the others are left out. The person ``claimed`` (the
    author e-mail's) is tried first, alone: one verification for an honest signed commit,
    not one per key of the roster."""
    signed = {sha: data for sha, data in raw.items() if _carries_signature(data)}
    if not signed:
        return {}  # the common case: nothing signed, nothing verified, sshsig never imported
    alone: dict[tuple[str, str], Roster] = {}
    found: dict[str, str] = {}
    for sha, data in signed.items():
        roster = roster_at(sha)
        if roster is None:
            continue
        pid = claimed.get(sha, "")
        if pid in roster.people:
            key = (roster.digest, pid)
            if key not in alone:
                alone[key] = replace(roster, people={pid: roster.people[pid]})
            if commitsig.signer(data, alone[key]) == pid:
                found[sha] = pid
                continue
        who = commitsig.signer(data, roster)
        if who not in (commitsig.UNSIGNED, commitsig.UNKNOWN):
            found[sha] = who
    return found


def edit_events(
    blobs: Mapping[str, bytes],
    found: list[Touch],
    person_of: Mapping[str, str],
    notes: Mapping[str, tuple[str, str]],
    signed_by: Mapping[str, str] | None = None,
) -> list[Event]:
    """One ``edit`` event per touch, with characters added and removed. ``signed_by``:
    ``signers``' answers (None: nothing was checked, every author is claimed)."""
    signed_by = signed_by or {}
    texts: dict[str, str] = {}

    def text(blob: str) -> str:
        if blob == NULL:
            return ""
        if blob not in texts:
            texts[blob] = _text(blobs.get(blob))
        return texts[blob]

    def measure(old: str, new: str) -> tuple[int, int]:
        a, b = (
            blobs.get(old, b"") if old != NULL else b"",
            blobs.get(new, b"") if new != NULL else b"",
        )
        if b.startswith(a) and b"\r" not in b:  # appended: decode only what was added
            return textdiff.count("", b[len(a) :].decode("utf-8", errors="replace"))
        return textdiff.count(text(old), text(new))

    people: dict[tuple[str, tuple[str, ...]], list[str]] = {}  # the same few, thousands of times
    events = []
    for t in found:
        if t.others:  # a merge: against the parent it differs least from
            added, removed = min((measure(old, t.new) for old in (t.old, *t.others)), key=sum)
        else:
            added, removed = measure(t.old, t.new)
        when, message = notes.get(t.commit, ("", ""))
        who = (t.change.author, t.change.emails)
        persons = people.get(who)
        if persons is None:
            persons = people[who] = list(
                dict.fromkeys(person_of.get(e, f"{who[0]} <{e}>") for e in who[1])
            )
        action = "merge" if t.change.merge else (
            "delete" if t.new == NULL else "add" if t.old == NULL else "rename" if t.renamed_from
            else "edit"
        )  # fmt: skip
        data = {
            "action": action,
            "path": t.path,
            "renamed_from": t.renamed_from,
            "message": message,
            "added": added,
            "removed": removed,
            "blob": t.new,
            "people": list(persons),  # its own list: the cached one is shared
        }
        person = persons[0] if persons else t.change.author
        signer = signed_by.get(t.commit)
        data["author_verified"] = signer is not None and signer == person
        data["signed_by"] = signer
        events.append(Event("edit", when, t.commit, person, t.sid, MappingProxyType(data)))
    return events


def signers_at(
    repo: Any, report_dir: Path, commit: str, claimed: Mapping[str, str]
) -> dict[str, str]:
    """``signers`` for a few commits outside the audit (blame's paragraphs, diff's changes),
    judged by the rosters approved at ``commit``. Only when one of them carries a signature
    are the rosters read (a gate decision at ``commit``); an unsigned commit is a claim at no
    cost, which is every commit of an office that does not sign them."""
    raw = gitio.read_blobs(repo, sorted(claimed))
    if not any(map(_carries_signature, raw.values())):
        return {}
    from reportflow.audit import inforce
    from reportflow.signoff import approval

    ctx = approval.load_context(report_dir, commit)
    result = approval.decide(ctx)[1]
    return signers(raw, claimed, inforce.of(ctx, result).roster_at)
