"""Values as hand-written cards write them, read into numbers. Pure.

Each reader takes the text of one table cell and gives the value it starts with, or
None when it does not start with one: a value is never guessed, so what does not
parse is reported by `gate adopt`, not invented. Units and prose around the value are
allowed (`2,000 (GAME-only filtered from 24K)` -> 2000, `**86400s (24h)**` -> 86400,
`13.8 GB` -> 13.8, `~60ms` -> 0.06 s); Markdown emphasis, backticks and a leading `~`
(an estimate, see `approximate`) are dropped first. Thousands separators must group
by three (`1,00` is not a number).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

_NUMBER = re.compile(
    r"(?P<sign>[-+])?(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?"
    r"(?:[eE](?P<exponent>[-+]?\d+))?"
)
_UNIT = re.compile(r"\s?(?P<unit>%|[A-Za-z][A-Za-z/.]*)")
_APPROX = re.compile(r"^(?:~|≈|about\s|approx\.?\s|ca\.\s)\s*", re.IGNORECASE)
_CODE = re.compile(r"`([^`]+)`")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?!\d)")

# unit -> seconds
SECONDS = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
GIGABYTES = {"gb": 1.0, "mb": 0.001, "tb": 1000.0}
MULTIPLIERS = {"k": 1_000, "m": 1_000_000}  # `24K` games, `1.2M` frames
# units that make a value something other than a plain count or number
_MEASURES = frozenset({*SECONDS, *GIGABYTES, "gib", "mib", "tib", "%", "x"})
NOTHING = frozenset(
    {"", "-", "\u2014", "\u2013", "none", "n/a", "na", "off", "no", "not set", "null"}
    | {"platform default", "trainer default"}  # the schema's null for RAM and workers
)


class Quantity(NamedTuple):
    """The number a text starts with, the unit right after it, and the rest."""

    value: float
    unit: str  # as written, e.g. "GB", "s", "%", "games"; "" when none
    rest: str  # the text after the number and its unit


def plain(text: str) -> str:
    """The text without Markdown emphasis and backticks, stripped."""
    return text.replace("**", "").replace("__", "").replace("`", "").strip()


def approximate(text: str) -> bool:
    """Does the value say it is an estimate (`~`, `≈`, `about`, `est.`, `estimated`)?"""
    words = plain(text).lower()
    return bool(_APPROX.match(words)) or "estimated" in words or words.startswith("est.")


def nothing(text: str) -> bool:
    """Does the value say there is none (`none`, `-`, `n/a`, `off`, ...)?"""
    return plain(text).lower().rstrip(".") in NOTHING


def quantity(text: str) -> Quantity | None:
    """The leading number of `text` (after emphasis and `~`), with its unit."""
    rest = _APPROX.sub("", plain(text), count=1)
    match = _NUMBER.match(rest)
    if match is None:
        return None
    after = rest[match.end() :]
    if re.match("[,.]\\d|\\d|\\s?[-\u2013]\\s?\\d", after):
        return None  # `1,00`, `1.2.3`, a range `2-3` or a date: not one number as written
    value = float(match.group(0).replace(",", ""))
    if not math.isfinite(value):
        return None
    unit_match = _UNIT.match(after)
    unit = unit_match["unit"].rstrip(".") if unit_match else ""
    tail = after[unit_match.end() :] if unit_match else after
    return Quantity(value, unit, tail.strip())


def _scaled(q: Quantity) -> float | None:
    """A count's value with a K / M suffix applied; None for a measurement unit."""
    unit = q.unit.lower()
    if unit in MULTIPLIERS and len(q.unit) == 1:
        return q.value * MULTIPLIERS[unit]
    if unit in _MEASURES:
        return None
    return q.value


def count(text: str) -> int | None:
    """A whole number: `4,000`, `~33,046`, `1000 batches`, `2K` -> 2000; else None."""
    q = quantity(text)
    value = _scaled(q) if q is not None else None
    if value is None or value != int(value):
        return None
    return int(value)


def number(text: str) -> float | None:
    """A plain number: `0.0005`, `1e-5`, `0.3 (noise=0.1)`; a measurement (`60ms`,
    `13.8 GB`, `90%`) is not one (use `seconds`, `gigabytes`, `ratio`)."""
    q = quantity(text)
    if q is None or q.unit.lower() in _MEASURES or q.unit.lower() in MULTIPLIERS:
        return None
    return q.value


def ratio(text: str) -> float | None:
    """A percentage as a fraction (`71.2%` -> 0.712), or a plain number as written."""
    q = quantity(text)
    if q is None:
        return None
    if q.unit == "%":
        return round(q.value / 100, 12)
    return number(text)


def percent_anywhere(text: str) -> float | None:
    """The first `NN%` anywhere in the text, as a fraction (`(7,200 games, 90%)` -> 0.9)."""
    match = re.search(r"(?<![\d.,])(\d+(?:\.\d+)?)\s*%", plain(text))
    return round(float(match[1]) / 100, 12) if match else None


def seconds(text: str, *, bare: str | None = None) -> float | None:
    """A duration in seconds: `14400s (4h)` -> 14400, `~60ms` -> 0.06, `4h 24m` ->
    15840, `90 min` -> 5400. A number without a unit is None unless `bare` names the
    unit it is in (e.g. "s" for a platform timeout)."""
    q = quantity(text)
    if q is None:
        return None
    total = 0.0
    while q is not None:
        unit = q.unit.lower() or (bare or "")
        if unit not in SECONDS:
            if total:
                break  # `4h (safety)`: the duration ends at the first other word
            return None
        total += q.value * SECONDS[unit]
        following = quantity(q.rest) if q.rest[:1].isdigit() else None
        if following is None or not following.unit:
            break
        q = following
    return round(total, 9)


def gigabytes(text: str) -> float | None:
    """A size in GB: `13.8 GB` -> 13.8, `512 MB` -> 0.512; GiB and bare numbers are None."""
    q = quantity(text)
    if q is None or q.unit.lower() not in GIGABYTES:
        return None
    return round(q.value * GIGABYTES[q.unit.lower()], 9)


def dollars(text: str) -> float | None:
    """An amount of money: `$6.40`, `~$6.40` -> 6.4."""
    rest = _APPROX.sub("", plain(text), count=1)
    return number(rest[1:]) if rest.startswith("$") else None


def date(text: str) -> str | None:
    """A day as `YYYY-MM-DD`, the text's start (`2026-03-04 (updated)` -> 2026-03-04)."""
    match = _DATE.match(plain(text))
    return match[1] if match else None


def code_spans(text: str) -> list[str]:
    """The `backticked` parts of a value, in order."""
    return [span.strip() for span in _CODE.findall(text)]


def first_code(text: str) -> str | None:
    """The first backticked part, else the whole value when it is one word."""
    spans = code_spans(text)
    if spans:
        return spans[0]
    words = plain(text).split()
    return words[0] if len(words) == 1 else None


def key_values(text: str) -> dict[str, str]:
    """`name=value` pairs anywhere in the text (`continuous=1.0, velocity=0.5`)."""
    return {
        m[1]: m[2].strip() for m in re.finditer(r"([A-Za-z_][\w.-]*)\s*=\s*([^,;()]+)", plain(text))
    }


def parenthesised(text: str) -> str | None:
    """The text inside the first parentheses (`71.2% (ssm-2k-base, 2ep)` -> the run)."""
    match = re.search(r"\(([^()]*)\)", plain(text))
    return match[1].strip() if match else None
