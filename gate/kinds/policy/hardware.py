"""The seed's hardware table: measured seconds per batch on each `--device`. Pure.

The seed's rows (MPS, CPU), merged with `[tool.gate.hardware.<device>]` rows from
pyproject.toml (`hardware_table`), and the batch speed a card states for a batch size
(`batch_speed`). `gate.kinds.policy.estimate` re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from gate.errors import GateError
from gate.kinds import validate


class Hardware(NamedTuple):
    """One row of the hardware table: measured seconds per batch at some batch sizes."""

    device: str  # the `--device` value: mps, cpu, cuda, ...
    label: str  # what the card shows, e.g. "MPS M3 Pro"
    batch_seconds: Mapping[int, float]  # batch size -> seconds per batch


# The seed's table. Read-only: `hardware_table` copies it.
DEFAULT_HARDWARE: Mapping[str, Hardware] = MappingProxyType(
    {
        "mps": Hardware("mps", "MPS M3 Pro", MappingProxyType({512: 0.02, 1024: 0.04})),
        "cpu": Hardware("cpu", "CPU", MappingProxyType({512: 0.08, 1024: 0.15})),
    }
)
_ROW_KEYS = ("batch_seconds", "label")


def _batch_seconds(where: str, value: object) -> dict[int, float]:
    if not isinstance(value, Mapping) or not value:
        raise GateError(
            f"{where} batch_seconds: expected a table of batch size = seconds per batch, "
            f'e.g. batch_seconds = {{ "512" = 0.02 }}, got {value!r}'
        )
    return validate.batch_seconds(where, value)


def _hardware_row(where: str, device: str, value: object, default: Hardware | None) -> Hardware:
    row = validate.row(where, value, _ROW_KEYS, join=" and ")
    label = default.label if default is not None else device
    if "label" in row:
        label = validate.label(where, row["label"])
    if "batch_seconds" in row:
        seconds = _batch_seconds(where, row["batch_seconds"])
    elif default is not None:
        seconds = dict(default.batch_seconds)
    else:
        raise GateError(
            f"{where} batch_seconds: missing; a new device needs measured seconds per batch, "
            'e.g. batch_seconds = { "512" = 0.02 }'
        )
    return Hardware(device, label, seconds)


def hardware_table(
    overrides: Mapping[str, Mapping[str, Any]], *, source: str = ""
) -> dict[str, Hardware]:
    """The seed's table with `[tool.gate.hardware]` rows merged over it.

    A row is `[tool.gate.hardware.<device>]` with `label` (a string) and
    `batch_seconds` (a table of batch size -> seconds per batch; TOML keys are
    strings, `"512"` or bare `512`). A row for a known device replaces the keys it
    gives (`batch_seconds` as a whole: one machine's measurements belong together) and
    keeps the others; a new device must give `batch_seconds`. `source` (the pyproject
    path) prefixes error messages.
    """
    table = dict(DEFAULT_HARDWARE)
    for where, device, row in validate.rows(
        overrides, table="hardware", source=source, names="a device name such as mps, cpu or cuda"
    ):
        table[device] = _hardware_row(where, device, row, DEFAULT_HARDWARE.get(device))
    return table


def hardware_for(device: str, table: Mapping[str, Hardware]) -> Hardware:
    """The row for `device`; a device with no row (the seed has none for cuda) is an error."""
    row = table.get(device)
    if row is None:
        raise GateError(
            f"no timing for device {device!r} (known: {', '.join(sorted(table))}): add "
            f'[tool.gate.hardware.{device}] with batch_seconds = {{ "512" = <seconds per '
            "batch> }} to pyproject.toml"
        )
    return row


class BatchSpeed(NamedTuple):
    seconds: float  # seconds per batch
    basis: str  # how it was found, for the card: "table: bs=512"


def batch_speed(hardware: Hardware, batch_size: int) -> BatchSpeed:
    """Seconds per batch of `batch_size` on `hardware`, and the basis the card states.

    A batch size in the table is read as is. Any other is scaled per example from
    the nearest table batch size (`seconds * batch_size / table_size`); on a tie the
    smaller table size, whose per-example time is the higher (the cautious estimate).
    """
    validate.count("batch_size", batch_size)
    if batch_size in hardware.batch_seconds:
        return BatchSpeed(hardware.batch_seconds[batch_size], f"table: bs={batch_size}")
    nearest = min(hardware.batch_seconds, key=lambda size: (abs(size - batch_size), size))
    seconds = hardware.batch_seconds[nearest] * batch_size / nearest
    return BatchSpeed(seconds, f"scaled per example from bs={nearest}")
