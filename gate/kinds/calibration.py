"""Calibration: the speeds finished runs measured, in place of the seed's constants. Pure:
samples in, a speed with its source and range out (reading finished cards and
manifests is `gate.kinds.calibration_sources`).

Comparable runs: the same GPU type; of those, the closest architecture (the same one
when any run has it), then the closest parameter count (within a factor of 2 of the
nearest), and a batch size within a factor of 2 (`BAND`) either way, scaled per example
to the batch size asked (runs at exactly that batch size, when there are any, alone).
The speed is the median of those runs; the range is their spread (the recommended
timeout uses its top). Data-load throughput (seconds per GB) is the median over the
runs on the same GPU type that recorded their data load.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import NamedTuple

BAND = 2.0  # batch sizes within this factor of the one asked are comparable
PARAMETER_BAND = 2.0  # parameter counts within this factor of the nearest
UNCALIBRATED = "seed constant, uncalibrated"


class Sample(NamedTuple):
    """One finished run's measured speed."""

    run: str  # the name the card shows
    source: str  # a card, a manifest
    gpu: str  # the GPU table's name
    architecture: str | None
    parameters: int | None
    batch_size: int
    batch_seconds: float  # one GPU's seconds per batch at `batch_size`
    load_s_per_gb: float | None = None  # data load, where the run recorded it


class Calibrated(NamedTuple):
    seconds: float  # the median, at the batch size asked, one GPU
    low: float
    high: float
    runs: tuple[str, ...]
    basis: str  # "calibrated: median of 2 finished runs: a, b"


class LoadRate(NamedTuple):
    s_per_gb: float
    runs: tuple[str, ...]
    basis: str


def _runs(samples: Sequence[Sample]) -> str:
    count = len(samples)
    what = "finished run" if count == 1 else "finished runs"
    return f"{count} {what}: {', '.join(s.run for s in samples)}"


def _distance(a: int | None, b: int | None) -> float:
    if a is None or b is None or a <= 0 or b <= 0:
        return math.inf
    return abs(math.log(a / b))


def comparable(
    samples: Iterable[Sample],
    *,
    gpu: str,
    batch_size: int,
    architecture: str | None,
    parameters: int | None,
) -> list[Sample]:
    """The runs a new card on `gpu` at `batch_size` is calibrated from (may be none)."""
    found = [
        s
        for s in samples
        if s.gpu == gpu and batch_size / BAND <= s.batch_size <= batch_size * BAND
    ]
    same_arch = [s for s in found if architecture is not None and s.architecture == architecture]
    found = same_arch or found
    nearest = min((_distance(s.parameters, parameters) for s in found), default=math.inf)
    if math.isfinite(nearest):
        found = [
            s
            for s in found
            if _distance(s.parameters, parameters) <= nearest + math.log(PARAMETER_BAND)
        ]
    exact = [s for s in found if s.batch_size == batch_size]
    return sorted(exact or found, key=lambda s: s.run)


def calibrate(
    samples: Iterable[Sample],
    *,
    gpu: str,
    batch_size: int,
    architecture: str | None = None,
    parameters: int | None = None,
) -> Calibrated | None:
    """The median speed of the comparable runs, scaled per example; None: no such run."""
    runs = comparable(
        samples,
        gpu=gpu,
        batch_size=batch_size,
        architecture=architecture,
        parameters=parameters,
    )
    if not runs:
        return None
    scaled = [s.batch_seconds * batch_size / s.batch_size for s in runs]
    seconds = round(statistics.median(scaled), 4)
    how = "median of " if len(runs) > 1 else ""
    sizes = sorted({s.batch_size for s in runs})
    scaling = (
        ""
        if sizes == [batch_size]
        else f", scaled per example from bs={'/'.join(str(b) for b in sizes)}"
    )
    return Calibrated(
        seconds,
        round(min(scaled), 4),
        round(max(scaled), 4),
        tuple(s.run for s in runs),
        f"calibrated: {how}{_runs(runs)}{scaling}",
    )


def load_rate(samples: Iterable[Sample], *, gpu: str) -> LoadRate | None:
    """Seconds per GB of data load measured on `gpu`; None: no run recorded one."""
    runs = sorted(
        (s for s in samples if s.gpu == gpu and s.load_s_per_gb is not None), key=lambda s: s.run
    )
    if not runs:
        return None
    rate = round(statistics.median(s.load_s_per_gb or 0.0 for s in runs), 2)
    how = "median of " if len(runs) > 1 else ""
    return LoadRate(rate, tuple(s.run for s in runs), f"calibrated: {how}{_runs(runs)}")


class Row(NamedTuple):
    """One line of `gate calibrate`: a GPU, a model and a batch size."""

    gpu: str
    architecture: str | None
    parameters: int | None
    batch_size: int
    runs: tuple[str, ...]
    seconds: float
    low: float
    high: float


def table(samples: Iterable[Sample]) -> list[Row]:
    """The measured speeds per GPU, model and batch size, with their run counts."""
    groups: dict[tuple[str, str | None, int | None, int], list[Sample]] = {}
    for s in samples:
        groups.setdefault((s.gpu, s.architecture, s.parameters, s.batch_size), []).append(s)
    rows = []
    for (gpu, arch, params, batch), runs in sorted(
        groups.items(), key=lambda item: (item[0][0], str(item[0][1]), item[0][2] or 0, item[0][3])
    ):
        values = [s.batch_seconds for s in runs]
        rows.append(
            Row(
                gpu,
                arch,
                params,
                batch,
                tuple(sorted(s.run for s in runs)),
                round(statistics.median(values), 4),
                round(min(values), 4),
                round(max(values), 4),
            )
        )
    return rows
