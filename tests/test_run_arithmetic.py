"""A run card's own arithmetic (gate.kinds.run.checks.arithmetic), on the committed
example card (examples/worldmodel, mamba2-22k-ss): every derived number a person edits
by hand is named on its own line with the number the team's checklist gives from the
card's inputs; an edited input names every number that no longer follows from it.

The checklist's numbers, by hand: 206,754,081 frames x 0.9 = 186,078,672 train and
20,675,409 val examples; // 1,024 = 181,717 batches; x 0.06 s = 10,903.02 s per epoch;
x 3 epochs = 32,709.06 s; 74.4 GB x 180 s = 13,392 s of data load; 46,101.06 s of wall
time; 32,709.06 s / 3,600 x $2.78 = $25.26; x 3 = 138,303.18, up to 138,304 s of
timeout; 86,400 / 46,101.06 = 1.87 margin; 1,000 x 0.06 = 60 s between logs, 181 logs
per epoch.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gate.card.document import parse
from gate.card.findings import Finding
from gate.config import Config, from_table
from gate.kinds.run.checks import arithmetic

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "worldmodel"
CARD = "worldmodel/docs/run-cards/mamba2-22k-ss.md"
TEXT = (EXAMPLE / CARD).read_text(encoding="utf-8")
TAIL = (
    " from the card's inputs: regenerate the card (`gate generate --kind run --force`) "
    "or fix the number"
)


def config(extra: dict | None = None) -> Config:
    table = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    return from_table({**table["tool"]["gate"], **(extra or {})}, source="pyproject.toml")


def edited(*edits: tuple[str, str]) -> str:
    """The example card with each front-matter line `old` (whole, indented) replaced."""
    lines = TEXT.split("\n")
    for old, new in edits:
        (index,) = [i for i, line in enumerate(lines) if line == old]
        lines[index] = new
    return "\n".join(lines)


def line_of(text: str, line: str) -> int:
    return text.split("\n").index(line) + 1


def key_line(text: str, key: str) -> int:
    """The line of the first front-matter key `key` (indented once)."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if line.startswith(f"  {key}:"))


def heads(text: str, cfg: Config | None = None) -> list[tuple[int, str]]:
    """Each finding's line and message up to the advice (every one is an estimate
    finding of the card, and an error)."""
    found = arithmetic(parse(CARD, text.encode()), cfg or config())
    assert all(
        (f.path, f.rule, f.severity, f.card) == (CARD, "estimate", "error", CARD) for f in found
    )
    return [(f.line, f.message.removesuffix(TAIL)) for f in found]


def test_the_committed_example_card_passes():
    assert heads(TEXT) == []


def test_a_hand_edited_count_is_one_finding_with_the_whole_message():
    text = edited(("  train_examples: 186078672", "  train_examples: 186078671"))
    assert arithmetic(parse(CARD, text.encode()), config()) == [
        Finding(
            CARD,
            line_of(text, "  train_examples: 186078671"),
            "estimate",
            "data.train_examples is 186,078,671 but the checklist's formula gives 186,078,672"
            + TAIL,
            card=CARD,
        )
    ]


# (the line as the card has it, as edited, the head of the message)
DERIVED = [
    ("  val_examples: 20675409", "  val_examples: 20675410", "data.val_examples is 20,675,410 but the checklist's formula gives 20,675,409"),
    ("  batches_per_epoch: 181717", "  batches_per_epoch: 181718", "timing.batches_per_epoch is 181,718 but the checklist's formula gives 181,717"),
    ("  epoch_s: 10903.0", "  epoch_s: 10903.2", "timing.epoch_s is 10,903.2 but the checklist's formula gives 10,903.02"),
    ("  training_s: 32709.1", "  training_s: 32709.2", "timing.training_s is 32,709.2 but the checklist's formula gives 32,709.06"),
    ("  data_load_s: 13392.0", "  data_load_s: 13392.2", "timing.data_load_s is 13,392.2 but the checklist's formula gives 13,392.00"),
    ("  wall_s: 46101.1", "  wall_s: 46101.2", "timing.wall_s is 46,101.2 but the checklist's formula gives 46,101.06"),
    ("  cost_usd: 25.26", "  cost_usd: 25.28", "timing.cost_usd is 25.28 but the checklist's formula gives 25.26"),
    ("  recommended_timeout_s: 138304", "  recommended_timeout_s: 138303", "timing.recommended_timeout_s is 138,303 but the checklist's formula gives 138,304"),
    ("  timeout_margin: 1.87", "  timeout_margin: 1.89", "timing.timeout_margin is 1.89 but the checklist's formula gives 1.87"),
    ("  time_between_logs_s: 60.0", "  time_between_logs_s: 60.2", "logging.time_between_logs_s is 60.2 but the checklist's formula gives 60.00"),
    ("  logs_per_epoch: 181", "  logs_per_epoch: 182", "logging.logs_per_epoch is 182 but the checklist's formula gives 181"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "head"), DERIVED)
def test_each_derived_number_edited_by_hand_is_named_on_its_line(old, new, head):
    text = edited((old, new))
    assert heads(text) == [(line_of(text, new), head)]


# within the tolerance: seconds to 0.1 s, dollars and the margin to the cent
NEAR = [
    ("  epoch_s: 10903.0", "  epoch_s: 10903.1"),
    ("  training_s: 32709.1", "  training_s: 32709.0"),
    ("  data_load_s: 13392.0", "  data_load_s: 13391.9"),
    ("  wall_s: 46101.1", "  wall_s: 46101.0"),
    ("  cost_usd: 25.26", "  cost_usd: 25.25"),
    ("  timeout_margin: 1.87", "  timeout_margin: 1.88"),
    ("  time_between_logs_s: 60.0", "  time_between_logs_s: 60.1"),
]


@pytest.mark.parametrize(("old", "new"), NEAR)
def test_a_number_within_its_rounding_of_the_formula_passes(old, new):
    assert heads(edited((old, new))) == []


def test_an_edited_batch_speed_names_the_table_and_every_time_and_cost_it_moves():
    """0.07 s per batch: 181,717 x 0.07 = 12,720.19 s per epoch, 38,160.57 s of training
    ($29.47), 51,552.57 s of wall time, a 154,658 s timeout (x 3, up), a 1.68 margin
    and 70 s between logs."""
    text = edited(("  batch_seconds: 0.06", "  batch_seconds: 0.07"))
    formula = "but the checklist's formula gives"
    assert heads(text) == [
        (key_line(text, "batch_seconds"), "timing.batch_seconds is 0.07 but the GPU table (table: bs=1024) gives 0.06"),
        (key_line(text, "epoch_s"), f"timing.epoch_s is 10,903 {formula} 12,720.19"),
        (key_line(text, "training_s"), f"timing.training_s is 32,709.1 {formula} 38,160.57"),
        (key_line(text, "wall_s"), f"timing.wall_s is 46,101.1 {formula} 51,552.57"),
        (key_line(text, "cost_usd"), f"timing.cost_usd is 25.26 {formula} 29.47"),
        (key_line(text, "recommended_timeout_s"), f"timing.recommended_timeout_s is 138,304 {formula} 154,658"),
        (key_line(text, "timeout_margin"), f"timing.timeout_margin is 1.87 {formula} 1.68"),
        (key_line(text, "time_between_logs_s"), f"logging.time_between_logs_s is 60 {formula} 70.00"),
    ]  # fmt: skip


def test_an_edited_price_names_the_table_and_the_cost():
    """$2.50 an hour: 32,709.06 s / 3,600 x 2.50 = $22.71."""
    text = edited(("  usd_per_hour: 2.78", "  usd_per_hour: 2.5"))
    assert heads(text) == [
        (line_of(text, "  usd_per_hour: 2.5"), "timing.usd_per_hour is 2.5 but the GPU table prices A100-40GB at 2.78"),
        (line_of(text, "  cost_usd: 25.26"), "timing.cost_usd is 25.26 but the checklist's formula gives 22.71"),
    ]  # fmt: skip


def test_a_measured_batch_speed_is_not_compared_with_the_table():
    text = edited(
        ("  batch_seconds: 0.06", "  batch_seconds: 0.05"),
        ("  batch_basis: 'table: bs=1024'", "  batch_basis: measured (--batch-seconds)"),
    )
    assert [head.split(" is ")[0] for _, head in heads(text)] == [
        "timing.epoch_s",
        "timing.training_s",
        "timing.wall_s",
        "timing.cost_usd",
        "timing.recommended_timeout_s",
        "timing.timeout_margin",
        "logging.time_between_logs_s",
    ]


def test_estimated_frames_and_size_follow_the_games_and_the_22k_files_density():
    """Frames marked estimated must be games x 9,400 (22,000 -> 206,800,000); a size
    marked estimated, 206,754,081 frames at 74.4 GB per 206,754,081 frames: 74.4 GB."""
    text = edited(
        ("  frames_estimated: false", "  frames_estimated: true"),
        ("  size_estimated: false", "  size_estimated: true"),
        ("  size_gb: 74.4", "  size_gb: 74.5"),
    )
    found = heads(text)
    assert found[:2] == [
        (line_of(text, "  total_frames: 206754081"), "data.total_frames is 206,754,081 but games x 9,400 gives 206,800,000"),
        (line_of(text, "  size_gb: 74.5"), "data.size_gb is 74.5 but the 22K file's GB per frame gives 74.40"),
    ]  # fmt: skip
    # a size within half a tenth of a GB of the density's passes
    near = edited(
        ("  size_estimated: false", "  size_estimated: true"),
        ("  size_gb: 74.4", "  size_gb: 74.44"),
    )
    assert not [head for _, head in heads(near) if head.startswith("data.size_gb")]


def test_a_gpu_missing_from_the_table_is_named_on_its_line():
    text = edited(("  gpu: A100-40GB", "  gpu: TPU-9"))
    assert heads(text)[0] == (
        line_of(text, "  gpu: TPU-9"),
        "infrastructure.gpu 'TPU-9' is not in the GPU table: add [tool.gate.gpus.TPU-9] with "
        "usd_per_hour and batch_seconds to pyproject.toml",
    )


def test_a_recorded_platform_maximum_other_than_the_configured_one_is_named():
    text = edited(
        (
            "  recommended_timeout_s: 138304",
            "  recommended_timeout_s: 86400\n  required_timeout_s: 138304\n  max_timeout_s: 86400",
        )
    )
    cfg = config({"kinds": {"run": {"reviewers": ["Scav"], "max_timeout": 90000}}})
    assert heads(text, cfg)[-1] == (
        line_of(text, "  max_timeout_s: 86400"),
        "timing.max_timeout_s is 86,400 but [tool.gate.kinds.run] max_timeout is 90,000: "
        "regenerate the card (`gate generate --kind run --force`)",
    )
    # the configured maximum: the capped recommendation and the uncapped requirement pass
    same = config({"kinds": {"run": {"reviewers": ["Scav"], "max_timeout": 86400}}})
    assert heads(text, same) == []


LIMIT = {"kinds": {"run": {"reviewers": ["Scav"], "max_timeout": 86400}}}


def test_under_a_platform_maximum_the_uncapped_required_timeout_is_checked_too():
    text = edited(
        (
            "  recommended_timeout_s: 138304",
            "  recommended_timeout_s: 86400\n  required_timeout_s: 138305\n  max_timeout_s: 86400",
        )
    )
    assert heads(text, config(LIMIT)) == [
        (
            line_of(text, "  required_timeout_s: 138305"),
            "timing.required_timeout_s is 138,305 but the checklist's formula gives 138,304",
        )
    ]


TWO_GPUS = (
    ("  gpu_count: 1", "  gpu_count: 2"),
    (
        "  usd_per_hour: 2.78",
        "  usd_per_hour: 2.78\n  parallel_efficiency: 1.0\n  parallel_speedup: 2.0",
    ),
    # two GPUs at 2x: 181,717 x 0.03 = 5,451.51 s per epoch, 16,354.53 s of training,
    # $25.26 (half the hours, twice the GPUs), 29,746.53 s of wall time, 89,240 s of
    # timeout, 2.90 margin, 30 s between logs
    ("  epoch_s: 10903.0", "  epoch_s: 5451.5"),
    ("  training_s: 32709.1", "  training_s: 16354.5"),
    ("  wall_s: 46101.1", "  wall_s: 29746.5"),
    ("  recommended_timeout_s: 138304", "  recommended_timeout_s: 89240"),
    ("  timeout_margin: 1.87", "  timeout_margin: 2.9"),
    ("  time_between_logs_s: 60.0", "  time_between_logs_s: 30.0"),
)
PERFECT = {"gpus": {"A100-40GB": {"parallel_efficiency": 1.0}}}


def test_two_gpus_at_a_perfect_efficiency_of_one_pass():
    assert heads(edited(*TWO_GPUS), config(PERFECT)) == []


def test_a_hand_edited_speed_up_is_named_to_a_ten_thousandth():
    text = edited(*TWO_GPUS).replace("  parallel_speedup: 2.0\n", "  parallel_speedup: 2.0005\n")
    assert heads(text, config(PERFECT)) == [
        (
            key_line(text, "parallel_speedup"),
            "timing.parallel_speedup is 2.0005 but 1 + (GPUs - 1) x efficiency gives 2.00",
        )
    ]
    near = text.replace("  parallel_speedup: 2.0005\n", "  parallel_speedup: 2.00005\n")
    assert heads(near, config(PERFECT)) == []


def test_a_card_without_a_gpu_count_is_one_gpu():
    """One GPU: no speed-up, and an efficiency recorded anyway is not compared."""
    assert heads(edited(("  gpu_count: 1", ""))) == []
    efficiency = ("  usd_per_hour: 2.78", "  usd_per_hour: 2.78\n  parallel_efficiency: 0.5")
    assert heads(edited(("  gpu_count: 1", ""), efficiency)) == []


@pytest.mark.parametrize(
    ("old", "new", "heads_"),
    [
        # a free machine: the table's price is named, and a cost of nothing
        (
            "  usd_per_hour: 2.78",
            "  usd_per_hour: 0",
            [
                "timing.usd_per_hour is 0 but the GPU table prices A100-40GB at 2.78",
                "timing.cost_usd is 25.26 but the checklist's formula gives 0.00",
            ],
        ),
        # no encoded data to load: every time that included the load
        (
            "  size_gb: 74.4",
            "  size_gb: 0",
            [
                "timing.data_load_s is 13,392 but the checklist's formula gives 0.00",
                "timing.wall_s is 46,101.1 but the checklist's formula gives 32,709.06",
                "timing.recommended_timeout_s is 138,304 but the checklist's formula gives 98,128",
                "timing.timeout_margin is 1.87 but the checklist's formula gives 2.64",
            ],
        ),
        # no batch speed: the table's is named, and nothing is derived from none
        (
            "  batch_seconds: 0.06",
            "  batch_seconds: 0",
            ["timing.batch_seconds is 0 but the GPU table (table: bs=1024) gives 0.06"],
        ),
        # a train split of one is not a split (the schema says so): nothing derived
        ("  train_split: 0.9", "  train_split: 1.0", []),
    ],
)
def test_a_zero_or_boundary_input_names_what_follows_and_never_fails(old, new, heads_):
    assert [head for _, head in heads(edited((old, new)))] == heads_


def test_a_run_with_no_whole_batch_needs_no_timeout_margin():
    """1,000 frames: 900 train examples, no batch of 1,024: every time is 0 (the margin,
    a timeout over no time, is not computed); the 4-hour minimum timeout stands."""
    text = edited(
        ("  total_frames: 206754081", "  total_frames: 1000"), ("  size_gb: 74.4", "  size_gb: 0")
    )
    found = [head for _, head in heads(text)]
    assert (
        "timing.recommended_timeout_s is 138,304 but the checklist's formula gives 14,400" in found
    )
    assert not [head for head in found if head.startswith("timing.timeout_margin")]


def test_an_absurd_batch_speed_is_named_without_failing():
    """1e308 s per batch makes the times infinite: the speed is named, no timeout derived."""
    text = edited(("  batch_seconds: 0.06", "  batch_seconds: 1.0e+308"))
    found = heads(text)
    assert found[0][0] == key_line(text, "batch_seconds")
    assert found[0][1].startswith("timing.batch_seconds is 100,000,000")
    assert not [head for _, head in found if "timeout_s" in head]


def test_a_card_without_frames_derives_nothing():
    assert heads(edited(("  total_frames: 206754081", "  total_frames: null"))) == []


def test_a_gpu_that_is_no_name_is_not_in_the_table():
    text = edited(("  gpu: A100-40GB", "  gpu: 5"))
    assert heads(text) == [
        (
            line_of(text, "  gpu: 5"),
            "infrastructure.gpu 5 is not in the GPU table: add [tool.gate.gpus.5] with "
            "usd_per_hour and batch_seconds to pyproject.toml",
        )
    ]


def test_a_gpu_the_table_has_no_speed_for_is_held_to_its_price_only():
    """The T4 row has a price but no measured speed: only a measured speed could have
    produced the card, so the speed is not compared; the price is."""
    text = edited(("  gpu: A100-40GB", "  gpu: T4"))
    assert heads(text) == [
        (key_line(text, "usd_per_hour"), "timing.usd_per_hour is 2.78 but the GPU table prices T4 at 0.59")
    ]  # fmt: skip


def test_a_calibrated_load_rate_drives_the_data_load():
    """2.2 s per GB (finished runs measured it): 74.4 x 2.2 = 163.68 s of data load."""
    text = edited(("  usd_per_hour: 2.78", "  usd_per_hour: 2.78\n  data_load_s_per_gb: 2.2"))
    assert heads(text)[0] == (
        key_line(text, "data_load_s"),
        "timing.data_load_s is 13,392 but the checklist's formula gives 163.68",
    )


@pytest.mark.parametrize(
    ("old", "new", "head"),
    [
        (
            "  epoch_s: 10903.0",
            "  epoch_s: 10903.25",
            "timing.epoch_s is 10,903.25 but the checklist's formula gives 10,903.02",
        ),
        (
            "  training_s: 32709.1",
            "  training_s: 1234567.5",
            "timing.training_s is 1,234,567.5 but the checklist's formula gives 32,709.06",
        ),
    ],
)
def test_a_recorded_number_is_named_as_the_card_writes_it(old, new, head):
    """Every digit the card has, with thousands separators: not 10,903.2 (six significant
    digits) nor 1.23457e+06."""
    text = edited((old, new))
    assert (key_line(text, new.split(":")[0].strip()), head) in heads(text)


@pytest.mark.parametrize("efficiency", [None, 0, 1.5])
def test_two_gpus_without_a_usable_efficiency_are_named_on_timing_and_derive_no_time(efficiency):
    """Never a silent 1x: the card's times are not checked against a speed-up it lacks."""
    recorded = "" if efficiency is None else f"\n  parallel_efficiency: {efficiency}"
    text = edited(
        ("  gpu_count: 1", "  gpu_count: 2"),
        ("  usd_per_hour: 2.78", "  usd_per_hour: 2.78" + recorded),
    )
    found = heads(text, config(PERFECT))
    assert found[-1] == (
        line_of(text, "timing:"),
        "timing.parallel_efficiency: a 2-GPU run needs the data-parallel efficiency its "
        "speed-up comes from (the GPU table's, default 0.9): regenerate the card "
        "(`gate generate --kind run --force`)",
    )
    assert not [head for _, head in found if head.startswith(("timing.epoch_s", "timing.wall_s"))]


@pytest.mark.parametrize(
    ("recorded", "shown"), [("86400.0", None), ("90000.5", "90000.5"), ("'86400'", "'86400'")]
)
def test_a_platform_maximum_recorded_otherwise_is_shown_as_written(recorded, shown):
    text = edited(
        (
            "  recommended_timeout_s: 138304",
            f"  recommended_timeout_s: 86400\n  required_timeout_s: 138304\n  max_timeout_s: {recorded}",
        )
    )
    found = [
        head for _, head in heads(text, config(LIMIT)) if head.startswith("timing.max_timeout_s")
    ]
    assert found == (
        []
        if shown is None
        else [
            f"timing.max_timeout_s is {shown} but [tool.gate.kinds.run] max_timeout is 86,400: "
            "regenerate the card (`gate generate --kind run --force`)"
        ]
    )


def test_two_gpus_at_the_tables_efficiency_pass():
    """0.9 efficiency, 1.9x: 181,717 x 0.06 / 1.9 = 5,738.43 s per epoch, 17,215.29 s of
    training ($26.59 for both GPUs), 30,607.29 s of wall time, 91,822 s of timeout, a
    2.82 margin, 31.58 s between logs."""
    text = edited(
        ("  gpu_count: 1", "  gpu_count: 2"),
        ("  usd_per_hour: 2.78", "  usd_per_hour: 2.78\n  parallel_efficiency: 0.9\n  parallel_speedup: 1.9"),
        ("  epoch_s: 10903.0", "  epoch_s: 5738.4"),
        ("  training_s: 32709.1", "  training_s: 17215.3"),
        ("  wall_s: 46101.1", "  wall_s: 30607.3"),
        ("  cost_usd: 25.26", "  cost_usd: 26.59"),
        ("  recommended_timeout_s: 138304", "  recommended_timeout_s: 91822"),
        ("  timeout_margin: 1.87", "  timeout_margin: 2.82"),
        ("  time_between_logs_s: 60.0", "  time_between_logs_s: 31.6"),
    )  # fmt: skip
    assert heads(text) == []
    # an efficiency other than the table's is named, to two decimals
    perfect = text.replace("  parallel_efficiency: 0.9\n", "  parallel_efficiency: 1.0\n")
    perfect = perfect.replace("  parallel_speedup: 1.9\n", "  parallel_speedup: 2.0\n")
    assert heads(perfect)[0] == (
        key_line(perfect, "parallel_efficiency"),
        "timing.parallel_efficiency is 1 but the GPU table's data-parallel efficiency of "
        "A100-40GB is 0.90",
    )


@pytest.mark.parametrize(
    ("row", "head"),
    [
        ({"usd_per_hour": 2.5}, "timing.usd_per_hour is 2.78 but the GPU table prices A100-40GB at 2.50"),
        (
            {"batch_seconds": {"1024": 0.1}},
            "timing.batch_seconds is 0.06 but the GPU table (table: bs=1024) gives 0.10",
        ),
    ],
)  # fmt: skip
def test_a_table_value_the_card_does_not_record_is_named_to_the_cent(row, head):
    """The card's own price and speed drive its numbers: only the table value is named."""
    assert [h for _, h in heads(TEXT, config({"gpus": {"A100-40GB": row}}))] == [head]


def test_a_calibrated_speed_is_not_compared_with_the_table():
    text = edited(
        ("  batch_basis: 'table: bs=1024'", "  batch_basis: 'calibrated: 1 finished run: a'")
    )
    assert heads(text, config({"gpus": {"A100-40GB": {"batch_seconds": {"1024": 0.1}}}})) == []


def test_a_run_with_no_whole_batch_records_zeros_and_passes():
    """1,000 frames: 900 train examples, no batch of 1,024, so no batches, no logs and no
    time; the 4-hour minimum timeout; the margin over no time is not computed."""
    text = edited(
        ("  total_frames: 206754081", "  total_frames: 1000"),
        ("  size_gb: 74.4", "  size_gb: 0"),
        ("  train_examples: 186078672", "  train_examples: 900"),
        ("  val_examples: 20675409", "  val_examples: 100"),
        ("  batches_per_epoch: 181717", "  batches_per_epoch: 0"),
        ("  epoch_s: 10903.0", "  epoch_s: 0"),
        ("  training_s: 32709.1", "  training_s: 0"),
        ("  data_load_s: 13392.0", "  data_load_s: 0"),
        ("  wall_s: 46101.1", "  wall_s: 0"),
        ("  cost_usd: 25.26", "  cost_usd: 0"),
        ("  recommended_timeout_s: 138304", "  recommended_timeout_s: 14400"),
        ("  logs_per_epoch: 181", "  logs_per_epoch: 0"),
    )
    assert heads(text) == []


def test_a_card_recording_no_platform_maximum_is_not_held_to_the_configured_one():
    assert heads(TEXT, config(LIMIT)) == []


@pytest.mark.parametrize(
    ("spread", "head"),
    [
        # 181,717 x 0.07 x 3 = 38,160.57 s at the range's top; + 13,392 s, x 3: 154,658 s
        ("[0.05, 0.07]", "timing.recommended_timeout_s is 138,304 but the checklist's formula gives 154,658"),
        ("[0.07]", None),  # no range: the timeout follows the speed itself
        ("[0.05, 0.06, 0.07]", None),
    ],
)  # fmt: skip
def test_a_calibrated_speeds_timeout_is_recommended_at_the_top_of_its_range(spread, head):
    text = edited(
        ("  batch_basis: 'table: bs=1024'", f"  batch_basis: 'calibrated: 2 finished runs'\n  batch_seconds_range: {spread}"),
    )  # fmt: skip
    found = [h for _, h in heads(text) if h.startswith("timing.recommended_timeout_s")]
    assert found == ([] if head is None else [head])


@pytest.mark.parametrize(
    ("recorded", "named"), [("1.8765", False), ("1.87641", False), ("1.87639", True)]
)
def test_the_speed_up_is_held_to_four_decimals_as_gate_generate_writes_it(recorded, named):
    """An efficiency of 0.87654: 1.87654x, written 1.8765; a hand edit within a
    ten-thousandth of that passes, one further is named."""
    text = edited(
        ("  gpu_count: 1", "  gpu_count: 2"),
        ("  usd_per_hour: 2.78", f"  usd_per_hour: 2.78\n  parallel_efficiency: 0.87654\n  parallel_speedup: {recorded}"),
    )  # fmt: skip
    cfg = config({"gpus": {"A100-40GB": {"parallel_efficiency": 0.87654}}})
    found = [h for _, h in heads(text, cfg) if h.startswith("timing.parallel_speedup")]
    assert found == (
        [f"timing.parallel_speedup is {recorded} but 1 + (GPUs - 1) x efficiency gives 1.88"]
        if named
        else []
    )


def test_a_card_of_one_frame_has_no_train_example_and_is_named_not_failed():
    text = edited(("  total_frames: 206754081", "  total_frames: 1"))
    assert heads(text)[:3] == [
        (key_line(text, "train_examples"), "data.train_examples is 186,078,672 but the checklist's formula gives 0"),
        (key_line(text, "val_examples"), "data.val_examples is 20,675,409 but the checklist's formula gives 1"),
        (key_line(text, "batches_per_epoch"), "timing.batches_per_epoch is 181,717 but the checklist's formula gives 0"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "edit",
    [
        ("  train_split: 0.9", "  train_split: 0"),
        ("  size_gb: 74.4", "  size_gb: null"),
        ("  epochs: 3", "  epochs: null"),
        ("  usd_per_hour: 2.78", "  usd_per_hour: null"),
    ],
)
def test_an_input_the_card_leaves_out_or_that_is_no_fraction_derives_nothing_from_it(edit):
    """The schema names such a field; the arithmetic derives nothing it would need."""
    assert heads(edited(edit)) == []


def test_a_time_so_large_that_three_times_it_is_endless_derives_no_timeout():
    """3e302 s per batch: the wall time is finite, three times it is not: no timeout is
    recommended (nor an internal error); the margin over that time is named as 0.00."""
    text = edited(("  batch_seconds: 0.06", "  batch_seconds: 3.0e+302"))
    found = [head for _, head in heads(text)]
    assert not [h for h in found if "timeout_s" in h]
    assert "timing.timeout_margin is 1.87 but the checklist's formula gives 0.00" in found


def test_a_run_under_a_second_still_has_its_timeout_margin_checked():
    """2,000 frames: 1 batch, 0.06 s per epoch, 0.18 s of training and 0.18 s of data
    load: 0.36 s of wall time, 86,400 / 0.36 = 240,000."""
    text = edited(
        ("  total_frames: 206754081", "  total_frames: 2000"),
        ("  size_gb: 74.4", "  size_gb: 0.001"),
    )
    assert (
        key_line(text, "timeout_margin"),
        "timing.timeout_margin is 1.87 but the checklist's formula gives 240,000.00",
    ) in heads(text)


def test_under_a_platform_maximum_the_recommended_timeout_is_named_as_capped():
    text = edited(
        (
            "  recommended_timeout_s: 138304",
            "  recommended_timeout_s: 86399\n  required_timeout_s: 138304\n  max_timeout_s: 86400",
        )
    )
    assert heads(text, config(LIMIT)) == [
        (
            key_line(text, "recommended_timeout_s"),
            "timing.recommended_timeout_s is 86,399 but the formula, capped at "
            "timing.max_timeout_s, gives 86,400",
        )
    ]
