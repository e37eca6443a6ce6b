"""Imported once by the worker's forkserver (``reportflow.flows.worker.PRELOAD``), never by a
flow: what each run would otherwise pay again in its fresh process is paid once, before the
forks. The modules a release imports lazily (rendering, sign-offs, to-do lists, apprise for
notifications), and pandoc's version and API version, which the renderer asks pandoc for once
per process (two pandoc processes, cached by ``reportflow.core.pandoc``)."""

from __future__ import annotations

import contextlib

import apprise  # noqa: F401

from reportflow.commands import todo  # noqa: F401
from reportflow.core import pandoc
from reportflow.render import html, pdf, word  # noqa: F401
from reportflow.signoff import request  # noqa: F401

# a worker without pandoc still starts: its runs then fail where a release renders, as before
with contextlib.suppress(Exception):
    pandoc.version()
    pandoc.api_version()
