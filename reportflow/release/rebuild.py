"""``verify --rebuild``: render the archived sources again and compare the files byte for byte.

The other checks prove that the archive holds what the releaser signed; only a rebuild shows
that what they signed is what the approved text renders to (a releaser who doctors the PDF
*at* release time signs the doctored bytes). The sources come from ``sources.tar.gz`` (whose
blobs ``verify`` already compares with the tagged tree), the render runs exactly as
``release`` ran it (not a draft, the same commit and version), and the tool versions recorded
in the manifest are compared with the ones here: a different typst or pandoc may render other
bytes, so a difference is named alongside a mismatch.

Only formats whose renders are byte-reproducible are compared (``COMPARED``): the PDF (typst,
no creation date unless ``SOURCE_DATE_EPOCH`` is set). DOCX and HTML are left out until their
renders are reproducible too; the check says so rather than passing them.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from reportflow.content import model
from reportflow.core.errors import ReportflowError
from reportflow.core.i18n import _
from reportflow.release.archive import ArchiveStore

#: formats whose bytes a rebuild reproduces, compared by ``verify --rebuild``
COMPARED = ("pdf",)
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
    left = [f for f in ("docx", "pdf", "html") if f not in COMPARED]
    text = _("{compared}; not compared: {left} (their renders are not byte-reproducible yet)")
    yield (
        _("formats compared by the rebuild"),
        True,
        text.format(compared=", ".join(COMPARED), left=", ".join(left)),
    )
