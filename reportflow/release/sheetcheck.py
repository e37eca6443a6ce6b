"""``verify``'s checks of the approval sheet inside an archive entry.

The sheet's files are listed in the manifest, so ``verify``'s file checks already prove they are
the bytes the releaser signed. What is left is whether those bytes say what the records say: a
releaser (or a release tool) that printed another name, meaning or time on the sheet signs the
wrong sheet. So the sheet is built again here from the manifest's records and the context the
gate read at the released commit (people, drafters, the policy's meanings of the roster in force
there) and its JSON compared byte for byte with the archived ``approval-sheet.json``. The PDF is
rendered from exactly that JSON; ``verify --rebuild`` renders it again and compares the bytes
(``rebuild_checks``), which plain ``verify`` leaves out because a typst compile per version
would cost more than all the other checks of ``verify --all``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from reportflow.core.i18n import _
from reportflow.release import sheet as sheetmod
from reportflow.release.archive import ArchiveStore

PDF, JSON = sheetmod.FILES
Result = tuple[str, bool, str]


def _listed(manifest: Mapping[str, Any]) -> set[str]:
    return {f["name"] for f in manifest["files"]} & set(sheetmod.FILES)


def expected(ctx: Any, roster: Any, manifest: Mapping[str, Any], version: int) -> sheetmod.Sheet:
    """The sheet the manifest's records make at the released commit."""
    return sheetmod.facts(
        ctx, roster, manifest["signoffs"], version=version, tag=str(manifest["tag"])
    )


def _differences(archived: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    out = []
    for key in sorted(set(archived) | set(wanted)):
        a, b = archived.get(key), wanted.get(key)
        if a == b:
            continue
        if key == "signatures" and isinstance(a, list) and isinstance(b, list):
            rows = [i + 1 for i in range(max(len(a), len(b))) if a[i : i + 1] != b[i : i + 1]]
            out.append(_("signature rows {rows}").format(rows=", ".join(map(str, rows))))
        else:
            out.append(f"{key}: {str(a)[:40]!r} ≠ {str(b)[:40]!r}")
    return out


def check(
    store: ArchiveStore,
    where: tuple[str, int],
    version: int,
    manifest: Mapping[str, Any],
    ctx: Any,
    roster: Any,
) -> Iterator[Result]:
    """(check name, ok, detail): the sheet is in the entry and agrees with the records."""
    name = _("approval sheet agrees with the sign-off records")
    listed = _listed(manifest)
    if not listed:
        yield name, True, _("no approval sheet: released before sheets were archived")
        return
    missing = [f for f in sheetmod.FILES if f not in listed]
    if missing:
        yield name, False, _("not listed in the manifest: {files}").format(files=", ".join(missing))
        return
    if ctx is None:
        yield name, False, _("cannot read {commit}").format(commit=str(manifest["commit"])[:10])
        return
    try:
        raw = store.read(*where, version, JSON)
        archived = json.loads(raw)
    except (FileNotFoundError, OSError, ValueError) as exc:
        yield name, False, f"{JSON}: {exc}"
        return
    wanted = expected(ctx, roster, manifest, version)
    if raw == sheetmod.to_bytes(wanted):
        yield name, True, _("{n} signatures").format(n=len(wanted.signatures))
        return
    plain = json.loads(sheetmod.to_bytes(wanted))  # lists where the dataclass has tuples
    found = _differences(archived, plain) if isinstance(archived, dict) else []
    yield name, False, "; ".join(found) or _("{file} is not the sheet's JSON").format(file=JSON)


def rebuild_checks(
    store: ArchiveStore,
    where: tuple[str, int],
    version: int,
    manifest: Mapping[str, Any],
    ctx: Any,
    roster: Any,
) -> Iterator[Result]:
    """``verify --rebuild``: the archived sheet PDF is byte for byte the one rendered from the
    sheet the records make (typst writes no date: the same facts are the same bytes)."""
    import tempfile
    from pathlib import Path

    if PDF not in _listed(manifest) or ctx is None:
        return
    name = _("{file} is byte-identical to the rebuilt file").format(file=PDF)
    try:
        archived = store.read(*where, version, PDF)
    except (FileNotFoundError, OSError):
        yield name, False, _("not in the archive")
        return
    with tempfile.TemporaryDirectory(prefix="reportflow-sheet-") as tmp:
        out = Path(tmp) / PDF
        sheetmod.to_pdf(expected(ctx, roster, manifest, version), out)
        rebuilt = out.read_bytes()
    detail = _("{n} bytes").format(n=len(rebuilt))
    if archived != rebuilt:
        detail = _("{file} differs from the rebuilt file ({a} bytes archived, {b} rebuilt)").format(
            file=PDF, a=len(archived), b=len(rebuilt)
        )
    yield name, archived == rebuilt, detail
