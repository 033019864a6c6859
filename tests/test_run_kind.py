"""The `run` kind: the world-model GPU run card.

Arithmetic against hand-computed values, the launch-script parser, the GPU table and
its config, then the issue's acceptance points through the real CLI on real git
repositories (a copy of examples/worldmodel, or a small repository written here).
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import pytest
from cards import SCAVIEFAE
from conftest import MATTIE, SCAV, Repo, example_repo

from gate.card.document import parse
from gate.config import from_table
from gate.errors import GateError
from gate.kinds.run import estimate as ge
from gate.kinds.run import gpus
from gate.sources import launch_script

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "worldmodel"
CONFIG = "worldmodel/experiments/mamba2-22k-ss.yaml"
SMOKE = "worldmodel/experiments/mamba2-2k-smoke.yaml"
LAUNCH = "worldmodel/scripts/modal_train.py"
CARD = "worldmodel/docs/run-cards/mamba2-22k-ss.md"
REVIEWERS = (SCAV, MATTIE, SCAVIEFAE)
GENERATE = (
    "generate",
    "--kind",
    "run",
    "--run-name",
    "mamba2-22k-ss",
    CONFIG,
    "--launch-script",
    LAUNCH,
    "--gpu",
    "A100",
    "--encoded-file",
    "/encoded-22k.pt",
    "--encoded-games",
    "22000",
    "--encoded-frames",
    "206754081",
    "--encoded-gb",
    "74.4",
    "--epochs",
    "3",
    "--goal",
    "Validate Mamba-2 scaling on 11x more data (22K vs 2K games) with scheduled sampling on.",
)
TABLE = gpus.gpu_table({})
A100 = gpus.lookup("A100", TABLE)


# -- arithmetic, by hand ------------------------------------------------------------------


def test_the_22k_run_by_hand():
    # 206,754,081 frames x 0.9 = 186,078,672.9 -> 186,078,672 train, 20,675,409 val
    # 186,078,672 // 1024 = 181,717 batches (181,717 x 1024 = 186,078,208)
    # 181,717 x 0.06 s = 10,903.02 s per epoch; x 3 = 32,709.06 s (9.0859 h)
    # 9.0859 h x $2.78 = $25.2587; 74.4 GB x 180 s = 13,392 s data load
    # (32,709.06 + 13,392) x 3 = 138,303.18 -> 138,304 s; 1,000 x 0.06 s = 60 s
    est = ge.estimate_run(
        frames=206_754_081,
        train_split=0.9,
        batch_size=1024,
        epochs=3,
        speed=ge.batch_speed(A100, 1024),
        usd_per_hour=2.78,
        gpus=1,
        size_gb=74.4,
        log_interval=1000,
    )
    assert (est.train_examples, est.val_examples) == (186_078_672, 20_675_409)
    assert est.batches_per_epoch == 181_717
    assert est.epoch_s == pytest.approx(10_903.02)
    assert est.training_s == pytest.approx(32_709.06)
    assert est.cost_usd == pytest.approx(25.258663)
    assert est.data_load_s == pytest.approx(13_392.0)
    assert est.wall_s == pytest.approx(46_101.06)
    assert est.recommended_timeout_s == 138_304
    assert est.time_between_logs_s == pytest.approx(60.0)
    assert est.logs_per_epoch == 181


def test_the_2k_smoke_run_by_hand():
    # 2,000 x 9,400 = 18,800,000 frames; x 0.9 = 16,920,000; // 1024 = 16,523 batches
    # 16,523 x 0.06 = 991.38 s (16.5 min); 0.27538 h x $2.78 = $0.7656
    frames = ge.total_frames(2000)
    assert frames == 18_800_000
    assert ge.batches_per_epoch(ge.train_examples(frames, 0.9), 1024) == 16_523
    assert ge.epoch_time_s(16_523, 0.06) == pytest.approx(991.38)
    assert ge.cost_usd(991.38, 2.78) == pytest.approx(0.765566, abs=1e-6)
    assert ge.duration(991.38) == "0h 17m"
    assert ge.usd(0.765566) == "$0.77"


def test_two_gpus_under_a_platform_maximum_by_hand():
    # two A100s at 1 + (2 - 1) x 0.9 = 1.9x: 0.06 / 1.9 = 0.0315789 s per batch
    # 181,717 x 0.0315789 = 5,738.43 s per epoch; x 3 = 17,215.29 s; both GPUs paid:
    # 4.78203 h x $2.78 x 2 = $26.59; 1,000 batches between logs = 31.58 s
    # the calibrated range's top, 0.07 s: 181,717 x 0.07 / 1.9 x 3 = 20,084.52 s;
    # (20,084.52 + 13,392) x 3 = 100,429.57 -> 100,430 s required, capped at 86,400
    est = ge.estimate_run(
        frames=206_754_081,
        train_split=0.9,
        batch_size=1024,
        epochs=3,
        speed=ge.batch_speed(A100, 1024),
        usd_per_hour=2.78,
        gpus=2,
        size_gb=74.4,
        log_interval=1000,
        parallel_efficiency=0.9,
        max_timeout_s=86_400,
        slowest_batch_seconds=0.07,
    )
    assert est.parallel_speedup == pytest.approx(1.9)
    assert (est.epoch_s, est.training_s) == pytest.approx((5_738.4316, 17_215.2947))
    assert est.cost_usd == pytest.approx(26.588066)
    assert est.time_between_logs_s == pytest.approx(31.578947)
    assert (est.required_timeout_s, est.recommended_timeout_s) == (100_430, 86_400)
    budget = est.budget()
    assert budget.seconds_per_batch == pytest.approx(0.031578947)
    assert (budget.required_timeout_s, budget.recommended_timeout_s) == (100_430, 86_400)
    assert est.basis == "table: bs=1024"
    assert [
        (f.code, f.message)
        for f in ge.flags(est, timeout_s=86_400, log_interval=1000, run_name="wm")
    ] == [
        (
            "timeout-over-platform",
            "the run needs a timeout of 100,430 s (27h 54m: (training + data load) x 3, at "
            "least 4 h) but the platform stops it at 86,400 s (24h 0m, [tool.gate.kinds.run] "
            "max_timeout): the run must checkpoint and resume: when it is stopped, relaunch it "
            "with `--resume wm/latest.pt` (the resume command under Escape Hatches)",
        ),
        ("large-epoch", "181,717 batches per epoch (over 100K): a large epoch, verify logging"),
    ]


def test_a_run_without_a_log_interval_and_with_a_measured_load_rate_by_hand():
    """No log_interval: no time between logs, no logs per epoch; 74.4 GB at a measured
    2.2 s per GB: 163.68 s of data load."""
    est = ge.estimate_run(
        frames=206_754_081,
        train_split=0.9,
        batch_size=1024,
        epochs=3,
        speed=ge.batch_speed(A100, 1024),
        usd_per_hour=2.78,
        gpus=1,
        size_gb=74.4,
        log_interval=None,
        load_s_per_gb=2.2,
    )
    assert (est.time_between_logs_s, est.logs_per_epoch) == (None, None)
    assert est.data_load_s == pytest.approx(163.68)


@pytest.mark.parametrize("split", [0, 1, 1.5, -0.1, True, "0.9", None])
def test_a_train_split_that_is_no_fraction_between_0_and_1_is_refused(split):
    with pytest.raises(GateError) as error:
        ge.train_examples(1000, split)
    assert str(error.value) == f"train_split: expected a fraction between 0 and 1, got {split!r}"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        # a config's batch size or epochs reach these as written (`gate generate`)
        (lambda: ge.batch_speed(A100, -4), "batch_size: expected a whole number >= 1, got -4"),
        (lambda: ge.batches_per_epoch(900, 0), "batch_size: expected a whole number >= 1, got 0"),
        (lambda: ge.training_time_s(10.0, -3), "epochs: expected a whole number >= 1, got -3"),
    ],
)
def test_a_bad_batch_size_or_epoch_count_is_named(call, message):
    with pytest.raises(GateError) as error:
        call()
    assert str(error.value) == message


def test_fewer_train_examples_than_a_batch_make_no_batch():
    assert ge.batches_per_epoch(0, 1024) == 0
    assert ge.train_examples(1, 0.9) == 0


def test_a_batch_size_off_the_table_scales_from_the_nearest_size():
    """1,800 is nearer 2,048 than 512: 0.12 x 1,800 / 2,048 = 0.10546875 s."""
    table = gpus.gpu_table(
        {"Z1": {"usd_per_hour": 1.0, "batch_seconds": {"512": 0.03, "2048": 0.12}}}
    )
    speed = ge.batch_speed(gpus.lookup("Z1", table), 1800)
    assert (speed.seconds, speed.basis) == (
        pytest.approx(0.10546875),
        "scaled per example from bs=2048",
    )


@pytest.mark.parametrize("seconds", [math.inf, math.nan, 0.0, -0.1])
def test_a_measured_batch_speed_must_be_a_positive_number(seconds):
    with pytest.raises(GateError) as error:
        ge.batch_speed(A100, 1024, seconds)
    assert str(error.value) == f"--batch-seconds: expected a positive number, got {seconds!r}"


def test_a_batch_size_between_two_table_sizes_scales_from_the_smaller():
    table = gpus.gpu_table(
        {"Z1": {"usd_per_hour": 1.0, "batch_seconds": {"512": 0.03, "1536": 0.12}}}
    )
    speed = ge.batch_speed(gpus.lookup("Z1", table), 1024)
    assert (speed.seconds, speed.basis) == (pytest.approx(0.06), "scaled per example from bs=512")


def test_no_data_loads_in_no_time_and_an_endless_size_is_refused():
    assert ge.data_load_s(0) == 0
    for size in (math.inf, math.nan, -1.0):
        with pytest.raises(GateError, match=r"^encoded size: expected GB >= 0, got "):
            ge.data_load_s(size)


@pytest.mark.parametrize(
    ("training_s", "load_s", "expected"),
    [
        (60.0, 0.0, 14_400),  # 3 min x 3 is under the 4 h floor
        (4800.0, 0.0, 14_400),  # exactly 4 h
        (4800.0, 1.0, 14_403),  # (4,801) x 3
        (1000.1, 0.0, 14_400),
        (10_000.1, 0.0, 30_001),  # 30,000.3 rounds up
    ],
)
def test_recommended_timeout(training_s, load_s, expected):
    assert ge.recommended_timeout_s(training_s, load_s) == expected


@pytest.mark.parametrize(
    ("frames", "split", "train"),
    [
        (10, 0.9, 9),
        (19, 0.9, 17),
        (206_754_081, 0.9, 186_078_672),
        (1000, 0.95, 950),
        (7, 0.5, 3),
    ],
)
def test_train_examples_round_down_exactly(frames, split, train):
    assert ge.train_examples(frames, split) == train
    assert ge.val_examples(frames, split) == frames - train


def test_cost_is_per_gpu_and_free_machines_cost_nothing():
    assert ge.cost_usd(7200, 3.95, 2) == pytest.approx(15.80)
    assert ge.cost_usd(7200, 0.0) == 0.0
    assert ge.data_load_s(6.6) == pytest.approx(1188.0)
    assert ge.estimated_gb(206_754_081) == 74.4
    assert ge.estimated_gb(18_800_000) == 6.8  # 18.8M x 74.4 / 206.75M = 6.77


@pytest.mark.parametrize(
    ("name", "batch", "seconds", "basis"),
    [
        ("A100", 1024, 0.06, "table: bs=1024"),
        ("A100", 4096, 0.24, "scaled per example from bs=1024"),
        ("A100", 512, 0.03, "scaled per example from bs=1024"),
        ("MPS", 1024, 0.4, "table: bs=1024"),
        ("cpu", 2048, 14.0, "scaled per example from bs=1024"),
        ("H100", 1024, 0.06, "table: bs=1024; the A100-40GB measurement, an upper bound"),
    ],
)
def test_batch_speed(name, batch, seconds, basis):
    speed = ge.batch_speed(gpus.lookup(name, TABLE), batch)
    assert speed.seconds == pytest.approx(seconds)
    assert speed.basis.startswith(basis)


def test_batch_speed_fixed_measured_and_unmeasured():
    table = gpus.gpu_table({"A100": {"scale": "fixed"}})
    assert ge.batch_speed(gpus.lookup("A100", table), 4096) == (0.06, "table: bs=1024, fixed")
    assert ge.batch_speed(A100, 4096, 0.2) == (0.2, "measured (--batch-seconds)")
    with pytest.raises(GateError) as error:
        ge.batch_speed(gpus.lookup("T4", TABLE), 1024)
    assert str(error.value) == (
        "no measured batch speed for T4: time a few batches and add [tool.gate.gpus.T4] "
        'batch_seconds = { "1024" = <seconds> } to pyproject.toml, or pass --batch-seconds'
    )


@pytest.mark.parametrize(("seconds", "interval"), [(0.06, 1000), (0.4, 150), (7.0, 9), (120.0, 1)])
def test_recommended_log_interval_gives_about_a_minute(seconds, interval):
    assert ge.recommended_log_interval(seconds) == interval


def _estimate(
    *, batches=1000, seconds=0.06, wall=10_000.0, cost=10.0, recommended=30_000, interval=1000
):
    return ge.RunEstimate(
        0,
        0,
        batches,
        seconds,
        "",
        0.0,
        0.0,
        0.0,
        wall,
        cost,
        recommended,
        interval * seconds if interval else None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "timeout", "interval", "codes"),
    [
        ({}, 30_000, 1000, []),
        ({}, 19_999, 1000, ["timeout-tight"]),  # under 2 x 10,000 s
        ({}, 20_000, 1000, ["timeout-minimum"]),  # 2x but under the recommended 30,000
        ({"seconds": 0.4}, 30_000, 1000, ["log-interval"]),  # 400 s between logs
        ({"seconds": 0.3}, 30_000, 1000, []),  # exactly 300 s is not over
        ({}, 30_000, None, ["log-interval"]),
        ({"cost": 50.01}, 30_000, 1000, ["cost"]),
        ({"cost": 50.0}, 30_000, 1000, []),
        ({"batches": 100_001}, 30_000, 1000, ["large-epoch"]),
        ({"batches": 100_000}, 30_000, 1000, []),
    ],
)
def test_flags(changes, timeout, interval, codes):
    est = _estimate(interval=interval, **changes)
    found = ge.flags(est, timeout_s=timeout, log_interval=interval)
    assert [f.code for f in found] == codes


def test_log_flag_recommends_the_minute_interval():
    (flag,) = ge.flags(_estimate(seconds=0.4), timeout_s=30_000, log_interval=1000)
    assert "set log_interval: 150" in flag.message and "0h 7m between logs" in flag.message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0h 0m"),
        (29.9, "0h 0m"),
        (30, "0h 1m"),
        (3600, "1h 0m"),
        (32_709.06, "9h 5m"),
        (86_400, "24h 0m"),
    ],
)
def test_duration(seconds, text):
    assert ge.duration(seconds) == text


# -- the GPU table and its config -----------------------------------------------------------


def test_gpu_names_aliases_and_counts():
    assert gpus.canonical("a100", TABLE) == "A100-40GB"
    assert gpus.canonical("A100-SXM4-40GB", TABLE) == "A100-40GB"
    assert gpus.canonical("l4", TABLE) == "L4"
    assert gpus.split_spec("H100:2") == ("H100", 2)
    assert gpus.split_spec(" T4 ") == ("T4", 1)
    with pytest.raises(GateError, match="NAME:COUNT"):
        gpus.split_spec("H100:two")
    with pytest.raises(GateError, match=r"\[tool.gate.gpus.L4\]"):
        gpus.lookup("L4", TABLE)


def test_gpu_table_overrides_keep_other_keys_and_add_rows():
    table = gpus.gpu_table(
        {
            "H100": {"batch_seconds": {"1024": 0.035}},
            "L4": {"usd_per_hour": 0.8, "batch_seconds": {"1024": 0.15}, "aliases": ["NVIDIA-L4"]},
        }
    )
    h100 = gpus.lookup("H100", table)
    assert (h100.usd_per_hour, dict(h100.batch_seconds), h100.note) == (3.95, {1024: 0.035}, "")
    assert gpus.lookup("nvidia-l4", table).usd_per_hour == 0.8
    assert gpus.lookup("A100", table) == A100


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"L4": {"batch_seconds": {"1024": 0.1}}}, "usd_per_hour: missing"),
        ({"A100": {"speed": 1}}, "unknown key 'speed'"),
        ({"A100": {"usd_per_hour": -1}}, "usd_per_hour: expected a number >= 0"),
        ({"A100": {"batch_seconds": {"big": 0.1}}}, "batch_seconds.big: expected a batch size"),
        ({"A100": {"batch_seconds": {"1024": 0}}}, "expected a positive number"),
        ({"A100": {"scale": "linear"}}, "scale: expected one of per-example, fixed"),
        ({"A100": {"aliases": "A"}}, "aliases: expected a list"),
    ],
)
def test_bad_gpu_rows_are_named(rows, message):
    with pytest.raises(GateError, match=message):
        gpus.gpu_table(rows, source="pyproject.toml")


def test_config_keys_for_the_run_kind():
    config = from_table(
        {"run_card_cost_usd": 10, "run_card_hours": 1.5, "gpus": {"L4": {"usd_per_hour": 0.8}}},
        source="p",
    )
    assert (config.run_card_cost_usd, config.run_card_hours) == (10.0, 1.5)
    assert config.gpus == {"L4": {"usd_per_hour": 0.8}}
    defaults = from_table({}, source="p")
    assert (defaults.run_card_cost_usd, defaults.run_card_hours) == (5.0, 2.0)
    for bad in (
        {"run_card_cost_usd": "5"},
        {"run_card_hours": -1},
        {"run_card_hours": True},
        {"run_card_cost_usd": math.inf},
        {"gpus": {"L4": 1}},
    ):
        with pytest.raises(GateError, match=str(next(iter(bad)))):
            from_table(bad, source="p")


# -- the launch script parser -------------------------------------------------------------

SCRIPT = """\
import modal
app = modal.App("x")
HOURS = 3600
GPU = "H100:2"

@app.function(timeout=600)
def check_volume(): ...

@app.function(
    gpu=GPU,
    timeout=24 * HOURS,
    memory=65536,
)
def train(): ...

@stub.function(gpu=modal.gpu.A100(), timeout=limit)
def other(): ...

@app.function(gpu="T4")
def quick(): ...
"""


def test_modal_decorators_are_read_without_running_the_script():
    functions = {f.name: f for f in launch_script.modal_functions(SCRIPT)}
    train = functions["train"]
    assert (train.gpu.value, train.gpu.line, train.gpu.text) == ("H100:2", 10, "gpu=GPU")
    assert (train.timeout.value, train.timeout.text) == (86_400, "timeout=24 * HOURS")
    assert train.memory.value == 65_536
    assert not launch_script.readable(functions["other"].gpu)
    assert launch_script.effective_timeout(functions["other"]) is None
    assert launch_script.effective_timeout(functions["quick"]) == 300  # Modal's default
    assert not launch_script.is_set(functions["check_volume"].gpu)


def test_runaway_constants_are_unreadable_not_evaluated():
    source = (
        "X = 7" + " * 99999999" * 400 + '\n@app.function(gpu="A100", timeout=X)\ndef f(): ...\n'
    )
    (function,) = launch_script.modal_functions(source)
    assert not launch_script.readable(function.timeout)
    with pytest.raises(launch_script.LaunchProblem, match="too deeply nested"):
        launch_script.modal_functions("X = " + "+".join(["1"] * 20_000) + "\n")


def test_pick_the_launched_function():
    functions = launch_script.modal_functions(SCRIPT)
    assert launch_script.pick(functions, "quick").gpu.value == "T4"
    with pytest.raises(launch_script.LaunchProblem, match="3 functions with gpu="):
        launch_script.pick(functions, None)
    with pytest.raises(launch_script.LaunchProblem, match="no Modal function 'nope'"):
        launch_script.pick(functions, "nope")
    with pytest.raises(launch_script.LaunchProblem, match="not valid Python") as caught:
        launch_script.modal_functions("def broken(:\n")
    assert caught.value.line == 1


# -- acceptance, through the CLI on real repositories ------------------------------------


@pytest.fixture
def worldmodel(tmp_path, monkeypatch) -> Repo:
    """examples/worldmodel without its card, committed as the team's repository."""
    r = example_repo(tmp_path, "worldmodel", without=(CARD,))
    monkeypatch.chdir(r.root)
    return r


def data_of(repo: Repo, path: str = CARD) -> dict:
    return parse(path, (repo.root / path).read_bytes()).data


def errors(out: str) -> list[str]:
    """The blocking findings of a text report: `path:line: rule: message`."""
    return [
        line
        for line in out.splitlines()[:-1]
        if " (warning): " not in line and " (notice): " not in line
    ]


def sign_all(gate, repo: Repo) -> None:
    for who in REVIEWERS:
        assert gate("sign", CARD, "--reviewer", who[0], "--date", "2026-11-24", as_=who).code == 0
        repo.commit(f"{who[0]} signs", author=who)


def test_1_generated_card_has_the_arithmetic_and_blocks_only_on_sign_off(worldmodel, gate):
    result = gate(*GENERATE)
    assert result.code == 0, result
    assert result.out.splitlines()[0] == "Run Card: mamba2-22k-ss"
    assert "Timing: ~9h 5m training, ~$25.26 (A100-40GB)" in result.out
    assert "Awaiting sign-off from: Scav, Mattie, ScavieFae" in result.out
    data = data_of(worldmodel)
    assert data["data"]["train_examples"] == 186_078_672
    assert data["timing"]["batches_per_epoch"] == 181_717
    assert data["timing"]["epoch_s"] == 10_903.0
    assert data["timing"]["training_s"] == 32_709.1
    assert data["timing"]["cost_usd"] == 25.26
    assert data["timing"]["data_load_s"] == 13_392.0
    assert data["timing"]["recommended_timeout_s"] == 138_304
    assert data["infrastructure"]["timeout_s"] == 86_400  # from the launch script
    assert data["logging"] == {
        "log_interval": 1000,
        "time_between_logs_s": 60.0,
        "logs_per_epoch": 181,
    }
    assert data["covers"] == [CONFIG, f"{LAUNCH}::train"]
    assert [d["key"] for d in data["whats_new"]] == [
        "data.games",
        "training.num_epochs",
        "training.scheduled_sampling",
    ]
    worldmodel.commit("config and card")
    check = gate("check", "--all")
    assert check.code == 1
    blocking = errors(check.out)
    assert blocking and all(
        ": sign-off: awaiting sign-off from" in line or ": coverage: " in line for line in blocking
    ), check.out
    assert "flag:timeout-tight (warning)" in check.out
    sign_all(gate, worldmodel)
    passed = gate("check", "--all")
    assert passed.code == 0, passed


def test_1_the_committed_example_card_is_what_the_generator_writes(worldmodel, gate):
    assert gate(*GENERATE).code == 0
    fresh = worldmodel.read(CARD)
    committed = (EXAMPLE / CARD).read_text(encoding="utf-8")
    created = data_of(worldmodel)["created"]
    old = parse(CARD, committed.encode()).data["created"]
    assert fresh == committed.replace(old, created)


def test_1_strict_blocks_a_timeout_below_the_recommended_minimum(worldmodel, gate):
    assert gate(*GENERATE).code == 0
    worldmodel.write(
        "pyproject.toml",
        worldmodel.read("pyproject.toml").replace("strict = false", "strict = true"),
    )
    worldmodel.commit("card, strict")
    check = gate("check", "--all")
    assert "flag:timeout-tight: timeout 86,400 s (24h 0m) is under 2x" in check.out


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        ('gpu="A100"', 'gpu="H100"', ["GPU changed: the card says A100-40GB", 'gpu="H100" (H100)']),
        ('gpu="A100"', 'gpu="A100:2"', ["the card says A100-40GB but", "(A100-40GB:2)"]),
        (
            "timeout=86400",
            "timeout=43200",
            ["timeout changed: the card says 86,400 s", "now says timeout=43200"],
        ),
        (
            "timeout=86400",
            "timeout=172800",
            ["timeout changed: the card says 86,400 s", "now says timeout=172800"],
        ),
        ("    timeout=86400,\n", "", ["no timeout= (Modal's default, 300 s)"]),
    ],
)
def test_2_editing_the_launch_script_after_sign_off_blocks(worldmodel, gate, old, new, names):
    assert gate(*GENERATE).code == 0
    worldmodel.commit("config and card")
    sign_all(gate, worldmodel)
    text = worldmodel.read(LAUNCH)
    assert old in text
    worldmodel.write(LAUNCH, text.replace(old, new, 1))
    worldmodel.add(LAUNCH)
    check = gate("check")
    assert check.code == 1
    (launch,) = [line for line in check.out.splitlines() if ": launch: " in line]
    assert all(name in launch for name in names), launch
    assert f"{LAUNCH}:" in launch
    assert check.out.count("freshness: approval by") == 3  # the script is covered


def test_2_an_unreadable_decorator_and_a_missing_function_block(worldmodel, gate):
    assert gate(*GENERATE).code == 0
    worldmodel.commit("config and card")
    text = worldmodel.read(LAUNCH)
    worldmodel.write(LAUNCH, text.replace('gpu="A100"', "gpu=pick_gpu()"))
    worldmodel.add(LAUNCH)
    assert (
        "launch: the card's GPU cannot be checked: worldmodel/scripts/modal_train.py:35 "
        "(@train): cannot read gpu=pick_gpu()"
    ) in gate("check").out
    worldmodel.write(LAUNCH, text.replace("def train(", "def fit("))
    worldmodel.add(LAUNCH)
    missing = gate("check")
    assert missing.code == 1
    # an error on the card's launch_function line, not a warning
    line = next(
        i
        for i, row in enumerate(worldmodel.read(CARD).splitlines(), 1)
        if row.strip().startswith("launch_function:")
    )
    assert (
        f"{CARD}:{line}: launch: launch script '{LAUNCH}' has no Modal function 'train' "
        "(decorated functions: "
    ) in missing.out, missing.out


def test_config_edited_after_sign_off_disagrees_with_the_card(worldmodel, gate):
    assert gate(*GENERATE).code == 0
    worldmodel.commit("config and card")
    worldmodel.write(
        CONFIG, worldmodel.read(CONFIG).replace("batch_size: 1024", "batch_size: 4096")
    )
    worldmodel.add(CONFIG)
    check = gate("check")
    assert (f"config: training.batch_size: card says 1024 but {CONFIG} says 4096") in check.out
    # the finding belongs to the card (json and SARIF name it, for grouping)
    report = json.loads(gate("check", "--format", "json").out)
    (finding,) = [f for f in report["findings"] if f["rule"] == "config"]
    assert (finding["path"], finding["card"], finding["severity"]) == (CARD, CARD, "error")
    assert "What's New does not name: training.batch_size (1024 -> 4096)" in check.out


def test_hand_edited_numbers_must_follow_from_the_inputs(worldmodel, gate):
    assert gate(*GENERATE).code == 0
    text = worldmodel.read(CARD).replace("  batch_size: 1024\n", "  batch_size: 4096\n", 1)
    worldmodel.write(CARD, text)
    assert gate("render", CARD).code == 0
    worldmodel.commit("card")
    out = gate("check", "--all").out
    assert (
        "estimate: timing.batches_per_epoch is 181,717 but the checklist's formula gives "
        "45,429" in out
    )
    assert (
        "timing.batch_seconds is 0.06 but the GPU table (scaled per example from "
        "bs=1024) gives 0.24" in out
    )


def test_the_launch_script_must_be_covered(worldmodel, gate):
    assert gate(*GENERATE).code == 0
    text = worldmodel.read(CARD).replace(f"- {LAUNCH}::train\n", "", 1)
    worldmodel.write(CARD, text)
    worldmodel.commit("card")
    out = gate("check", "--all").out
    assert (
        f"covers: infrastructure.launch_script '{LAUNCH}' is not in covers: add '{LAUNCH}::train'"
        in out
    )


L4_PYPROJECT = """\
[tool.gate]
gated = ["experiments/*.yaml", "launch/*.py"]
cards_dir = "cards"
{extra}
[tool.gate.reviewers]
Scav = ["scav@example.org"]

[tool.gate.gpus.L4]
usd_per_hour = 2.0
batch_seconds = {{ "940" = 0.4 }}
"""
L4_LAUNCH = """\
import modal

app = modal.App("wm")


@app.function(gpu="L4", timeout=7200)
def train() -> None: ...
"""


def wm_config(games: int, epochs: int, batch: int = 940, device: str = "null") -> str:
    return (
        f"model:\n  arch: mamba2\n  d_model: 128\n  n_layers: 2\n"
        f"training:\n  batch_size: {batch}\n  num_epochs: {epochs}\n  device: {device}\n"
        f"data:\n  max_games: {games}\n"
    )


@pytest.mark.parametrize(
    ("extra", "games", "epochs", "code", "message"),
    [
        # 1,000 games: 9,400,000 frames, 8,460,000 train, // 940 = 9,000 batches x 0.4 s = 1 h;
        # 1 h x $2.00 = $2.00
        (
            "",
            1000,
            1,
            0,
            "no card needed: estimated $2.00 and 1h 0m, below the $5 / 2h "
            "thresholds (1,000 games x 9,400 frames, 1 epoch at bs=940 on L4 from "
            "launch/modal_train.py @train",
        ),
        ("", 1000, 2, 0, "estimated $4.00 and 2h 0m, below the $5 / 2h thresholds"),  # at both
        ("", 1000, 3, 1, "no run card covers this gated file"),  # $6.00 and 3 h
        (
            "run_card_cost_usd = 7.5\nrun_card_hours = 3.0\n",
            1000,
            3,
            0,
            "estimated $6.00 and 3h 0m, below the $7.50 / 3h thresholds",
        ),
        ("run_card_hours = 0.5\n", 1000, 1, 1, "no run card covers this gated file"),
    ],
)
def test_3_a_cheap_run_needs_no_card(repo, gate, extra, games, epochs, code, message):
    repo.write("pyproject.toml", L4_PYPROJECT.format(extra=extra))
    repo.write("launch/modal_train.py", L4_LAUNCH)
    repo.commit("launcher")
    repo.write("experiments/smoke.yaml", wm_config(games, epochs))
    repo.add("experiments/smoke.yaml")
    check = gate("check")
    assert check.code == code, check
    assert message in check.out


@pytest.mark.parametrize(
    ("setup", "config"),
    [
        ("no launch script", wm_config(10, 1)),
        ("no max_games", "model:\n  arch: mamba2\ntraining:\n  batch_size: 940\n  num_epochs: 1\n"),
        ("a GPU with no speed", wm_config(10, 1)),
        ("two GPUs", wm_config(10, 1)),
        (
            "a policy config",
            "model:\n  architecture: PolicyMLP\ntraining:\n  batch_size: 512\n"
            "  epochs: 1\n  device: mps\ndata:\n  max_games: 10\n",
        ),
    ],
)
def test_3_a_run_that_cannot_be_estimated_needs_a_card(repo, gate, setup, config):
    repo.write("pyproject.toml", L4_PYPROJECT.format(extra=""))
    if setup == "a GPU with no speed":
        repo.write("launch/modal_train.py", L4_LAUNCH.replace('"L4"', '"T4"'))
    elif setup == "two GPUs":
        repo.write("launch/modal_train.py", L4_LAUNCH)
        repo.write("launch/modal_big.py", L4_LAUNCH.replace('"L4"', '"H100"'))
    elif setup != "no launch script":
        repo.write("launch/modal_train.py", L4_LAUNCH)
    repo.commit("launcher")
    repo.write("experiments/smoke.yaml", config)
    repo.add("experiments/smoke.yaml")
    check = gate("check")
    assert check.code == 1, check
    assert "no run card covers this gated file" in check.out


def test_3_local_devices_and_same_stem_launch_scripts(repo, gate):
    repo.write("pyproject.toml", L4_PYPROJECT.format(extra=""))
    repo.write("launch/modal_train.py", L4_LAUNCH.replace('"L4"', '"H100"'))
    repo.write("launch/smoke.py", L4_LAUNCH)  # the config's stem wins over the other script
    repo.commit("launchers")
    repo.write("experiments/smoke.yaml", wm_config(1000, 1))
    repo.write("experiments/local.yaml", wm_config(100, 1, batch=1024, device="mps"))
    repo.add("experiments")
    out = gate("check").out
    assert "smoke.yaml: coverage (notice): no card needed: estimated $2.00" in out
    assert "from launch/smoke.py @train" in out
    # 100 x 9,400 x 0.9 // 1024 = 826 batches x 0.4 s = 330.4 s on MPS, free
    assert "local.yaml: coverage (notice): no card needed: estimated $0.00 and 0h 6m" in out


@pytest.mark.long
def test_4_the_demo_tells_the_run_story(gate, tmp_path, monkeypatch):
    """The run kind's story, told where the pre-commit framework is not installed (the
    CI self-check installs gate's core dependencies only): the hook is a plain git hook,
    and every commit still goes through it. (The policy story, tests/test_demo.py, is
    told with pre-commit.)"""
    import tempfile

    import gate.commands.demo as demo_command

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # tempfile caches it
    monkeypatch.setattr(demo_command, "_pre_commit_available", lambda: False)
    result = gate("demo", "--kind", "run")
    assert result.code == 0, result
    out = result.out
    headings = [
        "the team's repository: reviewers' keys, one shared git identity, the hook",
        "on a feature branch, a cheap run needs no card: the commit passes",
        "on a feature branch, a config committed without a run card is blocked",
        "`gate generate` writes the card; the commit passes, awaiting sign-off",
        "nobody has signed yet: `gate launch` refuses and runs nothing",
        "Scav and Mattie sign, each with their own key; each commit passes",
        "Ada forges ScavieFae's approval: `gate sign` refuses, the hook blocks it",
        "ScavieFae signs; Ada commits the approval as the same git identity: it passes",
        "the pull-request check passes",
        "squash-merged into main: the commit on main passes the hook",
        "`gate launch` runs the card's own approved command",
        "Ada moves the run to an H100, uncommitted: `gate verify` refuses",
    ]
    starts = [out.index(f"== Step {n}: {text}\n") for n, text in enumerate(headings, 1)]
    assert starts == sorted(starts)
    step = dict(enumerate(out[a:b] for a, b in zip(starts, [*starts[1:], len(out)], strict=True)))
    for name in ("Scav", "Mattie", "ScavieFae", "Ada"):
        assert (
            f"$ ssh-keygen -q -t ed25519 -N '' -C {name} -f ../keys/{name.lower()}\n" in (step[0])
        )
    assert "no card needed: estimated $0.77 and 0h 17m, below the $5 / 2h thresholds" in step[1]
    assert f"{CONFIG}: coverage: no run card covers this gated file" in step[2]
    assert f"Card written to: {CARD}" in step[3]
    assert (
        "awaiting sign-off from ScavieFae: branch 'mamba2-22k-ss' cannot merge or launch "
        "until ScavieFae approves" in step[3]
    )
    assert "gate: NOT LAUNCHED" in step[4] and "stand-in ran:" not in step[4]
    assert "Scav approved at digest" in step[5] and "Mattie approved at digest" in step[5]
    assert "not one of ScavieFae's keys in [tool.gate.reviewers] (signed with --key" in step[6]
    assert "signature: the signature of ScavieFae's approval was made with another key" in (step[6])
    assert "gate: BLOCKED (staged)" in step[6]
    assert "ScavieFae approved at digest" in step[7]
    assert "gate: passed (base)" in step[8]
    assert "gate: passed (all)" in step[9] and "ok: Scav, Mattie, ScavieFae" in step[9]
    launched = step[10]
    assert "--index" not in launched  # a run card has one launch command
    assert "stand-in ran: .venv/bin/modal run --detach " + LAUNCH + "::train" in launched
    assert f"GATE_CARD={CARD}" in launched and "GATE_RUN_NAME=mamba2-22k-ss" in launched
    assert "GPU changed: the card says A100-40GB" in step[11]
    assert f"{LAUNCH}: NOT APPROVED to run" in step[11]
    assert out.count("-> exit 1 (as expected)") == 4  # blocked, not launched, forged, verify
    assert out.count("-> exit 2 (as expected)") == 1  # gate sign refuses the author's key
    assert "EXPECTED" not in out
    assert "gate demo: done." in out
    assert "installs the hook as a plain git hook, .git/hooks/pre-commit" in step[0]
    assert "pre-commit install" not in out
    first = out.splitlines()[0]
    assert first.startswith("gate demo: a copy of the example workspace in "), first
    hooks = Path(first.rsplit(" ", 1)[1]) / ".git" / "hooks"
    hook = (hooks / "pre-commit").read_text(encoding="utf-8")
    assert hook.endswith(" -m gate check\n") and "pre_commit" not in hook
    assert not (hooks.parent.parent / ".pre-commit-config.yaml").exists()


def test_4_the_example_ships_as_package_data():
    folder = resources.files("gate.examples").joinpath("worldmodel")
    for path in (
        "pyproject.toml",
        CONFIG,
        SMOKE,
        LAUNCH,
        CARD,
        "worldmodel/checkpoints/mamba2-k10-compare/manifest.json",
    ):
        assert folder.joinpath(path).is_file(), path
    assert '@app.function(\n    gpu="A100"' in folder.joinpath(LAUNCH).read_text()


def test_generate_refuses_flags_that_contradict_the_launch_script(worldmodel, gate):
    result = gate(*[a if a != "A100" else "H100" for a in GENERATE])
    assert result.code == 2
    assert f'--gpu H100 but {LAUNCH}:35 says gpu="A100"' in result.err
    result = gate(*GENERATE, "--timeout", "3600")
    assert result.code == 2 and "--timeout 3600 but" in result.err
    manifest = "worldmodel/checkpoints/mlp-22k-4ep/manifest.json"
    result = gate(*[manifest if a == CONFIG else a for a in GENERATE[:-2]])
    assert result.code == 2


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"def train(:\n", f"launch script {LAUNCH}:1: not valid Python: "),
        (b"x = '\xff'\n", f"launch script '{LAUNCH}' is not UTF-8"),
    ],
    ids=["not Python", "not UTF-8"],
)
def test_a_launch_script_gate_cannot_read_blocks_on_the_launch_script_line(
    worldmodel, gate, content, problem
):
    assert gate(*GENERATE).code == 0
    worldmodel.commit("config and card")
    worldmodel.write(LAUNCH, content)
    worldmodel.add(LAUNCH)
    check = gate("check")
    assert check.code == 1
    line = next(
        i
        for i, row in enumerate(worldmodel.read(CARD).splitlines(), 1)
        if row.strip().startswith("launch_script:")
    )
    assert [
        r for r in check.out.splitlines() if r.startswith(f"{CARD}:{line}: launch: {problem}")
    ], check.out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not valid JSON (Expecting property name enclosed in double quotes: "
         "line 1 column 2 (char 1))"),
        ("[" * 100_000 + "]" * 100_000, "is nested too deeply to read"),
        ('{"results": {}}', "has no config"),
        ("[1, 2]", "has no config"),
    ],
    ids=["not JSON", "nested 100,000 deep", "no config", "not an object"],
)  # fmt: skip
def test_a_comparable_manifest_gate_cannot_use_is_named_in_a_warning_on_its_line(
    worldmodel, gate, content, problem
):
    manifest = "worldmodel/checkpoints/mamba2-k10-compare/manifest.json"
    assert gate(*GENERATE).code == 0
    worldmodel.write(manifest, content)
    worldmodel.commit("config, card and a broken comparable manifest")
    check = gate("check", "--all")
    text = worldmodel.read(CARD).splitlines()
    start = text.index("comparable:")
    line = next(i for i, row in enumerate(text[start:], start + 1) if "manifest:" in row)
    assert (
        f"{CARD}:{line}: flag:config-diff (warning): the comparable run's manifest "
        f"'{manifest}' {problem}: What's New cannot be checked"
    ) in check.out.splitlines(), check.out


def test_a_missing_comparable_manifest_is_named_in_a_warning_on_its_line(worldmodel, gate):
    manifest = "worldmodel/checkpoints/mamba2-k10-compare/manifest.json"
    assert gate(*GENERATE).code == 0
    worldmodel.commit("config and card")
    worldmodel.git("rm", "-q", manifest)
    worldmodel.commit("the comparable run's manifest goes")
    check = gate("check", "--all")
    text = worldmodel.read(CARD).splitlines()
    start = text.index("comparable:")
    line = next(i for i, row in enumerate(text[start:], start + 1) if "manifest:" in row)
    rows_found = [
        r
        for r in check.out.splitlines()
        if r.startswith(f"{CARD}:{line}: flag:config-diff (warning): ")
    ]
    assert len(rows_found) == 1, check.out
    row = rows_found[0]
    assert row.startswith(
        f"{CARD}:{line}: flag:config-diff (warning): the comparable run's manifest '{manifest}' "
    ), row
    assert row.endswith(": What's New cannot be checked"), row


def test_schema_findings_name_the_field_its_line_and_the_deepest_cause(worldmodel, gate):
    """An unknown field lists the fields allowed where it stands; a value no branch of a
    `oneOf` accepts (a path or null) is reported by its deepest cause, not as "not valid
    under any of the given schemas"."""
    assert gate(*GENERATE).code == 0
    text = worldmodel.read(CARD)
    script = "  launch_script: worldmodel/scripts/modal_train.py\n"
    assert script in text
    text = text.replace(script, "  launch_script: 5\n", 1).replace("goal:", "gaol: typo\ngoal:", 1)
    worldmodel.write(CARD, text)
    worldmodel.add(CARD)
    result = gate("check", "--format", "json")
    assert result.code == 1
    lines = text.split("\n")
    schema = [f for f in json.loads(result.out)["findings"] if f["rule"] == "schema"]
    assert schema == [
        {
            "path": CARD,
            "line": lines.index("gaol: typo") + 1,
            "rule": "schema",
            "severity": "error",
            "message": "gaol: unknown field (allowed here: kind, run_name, created, status, "
            "goal, covers, targets, data, model, training, infrastructure, logging, timing, "
            "escape_hatches, comparable, prior_runs, whats_new, flags, launch, signoff, "
            "launches, results)",
            "card": CARD,
        },
        {
            "path": CARD,
            "line": lines.index("  launch_script: 5") + 1,
            "rule": "schema",
            "severity": "error",
            "message": "infrastructure.launch_script: 5 is not of type 'string'",
            "card": CARD,
        },
    ]


def test_a_card_without_its_launch_function_is_told_to_name_one_on_its_parent_line(
    worldmodel, gate
):
    """The script binds a GPU in two functions and the card names none: both the schema
    and the launch rule report it, on the `infrastructure:` line (the field is missing)."""
    assert gate(*GENERATE).code == 0
    text = worldmodel.read(CARD)
    assert "  launch_function: train\n" in text
    text = text.replace("  launch_function: train\n", "", 1)
    worldmodel.write(CARD, text)
    worldmodel.add(CARD)
    result = gate("check")
    assert result.code == 1
    line = text.split("\n").index("infrastructure:") + 1
    assert (
        f"{CARD}:{line}: launch: launch script '{LAUNCH}' has 2 functions with gpu= "
        "(train, train_policy): name the one the card launches (--launch-function NAME, or "
        "[tool.gate.kinds.run] launch_function in pyproject.toml)\n"
    ) in result.out, result.out
    assert f"{CARD}:{line}: schema: infrastructure: 'launch_function' is a required property\n" in (
        result.out
    )
