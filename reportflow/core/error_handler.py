"""Turn any error into one line for the user and keep the traceback in a log.

Modelled on pre-commit's ``error_handler``: user mistakes (``ReportflowError``) print their
message and exit with their code; anything unexpected prints where the log is, because a
traceback helps the developer, not the drafter.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from reportflow.core import cache
from reportflow.core.errors import ReportflowError
from reportflow.core.i18n import _
from reportflow.core.safe_text import shown


def log_path() -> Path | None:
    env = os.environ.get("REPORTFLOW_LOG")
    if env:
        return Path(env)
    folder = cache.user_dir()
    return folder / "reportflow.log" if folder is not None else None


def _log(kind: str) -> Path | None:
    path = log_path()
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()} {kind}: {' '.join(sys.argv)}\n")
            fh.write(traceback.format_exc())
    except OSError:
        return None
    return path


@contextlib.contextmanager
def error_handler() -> Iterator[None]:
    try:
        yield
    except ReportflowError as exc:
        _log("error")
        # one line, whatever the file names and content it quotes hold (safe_text)
        print(_("reportflow: error: {error}").format(error=shown(exc)), file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        print(_("reportflow: interrupted"), file=sys.stderr)
        raise SystemExit(130) from None
    except (SystemExit, GeneratorExit):
        raise
    except Exception as exc:
        where = _log("internal error")
        text = _("reportflow: internal error: {error}").format(
            error=shown(f"{type(exc).__name__}: {exc}")
        )
        if where:
            text += "; " + _("the traceback is in {log}").format(log=where)
        print(text, file=sys.stderr)
        raise SystemExit(3) from None
