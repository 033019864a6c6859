"""Print the mutation score of the last `mutmut run`, per module group and overall.

Reads mutmut's per-file results (mutants/**/*.py.meta). A mutant counts as killed when
a test failed on it, it ran past its time limit or crashed; every other outcome that was
tried (survived, no test reached it, suspicious) counts against the score; mutants not
yet run are shown apart.

Then every mutant no test killed is looked up in tests/mutation-equivalents.md, where each
is listed with one line of why no user could tell it from the real code (a full name, a
`_N` after a full name for another number of the same function, or a `*` pattern). The
ones not listed are printed by name, and the exit code is 1: each needs a test that kills
it or a line there. A partial run checks only the mutants it tried.
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from collections import Counter
from pathlib import Path

# A test failed, the mutant ran past its time limit (an endless loop) or crashed.
KILLED = {"killed", "timeout", "segfault"}
EQUIVALENTS = Path("tests/mutation-equivalents.md")
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


def listed(text: str) -> tuple[set[str], list[str]]:
    """The mutant names and `*` patterns the equivalents file lists: in each `- ` line,
    the backticked names before the ` - ` that starts its reason."""
    names: set[str] = set()
    patterns: list[str] = []
    for line in text.splitlines():
        if not line.startswith("- `"):
            continue
        head = line[2:].split("` - ", 1)[0] + "`"
        function = ""
        for token in re.findall(r"`([^`]+)`", head):
            if token.startswith("gate."):
                function = token.rsplit("__mutmut_", 1)[0] + "__mutmut_"
                (patterns.append if "*" in token else names.add)(token)
            elif re.fullmatch(r"_\d+", token) and function:
                names.add(function + token[1:])
    return names, patterns


def main() -> int:
    from mutmut.stats import status_by_exit_code  # .ci/mutation's venv has mutmut

    counts: dict[str, Counter[str]] = {}
    unkilled: list[str] = []
    for meta in sorted(Path("mutants").glob("gate/**/*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        tally = counts.setdefault(group_of(meta), Counter())
        for name, code in codes.items():
            status = status_by_exit_code[code]
            tally["killed" if status in KILLED else status] += 1
            if status not in KILLED and status != "not checked":
                unkilled.append(f"{name}: {status}")
    total: Counter[str] = Counter()
    print(f"{'group':<20} {'killed':>7} {'tried':>6} {'score':>7}  not run yet")
    for group in GROUPS:
        tally = counts.get(group, Counter())
        total.update(tally)
        show(group, tally)
    show("overall", total)
    names, patterns = listed(EQUIVALENTS.read_text(encoding="utf-8"))
    unlisted = [
        line
        for line in unkilled
        if (name := line.split(":", 1)[0]) not in names
        and not any(fnmatch.fnmatchcase(name, p) for p in patterns)
    ]
    shown = len(unkilled) - len(unlisted)
    print(f"\n{shown} of {len(unkilled)} not killed are listed in {EQUIVALENTS}")
    if unlisted:
        print("not killed and not listed (each needs a test that kills it, or a line of why):")
        print("\n".join(f"  {line}" for line in sorted(unlisted)))
        return 1
    return 0


def show(name: str, tally: Counter[str]) -> None:
    tried = sum(n for key, n in tally.items() if key != "not checked")
    score = f"{100 * tally['killed'] / tried:.1f}%" if tried else "-"
    print(f"{name:<20} {tally['killed']:>7} {tried:>6} {score:>7}  {tally['not checked']}")


if __name__ == "__main__":
    sys.exit(main())
