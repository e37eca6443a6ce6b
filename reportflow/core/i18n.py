"""Messages in the reader's language: Chinese when the locale is Chinese, English otherwise.

The people who draft and sign a report read Chinese; the developer, CI and the server logs
often run with ``LANG=C.UTF-8``. So every message a person reads (help, refusals, errors,
table headers) is written in English in the code, the source text (msgid) of a gettext
catalogue, and shown in Chinese when the locale asks for it.

Why gettext and not a table by hand: translators and tools know .po files, Babel extracts
every ``_()`` call (a test checks that none is missing from the catalogue) and the standard
library reads the compiled .mo at run time, so nothing is added to the install. Click and
typer mark their own messages ("Usage:", "Show this message and exit.") with
``gettext.gettext``; ``install_for_click`` points that global domain at our catalogue, which
carries their messages too, so ``-h`` reads in one language.

The language is decided as Python's gettext decides (the first of ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` that is set; ``LANGUAGE`` is a list, its first Chinese entry wins,
``C`` ends it) but without touching the file system, and again at every call from the
environment as it is then, so the library answers in-process callers (tests, Prefect workers)
that change the environment. The catalogue is read on the first Chinese message, never
for English: ``reportflow validate`` starts as fast as before.

One catalogue, ``zh`` (Simplified Chinese, the language of the reports), serves every ``zh_*``
locale: gettext falls back from ``zh_CN.UTF-8`` or ``zh_TW`` to ``zh``, for us and for click.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import os
from collections.abc import Iterator
from pathlib import Path

DOMAIN = "reportflow"
CHINESE = "zh"
ENGLISH = "en"
_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


#: The language set by ``speaking`` for this context (a flow run), over the locale's.
_SPEAKING: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "reportflow_speaking", default=None
)


def language() -> str:
    """``"zh"`` when the environment asks for Chinese (or ``speaking`` does), else ``"en"``."""
    return _SPEAKING.get() or _decide(tuple(os.environ.get(var, "") for var in _ENV))


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Messages in ``lang`` (a report's ``language:``, e.g. ``zh-CN``) inside the block,
    whatever the locale. A Prefect worker runs with the server's locale (often ``C.UTF-8``),
    but a run's name, artifacts and notifications are read by the report's office, so a flow
    speaks the report's language. A context variable, not the environment: tasks run in the
    flow's context, and nothing leaks to other runs in the same process."""
    token = _SPEAKING.set(CHINESE if lang.lower().startswith(CHINESE) else ENGLISH)
    try:
        yield
    finally:
        _SPEAKING.reset(token)


@functools.cache
def _decide(values: tuple[str, ...]) -> str:
    for value in values:
        if not value:
            continue
        for lang in value.split(":"):
            if lang.lower().startswith(CHINESE):
                return CHINESE
            if lang in ("C", "POSIX") or lang.startswith("C."):
                return ENGLISH
        return ENGLISH
    return ENGLISH


def locale_dir() -> Path:
    """``reportflow/locale``: found through importlib.resources, as the other shipped data."""
    from importlib.resources import files

    return Path(str(files("reportflow").joinpath("locale")))


@functools.cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == ENGLISH:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, locale_dir(), languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` (English, the msgid) in the reader's language."""
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural English form, or its translation, for ``n``."""
    return _translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it now (translated where shown)."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural form for the catalogue (Babel keyword ``Nn_:1,2``)."""
    return singular, plural


def install_for_click() -> None:
    """Make click's and typer's own messages (``gettext.gettext``) come from our catalogue
    when the reader's language is Chinese. Global to the process: only the CLI calls it."""
    if language() == CHINESE:
        gettext.bindtextdomain(DOMAIN, str(locale_dir()))
        gettext.textdomain(DOMAIN)
