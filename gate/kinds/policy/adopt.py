"""A hand-written Policy Run Card (the seed's template) as policy card data. Pure.

`FIELDS` maps each Field | Value row the template has (by the names teams give it) to
its schema path; the Distribution Match, Prior Baselines and Target Metrics tables and
the launch commands are read by column. What does not parse, and the time estimates
gate derives itself, are left out and listed (`gate.kinds.adoption`). Ticked sign-off
boxes stay prose.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gate.card import legacy_values as lv
from gate.kinds.adoption import (
    Adopted,
    Alias,
    Draft,
    common,
    config_path,
    repo_path,
    text,
)
from gate.kinds.adoption_parts import Column, commands, table_rows
from gate.kinds.policy import estimate
from gate.kinds.values import launch_flags, whole

if TYPE_CHECKING:
    from gate.card.legacy import LegacyCard
    from gate.config import Config

_CHECKPOINT = re.compile(r"checkpoint:?\s*`?(?P<name>[^\s`(),;]+)`?", re.IGNORECASE)
_FINGERPRINT = re.compile(r"fingerprint:?\s*`?(?P<hex>[0-9a-f]{12})`?", re.IGNORECASE)
DEVICES = ("mps", "cpu", "cuda")
COUNT, NUMBER = "a count", "a number"


def player(value: str) -> str | None:
    """`both`, `0`, `p1`, `player 1` -> the schema's "both" / "0" / "1"."""
    word = lv.plain(value).lower().replace("player", "").strip().removeprefix("p").strip()
    word = word.split()[0] if word else ""
    return word if word in ("0", "1", "both") else None


def device(value: str) -> str | None:
    """`mps`, `MPS (M3 Pro)`, `cuda:0` -> mps / cuda; anything else is None."""
    words = re.split(r"[\s:(]+", lv.plain(value).lower())
    return words[0] if words and words[0] in DEVICES else None


def hardware(value: str) -> str | None:
    """`MPS M3 Max (0.03 s/batch, table)` -> `MPS M3 Max` (the hardware row's label)."""
    return lv.plain(value).split(" (")[0].strip() or None


# section(s) -> the rows read there (then anywhere on the card)
FIELDS: tuple[tuple[tuple[str, ...], tuple[Alias, ...]], ...] = (
    (
        ("Distribution Match", "World Model"),
        (
            Alias("world_model.checkpoint", ("Checkpoint", "World model"), text, "a name"),
            Alias(
                "world_model.manifest", ("Manifest", "World-model manifest"), repo_path, "a path"
            ),
            Alias("world_model.games", ("World model games",), lv.count, COUNT),
        ),
    ),
    (
        ("Data",),
        (
            Alias("data.dataset", ("Dataset path", "Dataset"), lv.first_code, "a path"),
            Alias("data.games", ("Games",), lv.count, COUNT),
            Alias("data.est_total_frames", ("Est. total frames", "Total frames"), lv.count, COUNT),
            Alias("data.train_examples", ("Train examples",), lv.count, COUNT),
            Alias("data.val_examples", ("Val examples",), lv.count, COUNT),
            Alias("data.predict_player", ("Predict player", "Player"), player, "0, 1 or both"),
        ),
    ),
    (
        ("Model",),
        (
            Alias("model.architecture", ("Architecture", "Model"), text, "a name"),
            Alias("model.parameters", ("Parameters", "Params"), lv.count, COUNT),
            Alias(
                "model.context_len",
                ("Context len (K)", "Context len", "context_len", "K"),
                lv.count,
                COUNT,
            ),
            Alias("model.hidden_dim", ("Hidden dim", "hidden_dim"), lv.count, COUNT),
            Alias("model.trunk_dim", ("Trunk dim", "trunk_dim"), lv.count, COUNT),
            Alias("model.dropout", ("Dropout",), lv.number, NUMBER),
        ),
    ),
    (
        ("Training",),
        (
            Alias("training.epochs", ("Epochs",), lv.count, COUNT),
            Alias("training.batch_size", ("Batch size",), lv.count, COUNT),
            Alias("training.lr", ("Learning rate", "LR"), lv.number, NUMBER),
            Alias("training.weight_decay", ("Weight decay",), lv.number, NUMBER),
            Alias("training.optimizer", ("Optimizer",), text, "a name"),
            Alias("training.device", ("Device",), device, "mps, cpu or cuda"),
        ),
    ),
    (
        ("Timing",),
        (
            Alias("timing.hardware", ("Hardware",), hardware, "a hardware row"),
            Alias(
                "timing.batch_seconds",
                ("Est. batch speed", "Batch speed"),
                lv.seconds,
                "a duration",
            ),
            Alias("timing.batch_basis", ("Batch basis", "Speed basis"), text, "a text"),
            Alias(
                "timing.batches_per_epoch",
                ("Est. batches/epoch", "Batches per epoch"),
                lv.count,
                COUNT,
            ),
            Alias("timing.data_load_s", ("Est. data load", "Data load"), None),
            Alias("timing.epoch_s", ("Est. epoch time", "Epoch time"), None),
            Alias("timing.training_s", ("Est. total training", "Total training"), None),
            Alias("timing.wall_s", ("Est. total wall time", "Total wall time"), None),
        ),
    ),
)
BASELINES = (
    Column("run", ("Run",), text, "a name", required=True, nullable=False),
    Column("games", ("Games",), lv.count, COUNT),
    Column("player", ("Player",), player, "0 or 1"),
    Column("stick_mae", ("stick_mae",), lv.number, NUMBER),
    Column("btn_pressed_acc", ("btn_pressed_acc", "button_pressed_acc"), lv.ratio, "a fraction"),
    Column("val_loss", ("val_loss",), lv.number, NUMBER),
)
TARGETS = (
    Column("metric", ("Metric",), text, "a name", required=True, nullable=False),
    Column("baseline", ("Baseline",), lv.ratio, NUMBER),
    Column("target", ("Target",), text, "a target", required=True, nullable=False),
    Column("notes", ("Notes",), lv.plain),
)


def _covers(draft: Draft) -> None:
    """The config the `**Config**` header (or a `Config` row) names."""
    card = draft.card
    found = config_path(card, "Training", "Data", "Model")
    if found is None:
        draft.skip(
            "covers",
            card.line,
            "no `**Config**: `path`` line names the config this card covers: list it "
            "(and any launch script) in covers",
        )
    elif (path := repo_path(found.value)) is None:
        draft.skip("covers", found.line, f"`Config` is {found.value!r}: not a repository path")
    else:
        draft.put("covers", [path], found)


def _world_model(draft: Draft) -> None:
    """The Distribution Match table's `World model` row: its games, and the checkpoint
    (and manifest, fingerprint) its notes name."""
    section = draft.card.section("Distribution Match")
    draft.area("world_model", section)
    for table in section.tables if section is not None else ():
        what, scale, notes = (table.column(n) for n in ("Component", "Data scale", "Notes"))
        for row in table.rows if what is not None else ():
            cells = dict(enumerate(row.cells))
            if not lv.plain(cells.get(what or 0, "")).lower().startswith("world model"):
                continue
            draft.lines["world_model"] = row.line
            said = cells.get(scale, "") if scale is not None else ""
            games = lv.count(said)
            if games is not None:
                draft.put("world_model.games", games)
            elif said:
                draft.skip("world_model.games", row.line, f"data scale {said!r}: not a count")
            note = cells.get(notes, "") if notes is not None else ""
            checkpoint, fingerprint = _CHECKPOINT.search(note), _FINGERPRINT.search(note)
            manifest = [s for s in lv.code_spans(note) if s.endswith("manifest.json")]
            if checkpoint is not None:
                draft.put("world_model.checkpoint", checkpoint["name"])
            if manifest and repo_path(f"`{manifest[0]}`"):
                draft.put("world_model.manifest", manifest[0])
            if fingerprint is not None:
                draft.put("world_model.fingerprint", fingerprint["hex"])


def _launch(draft: Draft) -> None:
    """One launch command per player (`--predict-player 0|1`), as written."""
    found = []
    section = draft.card.section("Launch Commands", "Launch Command", "Launch")
    for command, line in commands(section):
        flags = launch_flags(command)
        if flags.get("--predict-player") not in ("0", "1"):
            draft.skip(
                "launch",
                line,
                "a launch command trains one player: this one passes no "
                "`--predict-player 0` or `1`; it is left out",
            )
            continue
        entry = {"player": flags["--predict-player"], "command": command}
        if "--save-dir" in flags:
            entry["save_dir"] = flags["--save-dir"]
        found.append(entry)
        draft.lines.setdefault("launch", line)
    if found:
        draft.put("launch", found)


def _consistent(draft: Draft) -> None:
    """The counts gate derives (`checks.arithmetic`) are kept only as the seed's
    formulas give them from the card's own inputs; one rounded by hand is listed."""
    games = whole(draft.value("data.games"))
    if games is None:
        return
    frames = estimate.total_frames(games)
    train = estimate.train_examples(frames)
    draft.derived("data.est_total_frames", frames, "games x 9,400")
    draft.derived("data.train_examples", train, "90% of the frames, rounded down")
    draft.derived("data.val_examples", estimate.val_examples(frames), "the other 10%")
    batch = whole(draft.value("training.batch_size"))
    if batch is not None:
        batches = estimate.batches_per_epoch(train, batch)
        draft.derived("timing.batches_per_epoch", batches, "train examples // batch size")


def adopt(card: LegacyCard, config: Config) -> Adopted:
    """The policy card data a hand-written Policy Run Card states."""
    draft = Draft(card, "policy")
    common(draft)
    _covers(draft)
    _world_model(draft)
    for sections, aliases in FIELDS:
        draft.fields(sections, aliases)
    _consistent(draft)
    table_rows(draft, "baselines", ("Prior Baselines", "Baselines"), BASELINES)
    table_rows(draft, "targets", ("Target Metrics", "Targets"), TARGETS)
    _launch(draft)
    after = card.section("After Training")
    if after is not None and after.bullets:
        draft.put("after_training", [lv.plain(b.text) for b in after.bullets])
    draft.data["signoff"] = []
    return draft.done()
