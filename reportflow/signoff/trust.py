"""The trust root: the few keys, and the threshold of them, that every other decision leads to.

Everything an author can make with plain git (a tag, a first commit, a merged unrelated
history, next year's folder) used to be able to choose the roster that judges their report
(issue 11, families 1-3). The answer, modelled on TUF's root role, is a root the verifier is
told out of band: its digest (the *pin*, see ``pin.py``) comes from the approval sheet or the
records office, never from the repository. The root signs the first roster of a series (the
genesis, see ``chain.py``) and its own rotations, nothing else.

``trust/root-v<N>.json`` at the top of the repository (it spans reports and years)::

    {"signed": {"type": "reportflow-root", "format": 1, "version": 2,
                "previous": "sha256:<digest of v1>", "members": {"<id>": ["ssh-ed25519 …"]},
                "threshold": 2, "series": ["*"], "clock_skew_seconds": 600, ...},
     "signatures": [{"member": "<id>", "key": "ssh-ed25519 …", "sig": "-----BEGIN SSH…"}]}

- digest = ``sha256:`` + sha256 of the canonical JSON of ``signed`` (signatures outside it, so
  collecting signatures does not change the pin);
- version 1 is valid when a threshold of its own members signed it;
- version N+1 is valid when ``previous`` is version N's digest and a threshold of version N's
  members *and* a threshold of its own members signed it (TUF's rotation rule: the old keys
  hand over, the new keys prove possession);
- two different valid versions N+1 are a fork, refused; no expiry (an archival verifier must
  accept a root years later), freshness comes from the version this machine has seen.

Files are read from every version ever committed (the history walk), not from the tree, so a
deleted or rewritten root file changes nothing; a file missing at the reviewed commit is
named like a missing ledger record. Pure apart from the signature checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportflow.content import schema
from reportflow.core.errors import InputError, ReportflowError
from reportflow.core.i18n import _
from reportflow.signoff import ledger
from reportflow.signoff.keys import key_core

NAMESPACE = "reportflow-root"
TYPE = "reportflow-root"
SCHEMA = "trust-root.schema.json"
FOLDER = "trust"
FILE_RE = re.compile(r"^trust/root-v([1-9][0-9]*)\.json$")
DEFAULT_SKEW = 600


def file_name(version: int) -> str:
    return f"{FOLDER}/root-v{version}.json"


def digest_of(signed: Mapping[str, Any]) -> str:
    return "sha256:" + ledger.sha256(ledger.canonical(signed))


@dataclass(frozen=True)
class Signature:
    member: str
    key: str
    sig: str


@dataclass(frozen=True)
class RootVersion:
    """One root version as committed (with every signature it collected in any commit)."""

    version: int
    digest: str
    previous: str | None
    members: Mapping[str, tuple[str, ...]]
    threshold: int
    series: tuple[str, ...]
    clock_skew: int
    organisation: str
    signed: Mapping[str, Any]
    signatures: tuple[Signature, ...]
    path: str = ""
    added_in: str = ""  # the commit that first added this version (for messages)

    def payload(self) -> bytes:
        return ledger.canonical(self.signed)

    def signers(self, members: Mapping[str, Sequence[str]]) -> frozenset[str]:
        """The ``members`` whose listed key made a valid signature over this version."""
        found: set[str] = set()
        for s in self.signatures:
            listed = {key_core(k) for k in members.get(s.member, ())}
            if key_core(s.key) in listed and verify_sig(self.payload(), s.sig, key_core(s.key)):
                found.add(s.member)
        return frozenset(found)

    def covers(self, series: str) -> bool:
        return not self.series or "*" in self.series or series in self.series

    def describe(self) -> str:
        who = ", ".join(sorted(self.members))
        return _("version {version}, threshold {threshold} of {count}: {who}").format(
            version=self.version, threshold=self.threshold, count=len(self.members), who=who
        )


def parse(data: bytes, name: str, added_in: str = "") -> RootVersion:
    """A root file's bytes; ``InputError``/``SchemaError`` naming ``name`` when malformed."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        detail = _("not a valid trust root file: {detail}").format(detail=exc)
        raise InputError(detail, file=name) from None
    schema.validate(doc, SCHEMA, file=name)
    signed = doc["signed"]
    return RootVersion(
        version=signed["version"],
        digest=digest_of(signed),
        previous=signed["previous"],
        members={m: tuple(k) for m, k in signed["members"].items()},
        threshold=signed["threshold"],
        series=tuple(signed.get("series", ("*",))),
        clock_skew=int(signed.get("clock_skew_seconds", DEFAULT_SKEW)),
        organisation=signed.get("organisation", ""),
        signed=signed,
        signatures=tuple(Signature(s["member"], s["key"], s["sig"]) for s in doc["signatures"]),
        path=name,
        added_in=added_in,
    )


def to_json(root: RootVersion) -> str:
    sigs = [{"member": s.member, "key": s.key, "sig": s.sig} for s in root.signatures]
    body = {"signed": dict(root.signed), "signatures": sigs}
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def draft(
    version: int,
    members: Mapping[str, Sequence[str]],
    threshold: int,
    created: str,
    *,
    previous: str | None = None,
    organisation: str = "",
    series: Sequence[str] = ("*",),
    clock_skew: int = DEFAULT_SKEW,
) -> RootVersion:
    """An unsigned root version (``trust init``, ``trust rotate``); refuses a threshold that
    its members cannot reach."""
    if not 1 <= threshold <= len(members):
        raise InputError(
            _("threshold {threshold} is not between 1 and the {count} members").format(
                threshold=threshold, count=len(members)
            )
        )
    signed: dict[str, Any] = {
        "type": TYPE,
        "format": 1,
        "version": version,
        "previous": previous,
        "members": {m: [key_core(k) for k in keys] for m, keys in sorted(members.items())},
        "threshold": threshold,
        "series": list(series),
        "clock_skew_seconds": clock_skew,
        "created": created,
    }
    if organisation:
        signed["organisation"] = organisation
    return parse(json.dumps({"signed": signed, "signatures": []}).encode(), file_name(version))


def with_signature(root: RootVersion, sig: Signature) -> RootVersion:
    kept = [s for s in root.signatures if (s.member, key_core(s.key)) != (sig.member, sig.key)]
    return RootVersion(**{**root.__dict__, "signatures": (*kept, sig)})


def verify_sig(payload: bytes, sig: str, key: str) -> bool:
    """``sig`` over ``payload`` by ``key`` in our namespace: in process with sshsig (as
    ``ledger.verify_inprocess``), ssh-keygen for a key type it lacks."""
    import sshsig

    try:
        sshsig.verify(payload, sig, [sshsig.PublicKey.from_openssh_str(key)], namespace=NAMESPACE)
        return True
    except (sshsig.InvalidSignature, ValueError):
        return False
    except Exception:
        return _verify_ssh_keygen(payload, sig, key)


def _verify_ssh_keygen(payload: bytes, sig: str, key: str) -> bool:
    import tempfile
    from pathlib import Path

    from reportflow.signoff.keys import ssh_keygen

    with tempfile.TemporaryDirectory(prefix="reportflow-root-") as tmp:
        allowed = Path(tmp) / "allowed"
        allowed.write_text(f'root namespaces="{NAMESPACE}" {key}\n')
        (Path(tmp) / "sig").write_text(sig)
        args = ["-Y", "verify", "-f", str(allowed), "-I", "root", "-n", NAMESPACE]
        return ssh_keygen([*args, "-s", str(Path(tmp) / "sig")], payload).returncode == 0


# --- the chain of root versions ---------------------------------------------------------------


@dataclass(frozen=True)
class RootFile:
    """One committed version of a root file: where, which blob, added by which commit."""

    path: str
    blob: str
    commit: str
    data: bytes


@dataclass(frozen=True)
class Trust:
    """The outcome of checking the root chain against the pin."""

    pin: str
    root: RootVersion | None  # the newest valid version; None: ``error`` says why
    chain: tuple[RootVersion, ...] = ()  # valid versions from the pinned one to ``root``
    error: str | None = None
    notes: tuple[str, ...] = field(default=())  # pending rotations, malformed files


def _merge(versions: Iterable[RootVersion]) -> list[RootVersion]:
    """One RootVersion per (version, digest), with the union of the signatures every
    committed copy carried (``trust sign`` adds one signature per commit)."""
    merged: dict[tuple[int, str], RootVersion] = {}
    for v in versions:
        key = (v.version, v.digest)
        if key not in merged:
            merged[key] = v
            continue
        have = merged[key]
        sigs = {(s.member, key_core(s.key), s.sig): s for s in (*have.signatures, *v.signatures)}
        merged[key] = RootVersion(**{**have.__dict__, "signatures": tuple(sigs.values())})
    return list(merged.values())


def _shortfall(root: RootVersion, members: Mapping[str, Sequence[str]], threshold: int) -> str:
    signed_by = sorted(root.signers(members))
    return _("{count} of {threshold} required signatures ({who})").format(
        count=len(signed_by), threshold=threshold, who=", ".join(signed_by) or _("none")
    )


def resolve(
    pin: str, files: Sequence[RootFile], commit: str, seen: int = 0, seen_when: str = ""
) -> Trust:
    """The valid root chain from the pinned version on, given every root file ever committed
    in the history of ``commit``. ``seen``: the highest root version this machine trusted
    before (rollback detection)."""
    notes: list[str] = []
    parsed: list[RootVersion] = []
    for f in files:
        try:
            root = parse(f.data, f"{f.path} (as added in {f.commit[:10]})", f.commit)
        except ReportflowError as exc:
            notes.append(f"{exc} (ignored)")
            continue
        if file_name(root.version) != f.path:
            notes.append(
                _("{path} holds root version {version}; ignored").format(
                    path=f.path, version=root.version
                )
            )
            continue
        parsed.append(root)
    versions = _merge(parsed)
    if not versions:
        return Trust(
            pin,
            None,
            error=_(
                "{path} is missing: the history of {commit} has no trust root (run: reportflow "
                "trust init --member <id>=<public key> ... --threshold <n>)"
            ).format(path=file_name(1), commit=commit[:10]),
            notes=tuple(notes),
        )
    pinned = [v for v in versions if v.digest == pin]
    if not pinned:
        return Trust(
            pin,
            None,
            error=_(
                "the pinned trust root {pin} is not in the history of {commit}: no {folder}/"
                "root-v<N>.json there has this digest (found: {found})"
            ).format(
                pin=pin,
                commit=commit[:10],
                folder=FOLDER,
                found=", ".join(f"v{v.version} {v.digest[:19]}…" for v in versions),
            ),
            notes=tuple(notes),
        )
    current = pinned[0]
    if len(current.signers(current.members)) < current.threshold:
        return Trust(
            pin,
            None,
            error=_("{path} (the pinned root) is not valid: {why}").format(
                path=file_name(current.version),
                why=_shortfall(current, current.members, current.threshold),
            ),
            notes=tuple(notes),
        )
    chain = [current]
    while True:
        nxt = [
            v for v in versions if v.version == current.version + 1 and v.previous == current.digest
        ]
        valid = []
        for v in nxt:
            old = len(v.signers(current.members)) >= current.threshold
            new = len(v.signers(v.members)) >= v.threshold
            if old and new:
                valid.append(v)
            else:
                notes.append(
                    _(
                        "{path} is not in effect yet: version {old} members: {a}; its own "
                        "members: {b} (a rotation needs both thresholds)"
                    ).format(
                        path=file_name(v.version),
                        old=current.version,
                        a=_shortfall(v, current.members, current.threshold),
                        b=_shortfall(v, v.members, v.threshold),
                    )
                )
        if len(valid) > 1:
            return Trust(
                pin,
                None,
                tuple(chain),
                _(
                    "two different root v{version} files (added in {a} and {b}), both signed: "
                    "a fork of the trust root is refused; the root members must agree on one"
                ).format(
                    version=current.version + 1,
                    a=valid[0].added_in[:10],
                    b=valid[1].added_in[:10],
                ),
                tuple(notes),
            )
        if not valid:
            break
        current = valid[0]
        chain.append(current)
    for v in versions:
        known = any(n.startswith(file_name(v.version)) for n in notes)
        if (
            v.version > current.version
            and v.previous != chain[-1].digest
            and not known
            and v not in chain
        ):
            notes.append(
                _("{path} does not follow the root in force (previous is not {digest})").format(
                    path=file_name(v.version), digest=chain[-1].digest[:19] + "…"
                )
            )
    if seen > current.version:
        return Trust(
            pin,
            None,
            tuple(chain),
            _(
                "rollback: this machine saw trust root version {seen}{when}; the history of "
                "{commit} ends at version {version}"
            ).format(
                seen=seen,
                when=_(" on {when}").format(when=seen_when) if seen_when else "",
                commit=commit[:10],
                version=current.version,
            ),
            tuple(notes),
        )
    return Trust(pin, current, tuple(chain), None, tuple(notes))


def missing(files: Sequence[RootFile], present: Mapping[str, str], commit: str) -> list[str]:
    """Root files added in the history and not at the reviewed commit (append-only, like the
    ledger): named with how to restore them."""
    lines = []
    newest: dict[str, RootFile] = {}
    for f in files:
        newest.setdefault(f.path, f)  # files come newest first
    for path, f in sorted(newest.items()):
        if path not in present:
            lines.append(
                _(
                    "{path} was added in commit {added} and is not there at {commit}; the trust "
                    "root is append-only: git checkout {added} -- {path}"
                ).format(path=path, added=f.commit[:10], commit=commit[:10])
            )
    return lines
