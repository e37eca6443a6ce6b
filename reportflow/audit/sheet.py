"""The approval sheet of a version already released, for ``reportflow sheet``: its facts
(``release/sheet.py``) from the archived manifest, with the manifest's digest, which the copy
inside the archive entry cannot hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportflow.core.errors import ContentError
from reportflow.core.i18n import _
from reportflow.release.sheet import Sheet, as_json, facts, to_docx, to_pdf

__all__ = ["Sheet", "as_json", "build", "to_docx", "to_pdf"]


def build(report_dir: Path, version: int | None = None, trust_root: str = "") -> Sheet:
    from reportflow.release.release import sha256_bytes
    from reportflow.release.verify import Verifier
    from reportflow.signoff import approval

    verifier = Verifier(Path(report_dir))
    known = verifier.known_versions()
    number = version if version is not None else (known[-1] if known else None)
    raw = verifier.manifest_bytes(number) if number is not None else None
    if number is None or raw is None:
        raise ContentError(
            _("no archived release {version} of {report}/{year}").format(
                version=f"v{number}" if number else "", report=verifier.report, year=verifier.year
            ),
            file=report_dir,
            hint=_("versions: {known}").format(known=", ".join(f"v{n}" for n in known) or "-"),
        )
    manifest: dict[str, Any] = json.loads(raw)
    ctx = approval.load_context(Path(report_dir), manifest["commit"])
    roster = approval.effective_roster(ctx)[0].roster
    return facts(
        ctx, roster, manifest["signoffs"], version=number, tag=manifest["tag"],
        manifest_sha256=sha256_bytes(raw), trust_root=trust_root,
    )  # fmt: skip
