"""The GPU table both kinds price rented GPUs with: $/hour, batch speed, data-parallel
efficiency.

The defaults are the team's observations (Feb 2026, Mamba-2 4.3M params, K=10,
batch size 1024). A repository overrides a row, or adds one, with
`[tool.gate.gpus.<name>]`; `gpu_table` checks those rows and names a bad key. The batch
speeds are the world model's: the policy kind takes only the price, the count and the
efficiency from here (its speed comes from its own hardware table). Shared by the run and
policy kinds, which never import each other. Pure: no I/O (`add_gpu_argument` only
declares the flag).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import GateError
from gate.kinds import validate

if TYPE_CHECKING:
    import argparse

PER_EXAMPLE = "per-example"  # a batch of another size takes proportionally longer
FIXED = "fixed"  # the same seconds per batch at any batch size
SCALES = (PER_EXAMPLE, FIXED)
# Data-parallel training on N GPUs: each GPU beyond the first adds this fraction of one
# GPU's speed (gradient all-reduce and input pipelines cost the rest). A row overrides it.
DEFAULT_PARALLEL_EFFICIENCY = 0.9


class Gpu(NamedTuple):
    """One row: what an hour costs and how long a batch takes."""

    name: str  # canonical, e.g. "A100-40GB"; what a card records
    label: str  # what the card shows, e.g. "A100-SXM4-40GB (Modal)"
    usd_per_hour: float  # 0 for a machine you own (MPS, CPU)
    batch_seconds: Mapping[int, float]  # batch size -> seconds per batch; empty: unmeasured
    scale: str = PER_EXAMPLE  # how other batch sizes are estimated
    aliases: tuple[str, ...] = ()  # other spellings, e.g. Modal's gpu="A100"
    note: str = ""  # a caveat the card shows beside the speed
    # each GPU beyond the first adds this fraction of one GPU's speed (0 < e <= 1)
    parallel_efficiency: float = DEFAULT_PARALLEL_EFFICIENCY


def _row(
    name: str,
    label: str,
    usd: float,
    seconds: Mapping[int, float],
    *,
    aliases: tuple[str, ...] = (),
    note: str = "",
) -> Gpu:
    return Gpu(name, label, usd, MappingProxyType(dict(seconds)), PER_EXAMPLE, aliases, note)


# The team's table. MPS and CPU were timed on the same model as the A100 row, so they
# are keyed at its batch size (1024). H100 has a price but no measurement: it uses the
# A100's speed, an upper bound (an H100 is not slower), so its time and cost err high.
# T4 has no measurement at all: a T4 estimate needs `batch_seconds` from the repository.
DEFAULT_GPUS: Mapping[str, Gpu] = MappingProxyType(
    {
        "A100-40GB": _row(
            "A100-40GB",
            "A100-SXM4-40GB (Modal)",
            2.78,
            {1024: 0.06},
            aliases=("A100", "A100-SXM4-40GB"),
        ),
        "H100": _row(
            "H100",
            "H100 (Modal)",
            3.95,
            {1024: 0.06},
            aliases=("H100!",),
            note="the A100-40GB measurement, an upper bound: not measured on H100",
        ),
        "T4": _row("T4", "T4 (Modal)", 0.59, {}),
        "MPS": _row("MPS", "MPS M3 Max", 0.0, {1024: 0.4}, aliases=("M3-MAX",)),
        "CPU": _row("CPU", "CPU", 0.0, {1024: 7.0}),
    }
)
_ROW_KEYS = ("aliases", "batch_seconds", "label", "parallel_efficiency", "scale", "usd_per_hour")


def split_spec(spec: str) -> tuple[str, int]:
    """Modal's `"H100:2"` -> ("H100", 2); a bare name is one GPU."""
    name, _, count = spec.strip().partition(":")
    if count:
        if not count.isdigit() or int(count) < 1:
            raise GateError(f"GPU {spec!r}: expected NAME or NAME:COUNT, e.g. H100:2")
        return name.strip(), int(count)
    return name.strip(), 1


def spec(name: str, count: int) -> str:
    """The GPU as Modal writes it: `H100`, `H100:2`."""
    return name if count == 1 else f"{name}:{count}"


def speedup(count: int, efficiency: float) -> float:
    """How many times one GPU's speed `count` GPUs train at, data-parallel:
    `1 + (count - 1) x efficiency` (2 GPUs at 0.9: 1.9x). Never a silent `count`x."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise GateError(f"GPU count: expected a whole number >= 1, got {count!r}")
    if not 0 < efficiency <= 1:
        raise GateError(f"parallel_efficiency: expected a fraction in (0, 1], got {efficiency!r}")
    return 1 + (count - 1) * efficiency


def find(name: str, table: Mapping[str, Gpu]) -> Gpu | None:
    """The row named `name` or one of its aliases (any case)."""
    wanted = name.strip().upper()
    for row in table.values():
        if wanted == row.name.upper() or wanted in (a.upper() for a in row.aliases):
            return row
    return None


def canonical(name: str, table: Mapping[str, Gpu]) -> str:
    """The name a card records: the table row's, else the name as written, upper case."""
    row = find(name, table)
    return row.name if row is not None else name.strip().upper()


def lookup(name: str, table: Mapping[str, Gpu]) -> Gpu:
    row = find(name, table)
    if row is None:
        raise GateError(
            f"GPU {name!r} is not in the GPU table (known: {', '.join(sorted(table))}): add "
            f"[tool.gate.gpus.{name}] with usd_per_hour and batch_seconds to pyproject.toml"
        )
    return row


def _batch_seconds(where: str, value: object) -> dict[int, float]:
    if not isinstance(value, Mapping):
        raise GateError(
            f'{where} batch_seconds: expected a table such as {{ "1024" = 0.06 }}, got {value!r}'
        )
    return validate.batch_seconds(where, value, leading_zeros=True)


def _override(where: str, name: str, value: object, default: Gpu | None) -> Gpu:
    row = validate.row(where, value, _ROW_KEYS)
    base = default or Gpu(name, name, -1.0, MappingProxyType({}))
    values: dict[str, Any] = {"note": "" if "batch_seconds" in row else base.note}
    if "label" in row:
        values["label"] = validate.label(where, row["label"])
    if "usd_per_hour" in row:
        values["usd_per_hour"] = validate.positive(
            f"{where} usd_per_hour", row["usd_per_hour"], zero=True
        )
    elif default is None:
        raise GateError(
            f"{where} usd_per_hour: missing; a new GPU needs its price per hour "
            "(0 for a machine you own)"
        )
    if "batch_seconds" in row:
        values["batch_seconds"] = MappingProxyType(_batch_seconds(where, row["batch_seconds"]))
    if "scale" in row:
        if row["scale"] not in SCALES:
            raise GateError(
                f"{where} scale: expected one of {', '.join(SCALES)}, got {row['scale']!r}"
            )
        values["scale"] = row["scale"]
    if "parallel_efficiency" in row:
        value = validate.positive(f"{where} parallel_efficiency", row["parallel_efficiency"])
        if value > 1:
            raise GateError(
                f"{where} parallel_efficiency: expected a fraction of one GPU's speed that "
                f"each extra GPU adds, in (0, 1], got {value!r}"
            )
        values["parallel_efficiency"] = value
    if "aliases" in row:
        aliases = row["aliases"]
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise GateError(f"{where} aliases: expected a list of names, got {aliases!r}")
        values["aliases"] = tuple(aliases)
    return base._replace(**values)


def gpu_table(overrides: Mapping[str, Mapping[str, Any]], *, source: str = "") -> dict[str, Gpu]:
    """The default table with `[tool.gate.gpus.<name>]` rows merged over it.

    A row naming a known GPU (or one of its aliases) replaces the keys it gives and
    keeps the others; a new GPU must give `usd_per_hour`. Keys: `label`, `usd_per_hour`,
    `batch_seconds` (batch size -> seconds per batch), `scale` (`per-example`, the
    default, or `fixed`), `aliases`, `parallel_efficiency` (default 0.9). `source` (the
    pyproject path) prefixes errors.
    """
    table = dict(DEFAULT_GPUS)
    for where, name, row in validate.rows(
        overrides, table="gpus", source=source, names="a GPU name such as A100 or H100"
    ):
        default = find(name, table)
        key = default.name if default is not None else name
        table[key] = _override(where, key, row, default)
    return table


GPU_HELP = (
    "GPU from the GPU table, NAME or NAME:COUNT, e.g. A100, H100:2 (run: default the "
    "launch script's gpu=; policy: a rented GPU, device cuda)"
)


def add_gpu_argument(group: argparse._ActionsContainer) -> None:
    """`--gpu NAME[:COUNT]`, once: both kinds' generators take it, on one parser."""
    import argparse
    import contextlib

    with contextlib.suppress(argparse.ArgumentError):  # the other kind declared it
        group.add_argument("--gpu", metavar="NAME[:COUNT]", help=GPU_HELP)
