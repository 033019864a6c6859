"""Values checked on the way in: whole and positive numbers, and the rows of the
`[tool.gate.hardware]` / `[tool.gate.gpus]` tables. Pure: a bad value is a `GateError`
that names it and says what is expected.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from gate.errors import GateError


def count(name: str, value: object, *, minimum: int = 1) -> int:
    """A whole number (not a bool) >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise GateError(f"{name}: expected a whole number >= {minimum}, got {value!r}")
    return value


def positive(where: str, value: object, *, zero: bool = False) -> float:
    """A finite number (not a bool) > 0, or >= 0 with `zero`, as a float."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        wanted = "a number >= 0" if zero else "a positive number"
        raise GateError(f"{where}: expected {wanted}, got {type(value).__name__} {value!r}")
    return float(value)


def batch_size(key: object, *, leading_zeros: bool = False) -> int | None:
    """A table key as a batch size: `512` or `"512"` (TOML keys are strings), else None.
    A key such as `"0512"` counts only with `leading_zeros`."""
    if (
        isinstance(key, str)
        and key.isascii()
        and key.isdigit()
        and (leading_zeros or key == str(int(key)))
    ):
        key = int(key)
    return key if isinstance(key, int) and not isinstance(key, bool) and key > 0 else None


def batch_seconds(
    where: str, value: Mapping[Any, Any], *, leading_zeros: bool = False
) -> dict[int, float]:
    """A row's `batch_seconds` table: batch size -> positive seconds per batch."""
    table: dict[int, float] = {}
    for key, seconds in value.items():
        size = batch_size(key, leading_zeros=leading_zeros)
        if size is None or size in table:
            raise GateError(
                f"{where} batch_seconds.{key}: expected a batch size (a positive "
                "whole number, given once)"
            )
        table[size] = positive(f"{where} batch_seconds.{key}", seconds)
    return table


def rows(
    overrides: Mapping[str, Any], *, table: str, source: str, names: str
) -> Iterator[tuple[str, str, object]]:
    """(where, name, row) for each `[tool.gate.<table>.<name>]` row; `where` (prefixed
    with `source`, the pyproject path) starts each error message, and `names` says what
    a row's name should be, e.g. "a GPU name such as A100 or H100"."""
    prefix = f"{source}: " if source else ""
    for name, value in overrides.items():
        where = f"{prefix}[tool.gate.{table}.{name}]"
        if not isinstance(name, str) or not name.strip():
            raise GateError(f"{where}: expected {names}")
        yield where, name, value


def row(
    where: str, value: object, known: tuple[str, ...], *, join: str = ", "
) -> Mapping[str, Any]:
    """A table row (`[tool.gate.<table>.<name>]`) with no key beyond `known`."""
    if not isinstance(value, Mapping):
        raise GateError(f"{where}: expected a table with {join.join(known)}, got {value!r}")
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise GateError(f"{where} unknown key {unknown[0]!r} (known: {', '.join(known)})")
    return value


def label(where: str, value: object) -> str:
    """A row's `label`: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise GateError(f"{where} label: expected a non-empty string, got {value!r}")
    return value
