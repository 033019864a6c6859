"""`gate check --all` throughput, and a PR check's cost against the repository's size.

    python bench/bench_all.py [--sizes 200,1000] [--reps 5] [--pr-reps 15]

For each size N the repository holds N signed cards and their configs, built
programmatically but byte for byte as `gate sign` writes them, SSH signatures included
(bench_one_card checks the builder against the real command): commit 1 by the author
adds cards and configs, commit 2 adds Scav's signed approval to every card, commit 3
Mattie's. `gate check --all` must exit 0 on it (every signature verified against
`[tool.gate.reviewers]`, on the protected branch `main`) before it is timed.
bench_history.py asks the same of 10,000 cards with a long history.

Then a branch `pr` adds one more card and its config (author, Scav, Mattie: three
commits) and `gate check --base main` is timed in every size, interleaved, together
with a staged check of one card (a prose edit), to show whether a PR's cost follows
the PR or the repository.

Targets (docs/architecture.md, performance budget): `--all` at least 1,000 cards/s
(N / median wall time, process start included); a PR check's cost does not grow with
the repository (here: the largest repository's PR check within 1.2x of the smallest's,
median).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import common
from bench_one_card import stage_prose_edit

TARGET_CARDS_PER_S = 1000.0
PR_GROWTH_LIMIT = 1.2


def build(work: Path, n: int) -> common.Repo:
    repo = common.new_repo(work, f"cards-{n}")
    start = time.perf_counter()
    common.add_signed_cards(repo, [f"policy-{i:05d}" for i in range(n)])
    print(f"built {n} signed cards in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return repo


def open_pr(repo: common.Repo) -> str:
    """Branch `pr` off main adding one signed card; then a staged prose edit of it."""
    repo.git("checkout", "-q", "-b", "pr")
    (card,) = common.add_signed_cards(repo, ["pr-card"], prefix="pr-card: ")
    stage_prose_edit(repo, card)
    return card


def extra(parser: Any) -> None:
    parser.add_argument(
        "--sizes", default="200,1000", help="comma-separated card counts (default 200,1000)"
    )
    parser.add_argument("--pr-reps", type=int, default=15, help="timed runs of each PR check")


def run(args: Any) -> dict[str, Any]:
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    venv = common.bench_venv(
        args.venv, reinstall=not args.no_reinstall, source=getattr(args, "source", None)
    )
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    work = common.make_workdir("all")
    try:
        repos = {n: build(work, n) for n in sizes}
        all_cases = []
        for n, repo in repos.items():
            case = common.Case(
                f"gate check --all (N={n})", [str(gate), "check", "--all"], repo.root, repo.env()
            )
            out = case.check()
            if f"{n} card(s)" not in out:
                raise SystemExit(f"bench: --all on {n} cards did not report {n} cards:\n{out}")
            all_cases.append(case)
        all_times = common.timed(all_cases, args.reps, warmup=1)
        for repo in repos.values():
            open_pr(repo)
        pr_cases = [
            common.Case("python -c pass", [str(python), "-c", "pass"], work, repos[sizes[0]].env())
        ]
        for n, repo in repos.items():
            pr_cases.append(
                common.Case(
                    f"gate check --base main (1-card PR, N={n})",
                    [str(gate), "check", "--base", "main"],
                    repo.root,
                    repo.env(),
                )
            )
        for n, repo in repos.items():
            pr_cases.append(
                common.Case(
                    f"gate check (staged 1 card, N={n})",
                    [str(gate), "check"],
                    repo.root,
                    repo.env(),
                )
            )
        for case in pr_cases[1:]:
            out = case.check()
            if "1 card(s)" not in out:
                raise SystemExit(f"bench: {case.name} did not check exactly one card:\n{out}")
        pr_times = common.timed(pr_cases, args.pr_reps, warmup=2)
    finally:
        if not args.keep:
            common.remove(work)

    throughput = {}
    for n in sizes:
        t = all_times[f"gate check --all (N={n})"]
        throughput[n] = {
            "cards_per_s": n / (t["median_ms"] / 1000),
            "cards_per_s_best": n / (t["min_ms"] / 1000),
        }
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        dt_ms = (
            all_times[f"gate check --all (N={hi})"]["median_ms"]
            - all_times[f"gate check --all (N={lo})"]["median_ms"]
        )
        marginal = (hi - lo) / (dt_ms / 1000) if dt_ms > 0 else float("inf")
    else:
        marginal = None
    big = max(sizes)
    holds_all = throughput[big]["cards_per_s"] >= TARGET_CARDS_PER_S
    pr = [f"gate check --base main (1-card PR, N={n})" for n in sizes]
    staged = [f"gate check (staged 1 card, N={n})" for n in sizes]
    growth = common.ratio(pr_times[pr[-1]], pr_times[pr[0]])
    staged_growth = common.ratio(pr_times[staged[-1]], pr_times[staged[0]])
    holds_pr = growth["median"] <= PR_GROWTH_LIMIT
    # What one more card in the repository adds to the 1-card PR check (0 if it follows
    # the PR only).
    slope_us = (
        (
            (pr_times[pr[-1]]["median_ms"] - pr_times[pr[0]]["median_ms"])
            * 1000
            / (sizes[-1] - sizes[0])
        )
        if len(sizes) > 1
        else 0.0
    )

    print(f"\n== gate check --all (Python {common.python_version(python)}) ==")
    print(
        common.table(
            [
                [*row, throughput[n]["cards_per_s"]]
                for row, n in zip(common.timing_rows(all_times), sizes, strict=True)
            ],
            (*common.TIMING_HEADER, "cards/s"),
        )
    )
    if marginal is not None:
        print(f"marginal rate between N={sizes[0]} and N={big}: {marginal:.0f} cards/s")
    print(f"target: >= {TARGET_CARDS_PER_S:.0f} cards/s at N={big}: {common.verdict(holds_all)}")
    print("\n== one-card change vs repository size ==")
    print(common.table(common.timing_rows(pr_times), common.TIMING_HEADER))
    print(
        f"PR check N={big} / N={sizes[0]}: {growth['median']:.2f}x (median), "
        f"staged check: {staged_growth['median']:.2f}x; "
        f"target <= {PR_GROWTH_LIMIT}x: {common.verdict(holds_pr)}; the PR check adds "
        f"{slope_us:.0f} us per card in the repository"
    )
    return {
        "machine": common.machine(venv),
        "target": f">= {TARGET_CARDS_PER_S:.0f} cards/s for --all; 1-card PR check at N={big} "
        f"<= {PR_GROWTH_LIMIT}x the same at N={sizes[0]}",
        "all_times": all_times,
        "throughput": {str(n): v for n, v in throughput.items()},
        "marginal_cards_per_s": marginal,
        "holds": holds_all,
        "pr_times": pr_times,
        "pr_growth": growth,
        "staged_growth": staged_growth,
        "holds_pr": holds_pr,
        "pr_us_per_repo_card": slope_us,
    }


def main() -> int:
    args = common.main_args(__doc__.splitlines()[0], default_reps=5, extra=extra)
    common.save("all", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
