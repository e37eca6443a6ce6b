"""Read text files the way drafters actually save them.

Offices save from Word and WPS: UTF-8 with a BOM, CRLF line ends, or GBK. BOM and CRLF are
harmless and normalised away; a NUL byte (a binary file, or UTF-16 saved without a BOM) is
refused with its line and column; anything that is not UTF-8 is refused with the exact command to
convert it, because guessing an encoding silently would corrupt a report that must be kept.
"""

from __future__ import annotations

from pathlib import Path

from reportflow.core.errors import EncodingError
from reportflow.core.i18n import _

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(data: bytes, file: str | Path) -> str:
    """Decode UTF-8 (BOM optional), normalise line ends to ``\\n``."""
    if data.startswith(_UTF16_BOMS):
        raise EncodingError(
            "file is UTF-16, not UTF-8",
            file=file,
            hint=f"convert it: iconv -f UTF-16 -t UTF-8 '{file}' > tmp && mv tmp '{file}'",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\0")
    if nul >= 0:
        _refuse_nul(data, nul, file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        if _looks_like_gbk(data):
            raise EncodingError(
                "file is not UTF-8; it looks like GBK/GB18030 (保存为 UTF-8 编码)",
                file=file,
                line=line,
                column=column,
                hint=f"convert it: iconv -f GB18030 -t UTF-8 '{file}' > tmp && mv tmp '{file}'",
            ) from None
        raise EncodingError(
            f"file is not UTF-8 (invalid byte 0x{data[exc.start]:02x})",
            file=file,
            line=line,
            column=column,
            hint="save it as UTF-8 in your editor",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _refuse_nul(data: bytes, pos: int, file: str | Path) -> None:
    """A NUL byte means a binary file or UTF-16 without a BOM; YAML, markdown-it and Word would
    each read it differently, so it is refused where it is, the column counted in characters."""
    start = data.rfind(b"\n", 0, pos) + 1
    raise EncodingError(
        _("file contains a NUL byte (0x00): it is not a text file"),
        file=file,
        line=data.count(b"\n", 0, pos) + 1,
        column=len(data[start:pos].decode("utf-8", errors="replace")) + 1,
        hint=_("save it as UTF-8 text, or delete the NUL byte in your editor"),
    )


def _looks_like_gbk(data: bytes) -> bool:
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    # Real GBK Chinese text decodes mostly to CJK ideographs and punctuation.
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return non_ascii > 0 and cjk >= non_ascii * 0.6


def read_text(path: Path, display: str | Path | None = None) -> str:
    return decode(path.read_bytes(), display if display is not None else path)
