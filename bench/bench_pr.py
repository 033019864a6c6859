"""A 1-card pull request's check against the repository's size and history length.

    python bench/bench_pr.py [--files 100000] [--commits 30000] [--reps 15] [--quick]

Three repositories, each with one signed card on `main`; a branch `pr` off main adds
one more signed card and its config (author, Scav, Mattie: three commits, bench_all's
`open_pr`, which also stages a prose edit of the new card), and `gate check --base
main` is timed in each, interleaved, with `python -c pass` for scale:

- small: 100 files, 100 commits on main (the baseline of both ratios);
- many files: `--files` files (default 100,000), 100 commits;
- long history: 100 files, `--commits` commits (default 30,000).

The files beyond the workspace and the card, and the history beyond its commits, are
bigrepo.py's filler (made with `git fast-import`, cached under /tmp, cloned and checked
out): files no glob gates, and commits that each edit one of them. Every check must
exit 0 and report exactly one card before it is timed.

Targets (issue 14, acceptance 2): many files within 1.3x of small, long history within
1.3x of small (median).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import bigrepo
import common
from bench_all import open_pr

LIMIT = 1.3
SMALL_FILES = 100
SMALL_COMMITS = 100
DEFAULT_FILES = 100_000
DEFAULT_COMMITS = 30_000
QUICK_FILES = 5_000
QUICK_COMMITS = 1_000


def build(work: Path, name: str, files: int, commits: int, *, fresh: bool) -> common.Repo:
    repo = bigrepo.scaled_repo(work, name, files, commits, fresh=fresh)
    common.add_signed_cards(repo, ["policy-a"])
    open_pr(repo)
    return repo


def extra(parser: Any) -> None:
    parser.add_argument(
        "--files", type=int, default=None, help=f"the big repository (default {DEFAULT_FILES:,})"
    )
    parser.add_argument(
        "--commits", type=int, default=None, help=f"the long history (default {DEFAULT_COMMITS:,})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {QUICK_FILES:,} files, {QUICK_COMMITS:,} commits (not for quoting)",
    )


def sizes(args: Any) -> tuple[int, int]:
    quick = getattr(args, "quick", False)
    files = args.files or (QUICK_FILES if quick else DEFAULT_FILES)
    commits = args.commits or (QUICK_COMMITS if quick else DEFAULT_COMMITS)
    return files, commits


def run(args: Any) -> dict[str, Any]:
    files, commits = sizes(args)
    venv = common.bench_venv(
        args.venv, reinstall=not args.no_reinstall, source=getattr(args, "source", None)
    )
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    fresh = getattr(args, "fresh", False)
    shapes = {
        "small": (SMALL_FILES, SMALL_COMMITS),
        "files": (files, SMALL_COMMITS),
        "commits": (SMALL_FILES, commits),
    }
    work = common.make_workdir("pr")
    try:
        repos = {k: build(work, k, f, c, fresh=fresh) for k, (f, c) in shapes.items()}
        # What main holds (the PR adds 2 files and 3 commits on its branch).
        facts = {
            k: {"files": bigrepo.file_count(r, "main"), "commits": bigrepo.commit_count(r, "main")}
            for k, r in repos.items()
        }
        labels = {
            k: f"1-card PR, {facts[k]['files']:,} files, {facts[k]['commits']:,} commits"
            for k in repos
        }
        small = repos["small"]
        cases = [
            common.Case("python -c pass", [str(python), "-c", "pass"], small.root, small.env())
        ]
        for k, repo in repos.items():
            case = common.Case(
                labels[k], [str(gate), "check", "--base", "main"], repo.root, repo.env()
            )
            if "1 card(s)" not in case.check():
                raise SystemExit(f"bench: {case.name} did not check exactly one card")
            cases.append(case)
        times = common.timed(cases, args.reps, warmup=2)
    finally:
        if not args.keep:
            common.remove(work)
        else:
            print(f"kept: {work}", file=sys.stderr)
    base = times[labels["small"]]
    ratios = {k: common.ratio(times[labels[k]], base) for k in ("files", "commits")}
    holds = {k: r["median"] <= LIMIT for k, r in ratios.items()}
    print(
        f"\n== 1-card pull request vs repository size (Python {common.python_version(python)}) =="
    )
    print(common.table(common.timing_rows(times), common.TIMING_HEADER))
    print()
    print(
        common.table(
            [
                [labels[k], labels["small"], r["median"], r["min"], common.verdict(holds[k])]
                for k, r in ratios.items()
            ],
            ("gate check --base main", "vs", "x (median)", "x (min)", f"<= {LIMIT}x"),
        )
    )
    return {
        "machine": common.machine(venv),
        "target": f"1-card PR check <= {LIMIT}x the same in a repository of "
        f"{SMALL_FILES} files and {SMALL_COMMITS} commits (median)",
        "repositories": facts,
        "labels": labels,
        "times": times,
        "ratios": ratios,
        "holds_files": holds["files"],
        "holds_commits": holds["commits"],
        "holds": all(holds.values()),
    }


def main() -> int:
    args = common.main_args(__doc__.splitlines()[0], default_reps=15, extra=extra)
    common.save("pr", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
