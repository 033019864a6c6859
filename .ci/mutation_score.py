"""Print the mutation score of the last `mutmut run`, per module group and overall.

Reads mutmut's per-file results (mutants/**/*.py.meta). A mutant counts as killed when
a test failed on it, it ran past its time limit or crashed; every other outcome that was
tried (survived, no test reached it, suspicious) counts against the score; mutants not
yet run are shown apart. Exit code 0: the number is for people; the survivors are in
`mutmut results`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

# A test failed, the mutant ran past its time limit (an endless loop) or crashed.
KILLED = {"killed", "timeout", "segfault"}
GROUPS = (
    "gate/card",
    "gate/review",
    "gate/check",
    "gate/config",
    "gate/kinds/policy",
    "gate/kinds/run",
)


def group_of(meta: Path) -> str:
    name = meta.as_posix().removeprefix("mutants/")
    return next((g for g in GROUPS if name.startswith(g)), "other")


def main() -> int:
    counts: dict[str, Counter[str]] = {}
    for meta in sorted(Path("mutants").glob("gate/**/*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        tally = counts.setdefault(group_of(meta), Counter())
        for code in codes.values():
            status = status_by_exit_code[code]
            tally["killed" if status in KILLED else status] += 1
    total: Counter[str] = Counter()
    print(f"{'group':<20} {'killed':>7} {'tried':>6} {'score':>7}  not run yet")
    for group in GROUPS:
        tally = counts.get(group, Counter())
        total.update(tally)
        show(group, tally)
    show("overall", total)
    return 0


def show(name: str, tally: Counter[str]) -> None:
    tried = sum(n for key, n in tally.items() if key != "not checked")
    score = f"{100 * tally['killed'] / tried:.1f}%" if tried else "-"
    print(f"{name:<20} {tally['killed']:>7} {tried:>6} {score:>7}  {tally['not checked']}")


if __name__ == "__main__":
    sys.exit(main())
