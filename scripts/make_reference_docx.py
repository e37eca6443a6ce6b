#!/usr/bin/env python3
"""Generate schemas/render/reference.docx, the GB/T 9704 reference document for pandoc.

The document is never edited by hand: change reportflow/render/word.py or layout.py and run
this script again (``python scripts/make_reference_docx.py``), then commit the result. A test
regenerates it and compares the layout values with the committed file.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportflow.render.word import REFERENCE_DOCX, build_reference

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE_DOCX
    print(build_reference(out))
