"""`gate check` when the staged change touches nothing gated, vs a bare `python -c pass`,
in repositories of 6, 10,000 and 100,000 files.

    python bench/bench_fastpath.py [--files 6,10000,100000] [--reps 30]

Each repository has a `[tool.gate]` pyproject and a signed card; the staged change
edits README.md and src/model.py, which no glob gates. This is what every commit that
is not about training runs pays for the hook. The 6-file repository is the workspace
and the card alone; the bigger ones add filler files (bigrepo.py: `src/pkgNNN/`, made
with `git fast-import`, cached, cloned and checked out, so the index holds every file)
until the repository holds the number asked for. gate runs from a regular
(non-editable) install in a throwaway venv, as the installed console script (and, in
the smallest repository, as `python -m gate`); the baseline is the same interpreter
running `-c pass`, timed in the same interleaved rounds. `git diff --cached` alone is
timed in each size too: what git itself costs there.

Target (issue 14, acceptance 1; docs/architecture.md, performance budget): gate check
within 2.5x of `python -c pass` (median) at 100,000 files, and at every size.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import bigrepo
import common

TARGET = 2.5
DEFAULT_FILES = "6,10000,100000"


def build(work: Path, files: int = bigrepo.BASE_FILES, *, fresh: bool = False) -> common.Repo:
    """A repository of `files` files with a signed card, and a staged change that touches
    nothing gated."""
    repo = bigrepo.scaled_repo(work, f"fastpath-{files}", files, bigrepo.BASE_COMMITS, fresh=fresh)
    common.add_signed_cards(repo, ["policy-a"])
    repo.write("README.md", "# melee\n\nA line about nothing gated.\n")
    repo.write("src/model.py", "x = 2\n")
    repo.git("add", "README.md", "src/model.py")
    return repo


def label(files: int) -> str:
    return f"{files:,} files"


def extra(parser: Any) -> None:
    parser.add_argument(
        "--files",
        default=DEFAULT_FILES,
        help=f"comma-separated repository sizes in files (default {DEFAULT_FILES})",
    )


def run(args: Any) -> dict[str, Any]:
    sizes = sorted({int(s) for s in str(args.files).split(",")})
    venv = common.bench_venv(
        args.venv, reinstall=not args.no_reinstall, source=getattr(args, "source", None)
    )
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    work = common.make_workdir("fastpath")
    try:
        repos = {n: build(work, n, fresh=getattr(args, "fresh", False)) for n in sizes}
        counted = {n: bigrepo.file_count(repo) for n, repo in repos.items()}
        small = repos[sizes[0]]
        cases = [
            common.Case("python -c pass", [str(python), "-c", "pass"], small.root, small.env())
        ]
        cases.append(
            common.Case(
                f"python -m gate check ({label(sizes[0])})",
                [str(python), "-m", "gate", "check"],
                small.root,
                small.env(),
            )
        )
        for n, repo in repos.items():
            cases.append(
                common.Case(f"gate check ({label(n)})", [str(gate), "check"], repo.root, repo.env())
            )
            # What the git command of the fast path costs on its own.
            cases.append(
                common.Case(
                    f"git diff --cached ({label(n)})",
                    ["git", "diff", "--cached", "--name-status", "-z", "-M", "HEAD"],
                    repo.root,
                    repo.env(),
                )
            )
        for case in cases:
            if case.name.startswith("gate") and "gate: passed (staged)" not in case.check():
                raise SystemExit(f"bench: {case.name}: the staged change was not quiet")
        times = common.timed(cases, args.reps, warmup=5)
    finally:
        if not args.keep:
            common.remove(work)
        else:
            print(f"kept: {work}", file=sys.stderr)
    base = times["python -c pass"]
    ratios = {n: common.ratio(times[f"gate check ({label(n)})"], base) for n in sizes}
    git_ratios = {n: common.ratio(times[f"git diff --cached ({label(n)})"], base) for n in sizes}
    python_m = common.ratio(times[f"python -m gate check ({label(sizes[0])})"], base)
    holds = {n: r["median"] <= TARGET for n, r in ratios.items()}
    print(f"\n== fast path: nothing gated staged (Python {common.python_version(python)}) ==")
    print(common.table(common.timing_rows(times), common.TIMING_HEADER))
    print()
    print(
        common.table(
            [
                [
                    label(n),
                    counted[n],
                    r["median"],
                    r["min"],
                    git_ratios[n]["median"],
                    common.verdict(holds[n]),
                ]
                for n, r in ratios.items()
            ],
            ("repository", "files", "x (median)", "x (min)", "git alone x", f"<= {TARGET}x"),
        )
    )
    return {
        "machine": common.machine(venv),
        "target": f"gate check <= {TARGET}x python -c pass (median) at every size",
        "sizes": sizes,
        "files": {str(n): counted[n] for n in sizes},
        "times": times,
        "ratios": {str(n): r for n, r in ratios.items()},
        "git_ratios": {str(n): r for n, r in git_ratios.items()},
        "ratio_python_m": python_m,
        "holds_by_size": {str(n): h for n, h in holds.items()},
        "holds": all(holds.values()),
    }


def main() -> int:
    args = common.main_args(__doc__.splitlines()[0], default_reps=30, extra=extra)
    common.save("fastpath", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
