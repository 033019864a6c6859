"""How many training games a parsed dataset folder holds, and its data fingerprint.

A parsed dataset is a folder with `meta.json` (a JSON list of entries with
`slp_md5`, `is_training`, `stage`, `players`, `compression`) and `games/<md5>`.
The training games are the `meta.json` entries whose `is_training` is true; a
folder without `meta.json` counts the files in `games/` instead.

The fingerprint is the world model's `data_fingerprint`: the first 12 hex digits
of sha256 over `"|".join(sorted(md5s))` of the training games' md5s.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, NamedTuple

from gate.errors import GateError

FINGERPRINT_HEX = 12


class DatasetFacts(NamedTuple):
    path: Path
    games: int  # training games (meta.json) or files in games/
    total_entries: int  # every meta.json entry, or files in games/
    source: Literal["meta.json", "games/"]
    fingerprint: str | None  # None without meta.json or without training games


def fingerprint(md5s: Iterable[str]) -> str:
    """The world model's `data_fingerprint` of a set of game md5s."""
    joined = "|".join(sorted(md5s))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:FINGERPRINT_HEX]


def training_md5s(entries: Any, where: Path) -> tuple[list[str], int]:
    """The training md5s of parsed `meta.json` data, and its entry count (one pass)."""
    if not isinstance(entries, list):
        raise GateError(
            f"{where}: expected a JSON list of game entries, found {type(entries).__name__};"
            " point --dataset at a parsed dataset folder"
        )
    md5s: list[str] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise GateError(
                f"{where}: entry {index} is {type(entry).__name__}, not an object;"
                " regenerate meta.json with the parser"
            )
        md5 = entry.get("slp_md5")
        if not isinstance(md5, str) or not md5:
            raise GateError(
                f"{where}: entry {index} has no `slp_md5` string;"
                " regenerate meta.json with the parser"
            )
        if entry.get("is_training") is True:
            md5s.append(md5)
    return md5s, len(entries)


def _count_files(games_dir: Path) -> int:
    with os.scandir(games_dir) as it:
        return sum(1 for e in it if not e.name.startswith(".") and e.is_file())


def count_training_games(dataset_dir: Path) -> DatasetFacts:
    """Count the training games of a parsed dataset folder (meta.json, else games/)."""
    if not dataset_dir.is_dir():
        what = "is not a folder" if dataset_dir.exists() else "does not exist"
        raise GateError(f"{dataset_dir}: dataset folder {what}; pass the parsed dataset folder")
    meta = dataset_dir / "meta.json"
    games_dir = dataset_dir / "games"
    if meta.is_file():
        try:
            entries = json.loads(meta.read_bytes())
        except OSError as exc:
            raise GateError(f"{meta}: cannot read ({exc.strerror}); check its permissions") from exc
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            raise GateError(
                f"{meta}: not valid JSON ({exc}); regenerate meta.json with the parser"
            ) from exc
        md5s, total = training_md5s(entries, meta)
        return DatasetFacts(
            path=dataset_dir,
            games=len(md5s),
            total_entries=total,
            source="meta.json",
            fingerprint=fingerprint(md5s) if md5s else None,
        )
    if games_dir.is_dir():
        try:
            count = _count_files(games_dir)
        except OSError as exc:
            raise GateError(
                f"{games_dir}: cannot list ({exc.strerror}); check its permissions"
            ) from exc
        return DatasetFacts(
            path=dataset_dir, games=count, total_entries=count, source="games/", fingerprint=None
        )
    raise GateError(
        f"{dataset_dir}: neither meta.json nor games/ found;"
        " pass the parsed dataset folder (the one holding meta.json and games/)"
    )
