"""A hand-written world-model Run Card as run card data. Pure.

`fields` maps each Field | Value row the team's template has (by the names teams
give it) to its schema path; the GPU is recognised through the GPU table (names and
aliases, `[tool.gate.gpus]` included). Target Metrics and Prior Comparable Runs are
read by column, the launch script and function from the launch command. What does
not parse, prose gate cannot turn into data (What's New), and the time and cost
estimates gate derives itself are left out and listed (`gate.kinds.adoption`).
Ticked sign-off boxes stay prose.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gate.card import legacy_values as lv
from gate.kinds.adoption import (
    Adopted,
    Draft,
    common,
    config_path,
    repo_path,
)
from gate.kinds.adoption_parts import bullet, commands, table_rows
from gate.kinds.run import estimate, gpus
from gate.kinds.run.adopt_fields import PRIOR_RUNS, TARGETS, fields
from gate.kinds.values import number, whole

if TYPE_CHECKING:
    from gate.card.legacy import LegacyCard
    from gate.config import Config

_SCRIPT = re.compile(r"(?P<script>[\w./-]+\.py)(?:::(?P<function>\w+))?")


def _derived(draft: Draft) -> None:
    """What the rows read imply, as the card writes it: a `~` size or frame count is
    an estimate; `90%` in Train examples is the split; `2x H100` is two GPUs."""
    written, data = draft.written, draft.data.get("data", {})
    if "size_gb" in data:
        draft.put("data.size_estimated", lv.approximate(written["data.size_gb"]))
    if "total_frames" in data:
        said = written["data.total_frames"]
        draft.put("data.frames_estimated", lv.approximate(said) or "9,400/game" in said)
    if "train_split" not in data and "train_examples" in data:
        share = lv.percent_anywhere(written["data.train_examples"])
        if share is not None:
            draft.put("data.train_split", share)
            draft.lines["data.train_split"] = draft.lines["data.train_examples"]
    found = draft.data.get("infrastructure", {}).get("gpu")
    if isinstance(found, tuple):
        draft.put("infrastructure.gpu", found[0])
        draft.put("infrastructure.gpu_count", found[1])
        draft.lines["infrastructure.gpu_count"] = draft.lines["infrastructure.gpu"]
    if "config" not in draft.data.get("model", {}):
        header = config_path(draft.card)
        path = repo_path(header.value) if header is not None else None
        if path is not None and header is not None:
            draft.put("model.config", path, header)


def _consistent(draft: Draft) -> None:
    """The counts gate derives (`checks.arithmetic`) are kept only as the formulas give
    them from the card's own inputs; a number rounded by hand is listed instead."""
    data = draft.data.get("data", {})
    games, frames = whole(data.get("games")), whole(data.get("total_frames"))
    if games is not None and data.get("frames_estimated") is True:
        draft.derived("data.total_frames", estimate.total_frames(games), "games x 9,400")
        frames = whole(draft.value("data.total_frames"))
    if frames is not None and data.get("size_estimated") is True:
        want = estimate.estimated_gb(frames)
        draft.derived("data.size_gb", want, "the 22K file's GB per frame", within=0.05)
    split = number(data.get("train_split"))
    if frames is None or split is None or not 0 < split < 1:
        return
    train = estimate.train_examples(frames, split)
    draft.derived("data.train_examples", train, "total frames x train split, rounded down")
    draft.derived("data.val_examples", frames - train, "total frames - train examples")
    batch = whole(draft.value("training.batch_size"))
    if batch is None:
        return
    batches = estimate.batches_per_epoch(train, batch)
    draft.derived("timing.batches_per_epoch", batches, "train examples // batch size")
    interval = whole(draft.value("logging.log_interval"))
    if interval is not None:
        logs = estimate.logs_per_epoch(batches, interval)
        draft.derived("logging.logs_per_epoch", logs, "batches per epoch // log_interval")


def _launch(draft: Draft) -> None:
    """The launch command, and the launch script and function it runs (`modal run
    path.py::function`); a command that runs no `.py` script has none."""
    card = draft.card
    section = card.section("Launch Command", "Launch Commands", "Launch")
    found = commands(section)
    draft.area("launch", section)
    if found:
        command, line = found[0]
        draft.put("launch.command", command)
        draft.lines["launch.command"] = draft.lines["launch"] = line
        if len(found) > 1:
            draft.note(line, f"{len(found)} commands: the first is the card's launch command")
    named = card.field("Launch script", sections=("Infrastructure",))
    said = lv.plain(named.value).replace(" ", "") if named is not None else None
    match = _SCRIPT.search(said or (found[0][0] if found else ""))
    where = named.line if named is not None else (found[0][1] if found else 0)
    if match is not None:
        draft.put("infrastructure.launch_script", match["script"].removeprefix("./"))
        draft.put("infrastructure.launch_function", match["function"])
    elif found or (named is not None and lv.nothing(named.value)):
        draft.put("infrastructure.launch_script", None)
        draft.put("infrastructure.launch_function", None)
    for key in ("launch_script", "launch_function"):
        draft.lines[f"infrastructure.{key}"] = where


def _wandb(draft: Draft) -> None:
    """The wandb row: `entity/project` and the run name (in backticks), or none."""
    row = draft.card.field("wandb", "W&B", "Weights & Biases", sections=("Infrastructure",))
    spans = lv.code_spans(row.value) if row is not None else []
    if row is not None and lv.nothing(row.value):
        draft.put("infrastructure.wandb_project", None, row)
        draft.put("infrastructure.wandb_run", None, row)
    elif row is not None and spans:
        draft.put("infrastructure.wandb_project", spans[0], row)
        if len(spans) > 1:
            draft.put("infrastructure.wandb_run", spans[1], row)
    elif row is not None:
        draft.skip(
            "infrastructure.wandb_project", row.line, f"wandb {row.value!r}: not `entity/project`"
        )


def _escape(draft: Draft) -> None:
    """`- Kill if ...` bullets, a `- Resume: ...` command, `- Fallback: ...`."""
    section = draft.card.section("Escape Hatches", "Escape Hatch")
    draft.area("escape_hatches", section)
    if section is None:
        return
    kill = []
    for item in section.bullets:
        said = lv.plain(item.text)
        if said.lower().startswith("kill if"):
            kill += [p.strip() for p in said[7:].lstrip(" :").split("; ") if p.strip()]
    draft.put("escape_hatches.kill", kill)
    resume = bullet(section, "Resume command", "Resume")
    if resume is not None:
        spans, code = lv.code_spans(resume[0]), commands(section)
        command = spans[0] if spans else (code[0][0] if code else lv.plain(resume[0]))
        if command:
            draft.put("escape_hatches.resume", command)
            draft.lines["escape_hatches.resume"] = resume[1]
    fallback = bullet(section, "Fallback plan", "Fallback")
    if fallback is not None and fallback[0]:
        draft.put("escape_hatches.fallback", lv.plain(fallback[0]))
        draft.lines["escape_hatches.fallback"] = fallback[1]


def _whats_new(draft: Draft) -> None:
    section = draft.card.section("What's New in This Run", "What's New", "Whats New")
    draft.area("whats_new", section)
    if section is None:
        return
    said = " ".join(p.text for p in section.paragraphs).lower()
    if not section.bullets and "no prior run" in said:
        draft.put("whats_new", [])
        draft.put("comparable", None)
        draft.lines["comparable"] = section.line
        return
    draft.skip(
        "whats_new",
        section.line,
        "What's New is prose on the hand-written card: gate lists each config key that "
        "differs from the comparable run (`key`, `prior`, `now`); the prose is kept",
    )


def _covers(draft: Draft) -> None:
    """The config and the launched function (or the whole launch script)."""
    model, infra = draft.data.get("model", {}), draft.data.get("infrastructure", {})
    script, function = infra.get("launch_script"), infra.get("launch_function")
    launched = f"{script}::{function}" if script and function else script
    listed = list(dict.fromkeys(c for c in (model.get("config"), launched) if isinstance(c, str)))
    if listed:
        draft.put("covers", listed)
        draft.lines["covers"] = draft.lines.get("model.config", draft.card.line)
    else:
        draft.skip(
            "covers",
            draft.card.line,
            "no config (`**Config**`) or launch script is named: list what this card covers",
        )


def adopt(card: LegacyCard, config: Config) -> Adopted:
    """The run card data a hand-written Run Card states."""
    draft = Draft(card, "run")
    common(draft)
    _launch(draft)
    for sections, aliases in fields(gpus.gpu_table(config.gpus)):
        draft.fields(sections, aliases)
    _derived(draft)
    _consistent(draft)
    _wandb(draft)
    _escape(draft)
    table_rows(draft, "targets", ("Target Metrics", "Targets"), TARGETS)
    table_rows(draft, "prior_runs", ("Prior Comparable Runs", "Prior Runs"), PRIOR_RUNS)
    draft.area("comparable", card.section("Prior Comparable Runs", "Prior Runs"))
    _whats_new(draft)
    _covers(draft)
    concerns = card.section("Concerns")
    flags = [
        {"code": code.strip("* "), "message": message.strip()}
        for code, _, message in (lv.plain(b.text).partition(":") for b in concerns.bullets)
    ] if concerns is not None else []  # fmt: skip
    draft.put("flags", flags)  # the concerns the card records (none: no Concerns section)
    draft.data["signoff"] = []
    return draft.done()
