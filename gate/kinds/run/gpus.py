"""The GPU table lives beside the registry, in `gate.kinds.gpus` (the policy kind prices
rented GPUs with it too); its names stay importable from here."""

from __future__ import annotations

from gate.kinds.gpus import (
    DEFAULT_GPUS,
    DEFAULT_PARALLEL_EFFICIENCY,
    FIXED,
    PER_EXAMPLE,
    SCALES,
    Gpu,
    canonical,
    find,
    gpu_table,
    lookup,
    speedup,
    split_spec,
)

__all__ = [
    "DEFAULT_GPUS",
    "DEFAULT_PARALLEL_EFFICIENCY",
    "FIXED",
    "PER_EXAMPLE",
    "SCALES",
    "Gpu",
    "canonical",
    "find",
    "gpu_table",
    "lookup",
    "speedup",
    "split_spec",
]
