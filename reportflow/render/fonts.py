"""Which installed fonts play the roles 仿宋, 楷体, 黑体, 宋体 and 小标宋 in the PDF.

Offices' PCs have the official fonts (仿宋_GB2312 and friends); a Linux server usually has only
free substitutes. typst does not fail on a missing family: it warns and silently falls back,
which can mean a PDF of empty boxes. So we pick families that typst itself reports as present,
and refuse to render when there is no CJK font at all.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportflow.core.errors import InputError, ToolError

ROLES = ("fangsong", "kaiti", "heiti", "songti", "title")

#: Preferred families per role, best first: the official fonts under their English family
#: names, then free substitutes (Debian: texlive-lang-chinese's Fandol, fonts-noto-cjk,
#: fonts-arphic-ukai, fonts-lxgw-wenkai). Names are typst family names (typst.Fonts.families).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "fangsong": (
        "FangSong_GB2312",
        "FangSong",
        "STFangsong",
        "FandolFang R",
        "FandolFang",
        "Noto Serif CJK SC",
        "Source Han Serif SC",
    ),
    "kaiti": (
        "KaiTi_GB2312",
        "KaiTi",
        "STKaiti",
        "FandolKai",
        "LXGW WenKai",
        "AR PL UKai",
        "AR PL UKai CN",
    ),
    "heiti": ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "FandolHei"),
    "songti": ("SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "FandolSong"),
    "title": (
        "FZXiaoBiaoSong-B05S",
        "FZXiaoBiaoSong-B05",
        "Noto Serif CJK SC",
        "Source Han Serif SC",
        "FandolSong",
    ),
}
#: Any of these means "some CJK font is installed": a role without its own font borrows one.
_ANY_CJK = ("Noto Serif CJK SC", "Noto Sans CJK SC", "FandolFang R", "FandolSong", "AR PL UKai")
#: Families whose regular weight is too light for a title: use their bold.
_BOLD_TITLE = {"Noto Serif CJK SC", "Source Han Serif SC", "FandolSong"}

NO_CJK_HINT = "install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)"


@dataclass(frozen=True)
class FontRoles:
    fangsong: str
    kaiti: str
    heiti: str
    songti: str
    title: str
    title_weight: str = "regular"

    def as_typst(self) -> dict[str, str]:
        return {r: getattr(self, r) for r in ROLES} | {"title-weight": self.title_weight}


_lock = threading.Lock()
_fonts: Any = None


def typst_fonts() -> Any:
    """The installed fonts as typst sees them, scanned once a process (the scan costs 0.1-0.5 s,
    and a ``typst.Fonts`` can be handed to every compiler)."""
    global _fonts
    with _lock:
        if _fonts is None:
            import typst

            _fonts = typst.Fonts(include_system_fonts=True)
        return _fonts


def choose(available: set[str], configured: Mapping[str, str] | None = None) -> FontRoles:
    """Pick a family per role; ``configured`` (report.yaml ``render.fonts``) wins if present."""
    configured = configured or {}
    fallback = next((f for f in _ANY_CJK if f in available), None)
    if fallback is None:
        fallback = next((f for r in ROLES for f in CANDIDATES[r] if f in available), None)
    picked: dict[str, str] = {}
    for role in ROLES:
        wanted = configured.get(role)
        if wanted is not None:
            if wanted not in available:
                raise InputError(
                    f"font {wanted!r} for the role {role} is not installed",
                    hint="fonts typst can use: " + ", ".join(sorted(available)[:40]),
                )
            picked[role] = wanted
            continue
        found = next((f for f in CANDIDATES[role] if f in available), fallback)
        if found is None:
            raise ToolError("no Chinese (CJK) font is installed for the PDF", hint=NO_CJK_HINT)
        picked[role] = found
    weight = "bold" if "title" not in configured and picked["title"] in _BOLD_TITLE else "regular"
    return FontRoles(**picked, title_weight=weight)


def roles_for(configured: Mapping[str, str] | None = None) -> FontRoles:
    return choose(set(typst_fonts().families()), configured)


def warm(roles: FontRoles) -> FontRoles:
    """Load the chosen fonts into typst's cache with a one-line document.

    typst parses a font file on first use, about 0.3 s for the CJK fonts; done here, in the
    thread that runs while pandoc writes the typst body, it is off the PDF's critical path.
    """
    import json

    import typst

    # The families arrive as sys.inputs data, never spliced into typst code.
    source = (
        b"#for (role, family) in json(bytes(sys.inputs.fonts)) "
        b'{ text(font: family, weight: if role == "title" { sys.inputs.weight } '
        b'else { "regular" })[\xe5\x9b\xbd] }'
    )
    inputs = {
        "fonts": json.dumps(dict(zip(ROLES, (getattr(roles, r) for r in ROLES), strict=True)))
    }
    inputs["weight"] = roles.title_weight
    typst.Compiler(source, font_paths=typst_fonts(), sys_inputs=inputs).compile(format="pdf")
    return roles
