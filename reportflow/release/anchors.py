"""What anchors a release to its releaser (issue 11, families 1 and 8).

A tag, a manifest and an archive entry are things any author can make with plain git and a
file system, so none of them is evidence on its own. A release is anchored three times, each
by the releaser's SSH key (a person allowed by ``policy.release`` of the roster in force at the
released commit, by default the final approvers):

* the tag ``<report>/<year>/v<N>`` is an SSH-signed tag (namespace ``git``, the form ``git tag
  -s`` with ``gpg.format=ssh`` writes and ``git verify-tag`` checks), whose message carries the
  manifest's SHA-256;
* ``manifest.sig`` beside the manifest in the archive entry (namespace
  ``reportflow-manifest``), so that the archive alone proves who released it;
* a release record in the ledger (``signoffs/…-release-v<N>.json``, scope ``release``, the
  manifest digest as its fingerprint), committed after the tag: the ledger is append-only, so
  deleting the newest version together with its tag no longer leaves a consistent picture.

Signatures are verified in process with ``sshsig`` (as the sign-off records are); for a key
type it does not implement, ``ssh-keygen -Y verify`` decides. Signing is ``ssh-keygen -Y sign``
through ``signoff.keys``, so a release key may be a plain, a protected or an agent-held key
exactly as for ``signoff``. The tag object is written here and stored with ``git mktag``
rather than by ``git tag -s``: that way its signature comes from the same key handling (and
the same refusals) as every other signature, and is checked before the tag exists.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportflow.core.i18n import _
from reportflow.signoff import keys
from reportflow.signoff.roster import Roster, Who

TAG_NAMESPACE = "git"
MANIFEST_NAMESPACE = "reportflow-manifest"
SIGNATURE_START = b"-----BEGIN SSH SIGNATURE-----"


@dataclass(frozen=True)
class Signer:
    person: str
    key: str  # ``type base64``


def releasers(roster: Roster) -> Who:
    """Who may release under ``roster``: ``policy.release``, else the final approvers."""
    return roster.policy.release or roster.policy.report


def releaser_keys(roster: Roster) -> dict[str, tuple[str, ...]]:
    who = releasers(roster)
    return {pid: m.keys for pid, m in roster.people.items() if roster.eligible(who, pid)}


@functools.cache
def _public(line: str) -> Any:
    import sshsig  # imported late: only a release or a verify with signatures pays for it

    return sshsig.PublicKey.from_openssh_str(line)


def _verifies(payload: bytes, signature: str, key: str, namespace: str) -> bool:
    import sshsig

    try:
        sshsig.verify(payload, signature, [_public(keys.key_core(key))], namespace=namespace)
    except (sshsig.InvalidSignature, ValueError):
        return False
    except Exception:  # a key type sshsig lacks, or data it cannot parse: ssh-keygen decides
        return _verifies_ssh_keygen(payload, signature, key, namespace)
    return True


def _verifies_ssh_keygen(payload: bytes, signature: str, key: str, namespace: str) -> bool:
    with tempfile.TemporaryDirectory(prefix="reportflow-verify-") as tmp:
        allowed = Path(tmp) / "allowed_signers"
        allowed.write_text(f'signer namespaces="{namespace}" {keys.key_core(key)}\n')
        sig = Path(tmp) / "payload.sig"
        sig.write_text(signature)
        args = ["-Y", "verify", "-f", str(allowed), "-I", "signer", "-n", namespace]
        return keys.ssh_keygen([*args, "-s", str(sig)], payload).returncode == 0


def signed_by(
    payload: bytes, signature: str | None, roster: Roster | None, namespace: str
) -> Signer | str:
    """The releaser whose key made ``signature`` over ``payload``, or why there is none."""
    if signature is None:
        return _("no SSH signature")
    if roster is None:
        return _("no roster in force at the released commit")
    allowed = releaser_keys(roster)
    for person, listed in allowed.items():
        for key in listed:
            if _verifies(payload, signature, key, namespace):
                return Signer(person, keys.key_core(key))
    for person, member in roster.people.items():
        if person not in allowed and any(
            _verifies(payload, signature, k, namespace) for k in member.keys
        ):
            return _(
                "signed by {person}, who may not release (policy.release asks for {who})"
            ).format(person=person, who=releasers(roster).describe())
    return _(
        "no releaser's key verifies it: signed by a key not listed for any releaser "
        "(policy.release), or changed after signing"
    )


def split_tag(raw: bytes) -> tuple[bytes, str | None]:
    """A tag object's signed part and its SSH signature (None: the tag is not SSH-signed)."""
    at = raw.find(b"\n" + SIGNATURE_START)
    if at < 0:
        return raw, None
    return raw[: at + 1], raw[at + 1 :].decode("ascii", errors="replace")


def tag_object(commit: str, name: str, tagger: str, message: str) -> bytes:
    """The unsigned annotated tag object ``git tag -a`` would write."""
    body = message if message.endswith("\n") else message + "\n"
    head = f"object {commit}\ntype commit\ntag {name}\ntagger {tagger}\n\n"
    return (head + body).encode()


def sign_tag(obj: bytes, key: keys.SigningKey) -> bytes:
    """``obj`` with its SSH signature appended, as ``git tag -s`` with gpg.format=ssh does."""
    return obj + keys.sign(obj, key, TAG_NAMESPACE).encode()


def sign_manifest(data: bytes, key: keys.SigningKey) -> str:
    return keys.sign(data, key, MANIFEST_NAMESPACE)


def find_releaser(roster: Roster, key_path: Path | None) -> tuple[str, keys.SigningKey] | str:
    """The releaser and the key that will sign: ``--key`` (checked against the releasers'
    listed keys), else the first releaser key that ssh-agent holds; or why there is none."""
    allowed = releaser_keys(roster)
    who = releasers(roster).describe()
    if key_path is None:
        for person, listed in allowed.items():
            found = keys.from_agent(listed)
            if found is not None:
                return person, found
        return _(
            "releasing needs the SSH key of a releaser ({who}, policy.release): give it with "
            "--key, or load it into ssh-agent"
        ).format(who=who)
    signing = keys.resolve(key_path)
    for person, listed in allowed.items():
        if signing.public in {keys.key_core(k) for k in listed}:
            return person, signing
    for person, member in roster.people.items():
        if signing.public in {keys.key_core(k) for k in member.keys}:
            return _(
                "the key {key} is {person}'s, who may not release: policy.release asks for {who}"
            ).format(key=key_path, person=person, who=who)
    return _("the key {key} is not listed for any releaser ({who}, policy.release)").format(
        key=key_path, who=who
    )


def digest_in_message(message: str) -> str | None:
    """The ``manifest-sha256:`` line of a release tag's message."""
    for line in message.splitlines():
        if line.startswith("manifest-sha256: "):
            return line.removeprefix("manifest-sha256: ").strip()
    return None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_of_record(fingerprint: str) -> str:
    """A release record's fingerprint ``sha256:<hex>`` -> ``<hex>``."""
    return fingerprint.removeprefix("sha256:")


def released_by_key(manifest: Mapping[str, Any]) -> str | None:
    who = manifest.get("released_by")
    return keys.key_core(who["key"]) if isinstance(who, Mapping) and "key" in who else None


def versions_of(records: Sequence[Any]) -> dict[int, list[Any]]:
    """Release records by the version they record."""
    found: dict[int, list[Any]] = {}
    for rec in records:
        if rec.scope == "release" and rec.version is not None:
            found.setdefault(rec.version, []).append(rec)
    return found
