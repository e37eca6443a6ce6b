"""Keys people actually have: a passphrase-protected key typed on a real terminal (a pty), the
same key without a terminal, and keys held in a real ssh-agent, named by their public file or
not named at all. Real ssh-keygen, ssh-agent, ssh-add and the real CLI; nothing is mocked.

Every CLI run starts a new session: without a controlling terminal unless the test gives it
the pty, so ssh-keygen can never reach the terminal pytest itself runs in.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Result
from signoff_support import head, make_keys, make_repo, record_files

from reportflow.signoff import ledger

PASSPHRASE = "correct horse 电池"
PERSON = "deputy-head-1"
SECTION = "situation"


@pytest.fixture(autouse=True)
def no_agent_no_askpass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the developer's agent nor a desktop askpass may sign or answer for a test."""
    for var in ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def protected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """deputy-head-1's key, with a passphrase: (private key, public key line)."""
    path = tmp_path_factory.mktemp("protected") / PERSON
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-C", PERSON, "-f", str(path)],
        check=True,
    )
    return path, " ".join(path.with_suffix(".pub").read_text().split()[:2])


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory, protected) -> dict[str, tuple[Path, str]]:
    return {**make_keys(tmp_path_factory.mktemp("keys")), PERSON: protected}


@pytest.fixture
def rdir(tmp_path: Path, keys) -> Path:
    return make_repo(tmp_path / "reports", keys)


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "reportflow", *map(str, args)]


def cli_detached(*args: str | Path) -> Result:
    """The CLI in a session of its own with no terminal at all (as under cron or a CI job)."""
    proc = subprocess.run(
        _command(*args),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _take_terminal() -> None:
    """In the child, after setsid: make its stdin (the pty) the controlling terminal, which is
    what /dev/tty opens."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def cli_in_terminal(*args: str | Path, answer: str) -> tuple[Result, bytes]:
    """The CLI with a pty as its terminal; ``answer`` is typed once the pty shows a passphrase
    prompt. Returns the result and what appeared on the terminal."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        _command(*args),
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_take_terminal,  # safe here: pytest runs no other threads
    )
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + 60
    try:
        while b"passphrase" not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    screen += os.read(master, 1024)
                except OSError:  # the child closed the terminal: it will not ask
                    break
            elif proc.poll() is not None:
                break
        if b"passphrase" in screen:
            os.write(master, answer.encode() + b"\n")
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = err.decode(errors="replace")
    assert "Traceback" not in text, text
    return Result(proc.returncode, out.decode(errors="replace"), text), screen


def signoff_args(rdir: Path, *key: str | Path) -> list[str | Path]:
    return ["signoff", rdir, "--section", SECTION, "--as", PERSON, *key, "-m", "同意"]


def assert_counted(rdir: Path, keys) -> None:
    """One record, signed, verifying with the roster key, and the gate counts it."""
    [path] = record_files(rdir)
    rec = ledger.parse_file(path.read_bytes(), path.name)
    assert rec.signature is not None and rec.reviewer == PERSON
    assert ledger.verify_ssh_keygen(rec, [keys[PERSON][1]]) == "valid"
    gate = cli_detached("gate", rdir, "--format", "json")
    data = json.loads(gate.out)
    assert data["sections"][SECTION]["status"] == "approved", data
    assert data["sections"][SECTION]["approvers"] == [PERSON]
    assert not data.get("problems"), data


def assert_nothing_written(rdir: Path, before: str) -> None:
    assert record_files(rdir) == []
    assert head(rdir.parents[2]) == before


# --- a passphrase typed on the terminal -----------------------------------------------------


@pytest.mark.parametrize("display", [None, ":0"], ids=["console", "desktop"])
def test_protected_key_asks_on_the_terminal_and_signs(
    monkeypatch: pytest.MonkeyPatch, rdir: Path, keys, protected, display: str | None
) -> None:
    if display is not None:  # ssh-keygen would prefer a (missing) askpass program
        monkeypatch.setenv("DISPLAY", display)
    result, screen = cli_in_terminal(*signoff_args(rdir, "--key", protected[0]), answer=PASSPHRASE)
    assert result.code == 0, result.err
    assert b"Enter passphrase" in screen  # on the terminal, not in the captured stderr
    assert "passphrase" not in result.err
    assert_counted(rdir, keys)


def test_protected_key_wrong_passphrase_writes_nothing(rdir: Path, protected) -> None:
    before = head(rdir.parents[2])
    result, screen = cli_in_terminal(*signoff_args(rdir, "--key", protected[0]), answer="nope")
    assert b"Enter passphrase" in screen
    assert result.code == 2, result.err
    assert "wrong passphrase" in result.err
    assert_nothing_written(rdir, before)


def test_protected_key_without_a_terminal_says_what_to_do(rdir: Path, protected) -> None:
    before = head(rdir.parents[2])
    result = cli_detached(*signoff_args(rdir, "--key", protected[0]))
    assert result.code == 2, result.err
    assert "this key has a passphrase and there is no terminal to ask for it" in result.err
    assert f"ssh-add {protected[0]}" in result.err
    assert_nothing_written(rdir, before)


# --- ssh-agent ------------------------------------------------------------------------------


@pytest.fixture
def agent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real ssh-agent on a socket of its own (a short path: sockets have ~100 bytes), in the
    foreground so the test owns its process and ends it."""
    folder = Path(tempfile.mkdtemp(prefix="rf-agent-"))
    sock = folder / "agent.sock"
    proc = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(sock)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sock.exists(), "ssh-agent did not start"
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield sock
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def ssh_add(key: Path, tmp_path: Path) -> None:
    """``ssh-add`` a protected key the way a desktop does, through an askpass program."""
    askpass = tmp_path / "askpass.sh"
    askpass.write_text(f"#!/bin/sh\nprintf '%s\\n' '{PASSPHRASE}'\n", encoding="utf-8")
    askpass.chmod(0o700)
    env = {**os.environ, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"}
    subprocess.run(
        ["ssh-add", str(key)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=True,
        start_new_session=True,
        timeout=30,
    )


def test_agent_signs_for_the_public_key(rdir: Path, keys, protected, agent, tmp_path) -> None:
    ssh_add(protected[0], tmp_path)
    result = cli_detached(*signoff_args(rdir, "--key", protected[0].with_suffix(".pub")))
    assert result.code == 0, result.err
    assert_counted(rdir, keys)


def test_agent_signs_for_the_protected_private_key_without_a_terminal(
    rdir: Path, keys, protected, agent, tmp_path
) -> None:
    ssh_add(protected[0], tmp_path)
    result = cli_detached(*signoff_args(rdir, "--key", protected[0]))
    assert result.code == 0, result.err
    assert_counted(rdir, keys)


def test_without_key_the_agent_key_listed_for_the_person_signs(
    rdir: Path, keys, protected, agent, tmp_path
) -> None:
    ssh_add(keys["deputy-head-2"][0], tmp_path)  # someone else's key in the same agent
    ssh_add(protected[0], tmp_path)
    result = cli_detached(*signoff_args(rdir))
    assert result.code == 0, result.err
    assert_counted(rdir, keys)


def test_without_key_and_no_listed_key_in_the_agent_is_refused(
    rdir: Path, keys, agent, tmp_path
) -> None:
    before = head(rdir.parents[2])
    ssh_add(keys["deputy-head-2"][0], tmp_path)
    result = cli_detached(*signoff_args(rdir))
    assert result.code == 1, result.err
    assert "requires deputy-head-1 to sign with an SSH key" in result.err
    assert_nothing_written(rdir, before)


@pytest.mark.parametrize("with_agent", [False, True], ids=["no-agent", "agent-without-it"])
def test_public_key_not_in_an_agent_says_so(
    request: pytest.FixtureRequest, rdir: Path, protected, with_agent: bool
) -> None:
    if with_agent:
        request.getfixturevalue("agent")
    before = head(rdir.parents[2])
    result = cli_detached(*signoff_args(rdir, "--key", protected[0].with_suffix(".pub")))
    assert result.code == 2, result.err
    assert "this is the public key; give the private key or load it into ssh-agent" in result.err
    assert f"ssh-add {protected[0]}" in result.err
    assert "chmod" not in result.err
    why = "does not hold this key" if with_agent else "no ssh-agent is reachable"
    assert why in result.err
    assert_nothing_written(rdir, before)
