"""Where a benchmark's time goes: start-up, imports by package, and the run itself.

    python bench/profile_check.py fastpath [--files 100000]
    python bench/profile_check.py pr [--files 100000 | --commits 30000]
    python bench/profile_check.py one-card [--scope staged|files|base|all]
    python bench/profile_check.py all|history [--n 10000] [--commits 30000] [--reps 3]

Builds the benchmark's repository, then with the bench venv's (non-editable) gate:

1. wall time of the command, median of a few runs, and of `python -c pass`;
2. `python -X importtime`: self time summed by top-level package, the slowest modules;
3. a fresh process that imports every module the command needs (timed, no profiler),
   then runs `gate.cli.main` (timed), so start-up / imports / work add up to the wall
   time; and the same run under cProfile with the imports already done, so its table
   is the work alone (git subprocesses show up as `select.poll` / `fork_exec`).

importtime and cProfile inflate what they measure; the split of step 3 does not. For
all and history (`--all` on many cards forks a worker per core), the timed functions
and cProfile run pinned to one core so the cards' work happens in the measured process
(`--no-serial` to measure the parallel run's parent only).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import common

PROBE = """
import contextlib, io, json, sys
before = list(sys.modules)
from gate.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps([m for m in sys.modules if m not in set(before)]))
"""

SPLIT = """
import time
t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
import contextlib, importlib, io, json, sys
modules = json.loads(open(sys.argv[1]).read())
for name in modules:
    try:
        importlib.import_module(name)
    except Exception:
        pass
t1 = time.clock_gettime(time.CLOCK_MONOTONIC)
from gate.cli import main
profile = sys.argv[2] == "profile"
if profile:
    import cProfile, os, pstats
    if os.environ.get("GATE_BENCH_SERIAL") and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    prof = cProfile.Profile()
    prof.enable()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[4:])
t2 = time.clock_gettime(time.CLOCK_MONOTONIC)
if profile:
    prof.disable()
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats(key).print_stats(int(sys.argv[3]))
        text = out.getvalue()
        print(text[text.index("   ncalls"):] if "   ncalls" in text else text)
else:
    print(json.dumps({"t0": t0, "t1": t1, "t2": t2, "exit": code}))
"""


# Functions timed (inclusive, outermost call only) by wrapping them where gate looks them
# up at call time. Nested targets are included in their callers' times.
TARGETS = (
    "gate.commands.check:_scope",
    "gate.check.quick:nothing_gated",
    "gate.check.scope:staged_is_quiet",
    "gate.check.scope:staged",
    "gate.check.scope:files",
    "gate.check.scope:commit_range",
    "gate.check.scope:everything",
    "gate.git.process:staged_changes",
    "gate.git.process:staged_blob",
    "gate.git:Repository.discover",
    "gate.git:Repository.merge_base",
    "gate.git:Repository.range_changes",
    "gate.git:Repository.lazy_tree",
    "gate.git:Repository.worktree",
    "gate.git:Repository.index",
    "gate.git:Repository.tree",
    "gate.git:Repository.object",
    "gate.git:Repository.grep",
    "gate.git:Repository._plumbing",
    "gate.check.engine:run",
    "gate.check.engine:Evaluator.candidates",
    "gate.check.parallel:evaluate_all",
    "gate.check.engine:evaluate",
    "gate.check.evaluate:evaluate",
    "gate.check.evaluate:covered_paths",
    "gate.check.evaluate:convention",
    "gate.check.aliases:gating",
    "gate.card.paths:read",
    "gate.card.paths:read_covered",
    "gate.card.document:parse",
    "gate.sources.yamlio:load",
    "gate.card.schema:validator",
    "gate.card.schema:findings",
    "gate.check.evaluate:card_digest",
    "gate.review.signoff:signoff_findings",
    "gate.review.signature:problem",
    "gate.review.signature:parse_key",
    "gate.review.signature:_check",
    "gate.kinds.policy.facts:collect",
    "gate.kinds.policy.facts:_manifest",
    "gate.kinds.policy.facts:covered_configs",
    "gate.sources.manifest:parse",
    "gate.kinds.policy.rules:rules",
    "gate.kinds.policy.rules:distribution",
    "gate.sources.manifest:consistency",
    "gate.kinds.policy.rules:config_agreement",
    "gate.kinds.policy.checks:arithmetic",
    "gate.kinds.policy.checks:seed_flags",
    "gate.check.evaluate:_region",
    "gate.git.process:_run",
)

# `--all` on many cards forks a worker per core (gate.check.parallel), and neither the
# wrapped timers nor cProfile see into the workers: the profiled runs are pinned to one
# core (`--serial`, the default for all and history), so every card is evaluated in
# the process that is measured. The wall times above stay those of the real run.
SERIAL = """
import os
if os.environ.get("GATE_BENCH_SERIAL") and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
"""

PHASES = (
    SERIAL
    + """
import contextlib, functools, importlib, io, json, sys, time
clock = time.perf_counter
modules = json.loads(open(sys.argv[1]).read())
for name in modules:
    try:
        importlib.import_module(name)
    except Exception:
        pass
totals, calls, depth = {}, {}, {}

def wrap(label, func):
    @functools.wraps(func)
    def timed(*args, **kwargs):
        depth[label] = depth.get(label, 0) + 1
        start = clock()
        try:
            return func(*args, **kwargs)
        finally:
            depth[label] -= 1
            if depth[label] == 0:
                totals[label] = totals.get(label, 0.0) + clock() - start
            calls[label] = calls.get(label, 0) + 1
    return timed

for target in json.loads(sys.argv[2]):
    module_name, _, attr = target.partition(":")
    *parents, leaf = attr.split(".")
    try:  # a target gate no longer has is left out
        owner = importlib.import_module(module_name)
        for part in parents:
            owner = getattr(owner, part)
        setattr(owner, leaf, wrap(target, getattr(owner, leaf)))
    except (ImportError, AttributeError):
        pass
from gate.cli import main
start = clock()
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[3:])
totals["main"] = clock() - start
calls["main"] = 1
print(json.dumps({k: [totals.get(k, 0.0) * 1000, calls[k]] for k in calls}))
"""
)


def phases(
    python: Path,
    modules: Path,
    argv: list[str],
    repo: common.Repo,
    reps: int,
    env: dict[str, str],
) -> dict[str, tuple[float, int]]:
    """Median inclusive ms and calls of each TARGET over `reps` fresh processes."""
    runs = []
    for _ in range(reps):
        out = subprocess.run(
            [str(python), "-c", PHASES, str(modules), json.dumps(TARGETS), *argv],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout))
    order = ["main", *[t for t in TARGETS if t in runs[0]]]
    return {k: (statistics.median(r[k][0] for r in runs), runs[0][k][1]) for k in order}


def scenario(args: argparse.Namespace, work: Path, gate: Path) -> tuple[common.Repo, list[str]]:
    """The benchmark's repository and gate's arguments for `args.scenario`."""
    import bench_fastpath
    import bench_history
    import bench_one_card
    import bench_pr

    fresh = args.fresh
    if args.scenario == "fastpath":
        return bench_fastpath.build(work, args.files or 6, fresh=fresh), ["check"]
    if args.scenario == "one-card":
        repo, card, _ = bench_one_card.build(work, gate)
        bench_one_card.stage_prose_edit(repo, card)
        scopes = {
            "staged": ["check"],
            "files": ["check", card],
            "base": ["check", "--base", bench_one_card.BASE],
            "all": ["check", "--all"],
        }
        return repo, scopes[args.scope]
    if args.scenario in ("all", "history"):
        # bench_history's cached repositories (built on first use): short for all, long
        # for history.
        short, long = bench_history.cached_pair(args.n, args.commits, fresh=fresh)
        base = short if args.scenario == "all" else long
        return common.clone(base, work, args.scenario), ["check", "--all"]
    files = args.files or bench_pr.SMALL_FILES
    commits = args.commits if args.commits_given else bench_pr.SMALL_COMMITS
    return bench_pr.build(work, "pr", files, commits, fresh=fresh), ["check", "--base", "main"]


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime(
    python: Path, gate: Path, argv: list[str], repo: common.Repo, top: int
) -> dict[str, Any]:
    result = subprocess.run(
        [str(python), "-X", "importtime", str(gate), *argv],
        cwd=repo.root,
        env=repo.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    rows = [
        (int(m[1]), int(m[2]), len(m[3]) // 2, m[4])
        for m in map(_LINE.match, result.stderr.splitlines())
        if m
    ]
    by_package: dict[str, int] = defaultdict(int)
    for self_us, _, _, module in rows:
        by_package[module.split(".")[0]] += self_us
    return {
        "top_level_order": [r[3] for r in rows if r[2] == 0],
        "total_ms": sum(r[0] for r in rows) / 1000,
        "modules": len(rows),
        "by_package_ms": {
            k: v / 1000 for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
        },
        "slowest_modules_ms": {r[3]: r[0] / 1000 for r in sorted(rows, key=lambda r: -r[0])[:top]},
        "top_level_cumulative_ms": {
            r[3]: r[1] / 1000
            for r in sorted((r for r in rows if r[2] == 0), key=lambda r: -r[1])[:top]
        },
    }


def marginal_imports(
    python: Path, order: list[str], repo: common.Repo, reps: int
) -> dict[str, float]:
    """What each top-level import adds to a fresh interpreter, in gate's order: the median
    of `python -c "import a; ...; import x"` minus the same without x (no profiler)."""
    bare = subprocess.run(
        [str(python), "-c", "import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wanted = list(dict.fromkeys(m for m in order if m not in bare and not m.startswith("_")))
    cases = [common.Case("python -c pass", [str(python), "-c", "pass"], repo.root, repo.env())]
    for i, module in enumerate(wanted):
        code = "; ".join(f"import {m}" for m in wanted[: i + 1])
        cases.append(common.Case(module, [str(python), "-c", code], repo.root, repo.env()))
    times = common.timed(cases, reps, warmup=1)
    out: dict[str, float] = {}
    previous = times["python -c pass"]["median_ms"]
    for module in wanted:
        out[module] = times[module]["median_ms"] - previous
        previous = times[module]["median_ms"]
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    venv = common.bench_venv(
        args.venv, reinstall=not args.no_reinstall, source=getattr(args, "source", None)
    )
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    work = common.make_workdir(f"profile-{args.scenario}")
    try:
        repo, argv = scenario(args, work, gate)
        env = repo.env()
        serial = args.serial if args.serial is not None else args.scenario in ("all", "history")
        profile_env = {**env, "GATE_BENCH_SERIAL": "1"} if serial else env
        times = common.timed(
            [
                common.Case("python -c pass", [str(python), "-c", "pass"], repo.root, env),
                common.Case(f"gate {' '.join(argv)}", [str(gate), *argv], repo.root, env),
            ],
            args.reps,
            warmup=1,
        )
        imports = importtime(python, gate, argv, repo, args.top)
        probe = subprocess.run(
            [str(python), "-c", PROBE, *argv],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        modules = work / "modules.json"
        modules.write_text(probe.stdout.strip().splitlines()[-1], encoding="utf-8")
        count = len(json.loads(modules.read_text(encoding="utf-8")))
        splits = []
        for _ in range(args.reps):
            spawned = time.clock_gettime(time.CLOCK_MONOTONIC)
            out = subprocess.run(
                [str(python), "-c", SPLIT, str(modules), "split", "0", *argv],
                cwd=repo.root,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            reaped = time.clock_gettime(time.CLOCK_MONOTONIC)
            stamps = json.loads(out.stdout)
            splits.append(
                {
                    "start_ms": (stamps["t0"] - spawned) * 1000,
                    "imports_ms": (stamps["t1"] - stamps["t0"]) * 1000,
                    "work_ms": (stamps["t2"] - stamps["t1"]) * 1000,
                    "exit_ms": (reaped - stamps["t2"]) * 1000,
                }
            )
        profiled = subprocess.run(
            [str(python), "-c", SPLIT, str(modules), "profile", str(args.top), *argv],
            cwd=repo.root,
            env=profile_env,
            capture_output=True,
            text=True,
            check=False,
        )
        timed_phases = phases(python, modules, argv, repo, args.reps, profile_env)
        marginal = marginal_imports(python, imports["top_level_order"], repo, args.reps * 2)
    finally:
        if not args.keep:
            common.remove(work)
    start = times["python -c pass"]["median_ms"]
    split = {k: statistics.median(s[k] for s in splits) for k in splits[0]}
    wall = times[f"gate {' '.join(argv)}"]["median_ms"]
    print(f"\n== profile: {args.scenario} (Python {common.python_version(python)}) ==")
    print(common.table(common.timing_rows(times), common.TIMING_HEADER))
    print(
        f"\nsplit of one run (no profiler, medians; one clock in parent and child): "
        f"spawn + interpreter start {split['start_ms']:.1f} ms, imports "
        f"{split['imports_ms']:.1f} ms ({count} modules), work {split['work_ms']:.1f} ms, "
        f"exit (teardown until reaped) {split['exit_ms']:.1f} ms; sum "
        f"{sum(split.values()):.1f} ms vs {wall:.1f} ms timed, python -c pass {start:.1f} ms"
    )
    print(
        f"\n-X importtime: {imports['total_ms']:.1f} ms over {imports['modules']} modules "
        "(inflated by the measurement)"
    )
    print(common.table(list(imports["by_package_ms"].items()), ("package", "self ms")))
    print()
    print(
        common.table(
            list(imports["top_level_cumulative_ms"].items()),
            ("imported at top level", "cumulative ms"),
        )
    )
    print()
    print(common.table(list(imports["slowest_modules_ms"].items()), ("module", "self ms")))
    print(
        "\nmarginal import cost, no profiler (each top-level import in gate's order, "
        "median of fresh interpreters, minus the previous prefix):"
    )
    print(
        common.table(
            [[m, ms] for m, ms in marginal.items()] + [["total", sum(marginal.values())]],
            ("import", "adds ms"),
        )
    )
    pinned = " pinned to one core, so every card is evaluated in one process;" if serial else ""
    print(
        f"\nwork by gate function, no profiler,{pinned} (inclusive ms, outermost calls; "
        "nested rows are part of their callers):"
    )
    print(
        common.table(
            [[k, ms, n] for k, (ms, n) in timed_phases.items()], ("function", "ms", "calls")
        )
    )
    print(
        f"\ncProfile of the work alone (imports done before{', one core' if serial else ''}), "
        "by tottime then cumulative:"
    )
    print(profiled.stdout[: args.profile_chars])
    if profiled.returncode != 0:
        print(profiled.stderr[-2000:])
    return {
        "scenario": args.scenario,
        "argv": argv,
        "serial_profile": serial,
        "times": times,
        "split_ms": split,
        "importtime": imports,
        "marginal_imports_ms": marginal,
        "phases_ms": {k: v[0] for k, v in timed_phases.items()},
        "cprofile": profiled.stdout[: args.profile_chars],
    }


def main() -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("scenario", choices=("fastpath", "one-card", "all", "pr", "history"))
        parser.add_argument(
            "--n", type=int, default=10_000, help="cards, for all and history (bench_history's)"
        )
        parser.add_argument(
            "--commits",
            type=int,
            default=None,
            help="commits of history: the long one for all and history (default 30,000; all "
            "uses the short one beside it), the PR's repository for pr (default 100)",
        )
        parser.add_argument(
            "--files", type=int, default=None, help="files in the repository, for fastpath and pr"
        )
        parser.add_argument(
            "--scope",
            choices=("staged", "files", "base", "all"),
            default="staged",
            help="which check of one-card",
        )
        parser.add_argument(
            "--serial",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="pin the timed-function and cProfile runs to one core, so the work of "
            "--all's forked workers is seen (default: on for all and history)",
        )
        parser.add_argument("--top", type=int, default=20, help="rows per table")
        parser.add_argument(
            "--profile-chars",
            type=int,
            default=12000,
            help="how much of the cProfile tables to print",
        )

    args = common.main_args(__doc__.splitlines()[0], default_reps=7, extra=extra)
    args.commits_given = args.commits is not None
    if args.commits is None:
        args.commits = 30_000
    common.save(f"profile_{args.scenario}", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
