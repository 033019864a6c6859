"""The policy card's own arithmetic, and the seed's flags (rule 7), from its data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate.card.findings import Finding
from gate.kinds.policy import estimate
from gate.kinds.policy.cloud import speedup_of
from gate.kinds.values import entries, number, section, whole

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.config import Config

TOLERANCE_S = 0.1  # `gate generate` writes seconds to one decimal


def _shown(value: float) -> str:
    """A recorded number as written: 16,920,001 (not 1.692e+07), 12.5."""
    return f"{int(value):,}" if value.is_integer() else f"{value:,}"


def arithmetic(card: Card) -> list[Finding]:
    """The derived numbers follow from the card's inputs by the seed's formulas, so the
    approved numbers describe the run (batch size 1024 -> 4096 changes them all)."""
    data, timing = section(card.data, "data"), section(card.data, "timing")
    training = section(card.data, "training")
    games, batch = whole(data.get("games")), whole(training.get("batch_size"))
    epochs, seconds = whole(training.get("epochs")), number(timing.get("batch_seconds"))
    found: list[Finding] = []

    def expect(part: str, key: str, want: float | None, *, exact: bool) -> None:
        got = number(section(card.data, part).get(key))
        if want is None or got is None:
            return
        if (got != want) if exact else abs(got - want) > TOLERANCE_S + 1e-9 * abs(want):
            shown = f"{want:,}" if exact else f"{want:,.1f}"
            found.append(
                Finding(
                    card.path,
                    card.line_of(part, key),
                    "estimate",
                    f"{part}.{key} is {_shown(got)} but the seed's formula gives "
                    f"{shown} from the card's inputs: regenerate the card "
                    "(`gate generate --force`) or fix the number",
                    card=card.path,
                )
            )

    if games is None:
        return found
    frames = estimate.total_frames(games)
    train = estimate.train_examples(frames)
    expect("data", "est_total_frames", frames, exact=True)
    expect("data", "train_examples", train, exact=True)
    expect("data", "val_examples", estimate.val_examples(frames), exact=True)
    load = estimate.data_load_s(games)
    expect("timing", "data_load_s", load, exact=False)
    if batch is None:
        return found
    batches = estimate.batches_per_epoch(train, batch)
    expect("timing", "batches_per_epoch", batches, exact=True)
    factor = speedup_of(card.data)  # several rented GPUs: data-parallel
    if seconds is None or epochs is None or factor is None:
        return found
    epoch_s = estimate.epoch_time_s(batches, seconds / factor)
    training_s = estimate.training_time_s(epoch_s, epochs)
    expect("timing", "epoch_s", epoch_s, exact=False)
    expect("timing", "training_s", training_s, exact=False)
    expect("timing", "wall_s", estimate.wall_time_s(training_s, load), exact=False)
    return found


def tracked(data: Mapping[str, Any]) -> bool:
    """Does every launch command log to wandb? (`--no-wandb` turns it off.)"""
    return not any("--no-wandb" in str(e.get("command", "")) for e in entries(data, "launch"))


def seed_flags(card: Card, config: Config) -> list[Finding]:
    """Rule 7: the seed's flags, warnings unless `strict` (the distribution flag is
    rule 6's error already)."""
    data, training = section(card.data, "data"), section(card.data, "training")
    games, epochs = whole(data.get("games")), whole(training.get("epochs"))
    device = training.get("device")
    if games is None or epochs is None or not isinstance(device, str):
        return []
    flags = estimate.seed_flags(
        policy_games=games,
        world_model_games=None,
        epochs=epochs,
        device=device,
        wandb=tracked(card.data),
    )
    where = {
        estimate.OVERFIT: ("training", "epochs"),
        estimate.CPU_LARGE: ("training", "device"),
        estimate.NO_WANDB: ("launch",),
    }
    return [
        Finding(
            card.path,
            card.line_of(*where.get(f.code, ("data",))),
            f"flag:{f.code}",
            f.message,
            severity="warning",
            card=card.path,
        )
        for f in flags
    ]
