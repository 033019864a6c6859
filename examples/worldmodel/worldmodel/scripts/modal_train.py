"""Modal launcher for world-model (and fighter policy) training.

gate reads the decorators below (the GPU and the timeout of each function) by parsing
this file; it never imports or runs it.

Train (detached: returns at once, follow the run on wandb):

    .venv/bin/modal run --detach worldmodel/scripts/modal_train.py::train \\
        --config worldmodel/experiments/mamba2-22k-ss.yaml \\
        --encoded-file /encoded-22k.pt --epochs 3 --run-name mamba2-22k-ss
"""

from __future__ import annotations

import modal

app = modal.App("melee-worldmodel")
volume = modal.Volume.from_name("melee-training-data", create_if_missing=True)
image = modal.Image.debian_slim(python_version="3.11").pip_install("torch", "pyyaml", "wandb")

DATA = "/data"
CHECKPOINTS = f"{DATA}/checkpoints"


@app.function(volumes={DATA: volume}, image=image, timeout=600)
def check_volume() -> None:
    """List the volume's encoded files (CPU only)."""
    from pathlib import Path

    for path in sorted(Path(DATA).iterdir()):
        print(path.name)


@app.function(
    gpu="A100",
    volumes={DATA: volume},
    image=image,
    timeout=86400,
    secrets=[modal.Secret.from_name("wandb-key")],
)
def train(  # noqa: PLR0917 - Modal maps each parameter to a CLI flag
    config: str,
    epochs: int,
    run_name: str,
    encoded_file: str = "/encoded-22k.pt",
    resume: str = "",
    log_interval: int = 0,
) -> None:
    """Train from a pre-encoded file: the team's trainer does the work."""
    from worldmodel.training.launch import train_from_encoded

    train_from_encoded(
        config=config,
        epochs=epochs,
        run_name=run_name,
        encoded_path=f"{DATA}{encoded_file}",
        save_dir=f"{CHECKPOINTS}/{run_name}",
        resume_from=f"{CHECKPOINTS}/{resume}" if resume else None,
        log_interval=log_interval or None,  # 0: the config's training.log_interval
    )
    volume.commit()


@app.function(volumes={DATA: volume}, image=image, timeout=14400, cpu=4, memory=131072)
def pre_encode(config: str, max_games: int = 0, output: str = "/encoded.pt") -> None:
    """Encode parsed games into one tensor file on the volume (CPU only, 128 GB RAM)."""
    from worldmodel.data.encode import encode_to_file

    encode_to_file(config=config, max_games=max_games, output=f"{DATA}{output}")
    volume.commit()


@app.function(
    gpu="T4",
    volumes={DATA: volume},
    image=image,
    timeout=21600,
    secrets=[modal.Secret.from_name("wandb-key")],
)
def train_policy(  # noqa: PLR0917 - Modal maps each parameter to a CLI flag
    config: str,
    run_name: str,
    max_games: int = 0,
    predict_player: int = 0,
    epochs: int = 10,
    batch_size: int = 512,
) -> None:
    """Train a fighter policy on a rented T4 (world-model runs use `train`)."""
    from worldmodel.training.policy import train_policy_from_parsed

    train_policy_from_parsed(
        config=config,
        run_name=run_name,
        max_games=max_games,
        predict_player=predict_player,
        epochs=epochs,
        batch_size=batch_size,
        device="cuda",
        save_dir=f"{CHECKPOINTS}/{run_name}",
    )
    volume.commit()
