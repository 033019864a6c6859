"""World-model manifest (`.../checkpoints/<name>/manifest.json`): the facts a card pairs with.

Pure parsing of bytes; the caller reads the file from the snapshot being checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple


class ManifestProblem(Exception):
    """A manifest gate cannot use; the message says what is wrong."""


class WorldModel(NamedTuple):
    games: int
    fingerprint: str | None
    game_md5s: tuple[str, ...] | None
    total_frames: int | None
    train_examples: int | None
    results: Mapping[str, Any]


def fingerprint_of(md5s: Sequence[str]) -> str:
    """First 12 hex of sha256 over the sorted md5s joined by '|' (the training code's)."""
    return hashlib.sha256("|".join(sorted(md5s)).encode()).hexdigest()[:12]


def _dig(document: Mapping[str, Any], *keys: str) -> Any:
    node: Any = document
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def parse(raw: bytes) -> WorldModel:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestProblem(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise ManifestProblem("nested too deeply to read") from None
    if not isinstance(document, dict):
        raise ManifestProblem("not a JSON object")
    games = _dig(document, "config", "data", "num_games_loaded")
    if isinstance(games, bool) or not isinstance(games, int) or games < 0:
        raise ManifestProblem(
            "has no game count: config.data.num_games_loaded must be a whole number"
            + ("" if games is None else f", got {games!r}")
        )
    fingerprint = document.get("data_fingerprint") or _dig(
        document, "config", "data", "fingerprint"
    )
    md5s = document.get("game_md5s")
    if md5s is not None and (
        not isinstance(md5s, list) or not all(isinstance(m, str) for m in md5s)
    ):
        raise ManifestProblem("game_md5s must be a list of md5 strings")
    if md5s is not None and not all(m.isascii() for m in md5s):
        # an md5 is 32 hex digits; anything else cannot be fingerprinted as the trainer does
        raise ManifestProblem("game_md5s must be a list of md5 strings (hex digits)")
    results = document.get("results")
    return WorldModel(
        games=games,
        fingerprint=fingerprint if isinstance(fingerprint, str) else None,
        game_md5s=tuple(md5s) if md5s is not None else None,
        total_frames=_int_or_none(_dig(document, "config", "data", "total_frames")),
        train_examples=_int_or_none(_dig(document, "config", "data", "train_examples")),
        results=results if isinstance(results, dict) else {},
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def consistency(model: WorldModel) -> list[str]:
    """Problems inside the manifest itself: a game list that disagrees with its count
    or its fingerprint."""
    problems: list[str] = []
    if model.game_md5s is not None:
        if len(model.game_md5s) != model.games:
            problems.append(
                f"lists {len(model.game_md5s):,} game_md5s but config.data.num_games_loaded "
                f"is {model.games:,}"
            )
        if model.fingerprint is not None and fingerprint_of(model.game_md5s) != model.fingerprint:
            problems.append(
                f"data fingerprint {model.fingerprint} does not match its game_md5s "
                f"({fingerprint_of(model.game_md5s)})"
            )
    return problems
