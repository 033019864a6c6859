"""Prior world-model runs (their manifests), the most comparable one, what differs from it,
and target metrics from the best of them. Pure: parsed documents in, rows out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from gate.kinds.values import integer, section

# The config sections whose keys "What's New" compares (data scale is reported apart).
COMPARED = ("model", "training", "loss_weights", "encoding")
# Keys a run resolves at launch (the manifest records "cuda" where the config says null).
IGNORED = frozenset({"training.device"})
# metric on the card -> manifest result keys (first found wins), which way is better,
# and the column of the Prior Comparable Runs rows
METRICS: tuple[tuple[str, tuple[str, ...], bool, str], ...] = (
    (
        "val_change_acc",
        ("val_metric/action_change_acc", "metric/action_change_acc"),
        True,
        "change_acc",
    ),
    ("val_pos_mae", ("val_metric/position_mae", "metric/position_mae"), False, "pos_mae"),
    ("val_loss/total", ("val_loss/total",), False, "val_loss"),
)
# How far the generated targets and kill thresholds sit from the best prior value; the
# reviewers adjust them. change_acc aims 20% into the remaining headroom and kills 8
# points under the baseline after epoch 1; the error metrics aim 13% / 25% lower.
ACC_GAIN, ACC_KILL = 0.2, 0.08
MAE_TARGET, MAE_KILL = 0.87, 1.25
LOSS_TARGET = 0.75


class Prior(NamedTuple):
    run: str
    manifest: str  # repository-relative path
    games: int | None
    epochs: int | None
    config: Mapping[str, Any]  # the manifest's `config` (model, training, ...)
    metrics: Mapping[str, float]  # card metric name -> value
    created: str


# `model:` keys of a world model without `arch` / `d_model` (an MLP world model's shape)
MLP_DIMENSIONS = ("hidden_dim", "trunk_dim", "n_layers", "context_len")
# sections only a world model's config has (a policy's loss is analog + button)
WORLD_MODEL_SECTIONS = ("encoding", "loss_weights")


def is_world_model_config(config: Mapping[str, Any]) -> bool:
    """A world-model config (not a policy's): `model:` names `arch` or `d_model`; or,
    an MLP world model's, it gives MLP dimensions beside an `encoding:` or
    `loss_weights:` section and predicts no player (`data.predict_player` is a policy's)."""
    model = section(config, "model")
    if not model:
        return False
    if "arch" in model or "d_model" in model:
        return True
    policy = (
        "predict_player" in section(config, "data")
        or "policy" in str(model.get("architecture", model.get("type", ""))).lower()
    )
    return (
        not policy
        and any(key in model for key in MLP_DIMENSIONS)
        and any(section(config, name) for name in WORLD_MODEL_SECTIONS)
    )


def prior_from_manifest(path: str, document: Any) -> Prior | None:
    """A world-model manifest as a prior run; None for anything else (a policy's)."""
    if not isinstance(document, Mapping):
        return None
    config = section(document, "config")
    if not is_world_model_config(config):
        return None
    results = section(document, "results")
    metrics: dict[str, float] = {}
    for name, keys, _, _ in METRICS:
        for key in keys:
            value = results.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                metrics[name] = float(value)
                break
    epochs = integer(results.get("epoch")) or integer(section(config, "training").get("num_epochs"))
    run = document.get("run_name")
    return Prior(
        run=run if isinstance(run, str) and run else path.rsplit("/", 2)[-2],
        manifest=path,
        games=integer(section(config, "data").get("num_games_loaded")),
        epochs=epochs,
        config=config,
        metrics=metrics,
        created=str(document.get("created_at") or ""),
    )


def flatten(config: Mapping[str, Any]) -> dict[str, Any]:
    """`section.key` -> value for the compared sections (nested tables joined by dots)."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}"
            if isinstance(value, Mapping):
                walk(name, value)
            elif name not in IGNORED:
                flat[name] = value

    for part in COMPARED:
        walk(part, section(config, part))
    return flat


def _same(a: Any, b: Any) -> bool:
    """Equal values; numbers by value, never through float() (an int too large for a
    float is no problem)."""
    return bool(a == b)  # Python compares an int and a float exactly: 2 == 2.0


def differences(prior: Mapping[str, Any], config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every compared key whose value differs: `{key, prior, now}` (None: not set)."""
    before, after = flatten(prior), flatten(config)
    found = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if not _same(old, new):
            found.append({"key": key, "prior": old, "now": new})
    return found


def most_comparable(priors: Sequence[Prior], config: Mapping[str, Any]) -> Prior | None:
    """The prior run whose config differs in the fewest keys; the newest on a tie."""
    if not priors:
        return None
    newest_first = sorted(priors, key=lambda p: p.created, reverse=True)
    return min(newest_first, key=lambda p: len(differences(p.config, config)))


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def targets(priors: Sequence[Prior]) -> list[dict[str, Any]]:
    """One row per metric: the best prior value and its run, a target, a kill threshold."""
    rows: list[dict[str, Any]] = []
    for name, _, higher, _ in METRICS:
        found = [(p.metrics[name], p.run) for p in priors if name in p.metrics]
        if not found:
            rows.append(
                {
                    "metric": name,
                    "baseline": None,
                    "source": None,
                    "target": "set in review (no prior run)",
                    "kill": "set in review (no prior run)",
                }
            )
            continue
        best, source = max(found) if higher else min(found)
        if name == "val_change_acc":
            target = f">{_percent(best + (1 - best) * ACC_GAIN)}"
            kill = f"<{_percent(best - ACC_KILL)} after epoch 1"
        elif name == "val_pos_mae":
            target, kill = f"<{best * MAE_TARGET:.3g}", f">{best * MAE_KILL:.3g}"
        else:
            target, kill = f"<{best * LOSS_TARGET:.3g}", "not decreasing after 5% of epoch 1"
        rows.append(
            {"metric": name, "baseline": best, "source": source, "target": target, "kill": kill}
        )
    return rows


def prior_rows(priors: Sequence[Prior], config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Prior Comparable Runs table, the most comparable first, then newest first."""
    ranked = sorted(
        sorted(priors, key=lambda p: p.created, reverse=True),
        key=lambda p: len(differences(p.config, config)),
    )
    rows = []
    for prior in ranked:
        changed = differences(prior.config, config)
        rows.append(
            {
                "run": prior.run,
                "manifest": prior.manifest,
                "games": prior.games,
                "epochs": prior.epochs,
                **{column: prior.metrics.get(name) for name, _, _, column in METRICS},
                "notes": (f"{len(changed)} config key(s) differ" if changed else "same config"),
            }
        )
    return rows
