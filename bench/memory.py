"""Peak memory of a command and every process it starts (Linux /proc).

`--all` on many cards forks a worker per core, so neither a single process's peak nor
`getrusage(RUSAGE_CHILDREN).ru_maxrss` (or `/usr/bin/time -v`'s "Maximum resident set
size", the same figure) is the run's memory: on Linux that is the largest single
process in the tree, not the sum of processes alive at once. So this samples the tree
every few milliseconds while it runs (the command's children from
/proc/PID/task/*/children, recursively) and sums, per sample:

- PSS (`Pss:` of /proc/PID/smaps_rollup): each page divided among the processes that
  share it, so pages a forked worker shares copy-on-write with its parent count once.
  The peak of this sum is the memory the run takes from the machine: the figure the
  goal is judged on.
- RSS: each process's resident pages in full, shared pages once per process (an upper
  bound).

and reports the largest single process (ru_maxrss of the command, taken by a small
wrapper process that starts it: see WRAPPER) as a cross check. The sampling costs
CPU, so memory is measured in runs of its own, never in the timed ones.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

INTERVAL_S = 0.005


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")  # noqa: PTH208 (the fast one)
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:  # noqa: PTH123
                found += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return found


def _tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += _children(pid)
    return pids


def _sizes_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; (0, 0) once it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:  # noqa: PTH123
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return pss, rss


def _name(pid: int) -> str:
    """The process's command line, shortened: `python ... gate`, `git cat-file`."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:  # noqa: PTH123
            argv = fh.read().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in argv if a]
    if not words:
        return "?"
    named, skip = [Path(words[0]).name], False
    for word in words[1:]:  # the first argument that is no option (git's subcommand)
        if skip or word in ("-C", "-c"):
            skip = not skip
            continue
        if not word.startswith("-"):
            named.append(Path(word).name)
            break
    return " ".join(named)


def available() -> bool:
    return (
        Path(f"/proc/{os.getpid()}/smaps_rollup").exists()
        and Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()
    )


# The command runs as the child of a small, fresh Python: a child started straight from
# the benchmark's process would inherit that (big) process's RSS high-water mark in its
# ru_maxrss (Linux records the old memory's peak at exec, and subprocess uses vfork), so
# the wrapper's RUSAGE_CHILDREN figure is the command's own. It prints that figure and
# the command's exit code.
WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def peak(argv: Sequence[str], cwd: Path, env: Mapping[str, str], expect: int = 0) -> dict[str, Any]:
    """One run of `argv`: the peak summed PSS and RSS of its process tree (MiB; the
    wrapper not counted), the largest single process (ru_maxrss, MiB) and the most
    processes seen at once."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *argv],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    peak_pss = peak_rss = processes = samples = 0
    at_peak: dict[str, float] = {}
    while True:
        pids = _tree(proc.pid)[1:]
        sizes = [_sizes_kib(pid) for pid in pids]
        samples += 1
        if sum(s[0] for s in sizes) > peak_pss:
            at_peak = {}
            for pid, size in zip(pids, sizes, strict=True):
                name = _name(pid)
                at_peak[name] = at_peak.get(name, 0.0) + size[0] / 1024
        peak_pss = max(peak_pss, sum(s[0] for s in sizes))
        peak_rss = max(peak_rss, sum(s[1] for s in sizes))
        processes = max(processes, sum(1 for s in sizes if s[1]))
        # Has it exited? (WNOWAIT: not reaped yet, so wait4 below gets its rusage.)
        done = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if done is not None:
            break
        time.sleep(INTERVAL_S)
    out, _ = proc.communicate()
    maxrss_kib, code = (int(x) for x in out.split())
    if code != expect:
        raise SystemExit(f"bench: {' '.join(argv)} exited {code} while measuring memory")
    return {
        "pss_mib": peak_pss / 1024,
        "rss_sum_mib": peak_rss / 1024,
        "max_single_rss_mib": maxrss_kib / 1024,
        "processes": processes,
        "samples": samples,
        "pss_mib_at_peak_by_command": at_peak,
    }


def peaks(argv: Sequence[str], cwd: Path, env: Mapping[str, str], runs: int = 3) -> dict[str, Any]:
    """`runs` runs of `peak`: the median of each figure, and the worst PSS."""
    found = [peak(argv, cwd, env) for _ in range(runs)]
    keys = ("pss_mib", "rss_sum_mib", "max_single_rss_mib", "processes")
    out: dict[str, Any] = {k: statistics.median(f[k] for f in found) for k in keys}
    out["pss_mib_worst"] = max(f["pss_mib"] for f in found)
    out["pss_mib_at_peak_by_command"] = max(found, key=lambda f: f["pss_mib"])[
        "pss_mib_at_peak_by_command"
    ]
    out["runs"] = runs
    return out
