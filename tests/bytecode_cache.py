"""Compiled modules are written and kept between runs: imported first by conftest.py.

Where the caller set PYTHONDONTWRITEBYTECODE (as this project's CI machine does), each
process of a run (pytest, its xdist workers, and the `python -m gate` processes tests
start, see `_isolated` in conftest.py) would compile gate and the tests again on every
run. They are written next to their sources instead (`__pycache__/`, which git
ignores), as Python does by default; the installed packages keep the compiled modules
pip wrote at install. Python checks each against its source.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = False
