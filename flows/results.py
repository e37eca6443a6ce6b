"""Where the flows' persisted results live when several workers share the work (issue 13).

A release run is resumed on whichever worker picks it up; what it did before the wait
(validation of a commit, the messages it sent, ``reportflow.flows.common``) is found again
only if every worker reads the same result storage. Prefect's own mechanism, nothing of ours:
a ``RemoteFileSystem`` block (any fsspec URL: ``s3://`` on the office's S3 or MinIO, the
archive's, or ``file://`` on a shared mount), named by ``PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK``
on each worker, so every run of every deployment writes and reads its results there.

    python -m reportflow.flows.results s3://office-results/prefect [--endpoint URL]
    # then on each worker:
    PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK=remote-file-system/reportflow-results

The block holds the URL and, for MinIO or another S3 that is not AWS, the endpoint; never
credentials: s3fs reads them on each worker (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
a profile, an instance role), so the server's database and its UI, which show a block's
fields, hold no secret. A setting on the workers rather than ``result_storage=`` on the flow:
the flows are imported from the install and name no office's bucket.
"""

from __future__ import annotations

import argparse
import sys

from prefect.filesystems import RemoteFileSystem

#: The block's name; its slug (what the setting names) is ``remote-file-system/<name>``.
BLOCK = "reportflow-results"


def storage(url: str, endpoint: str | None = None) -> RemoteFileSystem:
    """The result storage at ``url``; ``endpoint``: an S3 API that is not AWS (MinIO)."""
    settings = {"endpoint_url": endpoint} if endpoint else {}
    return RemoteFileSystem(basepath=url.rstrip("/"), settings=settings)


def register(url: str, endpoint: str | None = None, name: str = BLOCK) -> str:
    """Save the block on the Prefect server (``PREFECT_API_URL``), replacing one of the same
    name; its slug for ``PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK``. It writes and reads back a
    probe first, so a wrong URL, endpoint or credentials fail here, not in a release."""
    block = storage(url, endpoint)
    probe = ".reportflow-probe"
    try:
        block.write_path(probe, b"ok")
        back = block.read_path(probe)
        block.filesystem.rm(f"{block.basepath}/{probe}")
    except Exception as exc:  # fsspec's backends raise their own errors: all mean "not there"
        raise Unusable(f"{url}: cannot write there ({type(exc).__name__}: {exc})") from exc
    if back != b"ok":  # pragma: no cover - a storage that loses writes
        raise Unusable(f"{url}: what was written could not be read back")
    block.save(name, overwrite=True)
    return f"remote-file-system/{name}"


class Unusable(Exception):
    """The storage cannot be written and read back with this machine's settings."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reportflow.flows.results")
    parser.add_argument("url", help="fsspec URL: s3://bucket/prefix, file:///shared/folder")
    parser.add_argument("--endpoint", default=None, help="S3 endpoint that is not AWS (MinIO)")
    parser.add_argument("--name", default=BLOCK)
    args = parser.parse_args(argv)
    try:
        slug = register(args.url, args.endpoint, args.name)
    except Unusable as exc:  # the user's to fix: exit 2, one line, nothing saved
        print(f"{exc}; check the URL, --endpoint and the AWS_* credentials", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"PREFECT_RESULTS_DEFAULT_STORAGE_BLOCK={slug}")


if __name__ == "__main__":
    main()
