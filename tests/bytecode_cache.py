"""Where the test run keeps compiled modules: imported first by conftest.py.

Compiled modules (gate's, the tests', pytest's rewritten ones) are kept between runs in
one folder outside the source tree (.pytest_cache/, which git ignores), for pytest, its
xdist workers and the `python -m gate` processes tests start, even where the caller set
PYTHONDONTWRITEBYTECODE (as this project's CI machine does): otherwise each of them
compiles every module again on every run. Python checks each against its source.
"""

from __future__ import annotations

import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / ".pytest_cache" / "pycache"

if sys.dont_write_bytecode:
    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(FOLDER)
