"""`gate check` when the staged change touches nothing gated, vs a bare `python -c pass`.

    python bench/bench_fastpath.py [--reps 50]

The repository has a `[tool.gate]` pyproject and a signed card; the staged change edits
README.md and src/model.py, which no glob gates. This is what every commit that is not
about training runs pays for the hook. gate runs from a regular (non-editable) install
in a throwaway venv, as the installed console script and as `python -m gate`; the
baseline is the same interpreter running `-c pass`.

Target (docs/architecture.md, performance budget): gate check within 2.5x of
`python -c pass` (median).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import common

TARGET = 2.5


def build(work: Path) -> common.Repo:
    """A repository with a signed card, and a staged change that touches nothing gated."""
    repo = common.new_repo(work, "fastpath")
    common.add_signed_cards(repo, ["policy-a"])
    repo.write("README.md", "# melee\n\nA line about nothing gated.\n")
    repo.write("src/model.py", "x = 2\n")
    repo.git("add", "README.md", "src/model.py")
    return repo


def run(args: Any) -> dict[str, Any]:
    venv = common.bench_venv(args.venv, reinstall=not args.no_reinstall)
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    work = common.make_workdir("fastpath")
    try:
        repo = build(work)
        env = repo.env()
        cases = [
            common.Case("python -c pass", [str(python), "-c", "pass"], repo.root, env),
            common.Case("gate check", [str(gate), "check"], repo.root, env),
            common.Case(
                "python -m gate check", [str(python), "-m", "gate", "check"], repo.root, env
            ),
            # What the two git commands of the fast path cost on their own.
            common.Case(
                "git diff --cached (alone)",
                ["git", "diff", "--cached", "--name-status", "-z", "-M", "HEAD"],
                repo.root,
                env,
            ),
        ]
        out = cases[1].check()
        if "gate: passed (staged)" not in out:
            raise SystemExit(f"bench: the staged change was not quiet:\n{out}")
        times = common.timed(cases, args.reps, warmup=5)
    finally:
        if not args.keep:
            common.remove(work)
    base = times["python -c pass"]
    ratios = {n: common.ratio(times[n], base) for n in ("gate check", "python -m gate check")}
    holds = {n: r["median"] <= TARGET for n, r in ratios.items()}
    print(f"\n== fast path: nothing gated staged (Python {common.python_version(python)}) ==")
    print(common.table(common.timing_rows(times), common.TIMING_HEADER))
    print()
    print(
        common.table(
            [[n, r["median"], r["min"], common.verdict(holds[n])] for n, r in ratios.items()],
            ("vs python -c pass", "x (median)", "x (min)", f"<= {TARGET}x"),
        )
    )
    return {
        "machine": common.machine(venv),
        "target": f"gate check <= {TARGET}x python -c pass (median)",
        "times": times,
        "ratios": ratios,
        "holds": holds["gate check"],
        "holds_python_m": holds["python -m gate check"],
    }


def main() -> int:
    args = common.main_args(__doc__.splitlines()[0], default_reps=50)
    common.save("fastpath", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
