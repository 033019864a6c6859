"""Cards, configs and manifests built the way gate writes them: shared by the tests'
fixtures (conftest.py) and the benchmarks (bench/common.py), so both check the same cards."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from gate.card.document import compose
from gate.kinds.policy import estimate
from gate.kinds.policy.render import render
from gate.sources import manifest, yamlio

SCAV = ("Scav", "scav@example.org")
MATTIE = ("Mattie", "mattie@example.org")
AUTHOR = ("Ada Author", "ada@example.org")

PYPROJECT = """\
[project]
name = "melee"

[tool.gate]
cards_dir = "worldmodel/docs/run-cards"
gated = ["worldmodel/experiments/*.yaml", "worldmodel/launch/*.sh"]
strict = false

[tool.gate.reviewers]
Scav = ["scav@example.org"]
Mattie = ["mattie@example.org"]
"""

CONFIG = """\
model:
  architecture: PolicyMLP
  context_len: 10
  hidden_dim: 512
  trunk_dim: 256
  dropout: 0.1
training:
  epochs: 10
  batch_size: 512
  lr: 0.0003
  weight_decay: 0.01
  optimizer: AdamW + cosine LR
  device: mps
data:
  dataset: data/parsed-v2
  predict_player: both
"""

MANIFEST_PATH = "worldmodel/checkpoints/wm-2k/manifest.json"
CARDS = "worldmodel/docs/run-cards"


@functools.cache
def md5s(n: int) -> tuple[str, ...]:
    return tuple(hashlib.md5(f"game-{i}".encode()).hexdigest() for i in range(n))


@functools.cache
def fingerprint(games: int) -> str:
    return manifest.fingerprint_of(md5s(games))


def manifest_json(games: int = 2000, *, with_md5s: bool = True) -> str:
    games_md5 = md5s(games)
    digest = manifest.fingerprint_of(games_md5)
    document: dict[str, Any] = {
        "data_fingerprint": digest,
        "config": {
            "data": {
                "num_games_loaded": games,
                "fingerprint": digest,
                "total_frames": games * 9400,
            }
        },
        "results": {"val_loss/total": 1.2},
    }
    if with_md5s:
        document["game_md5s"] = list(games_md5)
    return json.dumps(document)


def card_data(
    name: str = "policy-a",
    *,
    games: int = 2000,
    wm_games: int = 2000,
    epochs: int = 10,
    batch_size: int = 512,
    device: str = "mps",
    covers: list[str] | None = None,
) -> dict[str, Any]:
    table = estimate.hardware_table({})
    est = estimate.estimate_run(
        games=games, batch_size=batch_size, epochs=epochs, device=device, hardware=table
    )
    command = (
        f".venv/bin/python -m worldmodel.scripts.train_policy --max-games {games} "
        f"--predict-player 0 --epochs {epochs} --batch-size {batch_size} "
        f"--device {device} --run-name {name}-p0 -v"
    )
    return {
        "kind": "policy",
        "run_name": name,
        "created": "2026-11-24",
        "status": "PENDING REVIEW",
        "goal": "Pair a policy with the 2K world model.",
        "covers": covers if covers is not None else [f"worldmodel/experiments/{name}.yaml"],
        "world_model": {
            "checkpoint": "wm-2k",
            "manifest": MANIFEST_PATH,
            "games": wm_games,
            "fingerprint": fingerprint(wm_games),
        },
        "data": {
            "dataset": "data/parsed-v2",
            "games": games,
            "est_total_frames": est.total_frames,
            "train_examples": est.train_examples,
            "val_examples": est.val_examples,
            "predict_player": "0",
        },
        "model": {
            "architecture": "PolicyMLP",
            "parameters": 1153781,
            "context_len": 10,
            "hidden_dim": 512,
            "trunk_dim": 256,
            "dropout": 0.1,
        },
        "training": {
            "epochs": epochs,
            "batch_size": batch_size,
            "lr": 0.0003,
            "weight_decay": 0.01,
            "optimizer": "AdamW + cosine LR",
            "device": device,
        },
        "timing": {
            "hardware": est.hardware_label,
            "batch_seconds": est.seconds_per_batch,
            "batch_basis": est.basis,
            "data_load_s": round(est.data_load_s, 1),
            "batches_per_epoch": est.batches_per_epoch,
            "epoch_s": round(est.epoch_s, 1),
            "training_s": round(est.training_s, 1),
            "wall_s": round(est.wall_s, 1),
        },
        "baselines": [],
        "targets": [],
        "flags": [],
        "launch": [{"player": "0", "command": command}],
        "signoff": [],
    }


def card_text(data: dict[str, Any], prose: str = "\n## Notes\n\nFree prose.\n") -> str:
    front = yamlio.dump(data)
    return compose(front, render(data, ("Scav", "Mattie")), after="\n" + prose)
