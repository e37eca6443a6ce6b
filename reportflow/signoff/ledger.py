"""Sign-off records: canonical form, files, SSH signatures and their verification.

A record is one decision (approve or reject) of one reviewer about one exact text: a section
(its git blob id), the whole report, or the roster. Records are append-only files, one per
sign-off, so two reviewers signing at once never touch the same file and git merges them
without conflict.

The signed payload is the canonical JSON of every field but ``signature``: sorted keys, UTF-8,
no whitespace. Because report, year, scope, fingerprint, commit, reviewer, decision, time,
channel and comment are all inside it, a signature copied onto another section, report or
decision no longer verifies.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from reportflow.content import schema
from reportflow.core.errors import InputError, Refused, ReportflowError, SchemaError
from reportflow.signoff import passkeys
from reportflow.signoff.keys import SigningKey, key_core, resolve, ssh_keygen
from reportflow.signoff.keys import sign as keygen_sign
from reportflow.signoff.passkeys import Assertion

NAMESPACE = "reportflow-signoff"
SCHEMA = "signoff.schema.json"
Verification = Literal["valid", "invalid", "unsigned"]


def canonical(obj: Any) -> bytes:
    """The one byte form we sign and hash: sorted keys, UTF-8 (not \\u-escaped), no spaces."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class SignoffRecord:
    report: str
    year: int
    scope: str  # "section:<id>", "report", "roster" or "release"
    fingerprint: str
    commit: str
    reviewer: str
    decision: str  # "approve" | "reject"
    time: str  # UTC, e.g. 2024-01-05T08:30:12.345Z
    channel: str = "cli"
    comment: str = ""
    #: an armored SSH signature; a WebAuthn assertion when ``signature_kind`` is "webauthn"
    signature: str | Assertion | None = None
    #: release records only (scope ``release``): the version released. Left out of the record
    #: when None, so that every other record's bytes, signature and digest stay as they were.
    version: int | None = None
    #: "webauthn" for a passkey approval (``passkeys.py``); None (left out of the record, like
    #: ``version``) for an SSH signature or none, so older records keep their bytes
    signature_kind: str | None = None
    #: Where the record was read from (file name or "record 3"); not part of the record.
    source: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        # Every field is a str, int or None, so a shallow copy is what dataclasses.asdict
        # would give, at a tenth of its cost (asdict recurses: 0.1 s for 1,000 records).
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        if data["version"] is None:
            del data["version"]
        if data["signature_kind"] is None:
            del data["signature_kind"]
        if isinstance(self.signature, Assertion):
            data["signature"] = self.signature.to_dict()
        return data

    def payload(self) -> bytes:
        """The bytes the reviewer signs: the canonical record without its signature."""
        data = self.to_dict()
        del data["signature"]
        return canonical(data)

    @functools.cached_property
    def digest(self) -> str:
        """Content address of the whole record, signature included."""
        return sha256(canonical(self.to_dict()))

    @property
    def kind(self) -> str:
        """What signed it, as the policy names it: ssh, webauthn, or unsigned."""
        if self.signature is None:
            return "unsigned"
        return self.signature_kind or "ssh"

    @property
    def section_id(self) -> str | None:
        return self.scope.split(":", 1)[1] if self.scope.startswith("section:") else None

    @functools.cached_property
    def order(self) -> tuple[str, str]:
        """Total order independent of how records were read: time, then digest."""
        return (self.time, self.digest)


def section_scope(section_id: str) -> str:
    return f"section:{section_id}"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_RECORD_FIELDS = tuple(f.name for f in fields(SignoffRecord) if f.name != "source")


def file_name(record: SignoffRecord) -> str:
    """``<time>-<reviewer>-<scope>.json``; the time first so that ``ls`` lists them in order."""
    stamp = record.time.replace("-", "").replace(":", "").replace(".", "")
    scope = record.scope.replace(":", "-")
    if record.version is not None:
        scope += f"-v{record.version}"
    return f"{stamp}-{record.reviewer}-{scope}.json"


def parse_record(data: Mapping[str, Any], name: str) -> SignoffRecord:
    """Check a record dict against the schema; ``name`` says where it came from in errors."""
    if not isinstance(data, Mapping):
        raise SchemaError("a sign-off record must be a JSON object", file=name)
    schema.validate(dict(data), SCHEMA, file=name)
    signature = data["signature"]
    if data.get("signature_kind") == passkeys.KIND:
        signature = passkeys.assertion_from_dict(signature)
    return SignoffRecord(
        report=data["report"],
        year=data["year"],
        scope=data["scope"],
        fingerprint=data["fingerprint"],
        commit=data["commit"],
        reviewer=data["reviewer"],
        decision=data["decision"],
        time=data["time"],
        channel=data["channel"],
        comment=data.get("comment", ""),
        signature=signature,
        version=data.get("version"),
        signature_kind=data.get("signature_kind"),
        source=name,
    )


def parse_file(data: bytes, name: str) -> SignoffRecord:
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("record file is not UTF-8", file=name) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=name, line=exc.lineno) from None
    return parse_record(doc, name)


def parse_or_problem(data: bytes, name: str) -> SignoffRecord | str:
    """A record file parsed, or the problem line naming it: a malformed record never crashes
    a decision, it is named and not counted."""
    try:
        return parse_file(data, name)
    except ReportflowError as exc:
        return f"{exc} (ignored)"


def to_json(record: SignoffRecord) -> str:
    return json.dumps(record.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_record(signoffs_dir: Path, record: SignoffRecord) -> Path:
    """Create the record file; never overwrite one (records are append-only)."""
    signoffs_dir.mkdir(parents=True, exist_ok=True)
    path = signoffs_dir / file_name(record)
    try:
        with path.open("x", encoding="utf-8") as fh:
            fh.write(to_json(record))
    except FileExistsError:
        raise Refused(
            "a sign-off record with this name exists already", file=path, hint="try again"
        ) from None
    return path


# --- fingerprints -----------------------------------------------------------------------------


def blob_id(data: bytes) -> str:
    """git's blob id of ``data`` (what ``git hash-object`` prints), without calling git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def report_fingerprint(report_yaml_blob: str, sections: Sequence[tuple[str, str]]) -> str:
    """Digest over report.yaml and every section, in report order.

    ``sha256`` of the UTF-8 text ``reportflow-report-v1\\n``, then ``report.yaml <blob>\\n``,
    then ``<section id> <blob>\\n`` for each section in the order of ``sections:``. Any change
    to report.yaml counts, even one that does not touch the text (dates, notify): report.yaml
    also holds the title, organisation, order and people that the final approver vouches for,
    and a rule that tries to tell relevant from irrelevant fields is one more thing to get wrong.
    """
    lines = ["reportflow-report-v1", f"report.yaml {report_yaml_blob}"]
    lines += [f"{sid} {blob}" for sid, blob in sections]
    return "sha256:" + sha256(("\n".join(lines) + "\n").encode())


# --- signing and verifying --------------------------------------------------------------------


def public_key(key: Path) -> str:
    """The public half of a key file, ``type base64`` (no passphrase asked: see ``keys``)."""
    return resolve(key).public


def sign(payload: bytes, key: Path | SigningKey) -> str:
    """``ssh-keygen -Y sign`` over ``payload`` with a private key file, a protected one (the
    passphrase asked on the terminal) or a key in ssh-agent; see ``keys``."""
    return keygen_sign(payload, key if isinstance(key, SigningKey) else resolve(key), NAMESPACE)


def verify_ssh_keygen(record: SignoffRecord, keys: Sequence[str]) -> Verification:
    """The reference check: ``ssh-keygen -Y verify -I <reviewer>`` against an allowed-signers
    file holding the reviewer's listed keys, restricted to our namespace."""
    if record.signature is None:
        return "unsigned"
    if record.signature_kind == passkeys.SERVER_KIND:
        if isinstance(record.signature, Assertion):
            return "invalid"
        keys = server_keys(keys)
    elif isinstance(record.signature, Assertion) or record.signature_kind is not None:
        return verify_passkey(record, keys)
    else:
        keys = ssh_keys(keys)
    if not keys:
        return "invalid"
    with tempfile.TemporaryDirectory(prefix="reportflow-verify-") as tmp:
        allowed = Path(tmp) / "allowed_signers"
        allowed.write_text(
            "".join(f'{record.reviewer} namespaces="{NAMESPACE}" {key_core(k)}\n' for k in keys)
        )
        sig = Path(tmp) / "record.sig"
        sig.write_text(record.signature)
        args = ["-Y", "verify", "-f", str(allowed), "-I", record.reviewer, "-n", NAMESPACE]
        proc = ssh_keygen([*args, "-s", str(sig)], record.payload())
    return "valid" if proc.returncode == 0 else "invalid"


def verify_inprocess(record: SignoffRecord, keys: Sequence[str]) -> Verification | None:
    """The same check with the ``sshsig`` library (about 100x faster than a process per
    record); None for a key type it does not implement, where ssh-keygen decides."""
    if record.signature is None:
        return "unsigned"
    server = record.signature_kind == passkeys.SERVER_KIND
    if not server and (isinstance(record.signature, Assertion) or record.signature_kind):
        return verify_passkey(record, keys)
    if isinstance(record.signature, Assertion):
        return "invalid"
    import sshsig  # imported late: only a gate that has signatures to check pays for it

    try:
        listed = server_keys(keys) if server else ssh_keys(keys)
        allowed = [_parse_key(key_core(k)) for k in listed]
        sshsig.verify(record.payload(), record.signature, allowed, namespace=NAMESPACE)
    except (sshsig.InvalidSignature, ValueError):
        return "invalid"
    except Exception:  # a key type it lacks, data it cannot parse: ssh-keygen decides
        return None
    return "valid"


def ssh_keys(keys: Sequence[str]) -> list[str]:
    """A person's SSH keys among their listed keys and passkeys (``Roster.keys_of``)."""
    return [k for k in keys if not passkeys.is_line(k)]


def server_keys(keys: Sequence[str]) -> list[str]:
    """The review server's keys among a person's listed keys: what a server-attested record
    (a personal link, ``reportflow serve``) is verified against, and nothing else."""
    return [k[len(passkeys.SERVER_PREFIX) :] for k in keys if k.startswith(passkeys.SERVER_PREFIX)]


def verify_passkey(record: SignoffRecord, keys: Sequence[str]) -> Verification:
    """A passkey approval against the person's passkeys in the roster (``passkeys.verify``);
    an SSH signature dressed as one, or a passkey record without an assertion, is invalid."""
    if not isinstance(record.signature, Assertion) or record.signature_kind != passkeys.KIND:
        return "invalid"
    return passkeys.verify(record.payload(), record.signature, passkeys.from_lines(keys))


@functools.cache
def _parse_key(line: str) -> Any:
    import sshsig

    return sshsig.PublicKey.from_openssh_str(line)


def verify(record: SignoffRecord, keys: Sequence[str]) -> Verification:
    """Verify ``record`` against the reviewer's listed keys.

    ``REPORTFLOW_VERIFIER=ssh-keygen`` forces the ssh-keygen path everywhere (the tests check
    that both agree on valid, edited, replayed and wrongly keyed records).
    """
    if os.environ.get("REPORTFLOW_VERIFIER") != "ssh-keygen":
        result = verify_inprocess(record, keys)
        if result is not None:
            return result
    return verify_ssh_keygen(record, keys)


def verify_many(
    records: Iterable[SignoffRecord],
    keys_of: Mapping[str, Sequence[str]],
) -> dict[str, Verification]:
    """Verify each record against ``keys_of[reviewer]``; results by record digest.

    Every call verifies every signature it is asked about. There used to be a cache of results
    in ``.git/reportflow/verified.json``; anyone with the clone could write "valid" into it for
    a garbage signature, and gate, release and verify believed it (issue 11, family 9). In
    process a signature costs ~0.5 ms, and ``gate.checks`` asks only for the records the
    decision can depend on, so the cache bought little and is gone: nothing on disk is
    evidence.
    """
    results: dict[str, Verification] = {}
    todo: list[tuple[SignoffRecord, Sequence[str]]] = []
    for rec in records:
        if rec.signature is None:
            results[rec.digest] = "unsigned"
            continue
        todo.append((rec, tuple(keys_of.get(rec.reviewer, ()))))
    forced = os.environ.get("REPORTFLOW_VERIFIER") == "ssh-keygen"
    slow: list[tuple[SignoffRecord, Sequence[str]]] = []
    for rec, keys in todo:
        found = None if forced else verify_inprocess(rec, keys)
        if found is None:
            slow.append((rec, keys))
        else:
            results[rec.digest] = found
    if slow:
        # one ssh-keygen process per record: run several at once
        with ThreadPoolExecutor(max_workers=min(8, len(slow))) as pool:
            done = list(pool.map(lambda t: verify_ssh_keygen(t[0], t[1]), slow))
        for (rec, _), found in zip(slow, done, strict=True):
            results[rec.digest] = found
    return results
