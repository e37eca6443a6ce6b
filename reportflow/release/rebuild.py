"""``verify --rebuild``: render the archived sources again and compare the files byte for byte.

The other checks prove that the archive holds what the releaser signed; only a rebuild shows
that what they signed is what the approved text renders to (a releaser who doctors the PDF
*at* release time signs the doctored bytes). The sources come from ``sources.tar.gz`` (whose
blobs ``verify`` already compares with the tagged tree), the render runs exactly as
``release`` ran it (not a draft, the same commit and version), and the tool versions recorded
in the manifest are compared with the ones here: a different typst or pandoc may render other
bytes, so a difference is named alongside a mismatch.

Every format is compared (``COMPARED``): the PDF (typst), the DOCX (its core properties and
ZIP entry times) and the HTML are byte-reproducible, carrying no time, or the time of
``SOURCE_DATE_EPOCH``. The manifest records the release's ``SOURCE_DATE_EPOCH`` and the rebuild
renders under the same value (a manifest from before it was recorded: under this process's).
"""

from __future__ import annotations

import contextlib
import io
import os
import tarfile
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from reportflow.content import model
from reportflow.core.errors import ReportflowError
from reportflow.core.i18n import _
from reportflow.release.archive import ArchiveStore

#: formats whose bytes a rebuild reproduces, compared by ``verify --rebuild``
COMPARED = ("docx", "pdf", "html")
#: tools whose version decides the rendered bytes
RENDER_TOOLS = ("reportflow", "pandoc", "typst", "python-docx", "pypandoc-binary")
SOURCES = "sources.tar.gz"


def _tool_drift(recorded: Mapping[str, str], here: Mapping[str, str]) -> list[str]:
    return [
        f"{name} {recorded.get(name)} → {here.get(name)}"
        for name in RENDER_TOOLS
        if recorded.get(name) != here.get(name)
    ]


def rebuild(
    store: ArchiveStore,
    where: tuple[str, int],
    version: int,
    folder: str,
    manifest: Mapping[str, Any],
) -> Iterator[tuple[str, bool, str]]:
    """(check name, ok, detail) for each compared format, then one naming what was compared."""
    from reportflow import render
    from reportflow.release.release import tools

    recorded = manifest.get("tools") or {}
    drift = _tool_drift(recorded, tools())
    note = _("tool versions differ: {tools}").format(tools=", ".join(drift)) if drift else ""
    with tempfile.TemporaryDirectory(prefix="reportflow-rebuild-") as tmp:
        src = Path(tmp) / "src"
        try:
            data = store.read(*where, version, SOURCES)
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                tar.extractall(src, filter="data")  # no links out, no absolute paths
            report = model.load_report(src / folder)
            out = Path(tmp) / "out"
            with _epoch(manifest):
                render.render_report(
                    report,
                    COMPARED,
                    out,
                    draft=False,
                    commit=str(manifest["commit"]),
                    version=f"v{version}",
                )
        except (OSError, tarfile.TarError, ReportflowError) as exc:
            yield _("rebuild from {file}").format(file=SOURCES), False, str(exc)
            return
        for fmt in COMPARED:
            name = f"report.{fmt}"
            try:
                archived = store.read(*where, version, name)
            except (FileNotFoundError, OSError):
                yield (
                    _("{file} is byte-identical to the rebuilt file").format(file=name),
                    False,
                    (_("not in the archive")),
                )
                continue
            rebuilt = (out / name).read_bytes()
            same = archived == rebuilt
            differs = _("{file} differs from the rebuilt file ({a} bytes archived, {b} rebuilt)")
            detail = (
                _("{n} bytes").format(n=len(rebuilt))
                if same
                else differs.format(file=name, a=len(archived), b=len(rebuilt))
            )
            if note:
                detail += f"; {note}"
            yield _("{file} is byte-identical to the rebuilt file").format(file=name), same, detail
    yield _("formats compared by the rebuild"), True, ", ".join(COMPARED)


#: the render reads SOURCE_DATE_EPOCH from the environment, which the threads of one process
#: share: rebuilds of versions released under different values take turns
_ENV_LOCK = threading.Lock()
_EPOCH = "SOURCE_DATE_EPOCH"


@contextlib.contextmanager
def _epoch(manifest: Mapping[str, Any]) -> Iterator[None]:
    """The environment the release rendered in: its recorded SOURCE_DATE_EPOCH, or unset."""
    if "source_date_epoch" not in manifest:
        yield
        return
    value = manifest["source_date_epoch"]
    with _ENV_LOCK:
        before = os.environ.get(_EPOCH)
        if value is None:
            os.environ.pop(_EPOCH, None)
        else:
            os.environ[_EPOCH] = str(int(value))
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(_EPOCH, None)
            else:
                os.environ[_EPOCH] = before
