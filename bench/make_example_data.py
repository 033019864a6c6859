"""Regenerate the data files of examples/melee (deterministic: same bytes every run).

    python bench/make_example_data.py [--out examples/melee]

Writes data/parsed-v2/meta.json (2,400 games, 2,000 of them training), three
placeholder files under data/parsed-v2/games/, the world-model manifest
worldmodel/checkpoints/wm-mamba2-2k/manifest.json and two policy manifests
(policy-p0-1k, policy-p1-2k), in the formats the training code writes
(`worldmodel/scripts/train.py` and `train_policy.py`: `config`, `data_fingerprint`,
`game_md5s`, `results`, `all_epochs`). The hand-written files (pyproject.toml, the
policy config YAML, the READMEs) are not touched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path
from typing import Any

GAMES = 2400
TRAINING_GAMES = 2000
DATASET = "data/parsed-v2"
# Melee internal stage ids of the legal stages, weighted like ranked play.
STAGES = {31: 25, 32: 20, 8: 17, 28: 15, 3: 15, 2: 8}  # BF, FD, YS, DL, PS, FoD
# Internal character ids: Fox, Falco, Marth, Sheik, Falcon, Puff, Peach, ICs, Pikachu,
# Samus, Luigi, Yoshi, Ganondorf, Dr. Mario.
CHARACTERS = {
    1: 22,
    22: 15,
    18: 13,
    7: 9,
    2: 9,
    15: 7,
    9: 6,
    10: 4,
    12: 3,
    13: 3,
    17: 3,
    14: 2,
    25: 2,
    21: 2,
}


def md5_of(index: int) -> str:
    return hashlib.md5(f"game-{index}".encode()).hexdigest()


def fingerprint(md5s: list[str]) -> str:
    """What the training code records: sha256 over the sorted md5s joined by "|", 12 hex."""
    return hashlib.sha256("|".join(sorted(md5s)).encode()).hexdigest()[:12]


def make_meta(rng: random.Random) -> list[dict[str, Any]]:
    entries = []
    for index in range(GAMES):
        frames = int(min(25_000, max(1_500, rng.gauss(9_400, 2_600))))
        players = [
            {"port": port, "character": rng.choices(list(CHARACTERS), list(CHARACTERS.values()))[0]}
            for port in (0, 1)
        ]
        entries.append(
            {
                "slp_md5": md5_of(index),
                "num_frames": frames,
                "stage": rng.choices(list(STAGES), list(STAGES.values()))[0],
                "players": players,
                "is_training": index < TRAINING_GAMES,
                "compression": "zlib",
            }
        )
    rng.shuffle(entries)  # parse order: training and held-out games interleave
    return entries


def data_section(games: list[dict[str, Any]], context_len: int) -> dict[str, Any]:
    """The manifest's `config.data` numbers for `games`, split 90/10 by game like the trainer."""
    split = int(len(games) * 0.9)
    md5s = [g["slp_md5"] for g in games]
    return {
        "dataset_path": DATASET,
        "max_games": len(games),
        "num_games_loaded": len(games),
        "train_examples": sum(g["num_frames"] - context_len for g in games[:split]),
        "val_examples": sum(g["num_frames"] - context_len for g in games[split:]),
        "total_frames": sum(g["num_frames"] for g in games),
        "fingerprint": fingerprint(md5s),
    }


def curve(start: float, end: float, epochs: int, epoch: int) -> float:
    """A metric easing from `start` (epoch 1) to `end` (last epoch)."""
    progress = 1 - 0.55 ** (epoch - 1) if epochs > 1 else 1.0
    final = 1 - 0.55 ** (epochs - 1) if epochs > 1 else 1.0
    return round(start + (end - start) * progress / final, 4)


def world_model_manifest(training: list[dict[str, Any]]) -> dict[str, Any]:
    epochs = 4
    history = [
        {
            "epoch": e,
            "loss/total": curve(0.912, 0.4127, epochs, e),
            "val_loss/total": curve(0.871, 0.4389, epochs, e),
            "metric/position_mae": curve(1.94, 0.71, epochs, e),
            "metric/p0_action_acc": curve(0.902, 0.951, epochs, e),
            "metric/action_change_acc": curve(0.512, 0.673, epochs, e),
            "val_metric/position_mae": curve(2.03, 0.76, epochs, e),
            "val_metric/p0_action_acc": curve(0.897, 0.947, epochs, e),
            "val_metric/action_change_acc": curve(0.498, 0.661, epochs, e),
        }
        for e in range(1, epochs + 1)
    ]
    data = data_section(training, context_len=10)
    return {
        "run_name": "wm-mamba2-2k",
        "created_at": "2026-10-21T03:52:17Z",
        "config": {
            "model": {
                "arch": "mamba2",
                "context_len": 10,
                "d_model": 384,
                "d_state": 64,
                "n_layers": 4,
                "headdim": 64,
                "dropout": 0.1,
                "chunk_size": 10,
            },
            "training": {
                "lr": 0.0005,
                "weight_decay": 1e-05,
                "batch_size": 4096,
                "num_epochs": epochs,
                "train_split": 0.9,
                "device": "cuda",
            },
            "loss_weights": {
                "continuous": 1.0,
                "velocity": 0.5,
                "dynamics": 0.5,
                "binary": 0.5,
                "action": 2.0,
                "jumps": 0.5,
            },
            "encoding": {
                "state_age_as_embed": True,
                "state_flags": True,
                "hitstun": True,
                "projectiles": True,
            },
            "data": {**data, "streaming": False},
            "model_params": 4_318_046,
            "machine": "modal-a100-40gb",
            "device": "cuda",
            "git_commit": "3f9c2ab",
        },
        "data_fingerprint": data["fingerprint"],
        "game_md5s": [g["slp_md5"] for g in training],
        "results": history[-1],
        "all_epochs": history,
    }


def policy_manifest(
    name: str,
    created: str,
    games: list[dict[str, Any]],
    player: int,
    epochs: int,
    final: tuple[float, float, float],
) -> dict[str, Any]:
    stick, pressed, val_loss = final
    history = [
        {
            "epoch": e,
            "loss/total": curve(0.091, val_loss * 0.93, epochs, e),
            "val_loss/total": curve(0.088, val_loss, epochs, e),
            "metric/stick_mae": curve(0.061, stick * 0.96, epochs, e),
            "metric/button_acc": curve(0.962, 0.991, epochs, e),
            "metric/button_pressed_acc": curve(0.884, pressed + 0.004, epochs, e),
            "val_metric/stick_mae": curve(0.063, stick, epochs, e),
            "val_metric/button_acc": curve(0.960, 0.989, epochs, e),
            "val_metric/button_pressed_acc": curve(0.879, pressed, epochs, e),
        }
        for e in range(1, epochs + 1)
    ]
    data = data_section(games, context_len=10)
    return {
        "run_name": name,
        "created_at": created,
        "config": {
            "model": {
                "context_len": 10,
                "hidden_dim": 512,
                "trunk_dim": 256,
                "dropout": 0.1,
                "type": "policy_mlp",
            },
            "training": {
                "lr": 0.001,
                "weight_decay": 1e-05,
                "batch_size": 512,
                "num_epochs": epochs,
                "train_split": 0.9,
                "device": "mps",
            },
            "loss_weights": {"analog": 1.0, "button": 1.0},
            "data": {**data, "predict_player": player},
            "model_params": 1_153_781,
            "machine": "scav-mbp.local",
            "device": "mps",
            "git_commit": "9d41e07",
        },
        "data_fingerprint": data["fingerprint"],
        "game_md5s": [g["slp_md5"] for g in games],
        "results": history[-1],
        "all_epochs": history,
    }


def write_json(path: Path, value: Any, *, one_per_line: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if one_per_line:  # a list, one compact entry a line: small and diffable
        body = ",\n".join(json.dumps(entry, separators=(", ", ": ")) for entry in value)
        path.write_text(f"[\n{body}\n]\n")
    else:
        path.write_text(json.dumps(value, indent=2) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("examples/melee"))
    out = parser.parse_args().out

    meta = make_meta(random.Random(20261124))
    training = [entry for entry in meta if entry["is_training"]]  # in meta order, as loaded
    assert len(training) == TRAINING_GAMES

    write_json(out / DATASET / "meta.json", meta, one_per_line=True)
    games_dir = out / DATASET / "games"
    games_dir.mkdir(parents=True, exist_ok=True)
    for entry in training[:3]:
        (games_dir / entry["slp_md5"]).write_text(
            "placeholder: a real dataset holds a zlib-compressed parquet file here\n"
        )

    checkpoints = out / "worldmodel" / "checkpoints"
    write_json(checkpoints / "wm-mamba2-2k" / "manifest.json", world_model_manifest(training))
    write_json(
        checkpoints / "policy-p0-1k" / "manifest.json",
        policy_manifest(
            "policy-p0-1k", "2026-10-28T21:14:03Z", training[:1000], 0, 15, (0.0271, 0.9731, 0.0362)
        ),
    )
    write_json(
        checkpoints / "policy-p1-2k" / "manifest.json",
        policy_manifest(
            "policy-p1-2k", "2026-11-09T23:41:57Z", training, 1, 12, (0.0238, 0.9774, 0.0341)
        ),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
