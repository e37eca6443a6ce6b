"""The few pandoc facts every module shares, and the only place pypandoc is imported.

pypandoc is imported lazily: it costs start-up time that ``reportflow validate`` must not pay.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

from reportflow.core.errors import ImportFailed, ToolError
from reportflow.core.i18n import _

#: How we read section Markdown: ``@word`` is not a citation and ``<word>`` is text, not raw
#: HTML that would silently vanish (shared/reference/gongwen.md, pitfalls 3 and 4).
MARKDOWN_IN = "markdown-citations-raw_html"

#: How the renderer reads the assembled report: MARKDOWN_IN without raw blocks either.
#: ```` ```{=typst} ```` or `` `...`{=openxml} `` would pass report text straight into the typst
#: program or the Word XML (a field such as INCLUDETEXT reads local files when Word opens the
#: document), and ``\input{...}`` would be kept as raw TeX: with these off they are plain text.
#: ``east_asian_line_breaks``: a line break between two Chinese characters (a paragraph or a
#: footnote written over several lines) is no space, as in Chinese it is none.
RENDER_IN = MARKDOWN_IN + "-raw_attribute-raw_tex+east_asian_line_breaks"

#: How we write Markdown: without ``smart`` the writer keeps “ ” and … as typed instead of
#: turning them back into ASCII quotes, which would be half-width marks in Chinese text.
MARKDOWN_OUT = "markdown-smart-citations-raw_html"

# pandoc's Markdown writer escapes * _ ` [ and list markers, but not an entity such as
# ``&amp;``, which its reader then turns into ``&``: escape the ampersand ourselves.
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def convert(
    text: str, to: str, fmt: str, extra: list[str] | None = None, outputfile: str | None = None
) -> str:
    """Run pandoc once. ``verify_format=False``: pypandoc would otherwise run pandoc twice more
    on every call to list its formats, and our formats are constants."""
    import pypandoc

    _quiet_known_warnings()
    try:
        return pypandoc.convert_text(
            text, to, format=fmt, extra_args=extra or [], outputfile=outputfile, verify_format=False
        )
    except (RuntimeError, OSError) as exc:
        message = str(exc).strip().splitlines()
        raise ToolError(
            _("pandoc failed: {detail}").format(detail=message[-1] if message else exc)
        ) from None


@dataclass
class Running:
    """A pandoc process started by ``start``: its output file is complete after ``wait``."""

    proc: subprocess.Popen[bytes]
    output: Path
    stderr: IO[bytes]

    def wait(self) -> Path:
        code = self.proc.wait()
        self.stderr.seek(0)
        errors = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
        self.stderr.close()
        if code != 0:
            detail = errors[-1] if errors else f"exit code {code}"
            raise ToolError(_("pandoc failed: {detail}").format(detail=detail))
        return self.output

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


@cache
def executable() -> str:
    """The pandoc that pypandoc-binary bundles (the version pyproject pins), else pypandoc's
    choice; pypandoc's own lookup starts by running ``pandoc --version`` on PATH. Found
    without importing pypandoc, which pulls in urllib and ssl (~40 ms of every render)."""
    spec = importlib.util.find_spec("pypandoc")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "files" / "pandoc"
        if bundled.is_file():
            return str(bundled)
    import pypandoc

    return pypandoc.get_pandoc_path()


def start(source: Path, to: str, fmt: str, extra: list[str], output: Path) -> Running:
    """Start pandoc on the file ``source`` without waiting, so several can run at once.

    pypandoc only runs pandoc to completion; we take pandoc's path from it and start the
    process ourselves. Output goes to a file, never a pipe that could fill up and stall.
    """
    args = [executable(), f"--from={fmt}", f"--to={to}", *extra]
    args += [f"--output={output}", str(source)]
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Running.wait/kill
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
    except OSError as exc:
        stderr.close()
        raise ToolError(_("pandoc could not be started: {detail}").format(detail=exc)) from None
    return Running(proc, output, stderr)


def _known_warning(record: Any) -> bool:
    """pandoc has no Chinese translation file for its few generated words (Abstract, Figure):
    it warns on every run with ``lang: zh-CN`` although reports use none of them."""
    text = record.getMessage()
    return not ("translations" in text or "has no translation defined" in text)


@cache
def _quiet_known_warnings() -> None:
    """Only pypandoc's runs log, and it imports logging itself: importing it here, not at the
    top, keeps it out of a render (which starts pandoc without pypandoc), ~5 ms a process."""
    import logging

    logging.getLogger("pypandoc").addFilter(_known_warning)


def default_data_file(name: str) -> bytes:
    """A file pandoc ships (``--print-default-data-file``), e.g. its reference.docx."""
    import pypandoc

    try:
        return subprocess.run(
            [pypandoc.get_pandoc_path(), "--print-default-data-file", name],
            check=True,
            capture_output=True,
        ).stdout
    except (subprocess.CalledProcessError, OSError) as exc:
        raise ToolError(
            _("pandoc could not print its data file {name}: {detail}").format(name=name, detail=exc)
        ) from None


@cache
def api_version() -> list[int]:
    return json.loads(convert("", "json", "markdown"))["pandoc-api-version"]


def inlines(text: str) -> list[dict[str, Any]]:
    """Plain text as pandoc inlines: words and spaces, the shape pandoc's writers expect."""
    out: list[dict[str, Any]] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def blocks_to_markdown(blocks: list[dict[str, Any]]) -> str:
    """Write pandoc AST blocks as Markdown that reads back to the same text."""
    if not blocks:
        return ""
    doc = {"pandoc-api-version": api_version(), "meta": {}, "blocks": blocks}
    md = convert(json.dumps(doc, ensure_ascii=False), MARKDOWN_OUT, "json", ["--wrap=none"])
    return _ENTITY.sub(r"\\&", md)


def read_ast(path: str, fmt: str) -> dict[str, Any]:
    import pypandoc

    try:
        out = pypandoc.convert_file(path, "json", format=fmt, extra_args=["--sandbox"])
    except RuntimeError as exc:
        # pandoc ran and could not read it: the file is damaged or not this format
        message = str(exc).strip().splitlines()
        raise ImportFailed(
            _("cannot read this as a {format} file; it may be damaged: {detail}").format(
                format=fmt, detail=message[-1] if message else exc
            ),
            file=path,
            hint=_("open it in Word or WPS and save it again as .docx, or save it as .txt")
            if fmt == "docx"
            else None,
        ) from None
    except OSError as exc:
        raise ToolError(_("pandoc could not be started: {detail}").format(detail=exc)) from None
    return json.loads(out)


def stringify(node: Any) -> str:
    """Plain text of AST inlines/blocks (pandoc's ``stringify``), for heading detection."""
    if isinstance(node, list):
        return "".join(stringify(n) for n in node)
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak"):
        return " "
    if kind == "LineBreak":
        return "\n"
    if kind in ("Code", "Math"):
        return content[-1]
    if kind in ("Link", "Image", "Span", "Quoted", "Cite"):
        return stringify(content[-2] if kind in ("Link", "Image") else content[-1])
    return stringify(content)


@cache
def version() -> str:
    """The version of the pandoc we run (``executable``), which pypandoc's own
    ``get_pandoc_version`` need not report when another pandoc is on PATH."""
    try:
        out = subprocess.run(
            [executable(), "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ToolError(_("pandoc --version failed: {detail}").format(detail=exc)) from None
    first = out.split("\n", 1)[0].split()  # "pandoc 3.9" ("pandoc.exe 3.9" on Windows)
    return first[1] if len(first) > 1 else " ".join(first)
