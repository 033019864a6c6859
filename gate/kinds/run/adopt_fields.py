"""What a hand-written Run Card's rows are called, and how their values read. Pure.

`fields` maps each Field | Value row of the team's template (by every name teams give
it) to its schema path and reader; `TARGETS` and `PRIOR_RUNS` do the same for the
columns of those tables. `None` as the reader marks a time or cost estimate: gate
derives it, so it is never copied (`gate.kinds.adoption`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gate.card import legacy_values as lv
from gate.kinds.adoption import Alias, repo_path, text
from gate.kinds.adoption_parts import Column
from gate.kinds.run import gpus

_TIMES = "[x\u00d7]"  # `2x H100`, `H100 \u00d72`
_COUNT_BEFORE = re.compile(rf"^(?P<count>\d+)\s*{_TIMES}\s*(?P<rest>\D.*)$")
_COUNT_AFTER = re.compile(rf"^(?P<rest>.+?)\s+{_TIMES}\s?(?P<count>\d+)$")
_SAMPLING = {  # the card's scheduled-sampling keys -> the words a card writes them as
    "noise": ("noise", "ss_noise_scale", "noise_scale"),
    "anneal_epochs": ("anneal", "anneal_epochs", "ss_anneal_epochs"),
    "corrupt_frames": ("corrupt", "corrupt_frames", "ss_corrupt_frames"),
}
COUNT, NUMBER = "a count", "a number"
Fields = tuple[tuple[tuple[str, ...], tuple[Alias, ...]], ...]


def gpu(value: str, table: Mapping[str, gpus.Gpu]) -> tuple[str, int] | None:
    """`A100-SXM4-40GB (Modal)` -> ("A100-40GB", 1); `H100:2`, `2x H100`, `H100 x2` -> 2
    GPUs. Only a name the GPU table knows (or one of its aliases) is a GPU."""
    head, count = lv.plain(value).split("(")[0].strip(), 1
    for pattern in (_COUNT_BEFORE, _COUNT_AFTER):
        if (match := pattern.match(head)) is not None:
            head, count = match["rest"].strip(), int(match["count"])
    name, _, spec = head.partition(":")
    if spec:
        if not spec.strip().isdigit() or int(spec) < 1:
            return None
        count = int(spec)
    for candidate in [name, *re.split(r"[\s,/]+", name)]:
        row = gpus.find(candidate, table) if candidate.strip() else None
        if row is not None:
            return row.name, count
    return None


def timeout(value: str) -> int | None:
    """A platform timeout in whole seconds (a bare number is seconds, as Modal takes it)."""
    found = lv.seconds(value, bare="s")
    return int(found) if found is not None and found == int(found) and found >= 1 else None


def sampling(value: str) -> dict[str, Any] | None:
    """`0.3 (noise=0.1, anneal=3ep, corrupt=3 frames)` -> rate, noise, anneal, corrupt;
    a key the text does not state stays out (the schema names it)."""
    rate = lv.number(value)
    if rate is None:
        return None
    pairs = {k.lower(): v for k, v in lv.key_values(value).items()}
    found: dict[str, Any] = {"rate": rate}
    for key, words in _SAMPLING.items():
        said = next((pairs[w] for w in words if w in pairs), None)
        q = lv.quantity(said) if said is not None else None
        if said is not None and q is None:
            return None
        if q is not None:
            found[key] = int(q.value) if q.value == int(q.value) else q.value
    return found


def weights(value: str) -> dict[str, float] | None:
    """`continuous=1.0, velocity=0.5` -> {term: weight}; `defaults` -> {} (none set)."""
    if lv.plain(value).lower() in ("default", "defaults"):
        return {}
    found = {k: lv.number(v) for k, v in lv.key_values(value).items()}
    if not found or any(v is None for v in found.values()):
        return None
    return {k: v for k, v in found.items() if v is not None}


def fields(table: Mapping[str, gpus.Gpu]) -> Fields:
    """Section(s) -> the rows read there (then anywhere on the card)."""
    dims = {
        "d_model": ("d_model", "Model width"),
        "n_layers": ("n_layers", "Layers"),
        "d_state": ("d_state", "State size"),
        "context_len": ("context_len (K)", "context_len", "Context len (K)", "Context len", "K"),
        "chunk_size": ("chunk_size (SSD)", "chunk_size", "Chunk size"),
        "headdim": ("headdim", "Head dim"),
    }
    known_gpu = "a GPU the GPU table knows (add [tool.gate.gpus.NAME])"
    ram, gb = ("System RAM", "RAM", "Memory"), "a size in GB"
    data = (
        Alias("data.encoded_file", ("Encoded file", "Data file"), lv.first_code, "a file", True),
        Alias("data.size_gb", ("File size", "Size", "Encoded size"), lv.gigabytes, gb),
        Alias("data.games", ("Games",), lv.count, COUNT),
        Alias("data.total_frames", ("Total frames", "Frames"), lv.count, COUNT),
        Alias("data.train_split", ("Train split",), lv.ratio, "a fraction"),
        Alias("data.train_examples", ("Train examples",), lv.count, COUNT),
        Alias("data.val_examples", ("Val examples",), lv.count, COUNT),
    )
    model = (
        Alias("model.architecture", ("Architecture", "Model"), text, "a name"),
        Alias("model.config", ("Config",), repo_path, "a repository path"),
        Alias("model.parameters", ("Parameters", "Params"), lv.count, COUNT, True),
        *(Alias(f"model.{key}", names, lv.count, COUNT, True) for key, names in dims.items()),
    )
    training = (
        Alias("training.epochs", ("Epochs",), lv.count, COUNT),
        Alias("training.batch_size", ("Batch size",), lv.count, COUNT),
        Alias("training.lr", ("Learning rate", "LR"), lv.number, NUMBER),
        Alias("training.weight_decay", ("Weight decay",), lv.number, NUMBER),
        Alias("training.optimizer", ("Optimizer",), text, "a name"),
        Alias("training.scheduled_sampling", ("Scheduled sampling",), sampling, "a rate", True),
        Alias("training.loss_weights", ("Loss weights",), weights, "term=weight pairs"),
    )
    infrastructure = (
        Alias("infrastructure.gpu", ("GPU", "GPUs"), lambda v: gpu(v, table), known_gpu),
        Alias("infrastructure.ram_gb", ram, lv.gigabytes, gb, True),
        Alias("infrastructure.num_workers", ("num_workers", "Workers"), lv.count, COUNT, True),
        Alias("infrastructure.timeout_s", ("Modal timeout", "Timeout"), timeout, "seconds"),
    )
    logging = (
        Alias("logging.log_interval", ("log_interval", "Log interval"), lv.count, COUNT, True),
        Alias("logging.logs_per_epoch", ("Logs per epoch",), lv.count, COUNT),
        Alias("logging.time_between_logs_s", ("Time between logs",), None),
        Alias("timing.batches_per_epoch", ("Batches per epoch", "Batches/epoch"), lv.count, COUNT),
    )
    timing = (
        Alias("timing.batch_seconds", ("Est. batch speed", "Batch speed"), lv.seconds, "a time"),
        Alias("timing.usd_per_hour", ("$/hour", "Price per hour"), lv.dollars, "dollars"),
        Alias("timing.gpu_label", ("GPU label", "Hardware"), text, "a label"),
        Alias("timing.batch_basis", ("Batch basis", "Speed basis"), text, "a text"),
        Alias("timing.epoch_s", ("Est. epoch time", "Epoch time"), None),
        Alias("timing.training_s", ("Est. total training", "Total training"), None),
        Alias("timing.data_load_s", ("Est. data load", "Data load"), None),
        Alias("timing.wall_s", ("Est. total wall time", "Total wall time"), None),
        Alias("timing.cost_usd", ("Est. cost", "Cost"), None),
        Alias("timing.recommended_timeout_s", ("Recommended timeout",), None),
        Alias("timing.timeout_margin", ("Timeout margin", "Safety margin"), None),
    )
    return (
        (("Data",), data),
        (("Model",), model),
        (("Training",), training),
        (("Infrastructure",), infrastructure),
        (("Logging & Monitoring", "Logging"), logging),
        (("Timing & Cost", "Timing"), timing),
    )


TARGETS = (
    Column("metric", ("Metric",), text, "a name", required=True, nullable=False),
    Column("baseline", ("Baseline",), lv.ratio, "a number (or none)", required=True),
    Column("source", ("Baseline",), lv.parenthesised, "a run"),
    Column("target", ("Target",), text, "a target", required=True, nullable=False),
    Column("kill", ("Kill threshold", "Kill"), text, "a threshold", required=True, nullable=False),
)
PRIOR_RUNS = (
    Column("run", ("Run",), text, "a name", required=True, nullable=False),
    Column("games", ("Data", "Games"), lv.count, COUNT),
    Column("epochs", ("Epochs",), lv.count, COUNT),
    Column("change_acc", ("change_acc",), lv.ratio, "a fraction"),
    Column("pos_mae", ("pos_mae",), lv.number, NUMBER),
    Column("val_loss", ("val_loss",), lv.number, NUMBER),
    Column("notes", ("Notes",), lv.plain),
)
