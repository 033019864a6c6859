"""Run the benchmarks and print one table of the performance goals (issue 14; the
performance budget of docs/architecture.md).

    python bench/run_all.py [--quick] [--fresh] [--source DIR] [--profile-misses]

Installs gate from `--source` (default: the work tree holding bench/) into the bench
venv once (non-editable), runs bench_fastpath (the no-op hook at 6, 10,000 and 100,000
files), bench_pr (a 1-card pull request at 100,000 files and at 30,000 commits),
bench_history (`--all` on 10,000 cards: cards/s, peak memory, 30,000 commits of
history), bench_one_card (one card in every scope) and bench_generate, writes
bench/results.json (each benchmark's full result plus a `summary`) and prints one
table: measure, size, gate, baseline, ratio, goal, holds; one row per scenario and
size. Every ratio is of two medians timed in the same run, interleaved.

`--quick` is a smoke run (few repetitions; 6 and 2,000 files, 5,000 files and 1,000
commits, 200 cards with 600 commits; about a minute): its numbers are not the ones to
quote. The big repositories are cached under /tmp/gate-bench-cache (bigrepo.py);
`--fresh` rebuilds them. `--profile-misses` runs bench/profile_check.py for each
missed goal afterwards.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import bench_fastpath
import bench_generate
import bench_history
import bench_one_card
import bench_pr
import common

HEADER = ("measure", "size", "gate", "baseline", "ratio", "goal", "holds")


def _ms(t: dict[str, Any]) -> str:
    ms = float(t["median_ms"])
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def _x(r: dict[str, float]) -> str:
    return f"{r['median']:.2f}x"


def fastpath_rows(fast: dict[str, Any]) -> list[list[Any]]:
    times, base = fast["times"], fast["times"]["python -c pass"]
    rows = []
    for n in fast["sizes"]:
        size = bench_fastpath.label(n)
        rows.append(
            [
                "no-op hook: gate check (nothing gated staged)",
                size,
                _ms(times[f"gate check ({size})"]),
                f"{_ms(base)} python -c pass",
                _x(fast["ratios"][str(n)]),
                f"<= {bench_fastpath.TARGET}x",
                common.verdict(fast["holds_by_size"][str(n)]),
            ]
        )
    small = bench_fastpath.label(fast["sizes"][0])
    r = fast["ratio_python_m"]
    rows.append(
        [
            "no-op hook: python -m gate check",
            small,
            _ms(times[f"python -m gate check ({small})"]),
            f"{_ms(base)} python -c pass",
            _x(r),
            f"<= {bench_fastpath.TARGET}x",
            common.verdict(r["median"] <= bench_fastpath.TARGET),
        ]
    )
    return rows


def pr_rows(pr: dict[str, Any]) -> list[list[Any]]:
    times, labels, shape = pr["times"], pr["labels"], pr["repositories"]
    small = times[labels["small"]]
    rows = []
    for key, unit, holds in (
        ("files", "files", pr["holds_files"]),
        ("commits", "commits", pr["holds_commits"]),
    ):
        rows.append(
            [
                "1-card PR: gate check --base main",
                f"{shape[key][unit]:,} {unit}",
                _ms(times[labels[key]]),
                f"{_ms(small)} at {shape['small'][unit]:,} {unit}",
                _x(pr["ratios"][key]),
                f"<= {bench_pr.LIMIT}x",
                common.verdict(holds),
            ]
        )
    return rows


def history_rows(history: dict[str, Any]) -> list[list[Any]]:
    n, commits, labels = history["cards"], history["commits"], history["labels"]
    target = bench_history.TARGET_CARDS_PER_S
    rows = []
    for key in ("short", "long"):
        rate = history["throughput"][key]["cards_per_s"]
        rows.append(
            [
                "gate check --all: throughput",
                f"{n:,} cards, {commits[key]:,} commits",
                f"{rate:,.0f} cards/s",
                "-",
                f"{_ms(history['all_times'][labels[key]])} in all",
                f">= {target:,.0f} cards/s",
                common.verdict(rate >= target),
            ]
        )
    python_peak = history["peak_memory_python"]["pss_mib"]
    for key in ("short", "long"):
        peak = history["peak_memory"][key]
        rows.append(
            [
                "gate check --all: peak memory (PSS, all processes)",
                f"{n:,} cards, {commits[key]:,} commits",
                f"{peak['pss_mib']:.0f} MiB",
                f"{python_peak:.0f} MiB python -c pass",
                f"RSS sum {peak['rss_sum_mib']:.0f} MiB",
                f"< {bench_history.TARGET_MIB} MiB",
                common.verdict(peak["pss_mib"] < bench_history.TARGET_MIB),
            ]
        )
    rows.append(
        [
            "gate check --all: long history",
            f"{n:,} cards, {commits['long']:,} commits",
            _ms(history["all_times"][labels["long"]]),
            f"{_ms(history['all_times'][labels['short']])} at {commits['short']} commits",
            _x(history["history_ratio"]),
            f"<= {bench_history.HISTORY_LIMIT}x",
            common.verdict(history["holds_ratio"]),
        ]
    )
    return rows


def one_card_rows(one: dict[str, Any]) -> list[list[Any]]:
    base = one["times"]["check-jsonschema card.json"]
    rows = []
    for name, r in one["ratios_vs_json"].items():
        rows.append(
            [
                f"one card: {name.removesuffix(' (1 card)')}",
                "1 card",
                _ms(one["times"][name]),
                f"{_ms(base)} check-jsonschema",
                _x(r),
                f"<= {bench_one_card.TARGET}x",
                common.verdict(r["median"] <= bench_one_card.TARGET),
            ]
        )
    same = one["builder_matches_gate_sign"]
    rows.append(
        [
            "card builder == `gate sign` output",
            "1 card",
            "yes" if same else "NO",
            "-",
            "-",
            "yes",
            common.verdict(same),
        ]
    )
    return rows


def generate_rows(generated: dict[str, Any]) -> list[list[Any]]:
    times = generated["times"]
    name = next(k for k in times if k.startswith("gate generate"))
    return [
        [
            "gate generate --no-wandb",
            f"{bench_generate.ENTRIES:,}-entry meta.json",
            _ms(times[name]),
            f"{_ms(times['python -c pass'])} python -c pass",
            "-",
            f"< {bench_generate.TARGET_S:.0f} s",
            common.verdict(generated["holds"]),
        ]
    ]


def loads(*results: dict[str, Any]) -> str:
    """The 1-minute load average at the end of each benchmark: far above the benchmark's
    own use (about 2 on 2 cores for --all) means other work shared the machine."""
    found = [r["machine"].get("loadavg") for r in results]
    return "/".join(f"{x[0]:.1f}" for x in found if x) or "n/a"


def misses(
    fast: dict[str, Any], pr: dict[str, Any], history: dict[str, Any], one: dict[str, Any]
) -> list[list[str]]:
    """profile_check.py's arguments for each missed goal."""
    found: list[list[str]] = []
    missed_sizes = [n for n in fast["sizes"] if not fast["holds_by_size"][str(n)]]
    if missed_sizes:
        found.append(["fastpath", "--files", str(max(missed_sizes))])
    if not pr["holds_files"]:
        found.append(["pr", "--files", str(pr["repositories"]["files"]["files"])])
    if not pr["holds_commits"]:
        found.append(["pr", "--commits", str(pr["repositories"]["commits"]["commits"])])
    n, long = history["cards"], history["commits"]["long"]
    if not (history["holds_rate"] and history["holds_memory"]):
        found.append(["all", "--n", str(n), "--commits", str(long), "--reps", "3"])
    if not history["holds_ratio"]:
        found.append(["history", "--n", str(n), "--commits", str(long), "--reps", "3"])
    for name, r in one["ratios_vs_json"].items():
        if r["median"] > bench_one_card.TARGET:
            scope = next(s for s in ("staged", "files", "base", "all") if s in name)
            found.append(["one-card", "--scope", scope])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=common.DEFAULT_VENV)
    parser.add_argument(
        "--source",
        type=Path,
        default=common.REPO,
        help="the gate work tree to install and time (default: the one holding bench/)",
    )
    parser.add_argument(
        "--no-reinstall", action="store_true", help="reuse the gate already installed in --venv"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run, not for quoting")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached repositories")
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
        "--profile-misses", action="store_true", help="run profile_check.py for each missed goal"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in a log
    common.bench_venv(args.venv, reinstall=not args.no_reinstall, source=args.source)

    def ns(**kw: Any) -> argparse.Namespace:
        return argparse.Namespace(
            venv=args.venv,
            source=args.source,
            no_reinstall=True,
            keep=args.keep,
            fresh=args.fresh,
            **kw,
        )

    quick = args.quick
    fast = bench_fastpath.run(
        ns(reps=10 if quick else 30, files="6,2000" if quick else bench_fastpath.DEFAULT_FILES)
    )
    common.save("fastpath", fast)
    pr = bench_pr.run(ns(reps=4 if quick else 15, files=None, commits=None, quick=quick))
    common.save("pr", pr)
    history = bench_history.run(
        ns(
            reps=2 if quick else 5,
            memory_runs=1 if quick else 3,
            cards=args.history_cards,
            commits=args.history_commits,
            quick=quick,
        )
    )
    common.save("history", history)
    one = bench_one_card.run(ns(reps=5 if quick else 30))
    common.save("one_card", one)
    generated = bench_generate.run(ns(reps=3 if quick else 10))
    common.save("generate", generated)

    rows = [
        *fastpath_rows(fast),
        *pr_rows(pr),
        *history_rows(history),
        *one_card_rows(one),
        *generate_rows(generated),
    ]
    machine = fast["machine"]
    print(
        f"\n== summary: Python {machine['python']}, {machine['git']}, {machine['cpus']} CPUs, "
        f"{machine['platform']}, 1-minute load average after each benchmark "
        f"{loads(fast, pr, history, one, generated)}"
        f"{' (QUICK: not for quoting)' if quick else ''} =="
    )
    print(common.table(rows, HEADER))
    common.save(
        "summary",
        {
            "machine": machine,
            "source": str(args.source),
            "quick": quick,
            "loadavg_1min": loads(fast, pr, history, one, generated),
            "rows": [dict(zip(HEADER, r, strict=True)) for r in rows],
        },
    )
    print(f"\nresults: {common.RESULTS}")
    if args.profile_misses:
        for scenario in misses(fast, pr, history, one):
            print(f"\n== profile_check.py {' '.join(scenario)} ==", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    str(common.BENCH / "profile_check.py"),
                    *scenario,
                    "--venv",
                    str(args.venv),
                    "--source",
                    str(args.source),
                    "--no-reinstall",
                ],
                check=False,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
