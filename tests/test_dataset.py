from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gate.errors import GateError
from gate.sources.dataset import DatasetFacts, count_training_games, fingerprint


def _entry(md5: str, *, training: bool) -> dict[str, object]:
    return {
        "slp_md5": md5,
        "is_training": training,
        "stage": 31,
        "players": [{"character": 2, "port": 1}, {"character": 9, "port": 2}],
        "compression": "zlib",
    }


def _write_meta(folder: Path, entries: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").write_text(json.dumps(entries), encoding="utf-8")
    return folder


def test_counts_training_entries_and_fingerprints_them(tmp_path: Path) -> None:
    entries = [
        _entry("cc", training=True),
        _entry("aa", training=True),
        _entry("bb", training=False),
        {"slp_md5": "dd"},  # no is_training: not a training game
    ]
    facts = count_training_games(_write_meta(tmp_path / "parsed", entries))
    expected = hashlib.sha256(b"aa|cc").hexdigest()[:12]
    assert facts == DatasetFacts(
        path=tmp_path / "parsed",
        games=2,
        total_entries=4,
        source="meta.json",
        fingerprint=expected,
    )


def test_fingerprint_is_order_independent() -> None:
    assert fingerprint(["b", "a", "c"]) == fingerprint(["c", "b", "a"])
    assert fingerprint(["a", "b"]) == hashlib.sha256(b"a|b").hexdigest()[:12]


def test_meta_json_wins_over_games_folder(tmp_path: Path) -> None:
    folder = _write_meta(tmp_path / "d", [_entry("aa", training=True)])
    (folder / "games").mkdir()
    for name in ("x", "y", "z"):
        (folder / "games" / name).write_bytes(b"")
    assert count_training_games(folder).games == 1


def test_no_training_games_has_no_fingerprint(tmp_path: Path) -> None:
    facts = count_training_games(_write_meta(tmp_path / "d", [_entry("aa", training=False)]))
    assert (facts.games, facts.total_entries, facts.fingerprint) == (0, 1, None)


def test_falls_back_to_games_folder(tmp_path: Path) -> None:
    games = tmp_path / "d" / "games"
    games.mkdir(parents=True)
    for name in ("aa", "bb", "cc", ".DS_Store"):
        (games / name).write_bytes(b"x")
    (games / "subdir").mkdir()
    facts = count_training_games(tmp_path / "d")
    assert facts == DatasetFacts(tmp_path / "d", 3, 3, "games/", None)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"slp_md5": "aa"}', "expected a JSON list"),
        ('[{"slp_md5": "aa"}, 7]', "entry 1 is int, not an object"),
        ('[{"is_training": true}]', "entry 0 has no `slp_md5`"),
        ('[{"slp_md5": 5}]', "entry 0 has no `slp_md5`"),
        (b"\xff\xfe[", "not valid JSON"),
    ],
)
def test_bad_meta_json(tmp_path: Path, content: str | bytes, fragment: str) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    meta = folder / "meta.json"
    if isinstance(content, bytes):
        meta.write_bytes(content)
    else:
        meta.write_text(content, encoding="utf-8")
    with pytest.raises(GateError) as err:
        count_training_games(folder)
    assert str(meta) in str(err.value)
    assert fragment in str(err.value)
    assert "regenerate" in str(err.value) or "point --dataset" in str(err.value)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(GateError, match="dataset folder does not exist") as err:
        count_training_games(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(err.value)


def test_path_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(GateError, match="is not a folder"):
        count_training_games(tmp_path / "f")


def test_neither_meta_nor_games(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(GateError, match=r"neither meta\.json nor games/ found"):
        count_training_games(tmp_path / "empty")


def test_hundred_thousand_entries_in_one_pass(tmp_path: Path) -> None:
    # Counted right at scale; how fast is bench/bench_generate.py's job (no timed
    # assertion in the tests).
    one = json.dumps(_entry("MD5", training=True))
    text = ",".join(
        one.replace("MD5", f"{i:032x}").replace("true", "false" if i % 10 == 0 else "true")
        for i in range(100_000)
    )
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "meta.json").write_text(f"[{text}]", encoding="utf-8")
    facts = count_training_games(folder)
    assert (facts.games, facts.total_entries) == (90_000, 100_000)
    assert facts.fingerprint is not None and len(facts.fingerprint) == 12
