"""Run every benchmark and print the performance budget's numbers (docs/architecture.md)
against their targets.

    python bench/run_all.py [--quick] [--profile-misses]

Installs gate from this work tree into the bench venv once (non-editable), runs
bench_fastpath, bench_one_card, bench_all, bench_history and bench_generate, writes
bench/results.json (each benchmark's full result plus a `summary`) and prints one
table. `--quick` is a smoke run (few repetitions, 50 and 200 cards, a history of 200
cards and 600 commits); its numbers are not the ones to quote. `--history-cards` and
`--history-commits` size bench_history (default 10,000 cards, 30,000 commits).
`--profile-misses` runs bench/profile_check.py for each missed target afterwards.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import bench_all
import bench_fastpath
import bench_generate
import bench_history
import bench_one_card
import common


def summary_rows(
    fast: dict[str, Any], one: dict[str, Any], many: dict[str, Any]
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for name in ("gate check", "python -m gate check"):
        r = fast["ratios"][name]
        rows.append(
            [
                f"fast path: {name} / python -c pass",
                f"{r['median']:.2f}x",
                f"{r['min']:.2f}x",
                f"<= {bench_fastpath.TARGET}x",
                common.verdict(r["median"] <= bench_fastpath.TARGET),
            ]
        )
    for name, r in one["ratios_vs_json"].items():
        rows.append(
            [
                f"one card: {name} / check-jsonschema",
                f"{r['median']:.2f}x",
                f"{r['min']:.2f}x",
                f"<= {bench_one_card.TARGET}x",
                common.verdict(r["median"] <= bench_one_card.TARGET),
            ]
        )
    sizes = list(many["throughput"])
    target = bench_all.TARGET_CARDS_PER_S
    for n, t in many["throughput"].items():
        judged = n == sizes[-1]
        rows.append(
            [
                f"gate check --all, N={n}",
                f"{t['cards_per_s']:.0f} cards/s",
                f"{t['cards_per_s_best']:.0f} cards/s",
                f">= {target:.0f} cards/s" if judged else "(scaling)",
                common.verdict(t["cards_per_s"] >= target) if judged else "-",
            ]
        )
    if many["marginal_cards_per_s"] is not None:
        rows.append(
            [
                f"gate check --all, N={sizes[0]}..{sizes[-1]} marginal",
                f"{many['marginal_cards_per_s']:.0f} cards/s",
                "",
                "(start-up excluded)",
                "-",
            ]
        )
    g = many["pr_growth"]
    rows.append(
        [
            f"1-card PR check, N={sizes[-1]} / N={sizes[0]}",
            f"{g['median']:.2f}x",
            f"{g['min']:.2f}x",
            f"<= {bench_all.PR_GROWTH_LIMIT}x",
            common.verdict(many["holds_pr"]),
        ]
    )
    rows.append(
        [
            "1-card PR check, added per card in the repo",
            f"{many['pr_us_per_repo_card']:.0f} us",
            "",
            "(0 if it follows the PR)",
            "-",
        ]
    )
    return rows


def history_rows(history: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    n, commits = history["cards"], history["commits"]
    target = bench_history.TARGET_CARDS_PER_S
    for key in ("short", "long"):
        t = history["throughput"][key]
        rows.append(
            [
                f"gate check --all, N={n:,}, {commits[key]:,} commits",
                f"{t['cards_per_s']:.0f} cards/s",
                f"{t['cards_per_s_best']:.0f} cards/s",
                f">= {target:.0f} cards/s",
                common.verdict(t["cards_per_s"] >= target),
            ]
        )
    r = history["history_ratio"]
    rows.append(
        [
            f"gate check --all, N={n:,}: {commits['long']:,} / {commits['short']} commits",
            f"{r['median']:.2f}x",
            f"{r['min']:.2f}x",
            f"<= {bench_history.HISTORY_LIMIT}x",
            common.verdict(history["holds_ratio"]),
        ]
    )
    pr = history["pr_ratio"]
    rows.append(
        [
            f"1-card PR check, N={n:,}: {commits['long']:,} / {commits['short']} commits",
            f"{pr['median']:.2f}x",
            f"{pr['min']:.2f}x",
            "(for scale)",
            "-",
        ]
    )
    return rows


def loads(*results: dict[str, Any]) -> str:
    """The 1-minute load average at the end of each benchmark: far above the benchmark's
    own use (about 2 on 2 cores for --all) means other work shared the machine."""
    found = [r["machine"].get("loadavg") for r in results]
    return "/".join(f"{x[0]:.1f}" for x in found if x) or "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=common.DEFAULT_VENV)
    parser.add_argument(
        "--no-reinstall", action="store_true", help="reuse the gate already installed in --venv"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run, not for quoting")
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    parser.add_argument(
        "--history-cards", type=int, default=None, help="bench_history's N (default 10,000)"
    )
    parser.add_argument(
        "--history-commits",
        type=int,
        default=None,
        help="bench_history's long history (default 30,000 commits)",
    )
    parser.add_argument(
        "--profile-misses", action="store_true", help="run profile_check.py for each missed target"
    )
    args = parser.parse_args()
    common.bench_venv(args.venv, reinstall=not args.no_reinstall)

    def ns(**kw: Any) -> argparse.Namespace:
        return argparse.Namespace(venv=args.venv, no_reinstall=True, keep=args.keep, **kw)

    quick = args.quick
    fast = bench_fastpath.run(ns(reps=10 if quick else 50))
    common.save("fastpath", fast)
    one = bench_one_card.run(ns(reps=5 if quick else 30))
    common.save("one_card", one)
    many = bench_all.run(
        ns(
            reps=2 if quick else 5,
            pr_reps=3 if quick else 15,
            sizes="50,200" if quick else "200,1000",
        )
    )
    common.save("all", many)
    history = bench_history.run(
        ns(
            reps=2 if quick else 5,
            pr_reps=3 if quick else 10,
            cards=args.history_cards,
            commits=args.history_commits,
            quick=quick,
        )
    )
    common.save("history", history)

    generated = bench_generate.run(ns(reps=3 if quick else 10))
    common.save("generate", generated)

    rows = summary_rows(fast, one, many)
    rows += history_rows(history)
    rows.append(
        [
            f"gate generate, {bench_generate.ENTRIES:,}-entry meta.json",
            f"{generated['median_s']:.2f} s",
            f"{generated['best_s']:.2f} s",
            f"< {bench_generate.TARGET_S:.0f} s",
            common.verdict(generated["holds"]),
        ]
    )
    rows.append(
        [
            "card builder == `gate sign` output (bench_one_card)",
            "yes" if one["builder_matches_gate_sign"] else "NO",
            "",
            "yes",
            common.verdict(one["builder_matches_gate_sign"]),
        ]
    )
    machine = fast["machine"]
    print(
        f"\n== summary: Python {machine['python']}, {machine['git']}, {machine['cpus']} CPUs, "
        f"{machine['platform']}, load average {loads(fast, one, many, history, generated)}"
        f"{' (QUICK: not for quoting)' if quick else ''} =="
    )
    print(common.table(rows, ("measure", "median", "best", "target", "verdict")))
    common.save(
        "summary",
        {
            "machine": machine,
            "quick": quick,
            "rows": [
                dict(zip(("measure", "median", "best", "target", "verdict"), r, strict=True))
                for r in rows
            ],
        },
    )
    print(f"\nresults: {common.RESULTS}")
    if args.profile_misses:
        missed = []
        if not fast["holds"]:
            missed.append(["fastpath"])
        if not one["holds"]:
            missed.append(["one-card"])
        if not many["holds"]:
            missed.append(["all", "--n", "200" if quick else "1000"])
        if not many["holds_pr"]:
            missed.append(["pr", "--n", "200" if quick else "1000"])
        if not history["holds"]:
            missed.append(
                [
                    "history",
                    "--n",
                    str(history["cards"]),
                    "--commits",
                    str(history["commits"]["long"]),
                    "--reps",
                    "3",
                ]
            )
        for scenario in missed:
            subprocess.run(
                [
                    sys.executable,
                    str(common.BENCH / "profile_check.py"),
                    *scenario,
                    "--venv",
                    str(args.venv),
                    "--no-reinstall",
                ],
                check=False,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
