"""The keys people actually have: plain private keys, passphrase-protected ones, and keys held
in ssh-agent, named by their private or their public file.

Everything about the key is settled before anything is signed, so a sign-off that cannot be
signed fails with a sentence saying what to do (exit 2, nothing written) instead of with
ssh-keygen's stderr. Signing itself is always ``ssh-keygen -Y sign`` with the payload on stdin
(nothing lands on disk), which has three consequences this module handles:

* ssh-keygen signs through ssh-agent by itself whenever ``SSH_AUTH_SOCK`` points at an agent
  holding the key, given the private or the public file; then nobody is asked anything.
* For a protected key not in the agent it asks for the passphrase on /dev/tty. Without a
  terminal it would read the passphrase from stdin, i.e. eat the payload, and fail with
  "incorrect passphrase", so we refuse up front when there is no terminal to ask on.
* With ``DISPLAY`` set and stdin not a terminal it prefers an askpass program to the terminal
  (and fails when none is installed), so when we have a terminal we tell it to use that
  (``SSH_ASKPASS_REQUIRE=never``) unless the user chose otherwise.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reportflow.core.errors import InputError, ReportflowError, ToolError

#: private: no passphrase; protected: has one; public: a public key file (agent only).
KeyKind = Literal["private", "protected", "public"]
OPENSSH_MAGIC = b"openssh-key-v1\0"


def key_core(line: str) -> str:
    """``type base64`` of an OpenSSH public key line, without its comment."""
    return " ".join(line.split()[:2])


@dataclass(frozen=True)
class SigningKey:
    """A key resolved before signing, so that its problems are known before anything is written.

    ``path`` is what ssh-keygen gets with ``-f``; None for a key found only in the agent
    (``--key`` omitted), whose public half is then handed over in a temporary file.
    """

    path: Path | None
    public: str  # type base64
    kind: KeyKind
    in_agent: bool


def ssh_keygen(
    args: list[str], data: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The one place ssh-keygen is started; a missing ssh-keygen is a ToolError with the fix."""
    try:
        return subprocess.run(
            ["ssh-keygen", *args], input=data, capture_output=True, check=False, env=env
        )
    except FileNotFoundError:
        raise ToolError(
            "ssh-keygen not found", hint="install openssh-client (apt-get install openssh-client)"
        ) from None


def agent_keys() -> tuple[str, ...] | None:
    """Public keys (``type base64``) the ssh-agent at ``SSH_AUTH_SOCK`` holds; None when no
    agent can be reached (no socket, a dead one, no ssh-add)."""
    if not os.environ.get("SSH_AUTH_SOCK"):
        return None
    try:
        proc = subprocess.run(["ssh-add", "-L"], capture_output=True, check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode == 1:  # "The agent has no identities."
        return ()
    if proc.returncode != 0:
        return None
    lines = proc.stdout.decode(errors="replace").splitlines()
    return tuple(key_core(line) for line in lines if line.strip())


def _public_line(text: str) -> str | None:
    """``type base64`` when ``text`` is an OpenSSH public key file, else None."""
    parts = text.split()
    if len(parts) < 2 or parts[0].startswith("-----"):
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (n,) = struct.unpack(">I", blob[:4])
    except (binascii.Error, struct.error):
        return None
    return key_core(text) if blob[4 : 4 + n].decode(errors="replace") == parts[0] else None


def _embedded_public(text: str) -> str | None:
    """The public half stored unencrypted in an ``openssh-key-v1`` private key, so a protected
    key can be checked against the roster without asking for its passphrase."""
    body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
    try:
        blob = base64.b64decode(body)
    except binascii.Error:
        return None
    if not blob.startswith(OPENSSH_MAGIC):
        return None
    pos = len(OPENSSH_MAGIC)
    try:
        for _ in range(3):  # cipher name, kdf name, kdf options
            (n,) = struct.unpack_from(">I", blob, pos)
            pos += 4 + n
        pos += 4  # number of keys; the first public key follows
        (n,) = struct.unpack_from(">I", blob, pos)
        key = blob[pos + 4 : pos + 4 + n]
        (t,) = struct.unpack_from(">I", key, 0)
    except struct.error:
        return None
    return f"{key[4 : 4 + t].decode(errors='replace')} {base64.b64encode(key).decode()}"


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError("no such key file", file=path)
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read the key file: {exc.strerror}", file=path) from None


def _public_file_problem(path: Path, held: tuple[str, ...] | None) -> InputError:
    private = path.with_suffix("") if path.suffix == ".pub" else None
    add = f"ssh-add {private}" if private is not None and private.is_file() else "ssh-add <key>"
    if held is None:
        why = "no ssh-agent is reachable here: SSH_AUTH_SOCK is not set, or its agent has gone"
    else:
        why = "the ssh-agent at SSH_AUTH_SOCK does not hold this key"
    return InputError(
        f"this is the public key; give the private key or load it into ssh-agent ({add})",
        file=path,
        hint=why,
    )


def _key_problem(path: Path | None, stderr: bytes) -> ReportflowError:
    text = stderr.decode(errors="replace")
    if "UNPROTECTED PRIVATE KEY" in text:
        return InputError(
            "ssh-keygen refuses a private key that others can read",
            file=path,
            hint=f"chmod 600 '{path}'",
        )
    if "incorrect passphrase" in text:
        return InputError(
            "wrong passphrase for this key (ssh-keygen asks once)",
            file=path,
            hint=f"sign again, or load it into ssh-agent once (ssh-add {path})",
        )
    if path is None or "agent" in text:
        return InputError("ssh-agent did not sign: " + text.strip()[:200])
    return InputError("not a usable SSH private key: " + text.strip()[:200], file=path)


def resolve(path: Path) -> SigningKey:
    """What ``--key <path>`` names: a private key (protected or not) or a public key that the
    agent holds. Reads no passphrase."""
    text = _read_text(path)
    held = agent_keys()
    public = _public_line(text)
    if public is not None:
        if held is None or public not in held:
            raise _public_file_problem(path, held)
        return SigningKey(path, public, "public", True)
    proc = ssh_keygen(["-y", "-P", "", "-f", str(path)])
    if proc.returncode == 0:
        public = key_core(proc.stdout.decode())
        return SigningKey(path, public, "private", public in (held or ()))
    if "incorrect passphrase" not in proc.stderr.decode(errors="replace"):
        raise _key_problem(path, proc.stderr)
    public = _embedded_public(text)
    sibling = Path(f"{path}.pub")
    if public is None and sibling.is_file():
        public = _public_line(_read_text(sibling))
    if public is None:
        raise InputError(
            "cannot read the public half of this protected key without its passphrase",
            file=path,
            hint=f"put its public key next to it as {sibling}, or convert the key with "
            f"ssh-keygen -p -f {path}",
        )
    return SigningKey(path, public, "protected", public in (held or ()))


def from_agent(listed: Sequence[str]) -> SigningKey | None:
    """The first of a person's roster keys that the agent holds, for ``signoff`` without
    ``--key``; None when there is no agent or it holds none of them."""
    held = agent_keys() or ()
    for line in listed:
        if key_core(line) in held:
            return SigningKey(None, key_core(line), "public", True)
    return None


def has_terminal() -> bool:
    """Whether ssh-keygen can open /dev/tty to ask for a passphrase."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _askpass_configured() -> bool:
    """The user set up an askpass program that ssh-keygen will use without a terminal."""
    env = os.environ
    if not env.get("SSH_ASKPASS"):
        return False
    require = env.get("SSH_ASKPASS_REQUIRE", "").lower()
    return require == "force" or (require != "never" and bool(env.get("DISPLAY")))


def _prompt_env(key: SigningKey) -> dict[str, str]:
    """Environment for a ssh-keygen that asks for the passphrase: on the terminal, unless the
    user chose an askpass program; refuse when it could only read the payload instead."""
    env = dict(os.environ)
    if has_terminal():
        env.setdefault("SSH_ASKPASS_REQUIRE", "never")
        return env
    if _askpass_configured():
        return env
    raise InputError(
        f"this key has a passphrase and there is no terminal to ask for it: load it into "
        f"ssh-agent (ssh-add {key.path}) and sign again",
        file=key.path,
        hint="ssh-keygen then signs through the agent that SSH_AUTH_SOCK names; or run "
        "reportflow signoff in a terminal, where ssh-keygen asks for the passphrase",
    )


def sign(payload: bytes, key: SigningKey, namespace: str) -> str:
    """``ssh-keygen -Y sign`` over ``payload`` (read from stdin, so nothing lands on disk)."""
    args = ["-Y", "sign", "-n", namespace]
    env: dict[str, str] | None = None
    if key.kind == "private" and not key.in_agent:
        args += ["-P", ""]  # never a prompt for a key without a passphrase
    elif key.kind == "protected" and not key.in_agent:
        env = _prompt_env(key)
    if key.path is not None:
        proc = ssh_keygen([*args, "-f", str(key.path)], payload, env)
        if proc.returncode != 0:
            raise _key_problem(key.path, proc.stderr)
        return proc.stdout.decode()
    with tempfile.TemporaryDirectory(prefix="reportflow-agent-") as tmp:
        pub = Path(tmp) / "agent-key.pub"
        pub.write_text(key.public + "\n")
        proc = ssh_keygen([*args, "-f", str(pub)], payload, env)
    if proc.returncode != 0:
        raise _key_problem(None, proc.stderr)
    return proc.stdout.decode()
