"""The policy card's own arithmetic (gate.kinds.policy.checks.arithmetic): every derived
number a person edits by hand is named on its own line, with the number the seed's
formula gives from the card's inputs; times within 0.1 s (gate generate's rounding) pass.

The expected numbers are the seed's, worked by hand in docs/estimates.md: 2,000 games,
batch size 512, 10 epochs at 0.02 s per batch.
"""

from __future__ import annotations

import pytest
from cards import card_data, card_text

from gate.card.document import parse
from gate.card.findings import Finding
from gate.kinds.policy.checks import arithmetic

CARD = "worldmodel/docs/run-cards/policy-a.md"
ADVICE = "from the card's inputs: regenerate the card (`gate generate --force`) or fix the number"


def findings(data: dict) -> tuple[str, list[Finding]]:
    text = card_text(data)
    return text, arithmetic(parse(CARD, text.encode()))


def line_of(text: str, part: str, key: str) -> int:
    """The 1-based line of `key:` inside the front matter's `part:` section."""
    lines = text.splitlines()
    start = lines.index(f"{part}:")
    return (
        next(i for i, line in enumerate(lines[start:], start) if line.startswith(f"  {key}:")) + 1
    )


def test_the_generated_numbers_pass():
    assert findings(card_data())[1] == []


# (part, key, edited value, as the finding shows it, the seed's value as shown)
EDITS = [
    ("data", "est_total_frames", 18_800_001, "18,800,001", "18,800,000"),  # 2,000 x 9,400
    ("data", "train_examples", 16_919_999, "16,919,999", "16,920,000"),  # frames x 9 // 10
    ("data", "val_examples", 1_880_001, "1,880,001", "1,880,000"),  # frames - train
    ("timing", "batches_per_epoch", 33_047, "33,047", "33,046"),  # 16,920,000 // 512
    ("timing", "data_load_s", 84.2, "84.2", "84.0"),  # 2,000 x 0.04 + 2,000 x 0.002
    ("timing", "epoch_s", 660.7, "660.7", "660.9"),  # 33,046 x 0.02
    ("timing", "training_s", 6_609.4, "6,609.4", "6,609.2"),  # epoch x 10
    ("timing", "wall_s", 6_700, "6,700", "6,693.2"),  # training + data load
]


@pytest.mark.parametrize(("part", "key", "value", "shown", "want"), EDITS)
def test_each_derived_number_edited_by_hand_is_named_on_its_line(part, key, value, shown, want):
    data = card_data()
    data[part][key] = value
    text, found = findings(data)
    assert found == [
        Finding(
            CARD,
            line_of(text, part, key),
            "estimate",
            f"{part}.{key} is {shown} but the seed's formula gives {want} {ADVICE}",
            card=CARD,
        )
    ]


# The formula's times: 84 s of data load, 660.92 s per epoch, 6,609.2 s of training,
# 6,693.2 s of wall time; each recorded 0.1 s above and below.
NEAR = [
    ("data_load_s", 84.1),
    ("data_load_s", 83.9),
    ("epoch_s", 661.02),
    ("epoch_s", 660.82),
    ("training_s", 6_609.3),
    ("training_s", 6_609.1),
    ("wall_s", 6_693.3),
    ("wall_s", 6_693.1),
]


@pytest.mark.parametrize(("key", "value"), NEAR)
def test_a_time_within_a_tenth_of_a_second_of_the_formula_passes(key, value):
    """gate generate writes seconds to one decimal; 0.2 s off is blocked (above)."""
    data = card_data()
    data["timing"][key] = value
    assert findings(data)[1] == []


def test_the_times_follow_the_cards_own_batch_speed_and_epochs():
    """The card's inputs drive the formula: at 0.04 s per batch and 3 epochs the recorded
    times are wrong, named with 1,321.8 s per epoch (33,046 x 0.04), 3,965.5 s of
    training and 4,049.5 s of wall time (plus 84 s of data load)."""
    data = card_data()
    data["timing"]["batch_seconds"] = 0.04
    data["training"]["epochs"] = 3
    text, found = findings(data)
    assert [(f.line, f.message.split(" from ")[0]) for f in found] == [
        (
            line_of(text, "timing", "epoch_s"),
            "timing.epoch_s is 660.9 but the seed's formula gives 1,321.8",
        ),
        (
            line_of(text, "timing", "training_s"),
            "timing.training_s is 6,609.2 but the seed's formula gives 3,965.5",
        ),
        (
            line_of(text, "timing", "wall_s"),
            "timing.wall_s is 6,693.2 but the seed's formula gives 4,049.5",
        ),
    ]


def test_without_a_batch_size_the_data_numbers_are_still_checked():
    """No batch size (the schema reports it): the frames and examples are still checked,
    and nothing that needs the batch size is."""
    data = card_data()
    del data["training"]["batch_size"]
    data["data"]["val_examples"] = 1
    data["timing"]["batches_per_epoch"] = 1
    text, found = findings(data)
    assert [(f.line, f.message.split(" but ")[0]) for f in found] == [
        (line_of(text, "data", "val_examples"), "data.val_examples is 1"),
    ]


def test_without_a_batch_speed_the_counts_are_still_checked():
    data = card_data()
    del data["timing"]["batch_seconds"]
    data["timing"]["batches_per_epoch"] = 1
    data["timing"]["epoch_s"] = 1.0
    text, found = findings(data)
    assert [(f.line, f.message.split(" but ")[0]) for f in found] == [
        (line_of(text, "timing", "batches_per_epoch"), "timing.batches_per_epoch is 1"),
    ]


def test_without_games_nothing_is_derived():
    data = card_data()
    del data["data"]["games"]
    data["data"]["train_examples"] = 1
    assert findings(data)[1] == []


def test_several_rented_gpus_without_a_usable_efficiency_check_no_time():
    """The speed-up the times were derived with is unknown: the counts are still checked,
    the times are not (the cloud check names the missing efficiency)."""
    data = card_data()
    data["cloud"] = {"gpu_count": 2}
    data["timing"]["epoch_s"] = 1.0
    data["data"]["val_examples"] = 1
    text, found = findings(data)
    assert [(f.line, f.message.split(" but ")[0]) for f in found] == [
        (line_of(text, "data", "val_examples"), "data.val_examples is 1"),
    ]


def test_several_rented_gpus_divide_the_batch_speed():
    """Two GPUs at 0.9 efficiency: 1.9x, 0.02 / 1.9 s per batch: 347.9 s per epoch
    (33,046 x 0.0105263), 3,478.5 s of training, 3,562.5 s of wall time."""
    data = card_data()
    data["cloud"] = {"gpu_count": 2, "parallel_efficiency": 0.9}
    data["timing"].update(epoch_s=347.9, training_s=3478.5, wall_s=3562.5)
    assert findings(data)[1] == []
    data["timing"]["epoch_s"] = 660.9  # one GPU's
    text, found = findings(data)
    assert [(f.line, f.message.split(" from ")[0]) for f in found] == [
        (
            line_of(text, "timing", "epoch_s"),
            "timing.epoch_s is 660.9 but the seed's formula gives 347.9",
        ),
    ]


def test_a_derived_number_the_card_leaves_out_is_not_compared():
    """The schema names a missing field; the arithmetic compares only what is there."""
    data = card_data()
    del data["data"]["train_examples"]
    del data["timing"]["epoch_s"]
    assert findings(data)[1] == []


def test_a_count_must_be_whole_even_within_a_tenth():
    """Counts are exact: 1,880,000.05 examples is named, though a time that close passes."""
    data = card_data()
    data["data"]["val_examples"] = 1_880_000.05
    text, found = findings(data)
    assert [(f.line, f.message.split(" from ")[0]) for f in found] == [
        (
            line_of(text, "data", "val_examples"),
            "data.val_examples is 1,880,000.05 but the seed's formula gives 1,880,000",
        )
    ]
