"""The progress bar of long commands (render, release), drawn only for a person watching.

Without a terminal on stderr (CI, pipes, Prefect workers) the bar would show nothing and
rich's import alone costs ~50 ms, so then nothing is imported and updates are ignored.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

#: update(description, completed): ``completed`` None advances the bar by one.
Update = Callable[[str, "int | None"], None]


@contextlib.contextmanager
def bar(description: str, total: int, *, elapsed: bool = False) -> Iterator[Update]:
    if not sys.stderr.isatty():
        yield lambda _description, _completed=None: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("{task.description}"), BarColumn()]
    if elapsed:
        columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)

        def update(text: str, completed: int | None = None) -> None:
            if completed is None:
                progress.update(task, advance=1, description=text)
            else:
                progress.update(task, completed=completed, description=text)

        yield update
