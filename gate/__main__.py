"""`python -m gate`. `-m` puts the working directory first on sys.path; it is taken off
before anything else is imported, so a repository's own `yaml.py` or `jsonschema/`
(which a pull request could bring) is never imported in place of the real one."""

import os
import sys

_here = os.getcwd()
sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.abspath(p) != _here]

from gate.cli import main  # noqa: E402 - after the path is made safe

raise SystemExit(main())
