"""How big a report's input files may be, checked before anything parses them.

Every later stage (YAML, markdown-it, autocorrect, pandoc, typst) is far slower per byte than
reading, and some fail badly on huge input: autocorrect's parser stops with "call limit
reached" (exit 3) on a paragraph of about 220,000 characters, and a 50 MB section keeps
``render`` busy for minutes. So sizes are refused at the edge, on the bytes, with the file,
its size and the limit in the message (exit 2), and the stages behind never see them.

The limits are generous for real reports: the sample report is 10 KB in four sections, and a
long annual report is about 200 KB in total, so one section may hold the whole of it more than
twice over. Chinese text is three bytes a character in UTF-8, so 512 KiB is about 170,000
characters; a Word paragraph saved on one line is rarely above 5,000 characters.

The checks cost nothing measurable on real reports: a text shorter than a limit cannot exceed
it, so the line and paragraph scans run only on files longer than those limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reportflow.core.errors import ContentError
from reportflow.core.i18n import N_, _

#: One section file, in bytes as stored (before decoding).
SECTION_BYTES = 512 * 1024
#: report.yaml, in bytes: people, keys and policy of even a large office fit in a few KB.
REPORT_YAML_BYTES = 256 * 1024
#: One line of a section or of report.yaml, in characters.
LINE_CHARS = 20_000
#: One paragraph (lines with no blank line between), in characters: half of what
#: autocorrect's parser can take in one piece.
PARAGRAPH_CHARS = 100_000
#: How long ``signoff`` waits for another git command's ``.git/index.lock``, in seconds;
#: ``$REPORTFLOW_LOCK_WAIT`` overrides it.
INDEX_LOCK_WAIT = 10.0


@dataclass(frozen=True)
class Limit:
    """A byte limit for one kind of file, with what the message calls it and what to do."""

    size: int
    what: str  # English, translated where shown
    hint: str


SECTION = Limit(SECTION_BYTES, N_("per section file"), N_("split it into several sections"))
REPORT_YAML = Limit(REPORT_YAML_BYTES, N_("for report.yaml"), N_("keep long text in section files"))


def human(size: int) -> str:
    """``1.2 MB``, ``600 KiB``-style sizes as people read them (binary units, one decimal)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB" if size % 1024 == 0 else f"{size / 1024:.1f} KiB"
    return f"{size} B"


def check_size(data: bytes, file: str | Path, limit: Limit) -> None:
    """Refuse ``data`` (a file's bytes) larger than ``limit``, naming file, size and limit."""
    if len(data) > limit.size:
        raise ContentError(
            _("file is {size} ({bytes} bytes); the limit is {limit} {what}").format(
                size=human(len(data)),
                bytes=f"{len(data):,}",
                limit=human(limit.size),
                what=_(limit.what),
            ),
            file=file,
            hint=_(limit.hint),
        )


def check_text(text: str, file: str | Path, first_line: int = 1) -> None:
    """Refuse a line longer than ``LINE_CHARS`` or a paragraph longer than ``PARAGRAPH_CHARS``
    in ``text`` (decoded, ``\\n`` line ends), naming the line where it starts."""
    if len(text) <= LINE_CHARS:
        return
    for number, line in enumerate(text.split("\n"), first_line):
        if len(line) > LINE_CHARS:
            raise ContentError(
                _("line is {n:,} characters long; the limit is {limit:,} characters").format(
                    n=len(line), limit=LINE_CHARS
                ),
                file=file,
                line=number,
                hint=_("break it into paragraphs with blank lines between them"),
            )
    if len(text) <= PARAGRAPH_CHARS:
        return
    line = first_line
    for block in text.split("\n\n"):
        if len(block) > PARAGRAPH_CHARS and len(body := block.lstrip("\n")) > PARAGRAPH_CHARS:
            raise ContentError(
                _(
                    "paragraph is {n:,} characters long (no blank line in it); "
                    "the limit is {limit:,} characters"
                ).format(n=len(body), limit=PARAGRAPH_CHARS),
                file=file,
                line=line + len(block) - len(body),
                hint=_("break it into paragraphs with blank lines between them"),
            )
        line += block.count("\n") + 2


def index_lock_wait() -> float:
    """Seconds to wait for ``index.lock``: ``$REPORTFLOW_LOCK_WAIT`` or ``INDEX_LOCK_WAIT``."""
    try:
        return max(0.0, float(os.environ.get("REPORTFLOW_LOCK_WAIT", INDEX_LOCK_WAIT)))
    except ValueError:
        return INDEX_LOCK_WAIT
