"""Cards, configs and manifests built the way gate writes them: shared by the tests'
fixtures (conftest.py) and the benchmarks (bench/common.py), so both check the same cards."""

from __future__ import annotations

import atexit
import base64
import functools
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from gate.card.document import compose
from gate.kinds.policy import estimate
from gate.kinds.policy.render import render
from gate.sources import manifest, yamlio

SCAV = ("Scav", "scav@example.org")
MATTIE = ("Mattie", "mattie@example.org")
AUTHOR = ("Ada Author", "ada@example.org")
SCAVIEFAE = ("ScavieFae", "scaviefae@example.org")  # examples/worldmodel's third reviewer


def _remove_if_mine(folder: Path, owner: int) -> None:
    """Remove `folder` at exit, in the process that made it only: a process forked from it
    (mutmut runs each mutant's tests in a fork of one that imported this module) exits
    too, and must not take the keys from the processes that still use them."""
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def _make_keys(names: tuple[str, ...]) -> dict[str, Path]:
    """An ed25519 key pair per person, made by ssh-keygen in a folder of this run's own
    (removed at exit by the process that made it): name -> private key path (the public half beside it, `.pub`)."""
    folder = Path(tempfile.mkdtemp(prefix="gate-test-keys-"))
    atexit.register(_remove_if_mine, folder, os.getpid())
    made: dict[str, Path] = {}
    for name in names:
        path = folder / name.split()[0].lower()
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)],
            check=True,
            capture_output=True,
        )
        made[name] = path
    return made


# The reviewers' keys and the author's (who is no reviewer), made once per run.
KEYS = _make_keys((SCAV[0], MATTIE[0], SCAVIEFAE[0], AUTHOR[0]))


def public_key(name: str) -> str:
    """The person's public key line, as [tool.gate.reviewers] lists it."""
    return Path(f"{KEYS[name]}.pub").read_text(encoding="utf-8").strip()


def reviewer_entry(person: tuple[str, str]) -> str:
    """One `[tool.gate.reviewers]` line: the person's key and email."""
    name, email = person
    return f'{name} = {{ keys = ["{public_key(name)}"], emails = ["{email}"] }}\n'


def with_keys(pyproject: str) -> str:
    """An example's pyproject.toml with each reviewer's key added, as a team does."""
    people = {name: (name, email) for name, email in (SCAV, MATTIE, SCAVIEFAE)}

    def entry(match: re.Match[str]) -> str:
        return reviewer_entry(people[match["name"]]).rstrip("\n")

    return re.sub(r"^(?P<name>Scav|Mattie|ScavieFae) = .*$", entry, pyproject, flags=re.M)


PYPROJECT = f"""\
[project]
name = "melee"

[tool.gate]
cards_dir = "worldmodel/docs/run-cards"
gated = ["worldmodel/experiments/*.yaml", "worldmodel/launch/*.sh"]
strict = false

[tool.gate.reviewers]
{reviewer_entry(SCAV)}{reviewer_entry(MATTIE)}"""


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def sshsig_sign(name: str, text: str, namespace: str = "gate-run-card") -> str:
    """What `ssh-keygen -Y sign -n NAMESPACE -f KEY` prints for `text`, made in-process
    (ed25519 signatures are deterministic, so it is the same bytes; a test holds the
    two equal): the benchmarks sign thousands of approvals this way."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = serialization.load_ssh_private_key(KEYS[name].read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    blob = base64.b64decode(public_key(name).split()[1])
    ns = namespace.encode()
    digest = hashlib.sha512(text.encode()).digest()
    signed = b"SSHSIG" + _string(ns) + _string(b"") + _string(b"sha512") + _string(digest)
    signature = _string(b"ssh-ed25519") + _string(key.sign(signed))
    whole = (
        b"SSHSIG"
        + struct.pack(">I", 1)
        + _string(blob)
        + _string(ns)
        + _string(b"")
        + _string(b"sha512")
        + _string(signature)
    )
    armored = base64.b64encode(whole).decode()
    lines = [armored[i : i + 70] for i in range(0, len(armored), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


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


def quiet_wandb_settings(wandb: Any) -> Any:
    """wandb.Settings for a real offline run made in a test: no system stats, machine
    info, console capture, code or git probing (each costs seconds, none is needed)."""
    return wandb.Settings(
        x_disable_stats=True,
        x_disable_meta=True,
        x_disable_machine_info=True,
        console="off",
        save_code=False,
        disable_git=True,
    )


def node_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every node below the top of JSON-like data."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += node_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += node_paths(value, (*prefix, index))
    return found
