"""`gate check --all` on the same N signed cards after 3 commits and after ~30,000.

    python bench/bench_history.py [--cards 10000] [--commits 30000] [--reps 5] [--quick]

Two repositories whose last commits have the same tree (the check makes sure): N
signed cards, each with two SSH-signed approvals (Scav's and Mattie's, verified against
`[tool.gate.reviewers]`), and their configs, laid out as bench_all's. They differ only
in their history:

- short: 3 commits. 1: the workspace and the N configs; 2: every card with Scav's
  approval; 3: every card with both (the final cards).
- long: `--commits` commits. 1: the same as above; then one commit per step, each
  modifying one card file: the cards are added one by one as unsigned drafts, then
  revised round-robin (Scav's approval and a prose note of that revision), so the cards
  folder is touched by every commit; the last commit writes the final cards.

Both are written with `git fast-import` (one stream from this process; commits are
not made one by one), then checked out, and kept in bigrepo.py's cache (keyed by N,
the commits and a hash of the code that writes cards; `--fresh` rebuilds them): a run
clones them. The card texts come from common.card_stages, byte for byte what `gate
sign` writes. `gate check --all` must exit 0 and report N cards in each before it is
timed (interleaved; the checked run is the warm-up). Then each is run `--memory-runs`
times more to measure its peak memory (memory.py: the summed PSS of the process and
its forked workers, sampled). bench_pr.py times a pull request against the length of
history.

Targets (issue 14, acceptance 3, and the signed-approvals issue): at least 2,000
cards/s on both (N / median wall time, process start included), peak memory under
200 MiB, and the long history within 1.3x of the short (median).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import bigrepo
import common
import memory

TARGET_CARDS_PER_S = 2000.0  # issue 14 (1,000 was the signed-approvals issue's)
TARGET_MIB = 200
HISTORY_LIMIT = 1.3
DEFAULT_CARDS = 10_000
DEFAULT_COMMITS = 30_000
QUICK_CARDS = 200
QUICK_COMMITS = 600
EPOCH = 1_764_000_000  # commit times count up one second per commit from here


class FastImport:
    """A `git fast-import` stream into a new repository's `main`, written as it goes."""

    def __init__(self, repo: common.Repo) -> None:
        self.repo = repo
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"],
            cwd=repo.root,
            env=repo.env(),
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdin is not None
        self.out: IO[bytes] = self.proc.stdin
        self.commits = 0

    @staticmethod
    def _data(raw: bytes) -> bytes:
        return b"data %d\n%s\n" % (len(raw), raw)

    def commit(
        self, message: str, who: tuple[str, str], files: Sequence[tuple[str, str | bytes]]
    ) -> None:
        """One commit on main that writes `files` (path, content) over its parent's tree."""
        when = EPOCH + self.commits
        ident = f"{who[0]} <{who[1]}> {when} +0000".encode()
        parts = [
            b"commit refs/heads/main\n",
            b"author " + ident + b"\n",
            b"committer " + ident + b"\n",
            self._data(message.encode()),
        ]
        for path, content in files:
            raw = content.encode() if isinstance(content, str) else content
            parts += [f"M 100644 inline {path}\n".encode(), self._data(raw)]
        self.out.write(b"".join(parts))
        self.commits += 1

    def close(self) -> None:
        self.out.write(b"done\n")
        self.out.close()
        assert self.proc.stderr is not None
        err = self.proc.stderr.read().decode(errors="replace")
        if self.proc.wait() != 0:
            raise SystemExit(f"bench: git fast-import failed:\n{err}")
        # The index and the working tree as a clone's checkout has them.
        self.repo.git("reset", "-q", "--hard", "main")


def _workspace(names: Sequence[str]) -> list[tuple[str, str | bytes]]:
    """Commit 1 of both repositories: new_repo's files and every card's config."""
    files: list[tuple[str, str | bytes]] = [
        ("pyproject.toml", common.PYPROJECT),
        (common.MANIFEST_PATH, common.manifest_json()),
        ("README.md", "# melee\n"),
        ("src/model.py", "x = 1\n"),
    ]
    return files + [(common.config_path(name), common.CONFIG) for name in names]


def _steps(stages: dict[str, list[str]], count: int) -> Iterator[tuple[str, tuple[str, str], str]]:
    """`count` one-card edits (message, author, (path, text)): the cards added one by one
    as drafts, then revised round-robin with Scav's approval and a note of the revision."""
    paths = list(stages)
    for step in range(count):
        path = paths[step % len(paths)]
        revision = step // len(paths)
        name = Path(path).stem
        if revision == 0:
            yield f"{name}: draft", common.AUTHOR, path, stages[path][0]
        else:
            note = f"\nRevision {revision}: approved by Scav, prose edited.\n"
            yield f"{name}: revision {revision}", common.SCAV, path, stages[path][1] + note


def new_empty(work: Path, name: str) -> common.Repo:
    root = work / name
    root.mkdir(parents=True)
    repo = common.Repo(root, work / "home")
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "commit.gpgsign", "false")
    return repo


def build_pair(
    work: Path, names: Sequence[str], commits: int, *, short: bool = True
) -> tuple[common.Repo | None, common.Repo]:
    """The short (3 commits; None unless `short`) and long (`commits`) repositories."""
    start = time.perf_counter()
    stages = common.card_stages(names)
    built = time.perf_counter()
    print(f"history: {len(names)} cards' signed texts in {built - start:.1f} s", file=sys.stderr)
    final = [(path, texts[2]) for path, texts in stages.items()]
    short_repo = None
    if short:
        short_repo = new_empty(work, f"short-{len(names)}")
        fi = FastImport(short_repo)
        fi.commit("workspace and run configs", common.AUTHOR, _workspace(names))
        fi.commit(
            "run cards, approved by Scav",
            common.SCAV,
            [(path, texts[1]) for path, texts in stages.items()],
        )
        fi.commit("approved by Mattie", common.MATTIE, final)
        fi.close()
    long_repo = new_empty(work, f"long-{len(names)}-{commits}")
    fi = FastImport(long_repo)
    fi.commit("workspace and run configs", common.AUTHOR, _workspace(names))
    for message, who, path, text in _steps(stages, max(0, commits - 2)):
        fi.commit(message, who, [(path, text)])
    fi.commit("approved by Mattie", common.MATTIE, final)
    fi.close()
    print(
        f"history: fast-import of {fi.commits} commits in {time.perf_counter() - built:.1f} s",
        file=sys.stderr,
    )
    return short_repo, long_repo


def facts(repo: common.Repo) -> dict[str, Any]:
    count = repo.git("count-objects", "-v")
    size = dict(line.split(": ", 1) for line in count.splitlines())
    return {
        "commits": int(repo.git("rev-list", "--count", "HEAD")),
        "tree": repo.git("rev-parse", "HEAD^{tree}").strip(),
        "pack_kib": int(size.get("size-pack", 0)),
        "objects": int(size.get("in-pack", 0)) + int(size.get("count", 0)),
    }


def extra(parser: Any) -> None:
    parser.add_argument("--cards", type=int, default=None, help=f"N (default {DEFAULT_CARDS})")
    parser.add_argument(
        "--commits",
        type=int,
        default=None,
        help=f"commits of the long history (default {DEFAULT_COMMITS})",
    )
    parser.add_argument(
        "--memory-runs", type=int, default=3, help="runs of each --all measuring peak memory"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {QUICK_CARDS} cards, {QUICK_COMMITS} commits (not for quoting)",
    )


def sizes(args: Any) -> tuple[int, int]:
    quick = getattr(args, "quick", False)
    cards = args.cards if args.cards is not None else QUICK_CARDS if quick else DEFAULT_CARDS
    commits = (
        args.commits if args.commits is not None else QUICK_COMMITS if quick else DEFAULT_COMMITS
    )
    if commits < 3:
        raise SystemExit("bench: --commits must be at least 3")
    return cards, commits


def cached_pair(n: int, commits: int, *, fresh: bool = False) -> tuple[Path, Path]:
    """The short and long repositories of `n` cards, from bigrepo's cache (built by
    build_pair when missing). They hold the pyproject.toml, keys and signatures of the
    run that built them, consistent with each other; nothing here signs anything new in
    them. The key names the code that writes cards, so a change to it rebuilds them."""
    names = [f"policy-{i:05d}" for i in range(n)]

    def build(folder: Path) -> None:
        build_pair(folder, names, commits)

    folder = bigrepo.cached(f"history-n{n}-c{commits}-{bigrepo.source_key()}", build, fresh=fresh)
    return folder / f"short-{n}", folder / f"long-{n}-{commits}"


def run(args: Any) -> dict[str, Any]:
    n, commits = sizes(args)
    venv = common.bench_venv(
        args.venv, reinstall=not args.no_reinstall, source=getattr(args, "source", None)
    )
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    work = common.make_workdir("history")
    try:
        short_base, long_base = cached_pair(n, commits, fresh=getattr(args, "fresh", False))
        short, long = common.clone(short_base, work, "short"), common.clone(long_base, work, "long")
        shape = {"short": facts(short), "long": facts(long)}
        if shape["short"]["tree"] != shape["long"]["tree"]:
            raise SystemExit("bench: the two histories do not end in the same tree")
        labels = {
            "short": f"--all, N={n}, {shape['short']['commits']} commits",
            "long": f"--all, N={n}, {shape['long']['commits']:,} commits",
        }
        cases = [
            common.Case(labels[k], [str(gate), "check", "--all"], repo.root, repo.env())
            for k, repo in (("short", short), ("long", long))
        ]
        for case in cases:
            out = case.check()
            if f"{n} card(s)" not in out:
                raise SystemExit(f"bench: {case.name} did not report {n} cards:\n{out}")
        all_times = common.timed(cases, args.reps, warmup=0)
        # Peak memory in runs of their own (the sampling costs CPU): memory.py.
        runs = getattr(args, "memory_runs", 3)
        peaks = {
            k: memory.peaks(case.argv, case.cwd, case.env, runs=runs)
            for k, case in zip(labels, cases, strict=True)
        }
        baseline_peak = memory.peaks(
            [str(python), "-c", "pass"], short.root, short.env(), runs=runs
        )
    finally:
        if not args.keep:
            common.remove(work)
        else:
            print(f"kept: {work}", file=sys.stderr)

    rate = {
        k: {
            "cards_per_s": n / (all_times[labels[k]]["median_ms"] / 1000),
            "cards_per_s_best": n / (all_times[labels[k]]["min_ms"] / 1000),
        }
        for k in labels
    }
    growth = common.ratio(all_times[labels["long"]], all_times[labels["short"]])
    holds_rate = all(r["cards_per_s"] >= TARGET_CARDS_PER_S for r in rate.values())
    holds_ratio = growth["median"] <= HISTORY_LIMIT
    holds_memory = all(p["pss_mib"] < TARGET_MIB for p in peaks.values())

    version = common.python_version(python)
    print(f"\n== history length: --all on {n} signed cards (Python {version}) ==")
    print(
        common.table(
            [
                [
                    f"{k}: {shape[k]['commits']:,} commits",
                    shape[k]["pack_kib"] / 1024,
                    shape[k]["objects"],
                ]
                for k in ("short", "long")
            ],
            ("repository", "pack MiB", "objects"),
        )
    )
    print()
    print(
        common.table(
            [
                [*row, rate[k]["cards_per_s"]]
                for row, k in zip(common.timing_rows(all_times), labels, strict=True)
            ],
            (*common.TIMING_HEADER, "cards/s"),
        )
    )
    print(
        f"long / short history: {growth['median']:.2f}x (median), {growth['min']:.2f}x (min); "
        f"target <= {HISTORY_LIMIT}x: {common.verdict(holds_ratio)}"
    )
    print(
        f"target >= {TARGET_CARDS_PER_S:.0f} cards/s on both: {common.verdict(holds_rate)} "
        f"(short {rate['short']['cards_per_s']:.0f}, long {rate['long']['cards_per_s']:.0f})"
    )
    print()
    print(
        common.table(
            [
                [name, p["pss_mib"], p["rss_sum_mib"], p["max_single_rss_mib"], p["processes"]]
                for name, p in [
                    *((labels[k], p) for k, p in peaks.items()),
                    ("python -c pass", baseline_peak),
                ]
            ],
            (
                "peak memory (median of runs)",
                "PSS sum MiB",
                "RSS sum MiB",
                "1 process MiB",
                "procs",
            ),
        )
    )
    for k, p in peaks.items():
        parts = sorted(p["pss_mib_at_peak_by_command"].items(), key=lambda kv: -kv[1])
        print(f"PSS at the peak, {k}: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in parts))
    print(f"target: peak PSS < {TARGET_MIB} MiB on both: {common.verdict(holds_memory)}")
    return {
        "machine": common.machine(venv),
        "target": f"--all >= {TARGET_CARDS_PER_S:.0f} cards/s on both histories; long history "
        f"<= {HISTORY_LIMIT}x the short (median); peak memory (PSS, all processes) "
        f"< {TARGET_MIB} MiB",
        "cards": n,
        "commits": {k: shape[k]["commits"] for k in shape},
        "repositories": shape,
        "labels": labels,
        "all_times": all_times,
        "throughput": rate,
        "history_ratio": growth,
        "peak_memory": peaks,
        "peak_memory_python": baseline_peak,
        "holds_rate": holds_rate,
        "holds_ratio": holds_ratio,
        "holds_memory": holds_memory,
        "holds": holds_rate and holds_ratio and holds_memory,
    }


def main() -> int:
    args = common.main_args(__doc__.splitlines()[0], default_reps=5, extra=extra)
    common.save("history", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
