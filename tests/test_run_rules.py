"""The run kind's rules through their pure functions, on the committed example
(examples/worldmodel, mamba2-22k-ss): the facts are what gate reads from the example's
own files (its config by the YAML loader, its launch script by the decorator parser, the
comparable run's manifest), and each case asserts the finding a person sees: its line,
rule, severity and message."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gate.card.document import Card, parse
from gate.config import from_table
from gate.kinds.covered import CoveredConfigs
from gate.kinds.run.agreement import config_agreement
from gate.kinds.run.facts import ComparableFacts, LaunchFacts, RunFacts
from gate.kinds.run.rules import covers, launch, whats_new
from gate.sources import launch_script, yamlio

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "worldmodel"
CARD = "worldmodel/docs/run-cards/mamba2-22k-ss.md"
CONFIG = "worldmodel/experiments/mamba2-22k-ss.yaml"
SCRIPT = "worldmodel/scripts/modal_train.py"
COMPARABLE = "worldmodel/checkpoints/mamba2-k10-compare/manifest.json"
TEXT = (EXAMPLE / CARD).read_text(encoding="utf-8")
CONFIG_TEXT = (EXAMPLE / CONFIG).read_text(encoding="utf-8")
TEAM = from_table(
    tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["gate"],
    source="pyproject.toml",
)


def card(*edits: tuple[str, str]) -> Card:
    """The example card with each whole front-matter line `old` replaced by `new`."""
    lines = TEXT.split("\n")
    for old, new in edits:
        (index,) = [i for i, line in enumerate(lines) if line == old]
        lines[index] = new
    return parse(CARD, "\n".join(lines).encode())


def line(c: Card, text: str) -> int:
    """The 1-based line of the first line that is `text`."""
    return c.text.split("\n").index(text) + 1


def config(*edits: tuple[str, str]) -> dict[str, Any]:
    """The example config, each line `old` (stripped) replaced by `new`, as YAML reads it."""
    lines = CONFIG_TEXT.split("\n")
    for old, new in edits:
        (index,) = [i for i, line in enumerate(lines) if line.split("#")[0].strip() == old]
        lines[index] = new
    loaded: dict[str, Any] = yamlio.load_plain("\n".join(lines))
    return loaded


def facts(cfg: dict[str, Any] | None = None, **comparable: Any) -> RunFacts:
    source = (EXAMPLE / SCRIPT).read_text(encoding="utf-8")
    prior = json.loads((EXAMPLE / COMPARABLE).read_text(encoding="utf-8"))["config"]
    return RunFacts(
        CoveredConfigs({CONFIG: config() if cfg is None else cfg}),
        LaunchFacts(tuple(launch_script.modal_functions(source))),
        ComparableFacts(**(comparable or {"config": prior})),
    )


def messages(found: list) -> list[tuple[int, str]]:
    assert all((f.path, f.card) == (CARD, CARD) for f in found)
    return [(f.line, f.message) for f in found]


def test_the_example_card_agrees_with_its_files():
    c = card()
    assert config_agreement(c, facts()) == []
    assert covers(c) == []
    assert whats_new(c, facts()) == []


# -- config agreement (rule 8) -------------------------------------------------------------

DISAGREE = [
    (
        ("lr: 0.0005", "  lr: 0.001"),
        "  lr: 0.0005",
        f"training.lr: card says 0.0005 but {CONFIG} says 0.001 (and the launch command "
        "does not pass --lr)",
    ),
    (
        ("weight_decay: 0.00001", ""),  # the trainer's default: none
        "  weight_decay: 1.0e-05",
        f"training.weight_decay: card says 1e-05 but {CONFIG} says 0.0",
    ),
    (
        ("log_interval: 1000", ""),
        "  log_interval: 1000",
        f"logging.log_interval: card says 1000 but {CONFIG} says nothing (and the launch "
        "command does not pass --log-interval)",
    ),
    (
        ("train_split: 0.9", "  train_split: 0.8"),
        "  train_split: 0.9",
        f"data.train_split: card says 0.9 but {CONFIG} says 0.8",
    ),
    (
        ("device: null", "  num_workers: 4"),
        "  num_workers: null",
        f"infrastructure.num_workers: card says None but {CONFIG} says 4",
    ),
    (
        ("d_model: 384", "  d_model: 512"),
        "  d_model: 384",
        f"model.d_model: card says 384 but {CONFIG} says 512",
    ),
    (
        ("ss_noise_scale: 0.1", "  ss_noise_scale: 0.2"),
        "    noise: 0.1",
        f"training.scheduled_sampling.noise: card says 0.1 but {CONFIG} says 0.2",
    ),
    (
        ("scheduled_sampling: 0.3", "  scheduled_sampling: 0.5"),
        "    rate: 0.3",
        f"training.scheduled_sampling.rate: card says 0.3 but {CONFIG} says 0.5",
    ),
    (
        ("ss_anneal_epochs: 3", "  ss_anneal_epochs: 2"),
        "    anneal_epochs: 3",
        f"training.scheduled_sampling.anneal_epochs: card says 3 but {CONFIG} says 2",
    ),
    (
        ("ss_corrupt_frames: 3", "  ss_corrupt_frames: 5"),
        "    corrupt_frames: 3",
        f"training.scheduled_sampling.corrupt_frames: card says 3 but {CONFIG} says 5",
    ),
    (
        ("jumps: 0.5", ""),  # a weight the card has and the config does not
        "    jumps: 0.5",
        f"training.loss_weights.jumps: card says 0.5 but {CONFIG} says nothing",
    ),
    (
        ("device: null", "  num_workers: 'None'"),  # text, not the card's nothing
        "  num_workers: null",
        f"infrastructure.num_workers: card says None but {CONFIG} says 'None'",
    ),
    (
        ("action: 2.0", "  action: 1.0"),
        "    action: 2.0",
        f"training.loss_weights.action: card says 2.0 but {CONFIG} says 1.0",
    ),
]


@pytest.mark.parametrize(("edit", "at", "message"), DISAGREE)
def test_each_copied_value_the_config_contradicts_is_named_on_the_cards_line(edit, at, message):
    c = card()
    assert messages(config_agreement(c, facts(config(edit)))) == [(line(c, at), message)]
    assert config_agreement(c, facts(config(edit)))[0].rule == "config"


@pytest.mark.parametrize(
    "edit",
    [
        ("train_split: 0.9", ""),  # the trainer's default split
        ("lr: 0.0005", "  lr: 5.0e-4"),  # the same number, written otherwise
        ("batch_size: 1024", "  batch_size: '1024'"),
        ("d_model: 384", "  d_model: 384.0"),
    ],
)
def test_a_config_that_says_the_same_thing_otherwise_agrees(edit):
    assert config_agreement(card(), facts(config(edit))) == []


def test_without_a_launch_flag_the_configs_epochs_count_under_either_name():
    at = TEXT.index("\nlaunch:\n")  # the front matter's launch command, without --epochs
    c = parse(CARD, (TEXT[:at] + TEXT[at:].replace("--epochs 3 ", "", 1)).encode())
    assert config_agreement(c, facts()) == []  # num_epochs: 3
    assert config_agreement(c, facts(config(("num_epochs: 3", "  epochs: 3")))) == []
    assert messages(config_agreement(c, facts(config(("num_epochs: 3", "  epochs: 2"))))) == [
        (
            line(c, "  epochs: 3"),
            f"training.epochs: card says 3 but {CONFIG} says 2 (and the launch command does "
            "not pass --epochs)",
        )
    ]


def test_a_value_that_is_no_number_is_compared_as_written():
    c = card(("  d_model: 384", "  d_model: wide"))
    assert config_agreement(c, facts(config(("d_model: 384", "  d_model: wide")))) == []
    assert messages(config_agreement(c, facts(config(("d_model: 384", "  d_model: narrow"))))) == [
        (line(c, "  d_model: wide"), f"model.d_model: card says 'wide' but {CONFIG} says 'narrow'")
    ]


def test_a_launch_flag_wins_over_the_config_and_must_agree_with_the_card():
    """The command passes --epochs 3: the config's 5 is overridden; --epochs 4 is not
    what the card says."""
    assert config_agreement(card(), facts(config(("num_epochs: 3", "  num_epochs: 5")))) == []
    at = TEXT.index("\nlaunch:\n")  # the front matter's launch command
    c = parse(CARD, (TEXT[:at] + TEXT[at:].replace("--epochs 3", "--epochs 4", 1)).encode())
    assert messages(config_agreement(c, facts())) == [
        (line(c, "  epochs: 3"), "training.epochs: card says 3 but the launch command passes --epochs 4")
    ]  # fmt: skip


def test_an_mlps_dimensions_are_compared_only_when_the_card_records_them():
    with_mlp = config(("d_model: 384", "  d_model: 384\n  hidden_dim: 1024"))
    assert config_agreement(card(), facts(with_mlp)) == []
    c = card(("  d_model: 384", "  d_model: 384\n  hidden_dim: 512"))
    assert messages(config_agreement(c, facts(with_mlp))) == [
        (line(c, "  hidden_dim: 512"), f"model.hidden_dim: card says 512 but {CONFIG} says 1024")
    ]


def test_a_config_number_too_large_for_a_float_disagrees_without_failing():
    c = card()
    huge = config(("d_model: 384", "  d_model: " + "9" * 400))
    assert [m.split(" but ")[0] for _, m in messages(config_agreement(c, facts(huge)))] == [
        "model.d_model: card says 384"
    ]


def test_a_card_whose_config_is_not_covered_compares_nothing():
    c = card(("  config: worldmodel/experiments/mamba2-22k-ss.yaml", "  config: other.yaml"))
    assert config_agreement(c, facts(config(("lr: 0.0005", "  lr: 0.001")))) == []


def test_a_covered_config_that_cannot_be_read_is_named_on_covers():
    c = card()
    unread = RunFacts(
        CoveredConfigs({}, {CONFIG: "not a mapping"}), LaunchFacts(), ComparableFacts()
    )
    assert messages(config_agreement(c, unread)) == [
        (line(c, "covers:"), f"covered config {CONFIG!r} cannot be read: not a mapping")
    ]


# -- covers ---------------------------------------------------------------------------------


def test_a_config_or_launch_script_missing_from_covers_is_named_on_its_own_line():
    c = card((f"- {CONFIG}", "- other.yaml"), (f"- {SCRIPT}::train", "- other.py"))
    assert messages(covers(c)) == [
        (
            line(c, f"  config: {CONFIG}"),
            f"model.config {CONFIG!r} is not in covers: add {CONFIG!r}, so an edit to it "
            "makes the approvals stale",
        ),
        (
            line(c, f"  launch_script: {SCRIPT}"),
            f"infrastructure.launch_script {SCRIPT!r} is not in covers: add "
            f"'{SCRIPT}::train' or {SCRIPT!r}, so an edit to it makes the approvals stale",
        ),
    ]
    assert {f.rule for f in covers(c)} == {"covers"}


def test_the_whole_launch_script_in_covers_covers_its_function():
    assert covers(card((f"- {SCRIPT}::train", f"- {SCRIPT}"))) == []


# -- What's New ----------------------------------------------------------------------------


def test_a_key_whats_new_does_not_name_is_a_warning_on_whats_new():
    c = card(("- key: training.num_epochs", "- key: training.epochs"))
    (found,) = whats_new(c, facts())
    assert (found.line, found.rule, found.severity) == (
        line(c, "whats_new:"),
        "flag:config-diff",
        "warning",
    )
    assert found.message == (
        "the config differs from the comparable run mamba2-k10-compare in key(s) What's New "
        "does not name: training.num_epochs (2 -> 3); regenerate the card"
    )  # fmt: skip


def test_a_comparable_manifest_gate_cannot_read_is_a_warning_on_its_line():
    c = card()
    (found,) = whats_new(c, facts(problem="it is not in the commit"))
    assert (found.line, found.rule, found.severity, found.message) == (
        line(c, f"  manifest: {COMPARABLE}"),
        "flag:config-diff",
        "warning",
        "it is not in the commit: What's New cannot be checked",
    )


# -- the launch script's decorator -------------------------------------------------------

SOURCE = (EXAMPLE / SCRIPT).read_text(encoding="utf-8")
AGAIN = "regenerate the card (`gate generate --kind run --force`) and ask for review again"
LAUNCHES = [
    (
        ('gpu="A100"', 'gpu="H100"'),
        "  gpu: A100-40GB",
        f'GPU changed: the card says A100-40GB but the launch script {SCRIPT}:35 (@train) now '
        f'says gpu="H100" (H100): {AGAIN}',
    ),
    (
        ('gpu="A100"', 'gpu="A100:2"'),
        "  gpu: A100-40GB",
        f'GPU changed: the card says A100-40GB but the launch script {SCRIPT}:35 (@train) now '
        f'says gpu="A100:2" (A100-40GB:2): {AGAIN}',
    ),
    (
        ('    gpu="A100",\n', ""),
        "  gpu: A100-40GB",
        f"GPU changed: the card says A100-40GB but the launch script {SCRIPT}:34 (@train) now "
        f"says no gpu= (CPU only) (CPU): {AGAIN}",
    ),
    (
        ('gpu="A100"', "gpu=pick()"),
        "  gpu: A100-40GB",
        f"the card's GPU cannot be checked: {SCRIPT}:35 (@train): cannot read gpu=pick() "
        "without running the script: write it as a literal",
    ),
    (
        ("timeout=86400", "timeout=43200"),
        "  timeout_s: 86400",
        f"timeout changed: the card says 86,400 s but the launch script {SCRIPT}:38 (@train) "
        "now says timeout=43200: regenerate the card and ask for review again",
    ),
    (
        ("    timeout=86400,\n", ""),
        "  timeout_s: 86400",
        f"timeout changed: the card says 86,400 s but the launch script {SCRIPT}:34 (@train) "
        "now says no timeout= (Modal's default, 300 s): regenerate the card and ask for review "
        "again",
    ),
    (
        ("timeout=86400", "timeout=T"),
        "  timeout_s: 86400",
        f"the card's timeout cannot be checked: {SCRIPT}:38 (@train): cannot read timeout=T (T "
        "is not bound in the script) without running the script: write it as a literal",
    ),
]  # fmt: skip


def launched(source: str) -> RunFacts:
    functions = LaunchFacts(tuple(launch_script.modal_functions(source)))
    return RunFacts(CoveredConfigs({}), functions, ComparableFacts())


@pytest.mark.parametrize(("edit", "at", "message"), LAUNCHES)
def test_a_launch_script_that_no_longer_says_what_the_card_says_is_named(edit, at, message):
    c = card()
    found = launch(c, launched(SOURCE.replace(*edit, 1)), TEAM)
    assert [(f.line, f.rule, f.severity, f.message) for f in found] == [
        (line(c, at), "launch", "error", message)
    ]


def test_the_gpu_count_is_part_of_the_gpu_and_an_alias_is_its_gpu():
    two = card(("  gpu_count: 1", "  gpu_count: 2"))
    assert launch(two, launched(SOURCE.replace('gpu="A100"', 'gpu="A100:2"')), TEAM) == []
    (found,) = launch(two, launched(SOURCE), TEAM)
    assert found.message.startswith("GPU changed: the card says A100-40GB:2 but the launch ")
    assert launch(card(("  gpu: A100-40GB", "  gpu: a100")), launched(SOURCE), TEAM) == []
    assert launch(card(("  gpu_count: 1", "")), launched(SOURCE), TEAM) == []  # one GPU


def test_a_card_without_a_timeout_has_none_compared():
    assert launch(card(("  timeout_s: 86400", "  timeout_s: null")), launched(SOURCE), TEAM) == []


def test_a_launch_script_gate_could_not_read_is_named_on_the_launch_script_line():
    c = card()
    broken = RunFacts(CoveredConfigs({}), LaunchFacts(problem="not UTF-8"), ComparableFacts())
    assert [(f.line, f.message) for f in launch(c, broken, TEAM)] == [
        (line(c, f"  launch_script: {SCRIPT}"), "not UTF-8")
    ]
    unread = RunFacts(CoveredConfigs({}), LaunchFacts(), ComparableFacts())
    assert launch(c, unread, TEAM) == []


def test_the_card_and_config_agree_on_num_workers_when_both_say_it():
    c = card(("  num_workers: null", "  num_workers: 4"))
    assert config_agreement(c, facts(config(("device: null", "  num_workers: 4")))) == []


def test_a_model_config_that_is_no_path_compares_nothing():
    c = card(("  config: worldmodel/experiments/mamba2-22k-ss.yaml", "  config: [a, b]"))
    assert config_agreement(c, facts()) == []


def test_a_launch_function_the_script_lacks_is_named_on_its_line():
    c = card(("  launch_function: train", "  launch_function: fit"))
    assert [(f.line, f.rule, f.message) for f in launch(c, launched(SOURCE), TEAM)] == [
        (
            line(c, "  launch_function: fit"),
            "launch",
            f"launch script {SCRIPT!r} has no Modal function 'fit' (decorated functions: "
            "check_volume, train, pre_encode, train_policy)",
        )
    ]


def test_a_launch_function_that_is_no_name_is_picked_by_its_gpu():
    """`launch_function: 5` names nothing: the function is the one asking for a GPU, and
    this script has two."""
    c = card(("  launch_function: train", "  launch_function: 5"))
    (found,) = launch(c, launched(SOURCE), TEAM)
    assert found.message.startswith(
        f"launch script {SCRIPT!r} has 2 functions with gpu= (train, train_policy)"
    )


def test_a_launch_script_problem_is_a_launch_error():
    broken = RunFacts(CoveredConfigs({}), LaunchFacts(problem="not UTF-8"), ComparableFacts())
    assert [(f.rule, f.severity) for f in launch(card(), broken, TEAM)] == [("launch", "error")]


def test_covers_that_is_no_list_covers_nothing():
    c = card(("covers:", "covers: null"), (f"- {CONFIG}", ""), (f"- {SCRIPT}::train", ""))
    assert [f.line for f in covers(c)] == [
        line(c, f"  config: {CONFIG}"),
        line(c, f"  launch_script: {SCRIPT}"),
    ]


def test_a_card_without_a_model_config_still_has_its_launch_script_checked():
    c = card((f"  config: {CONFIG}", "  config: null"), (f"- {SCRIPT}::train", "- x.py"))
    assert [f.line for f in covers(c)] == [line(c, f"  launch_script: {SCRIPT}")]


@pytest.mark.parametrize("path", ["[a]", "other.yaml"])
def test_whats_new_is_checked_only_against_the_covered_config(path):
    assert whats_new(card((f"  config: {CONFIG}", f"  config: {path}")), facts()) == []


def test_a_whats_new_that_is_no_list_names_every_difference():
    c = card(
        ("whats_new:", "whats_new: null"),
        *[(row, "") for row in ("- key: data.games", "  prior: 2000", "  now: 22000", "- key: training.num_epochs")],
        *[(row, "") for row in ("  prior: 2", "  now: 3", "- key: training.scheduled_sampling", "  prior: 0.0", "  now: 0.3")],
    )  # fmt: skip
    (found,) = whats_new(c, facts())
    assert found.message == (
        "the config differs from the comparable run mamba2-k10-compare in key(s) What's New "
        "does not name: training.num_epochs (2 -> 3), training.scheduled_sampling (0.0 -> 0.3); "
        "regenerate the card"
    )
