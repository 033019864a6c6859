"""Evaluate many cards on every core: `gate check --all` on a large repository.

Each card is checked on its own, so the work splits cleanly. Workers are forked after
the snapshot and config are in memory (no pickling of the context); each opens its
own git object reader (the repository starts one per process), since a forked child
must not share the parent's pipes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gate.check.evaluate import CardResult, Context

# Below this many cards the cost of starting workers outweighs the gain.
MIN_CARDS = 200
_context: Context | None = None


def _evaluate(paths: Sequence[str]) -> list[CardResult]:
    from gate.check.evaluate import evaluate

    assert _context is not None
    return [evaluate(path, _context) for path in paths]


def workers() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def evaluate_all(paths: Sequence[str], ctx: Context) -> list[CardResult] | None:
    """Every card's result in order, or None when one process is the better choice
    (few cards, one core, or no fork on this platform)."""
    count = workers()
    if len(paths) < MIN_CARDS or count < 2:
        return None  # the small case pays nothing for the pool (not even its import)
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    global _context  # noqa: PLW0603 - handed to forked workers, never pickled
    _context = ctx
    ctx.index_stems()  # the shared stem index, built once before forking
    chunks = [list(paths[i::count]) for i in range(count)]
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            parts = pool.map(_evaluate, chunks)
    finally:
        _context = None
    by_path = {r.path: r for part in parts for r in part}
    return [by_path[p] for p in paths]
