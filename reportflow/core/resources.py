"""The files reportflow reads at run time: JSON Schemas, templates, the formulations list and
the render assets (typst template, CSS, HTML template, reference.docx).

In the repository they are kept where a reader looks for them, the top-level ``schemas/``
folder; pyproject maps that folder to the package ``reportflow.schemas``, so a wheel carries
them and an editable checkout reads them in place. Code never builds a path from its own
``__file__``: that only ever worked in a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "reportflow.schemas"


def data_path(*parts: str) -> Path:
    """A shipped file or folder as a real path (pandoc and typst are given file names).

    ``importlib.resources.as_file`` would copy a file out of a zipped install on every call;
    reportflow is never installed zipped (pip unpacks wheels), so the traversable *is* a path,
    and saying so once here is simpler than a context manager at every use.
    """
    found = files(PACKAGE).joinpath(*parts)
    return Path(str(found))
