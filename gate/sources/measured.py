"""What a finished run measured, read from where the training code records it: a
checkpoint `manifest.json`, a local wandb run folder, or a wandb run on the cloud API.

Every reader returns one `Measured` record (raw numbers, nothing derived from a card);
`gate.kinds.results` turns it into a card's `results` entry. What each source holds:

- manifest: `all_epochs[].time` (seconds of each epoch; also `time_s`, `epoch_time_s`),
  `config.data.train_examples` // `config.training.batch_size` batches per epoch,
  optional `data_load_s` / `wall_s` / `exit_reason` (top level or under `timing`), and
  `results` (the last epoch's metrics).
- wandb (summary keys): `_runtime` (the wall time), `epoch` (epochs done),
  `global_step` (batches done), `epoch_time_s`, `batch_seconds`, `data_load_s` (also
  under `timing/`), every other number as a final metric; the run's state and exit code
  as its exit reason.

wandb is imported only inside the functions that read its runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from gate.errors import GateError

EPOCH_TIME_KEYS = ("time", "time_s", "epoch_time_s", "epoch_s")
# summary keys wandb runs log their timing under (the first found wins)
WANDB_TIMING = {
    "epoch_s": ("epoch_time_s", "timing/epoch_s", "timing/epoch_time_s"),
    "batch_seconds": ("batch_seconds", "timing/batch_s", "timing/batch_seconds"),
    "data_load_s": ("data_load_s", "timing/data_load_s"),
    "batches": ("global_step", "batches", "timing/batches"),
}
NOT_METRICS = frozenset({"epoch", *(key for keys in WANDB_TIMING.values() for key in keys)})


class Measured(NamedTuple):
    """One finished run as its source recorded it; None: the source does not say."""

    source: str  # the manifest's path, the run folder, or `wandb:ENTITY/PROJECT/ID`
    run: str | None  # the run's name where the source records it
    epochs: int | None  # epochs completed
    epoch_times: tuple[float, ...]  # seconds of each epoch, where recorded
    batches_per_epoch: int | None
    batches: int | None  # batches run in all
    batch_seconds: float | None  # logged directly by the training code
    epoch_s: float | None  # a logged epoch time (when each epoch's is not recorded)
    data_load_s: float | None
    wall_s: float | None
    exit_reason: str | None
    metrics: Mapping[str, float]
    batch_size: int | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _section(document: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    node: Any = document
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _metrics(values: Mapping[str, Any]) -> dict[str, float]:
    return {
        str(k): float(v)
        for k, v in values.items()
        if not str(k).startswith("_") and k not in NOT_METRICS and _number(v) is not None
    }


def from_manifest(where: str, raw: bytes) -> Measured:
    """A checkpoint manifest's measured run; `GateError` naming `where` when unusable."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GateError(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise GateError(f"{where}: nested too deeply to read") from None
    if not isinstance(document, dict):
        raise GateError(f"{where}: not a JSON object")
    epochs = document.get("all_epochs")
    rows = [e for e in epochs if isinstance(e, Mapping)] if isinstance(epochs, list) else []
    times: list[float] = []
    for number, row in enumerate(rows, start=1):
        found = [_number(row.get(k)) for k in EPOCH_TIME_KEYS if k in row]
        if found and found[0] is not None:
            times.append(found[0])
        elif found:
            raise GateError(
                f"{where}: all_epochs[{number - 1}]: the epoch's time must be seconds >= 0"
            )
    config = _section(document, "config")
    train = _whole(_section(config, "data").get("train_examples"))
    batch_size = _whole(_section(config, "training").get("batch_size"))
    per_epoch = train // batch_size if train is not None and batch_size else None
    timing = {**_section(document, "timing"), **document}
    results = _section(document, "results")
    done = _whole(results.get("epoch")) or (len(rows) or None)
    planned = _whole(_section(config, "training").get("num_epochs"))
    reason = timing.get("exit_reason")
    if not isinstance(reason, str):
        reason = None
        if done is not None and planned is not None:
            reason = "completed" if done >= planned else f"stopped after {done} of {planned} epochs"
    name = document.get("run_name")
    return Measured(
        source=where,
        run=name if isinstance(name, str) and name else None,
        epochs=done,
        epoch_times=tuple(times),
        batches_per_epoch=_whole(timing.get("batches_per_epoch")) or per_epoch,
        batches=None,
        batch_seconds=None,
        epoch_s=None,
        data_load_s=_number(timing.get("data_load_s")),
        wall_s=_number(timing.get("wall_s")),
        exit_reason=reason,
        metrics=_metrics(results),
        batch_size=batch_size,
    )


def _first(summary: Mapping[str, Any], keys: Iterable[str]) -> float | None:
    for key in keys:
        value = _number(summary.get(key))
        if value is not None:
            return value
    return None


def from_summary(
    source: str,
    *,
    name: str | None,
    config: Mapping[str, Any],
    summary: Mapping[str, Any],
    exit_reason: str | None,
) -> Measured:
    """A wandb run (local or cloud) from its config and summary."""
    batches = _first(summary, WANDB_TIMING["batches"])
    epochs = _number(summary.get("epoch"))
    return Measured(
        source=source,
        run=name,
        epochs=int(epochs) if epochs is not None else None,
        epoch_times=(),
        batches_per_epoch=None,
        batches=int(batches) if batches is not None else None,
        batch_seconds=_first(summary, WANDB_TIMING["batch_seconds"]),
        epoch_s=_first(summary, WANDB_TIMING["epoch_s"]),
        data_load_s=_first(summary, WANDB_TIMING["data_load_s"]),
        wall_s=_number(summary.get("_runtime")),
        exit_reason=exit_reason,
        metrics=_metrics(summary),
        batch_size=_whole(_section(config, "training").get("batch_size")),
    )


def from_wandb_folder(folder: Path) -> Measured:
    """A local wandb run folder (`wandb/run-*` or `wandb/offline-run-*`), read with
    wandb's own reader."""
    from gate.sources import wandb_runs

    if not folder.is_dir():
        raise GateError(f"{folder}: not a wandb run folder (no such directory)")
    problems: list[str] = []
    facts = wandb_runs.read_local_run(folder, problems)
    if facts is None:
        raise GateError(f"{folder}: not a readable wandb run: {'; '.join(problems)}")
    return from_summary(
        str(folder),
        name=facts.name,
        config=dict_of(facts.config),
        summary=dict_of(facts.summary),
        exit_reason=facts.exit,
    )


def dict_of(values: Any) -> dict[str, Any]:
    if isinstance(values, Mapping):
        return dict(values)
    items = getattr(values, "items", None)
    return dict(items()) if callable(items) else {}


class ApiRun(Protocol):
    """What gate reads of one `wandb.apis.public.Run`."""

    @property
    def name(self) -> str | None: ...
    @property
    def config(self) -> Any: ...
    @property
    def summary(self) -> Any: ...
    @property
    def state(self) -> str | None: ...


class RunApi(Protocol):
    """`wandb.Api()`'s `run(path)` (the cloud; a fake in tests)."""

    def run(self, path: str) -> ApiRun: ...


def wandb_api() -> RunApi:
    """The real `RunApi`: `wandb.Api()` (the `wandb` extra)."""
    try:
        import wandb
    except ImportError as exc:
        raise GateError(
            "reading a wandb run path needs wandb: pip install 'gate-runcards[wandb]'"
        ) from exc
    api: RunApi = wandb.Api(timeout=20)
    return api


def from_wandb_api(path: str, api: RunApi) -> Measured:
    """A run on wandb's cloud, `ENTITY/PROJECT/RUN_ID`."""
    try:
        run = api.run(path)
        config, summary = dict_of(run.config), dict_of(run.summary)
        name, state = run.name, getattr(run, "state", None)
    except GateError:
        raise
    except Exception as exc:  # the API's own errors (not found, no network, no key)
        raise GateError(f"wandb:{path}: could not read the run ({exc})") from None
    return from_summary(
        f"wandb:{path}", name=name, config=config, summary=summary, exit_reason=state
    )
