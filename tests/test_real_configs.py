"""A real team's world-model configs and launch script (issue 10, point 5; point 4's launch
function): `data.max_games: 0`, MLP configs without `arch`, the platform's maximum
timeout, two `gpu=` functions in one launch script, and runs on several GPUs.

Each test works on a copy of examples/worldmodel committed as a git repository, runs the
real CLI, and checks what the user sees: the error or note, the finding, the numbers on
the card. The arithmetic is worked out by hand beside each test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, example_repo

from gate.card.document import parse
from gate.config import parse as parse_config
from gate.git import Repository
from gate.kinds import cloud, gpus
from gate.kinds.run.compare import is_world_model_config
from gate.kinds.run.exempt import why_card

CONFIG = "worldmodel/experiments/mamba2-22k-ss.yaml"
SMOKE = "worldmodel/experiments/mamba2-2k-smoke.yaml"
MLP = "worldmodel/experiments/mlp-all.yaml"
LAUNCH = "worldmodel/scripts/modal_train.py"
CARDS = "worldmodel/docs/run-cards"
ENCODED_22K = (
    "--encoded-file",
    "/encoded-22k.pt",
    "--encoded-games",
    "22000",
    "--encoded-frames",
    "206754081",
    "--encoded-gb",
    "74.4",
)


def generate(config: str, run_name: str, *flags: str) -> tuple[str, ...]:
    """`gate generate --kind run` for `config` (one place to change when the training
    config becomes a positional argument)."""
    return ("generate", "--kind", "run", "--run-name", run_name, config, *flags)


MLP_CONFIG = """\
# An MLP world model on every game of the dataset (no model.arch: the team's older configs).
data:
  max_games: {games}

encoding:
  xy_scale: 0.05
  percent_scale: 0.01
  action_vocab: 400
  action_embed_dim: 32

model:
  context_len: 10
  hidden_dim: 1024
  trunk_dim: 512
  n_layers: 3
  dropout: 0.1

training:
  lr: 0.001
  weight_decay: 0.00001
  batch_size: {batch}
  num_epochs: {epochs}
  train_split: 0.9
  device: {device}
  log_interval: 500

loss_weights:
  continuous: 1.0
  velocity: 0.5
  action: 2.0
"""


def mlp(games: int = 0, *, batch: int = 4096, epochs: int = 4, device: str = "null") -> str:
    return MLP_CONFIG.format(games=games, batch=batch, epochs=epochs, device=device)


@pytest.fixture
def team(tmp_path, monkeypatch) -> Repo:
    """examples/worldmodel without its card, committed as the team's repository."""
    r = example_repo(tmp_path, "worldmodel", without=(f"{CARDS}/mamba2-22k-ss.md",))
    monkeypatch.chdir(r.root)
    return r


def data_of(repo: Repo, run_name: str) -> dict:
    path = f"{CARDS}/{run_name}.md"
    return parse(path, (repo.root / path).read_bytes()).data


def set_pyproject(repo: Repo, old: str, new: str) -> None:
    text = repo.read("pyproject.toml")
    assert old in text, old
    repo.write("pyproject.toml", text.replace(old, new, 1))


def only_sign_off_blocks(out: str) -> bool:
    blocking = [
        line
        for line in out.splitlines()[:-1]
        if " (warning): " not in line and " (notice): " not in line
    ]
    return bool(blocking) and all(
        ": sign-off: awaiting sign-off from" in line or ": coverage: " in line for line in blocking
    )


# -- 1. data.max_games: 0 means every game ---------------------------------------------------


def test_max_games_0_takes_the_count_from_the_encoded_file_and_says_so(team, gate):
    team.write(MLP, mlp(0))
    team.commit("an MLP on every game")
    result = gate(
        *generate(MLP, "mlp-all", "--encoded-file", "/encoded-22k.pt", "--encoded-games", "22000")
    )
    assert result.code == 0, result
    assert (
        "data.max_games is 0 (every game): the card's 22,000 games are the encoded file's, "
        "from --encoded-games" in result.out
    )
    data = data_of(team, "mlp-all")
    # 22,000 x 9,400 = 206,800,000 frames (estimated); x 0.9 = 186,120,000 train;
    # // 4096 = 45,439 batches (45,439 x 4096 = 186,118,144)
    assert data["data"]["games"] == 22_000
    assert data["data"]["total_frames"] == 206_800_000
    assert data["data"]["frames_estimated"] is True
    assert data["data"]["train_examples"] == 186_120_000
    assert data["timing"]["batches_per_epoch"] == 45_439
    team.commit("card")
    check = gate("check", "--all")
    assert check.code == 1 and only_sign_off_blocks(check.out), check.out


@pytest.mark.parametrize(
    ("games", "message"),
    [
        (
            "0",
            "data.max_games is 0 (every game of the dataset), so the config does not say how "
            "many games the run trains on: pass --encoded-games N, the games in the encoded file",
        ),
        (
            "-5",
            "data.max_games: expected a whole number of games (0: every game), got -5; or pass --encoded-games N",
        ),
        ("all", "data.max_games: expected a whole number of games (0: every game), got 'all'"),
    ],
)
def test_a_game_count_gate_cannot_read_names_the_key_and_the_flag(team, gate, games, message):
    team.write(MLP, mlp().replace("max_games: 0", f"max_games: {games}"))
    result = gate(*generate(MLP, "mlp-all"))
    assert result.code == 2
    assert f"gate: error: {MLP}: {message}" in result.err


def test_no_game_count_at_all_names_the_key_and_the_flag(team, gate):
    team.write(MLP, mlp().replace("data:\n  max_games: 0\n", ""))
    result = gate(*generate(MLP, "mlp-all"))
    assert result.code == 2
    assert (
        f"{MLP}: no game count: set data.max_games in the config or pass --encoded-games N"
        in result.err
    )


def test_an_encoded_file_with_other_games_than_max_games_is_noted(team, gate):
    result = gate(*generate(SMOKE, "smoke", "--encoded-games", "2200"))
    assert result.code == 0, result
    assert (
        "--encoded-games 2,200 but the config's data.max_games is 2,000: the card says "
        "2,200 games" in result.out
    )


def test_a_max_games_0_config_needs_a_card_and_gate_can_say_why(team, gate):
    team.write(MLP, mlp(0, batch=1024, epochs=1, device="mps"))
    team.add(MLP)
    check = gate("check")
    assert check.code == 1
    assert f"{MLP}: coverage: no run card covers this gated file" in check.out
    config = parse_config(team.read("pyproject.toml"), source="pyproject.toml")
    with Repository(team.root) as repo:
        said = why_card(MLP, repo.index(), config)
    assert said == (
        "data.max_games is 0 (every game): the estimate needs a game count; a card records "
        "it (`gate generate ... --encoded-games N`)"
    )


# -- 2. MLP world-model configs (no arch, no d_model) ----------------------------------------


def test_an_mlp_config_gets_a_card_that_names_what_it_cannot_read(team, gate):
    team.write(MLP, mlp(22000))
    team.commit("an MLP on 22K games")
    result = gate(*generate(MLP, "mlp-22k", *ENCODED_22K))
    assert result.code == 0, result
    assert "  Model: architecture unknown, ? params" in result.out
    assert (
        "the config's model: names no arch: the card's architecture is unknown (it records "
        "n_layers, context_len, hidden_dim, trunk_dim); set model.arch, e.g. mlp" in result.out
    )
    assert (
        "the parameter count is unknown: no prior run has this model section; the training "
        "log prints it" in result.out
    )
    data = data_of(team, "mlp-22k")
    model = data["model"]
    assert model["architecture"] == "unknown"
    assert (model["hidden_dim"], model["trunk_dim"], model["n_layers"]) == (1024, 512, 3)
    assert model["d_model"] is None and model["d_state"] is None and model["parameters"] is None
    # 206,754,081 x 0.9 = 186,078,672 train; // 4096 = 45,429 batches; the A100's 0.06 s
    # at bs=1024 scales to 0.24 s at 4096: 10,902.96 s per epoch, x 4 = 43,611.84 s;
    # 12.1144 h x $2.78 = $33.68; 500 x 0.24 = 120 s between logs, 45,429 // 500 = 90
    timing = data["timing"]
    assert timing["batches_per_epoch"] == 45_429
    assert timing["batch_seconds"] == pytest.approx(0.24)
    assert timing["epoch_s"] == 10_903.0
    assert timing["training_s"] == 43_611.8
    assert timing["cost_usd"] == 33.68
    assert data["logging"] == {
        "log_interval": 500,
        "time_between_logs_s": 120.0,
        "logs_per_epoch": 90,
    }
    text = team.read(f"{CARDS}/mlp-22k.md")
    assert "| Architecture | unknown (the config's model: names no arch) |" in text
    assert "| hidden_dim | 1,024 |" in text and "| trunk_dim | 512 |" in text
    assert "d_state" not in text.split("## Model", 1)[1].split("## Training", 1)[0]
    team.commit("card")
    check = gate("check", "--all")
    assert check.code == 1 and only_sign_off_blocks(check.out), check.out
    team.write(MLP, mlp(22000).replace("hidden_dim: 1024", "hidden_dim: 2048"))
    team.add(MLP)
    edited = gate("check")
    assert f"config: model.hidden_dim: card says 1024 but {MLP} says 2048" in edited.out


def test_a_cheap_mlp_config_needs_no_card(team, gate):
    # 100 x 9,400 x 0.9 = 846,000 // 1024 = 826 batches x 0.4 s (MPS) = 330.4 s, free
    team.write(MLP, mlp(100, batch=1024, epochs=1, device="mps"))
    team.add(MLP)
    check = gate("check")
    assert check.code == 0, check
    assert f"{MLP}: coverage (notice): no card needed: estimated $0.00 and 0h 6m" in check.out


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"model": {"arch": "mamba2"}}, True),
        ({"model": {"d_model": 384}}, True),
        ({"model": {"hidden_dim": 1024, "trunk_dim": 512}, "encoding": {"xy_scale": 0.05}}, True),
        ({"model": {"n_layers": 3}, "loss_weights": {"action": 2.0}}, True),
        # a policy: it predicts a player, or names itself a policy
        (
            {
                "model": {"hidden_dim": 512, "trunk_dim": 256},
                "loss_weights": {"analog": 1.0, "button": 1.0},
                "data": {"predict_player": 0},
            },
            False,
        ),
        (
            {"model": {"architecture": "PolicyMLP", "hidden_dim": 512}, "loss_weights": {"a": 1}},
            False,
        ),
        # MLP dimensions alone do not make a world model (examples/melee's policy config)
        ({"model": {"hidden_dim": 512, "trunk_dim": 256}, "training": {}}, False),
        ({"model": {}, "encoding": {"xy_scale": 0.05}}, False),
    ],
)
def test_which_configs_are_world_model_configs(config, expected):
    assert is_world_model_config(config) is expected


# -- 3. the platform's maximum timeout ----------------------------------------------------------


MAX_TIMEOUT = (
    "# max_timeout = 86400   # Modal's longest timeout: longer runs must checkpoint and resume"
)


def test_a_run_over_the_platform_maximum_must_checkpoint_and_resume(team, gate):
    set_pyproject(team, MAX_TIMEOUT, "max_timeout = 86400")
    team.commit("Modal's maximum")
    result = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K))
    assert result.code == 0, result
    # (32,709.06 + 13,392) x 3 = 138,303.18 -> 138,304 s needed, over 86,400 s: the card
    # recommends the maximum and flags the checkpoint-and-resume instead of "timeout-tight"
    data = data_of(team, "mamba2-22k-ss")
    timing = data["timing"]
    assert timing["required_timeout_s"] == 138_304
    assert timing["recommended_timeout_s"] == 86_400
    assert timing["max_timeout_s"] == 86_400
    assert data["infrastructure"]["timeout_s"] == 86_400
    assert [f["code"] for f in data["flags"]] == [
        "timeout-over-platform",
        "large-epoch",
        "config-diff",
    ]
    message = data["flags"][0]["message"]
    assert message == (
        "the run needs a timeout of 138,304 s (38h 25m: (training + data load) x 3, at least "
        "4 h) but the platform stops it at 86,400 s (24h 0m, [tool.gate.kinds.run] "
        "max_timeout): the run must checkpoint and resume: when it is stopped, relaunch it "
        "with `--resume mamba2-22k-ss/latest.pt` (the resume command under Escape Hatches)"
    )
    text = team.read(f"{CARDS}/mamba2-22k-ss.md")
    assert (
        "| Timeout | 86,400s = 24h 0m (safety margin: 1.87x; needs 138,304s, over the "
        "platform's maximum 86,400s: checkpoint and resume) |" in text
    )
    team.commit("card")
    check = gate("check", "--all")
    assert "flag:timeout-over-platform (warning): the run needs a timeout of 138,304 s" in check.out
    assert "timeout-tight" not in check.out and "timeout-minimum" not in check.out
    assert only_sign_off_blocks(check.out), check.out


def test_a_run_longer_than_the_maximum_takes_several_launches(team, gate):
    set_pyproject(team, MAX_TIMEOUT, "max_timeout = 86400")
    team.commit("Modal's maximum")
    # 8 epochs: 10,903.02 x 8 = 87,224.16 s + 13,392 s = 100,616.16 s, over 86,400 s:
    # at least 2 launches; (100,616.16 x 3) = 301,848.48 -> 301,849 s needed
    result = gate(*generate(CONFIG, "long", *ENCODED_22K, "--epochs", "8"))
    assert result.code == 0, result
    data = data_of(team, "long")
    assert data["timing"]["required_timeout_s"] == 301_849
    assert data["timing"]["recommended_timeout_s"] == 86_400
    assert (
        "the estimated 27h 57m (training + data load) takes at least 2 launches"
        in data["flags"][0]["message"]
    )


def test_configuring_the_maximum_clears_an_impossible_recommendation_on_an_older_card(team, gate):
    assert gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K)).code == 0
    team.commit("card without a platform maximum")
    before = gate("check", "--all").out
    assert "flag:timeout-tight (warning): timeout 86,400 s (24h 0m) is under 2x" in before
    set_pyproject(team, MAX_TIMEOUT, "max_timeout = 86400")
    team.commit("Modal's maximum")
    after = gate("check", "--all").out
    assert "flag:timeout-tight" not in after
    assert "flag:timeout-over-platform (warning): the run needs a timeout of 138,304 s" in after
    assert only_sign_off_blocks(after), after


def test_a_card_whose_maximum_is_not_the_configured_one_is_named(team, gate):
    set_pyproject(team, MAX_TIMEOUT, "max_timeout = 86400")
    team.commit("Modal's maximum")
    assert gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K)).code == 0
    team.commit("card")
    set_pyproject(team, "max_timeout = 86400", "max_timeout = 43200")
    team.commit("a stricter platform")
    out = gate("check", "--all").out
    assert (
        "estimate: timing.max_timeout_s is 86,400 but [tool.gate.kinds.run] max_timeout is "
        "43,200: regenerate the card" in out
    )


def test_a_timeout_over_the_maximum_is_refused_by_the_platform(team, gate):
    set_pyproject(team, MAX_TIMEOUT, "max_timeout = 43200")
    team.commit("a 12-hour platform")
    # the smoke run needs only the 4 h minimum, but the script asks for 24 h
    result = gate(*generate(SMOKE, "smoke", "--encoded-file", "/encoded-2k.pt"))
    assert result.code == 0, result
    (flag,) = [f for f in data_of(team, "smoke")["flags"] if f["code"] == "timeout-over-platform"]
    assert flag["message"] == (
        "timeout 86,400 s is over the platform's maximum 43,200 s (12h 0m, "
        "[tool.gate.kinds.run] max_timeout): the platform refuses it; set timeout=14400"
    )


@pytest.mark.parametrize(
    ("training_s", "load_s", "limit", "required", "recommended"),
    [
        (32_709.06, 13_392.0, None, 138_304, 138_304),
        (32_709.06, 13_392.0, 86_400, 138_304, 86_400),
        (1000.0, 0.0, 86_400, 14_400, 14_400),  # the 4 h minimum, under the cap
        (1000.0, 0.0, 3600, 14_400, 3600),  # a cap under the 4 h minimum wins
    ],
)
def test_the_recommended_timeout_is_capped(training_s, load_s, limit, required, recommended):
    assert cloud.required_timeout_s(training_s, load_s) == required
    assert cloud.recommended_timeout_s(training_s, load_s, limit) == recommended


@pytest.mark.parametrize(
    ("wall", "timeout", "launches"),
    [
        (1.0, 86_400, 1),
        (86_400.0, 86_400, 1),
        (86_400.5, 86_400, 2),
        (100_616.16, 86_400, 2),
        (259_201.0, 86_400, 4),
    ],
)
def test_launches_at_a_timeout(wall, timeout, launches):
    assert cloud.launches(wall, timeout) == launches


# -- 4. which launch function: train, train_policy --------------------------------------------


def unname(repo: Repo) -> None:
    """The example's pyproject without `launch_function`."""
    set_pyproject(repo, 'launch_function = "train"\n', "")


def test_the_example_launch_script_has_two_gpu_functions(team):
    from gate.sources import launch_script

    functions = launch_script.modal_functions(team.read(LAUNCH))
    assert [(f.name, f.gpu.value) for f in functions if launch_script.is_set(f.gpu)] == [
        ("train", "A100"),
        ("train_policy", "T4"),
    ]


def test_a_named_launch_function_lets_a_cheap_run_need_no_card(team, gate):
    team.write(SMOKE, team.read(SMOKE).replace("# Smoke test", "# The smoke test"))
    team.add(SMOKE)
    check = gate("check")
    assert check.code == 0, check
    assert (
        "no card needed: estimated $0.77 and 0h 17m, below the $5 / 2h thresholds (2,000 games "
        "x 9,400 frames, 1 epoch at bs=1024 on A100-40GB from worldmodel/scripts/modal_train.py "
        "@train; [tool.gate] run_card_cost_usd / run_card_hours)" in check.out
    )
    result = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K))
    assert result.code == 0, result
    assert (
        f"launch script by convention: {LAUNCH} (@train); pass --launch-script to choose another"
        in result.out
    )
    assert data_of(team, "mamba2-22k-ss")["covers"] == [CONFIG, f"{LAUNCH}::train"]


TWO = (
    f"2 functions in the gated launch scripts set gpu= ({LAUNCH}::train, {LAUNCH}::train_policy): "
    'name the one world-model runs launch with [tool.gate.kinds.run] launch_function = "train" '
    "in pyproject.toml (or --launch-function NAME for one card)"
)


def test_without_a_named_function_generate_says_which_and_how_to_name_it(team, gate):
    unname(team)
    team.commit("no launch_function")
    result = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K))
    assert result.code == 2
    assert f"gate: error: {TWO}; or pass --launch-script PATH --launch-function NAME" in result.err
    given = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K, "--launch-script", LAUNCH))
    assert given.code == 2
    assert (
        f"--launch-script {LAUNCH} has 2 functions with gpu= (train, train_policy): name the "
        "one the card launches (--launch-function NAME, or [tool.gate.kinds.run] "
        "launch_function in pyproject.toml)" in given.err
    )
    named = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K, "--launch-function", "train"))
    assert named.code == 0, named
    assert data_of(team, "mamba2-22k-ss")["infrastructure"]["launch_function"] == "train"


def test_without_a_named_function_no_card_needed_cannot_apply_and_gate_says_why(team, gate):
    unname(team)
    team.commit("no launch_function")
    team.write(SMOKE, team.read(SMOKE).replace("# Smoke test", "# The smoke test"))
    team.add(SMOKE)
    check = gate("check")
    assert check.code == 1
    assert f"{SMOKE}: coverage: no run card covers this gated file" in check.out
    config = parse_config(team.read("pyproject.toml"), source="pyproject.toml")
    with Repository(team.root) as repo:
        assert why_card(SMOKE, repo.index(), config) == TWO


def test_a_configured_function_no_script_has_leaves_the_card_without_one(team, gate):
    set_pyproject(team, 'launch_function = "train"', 'launch_function = "fit"')
    team.commit("a function the script does not have")
    result = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K, "--gpu", "A100"))
    assert result.code == 0, result
    assert (
        "no gated launch script has a function 'fit' ([tool.gate.kinds.run] launch_function): "
        "the card names no launch script" in result.out
    )
    flagged = gate(*generate(CONFIG, "other", *ENCODED_22K, "--launch-function", "fit"))
    assert flagged.code == 2
    assert "no gated launch script has a function 'fit' (--launch-function)" in flagged.err


# -- 5. several GPUs: count x price, data-parallel speed-up ------------------------------------


def two_h100(repo: Repo) -> None:
    text = repo.read(LAUNCH)
    repo.write(LAUNCH, text.replace('gpu="A100"', 'gpu="H100:2"', 1))
    repo.commit("two H100s")


def test_two_gpus_cost_twice_the_price_and_run_at_the_stated_efficiency(team, gate):
    two_h100(team)
    result = gate(*generate(CONFIG, "mamba2-22k-h100x2", *ENCODED_22K))
    assert result.code == 0, result
    # one H100: 0.06 s per batch (the A100's, an upper bound); two at 1 + (2 - 1) x 0.9 =
    # 1.9x: 181,717 x 0.06 / 1.9 = 5,738.43 s per epoch, x 3 = 17,215.29 s (4h 47m);
    # 4.78203 h x $3.95 x 2 GPUs = $37.78; wall 17,215.29 + 13,392 = 30,607.29 s;
    # x 3 = 91,821.88 -> 91,822 s; 1,000 x 0.06 / 1.9 = 31.58 s between logs
    assert (
        "Timing: ~4h 47m training, ~$37.78 (H100 x2, 1.9x one GPU's speed at 0.9 per extra GPU)"
        in result.out
    )
    data = data_of(team, "mamba2-22k-h100x2")
    assert (data["infrastructure"]["gpu"], data["infrastructure"]["gpu_count"]) == ("H100", 2)
    timing = data["timing"]
    assert timing["batch_seconds"] == 0.06
    assert (timing["parallel_efficiency"], timing["parallel_speedup"]) == (0.9, 1.9)
    assert timing["epoch_s"] == 5_738.4
    assert timing["training_s"] == 17_215.3
    assert timing["cost_usd"] == 37.78
    assert timing["wall_s"] == 30_607.3
    assert timing["recommended_timeout_s"] == 91_822
    assert data["logging"]["time_between_logs_s"] == 31.6
    text = team.read(f"{CARDS}/mamba2-22k-h100x2.md")
    assert (
        "| Data-parallel | 2 GPUs at 1.9x one GPU's speed: 1 + (2 - 1) x 0.9 efficiency per "
        "extra GPU (the GPU table's default); ~31.6 ms/batch on 2 GPUs |" in text
    )
    assert "| **Est. cost** | **~$37.78** ($3.95/h x 2 GPUs) |" in text
    team.commit("card")
    check = gate("check", "--all")
    assert check.code == 1 and only_sign_off_blocks(check.out), check.out


def test_a_gpu_row_overrides_the_efficiency_and_the_card_says_so(team, gate):
    set_pyproject(
        team, "# [tool.gate.gpus.H100]\n", "[tool.gate.gpus.H100]\nparallel_efficiency = 0.85\n"
    )
    two_h100(team)
    result = gate(*generate(CONFIG, "h100x2", *ENCODED_22K))
    assert result.code == 0, result
    # 1 + 0.85 = 1.85x: 10,903.02 / 1.85 = 5,893.52 s per epoch, x 3 = 17,680.57 s;
    # 4.91127 h x $3.95 x 2 = $38.80
    timing = data_of(team, "h100x2")["timing"]
    assert (timing["parallel_efficiency"], timing["parallel_speedup"]) == (0.85, 1.85)
    assert (timing["epoch_s"], timing["training_s"], timing["cost_usd"]) == (
        5_893.5,
        17_680.6,
        38.8,
    )
    text = team.read(f"{CARDS}/h100x2.md")
    assert "x 0.85 efficiency per extra GPU ([tool.gate.gpus.H100] parallel_efficiency)" in text
    team.commit("card")
    assert only_sign_off_blocks(gate("check", "--all").out)
    set_pyproject(team, "parallel_efficiency = 0.85", "parallel_efficiency = 0.8")
    team.commit("a slower interconnect")
    out = gate("check", "--all").out
    assert (
        "estimate: timing.parallel_efficiency is 0.85 but the GPU table's data-parallel "
        "efficiency of H100 is 0.80 from the card's inputs" in out
    )


def test_a_multi_gpu_card_without_an_efficiency_is_never_a_silent_1x(team, gate):
    two_h100(team)
    assert gate(*generate(CONFIG, "h100x2", *ENCODED_22K)).code == 0
    path = f"{CARDS}/h100x2.md"
    team.write(path, team.read(path).replace("  parallel_efficiency: 0.9\n", ""))
    assert gate("render", path).code == 0
    team.commit("card")
    out = gate("check", "--all").out
    assert (
        "estimate: timing.parallel_efficiency: a 2-GPU run needs the data-parallel efficiency "
        "its speed-up comes from (the GPU table's, default 0.9)" in out
    )


@pytest.mark.parametrize(
    ("count", "efficiency", "factor"),
    [(1, 0.9, 1.0), (2, 0.9, 1.9), (4, 0.9, 3.7), (8, 0.75, 6.25)],
)
def test_speedup(count, efficiency, factor):
    assert gpus.speedup(count, efficiency) == pytest.approx(factor)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            1.5,
            r"parallel_efficiency: expected a fraction of one GPU's speed that each extra GPU adds, in \(0, 1\]",
        ),
        (0, "parallel_efficiency: expected a positive number"),
        ("high", "parallel_efficiency: expected a positive number"),
    ],
)
def test_bad_efficiency_rows_are_named(value, message):
    from gate.errors import GateError

    with pytest.raises(GateError, match=message):
        gpus.gpu_table({"H100": {"parallel_efficiency": value}}, source="pyproject.toml")


def test_a_cheap_multi_gpu_run_says_its_speed_up(repo, gate):
    repo.write(
        "pyproject.toml",
        '[tool.gate]\ngated = ["experiments/*.yaml", "launch/*.py"]\ncards_dir = "cards"\n'
        '[tool.gate.reviewers]\nScav = ["scav@example.org"]\n'
        '[tool.gate.gpus.L4]\nusd_per_hour = 1.0\nbatch_seconds = { "940" = 0.4 }\n',
    )
    repo.write(
        "launch/modal_train.py",
        'import modal\napp = modal.App("wm")\n\n\n@app.function(gpu="L4:2", timeout=7200)\n'
        "def train() -> None: ...\n",
    )
    repo.commit("launcher")
    # 1,000 games: 8,460,000 train // 940 = 9,000 batches x 0.4 s / 1.9 = 1,894.7 s (0h 32m);
    # 0.52632 h x $1.00 x 2 = $1.05
    repo.write(
        "experiments/smoke.yaml",
        "model:\n  arch: mamba2\ntraining:\n  batch_size: 940\n  num_epochs: 1\n"
        "data:\n  max_games: 1000\n",
    )
    repo.add("experiments/smoke.yaml")
    check = gate("check")
    assert check.code == 0, check
    assert (
        "no card needed: estimated $1.05 and 0h 32m, below the $5 / 2h thresholds (1,000 games "
        "x 9,400 frames, 1 epoch at bs=940 on L4 x2 (1.9x one GPU) from launch/modal_train.py "
        "@train" in check.out
    )


def test_the_example_ships_its_train_policy_function():
    from importlib import resources

    text = resources.files("gate.examples").joinpath("worldmodel", LAUNCH).read_text()
    assert "def train_policy(" in text
    assert 'launch_function = "train"' in (
        resources.files("gate.examples").joinpath("worldmodel", "pyproject.toml").read_text()
    )
    assert (
        Path(__file__).resolve().parent.parent.joinpath("examples", "worldmodel", LAUNCH).is_file()
    )


def test_a_named_function_in_two_scripts_asks_for_the_script(team, gate):
    other = "worldmodel/scripts/modal_big.py"
    team.write(other, team.read(LAUNCH).replace('gpu="A100"', 'gpu="H100"', 1))
    team.commit("a second launcher")
    result = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K))
    assert result.code == 2
    assert result.err == (
        f"gate: error: 2 gated launch scripts have a function 'train' ({other}::train, "
        f"{LAUNCH}::train): pass --launch-script PATH\n"
    )
    chosen = gate(*generate(CONFIG, "mamba2-22k-ss", *ENCODED_22K, "--launch-script", other))
    assert chosen.code == 0, chosen
    assert data_of(team, "mamba2-22k-ss")["infrastructure"]["gpu"] == "H100"
