"""A policy trained on a rented GPU (issue 10, point 6): `gate generate --gpu NAME[:COUNT]`
gives a policy card the cost, recommended timeout and logging cadence a run card has,
from the GPU table both kinds share, and its launch commands come from
`[tool.gate.kinds.policy] launch`.

On a copy of examples/melee committed as a git repository, through the real CLI; the
arithmetic is worked out by hand beside each test.
"""

from __future__ import annotations

import pytest
from conftest import MATTIE, SCAV, Repo, example_repo

from gate.card.document import parse
from gate.errors import GateError
from gate.kinds.policy import launch

CONFIG = "worldmodel/experiments/policy-match.yaml"
WM = "worldmodel/checkpoints/wm-mamba2-2k"
CARDS = "worldmodel/docs/run-cards"
TEMPLATE = (
    "modal run worldmodel/scripts/modal_train.py::train_policy --config {config} "
    "--max-games {games} --predict-player {player} --epochs {epochs} "
    "--batch-size {batch_size} --device {device} --run-name {run_name}-p{player}"
)
# the policy's own speed on the rented GPU: the GPU table's speeds are the world model's
CUDA = '[tool.gate.hardware.cuda]\nlabel = "H100 (Modal)"\nbatch_seconds = { "512" = 0.005 }\n'


def generate(run_name: str, *flags: str) -> tuple[str, ...]:
    """`gate generate` for the policy config (one place to change when the training config
    becomes a positional argument)."""
    return (
        "generate",
        "--run-name",
        run_name,
        CONFIG,
        "--world-model",
        WM,
        "--dataset",
        "data/parsed-v2",
        "--no-wandb",
        *flags,
    )


def settings(*, template: str | None = TEMPLATE, max_timeout: int | None = 86_400) -> str:
    lines = [CUDA, "[tool.gate.kinds.policy]"]
    if template is not None:
        lines.append(f'launch = "{template}"')
    if max_timeout is not None:
        lines.append(f"max_timeout = {max_timeout}")
    return "\n" + "\n".join(lines) + "\n"


@pytest.fixture
def melee(tmp_path, monkeypatch) -> Repo:
    r = example_repo(tmp_path, "melee")
    monkeypatch.chdir(r.root)
    return r


def configure(repo: Repo, extra: str) -> None:
    repo.write("pyproject.toml", repo.read("pyproject.toml") + extra)
    repo.commit("the team's GPU settings")


def data_of(repo: Repo, run_name: str) -> dict:
    path = f"{CARDS}/{run_name}.md"
    return parse(path, (repo.root / path).read_bytes()).data


def test_a_policy_on_two_rented_gpus_gets_cost_timeout_and_its_own_command(melee, gate):
    configure(melee, settings())
    result = gate(*generate("policy-h100", "--gpu", "H100:2"))
    assert result.code == 0, result
    # 2,000 games x 9,400 = 18,800,000 frames; 16,920,000 train // 512 = 33,046 batches;
    # 0.005 s on one GPU, two at 1 + (2 - 1) x 0.9 = 1.9x: 0.0026316 s; 86.96 s per epoch,
    # x 10 = 869.63 s; 0.241564 h x $3.95 x 2 = $1.91; data load 2,000 x 0.042 = 84 s;
    # (869.63 + 84) x 3 = 2,860.9 s, under the 4 h minimum: 14,400 s
    assert "  Cloud: ~$1.91 on H100 x2, 1.9x one GPU; recommended timeout 4h 0m" in result.out
    data = data_of(melee, "policy-h100")
    assert data["training"]["device"] == "cuda"
    assert data["timing"]["batches_per_epoch"] == 33_046
    assert (data["timing"]["epoch_s"], data["timing"]["training_s"]) == (87.0, 869.6)
    assert data["cloud"] == {
        "gpu": "H100",
        "gpu_count": 2,
        "gpu_label": "H100 (Modal)",
        "usd_per_hour": 3.95,
        "parallel_efficiency": 0.9,
        "parallel_speedup": 1.9,
        "cost_usd": 1.91,
        "max_timeout_s": 86_400,
        "required_timeout_s": 14_400,
        "recommended_timeout_s": 14_400,
        "log_interval": None,
        "time_between_logs_s": None,
        "logs_per_epoch": None,
    }
    assert [e["command"] for e in data["launch"]] == [
        "modal run worldmodel/scripts/modal_train.py::train_policy --config "
        f"{CONFIG} --max-games 2000 --predict-player {p} --epochs 10 --batch-size 512 "
        f"--device cuda --run-name policy-h100-p{p}"
        for p in ("0", "1")
    ]
    # no log_interval: the flag recommends ~1 min, 60 / 0.0026316 s = 22,800 batches
    assert data["flags"] == [
        {
            "code": "log-interval",
            "message": "no log_interval: the trainer's default may log rarely; set "
            "log_interval: 22,800 (~1 min between logs)",
        }
    ]
    text = melee.read(f"{CARDS}/policy-h100.md")
    assert "## Cost & Timeout (rented GPU)" in text
    assert "| **Est. cost** | **~$1.91** ($3.95/h x 2 GPUs) |" in text
    assert (
        "| Data-parallel | 2 GPUs at 1.9x one GPU's speed: 1 + (2 - 1) x 0.9 efficiency per "
        "extra GPU; ~2.63 ms/batch on 2 GPUs |" in text
    )
    assert (
        "| Recommended timeout | 14,400s (4h 0m; (training + data load) x 3, at least 4 h; "
        "platform maximum 86,400s) |" in text
    )
    melee.commit("card")
    check = gate("check", "--all")
    assert check.code == 1
    assert "flag:log-interval (warning): no log_interval" in check.out
    assert "schema" not in check.out and "estimate" not in check.out, check.out
    for who in (SCAV, MATTIE):
        assert gate("sign", f"{CARDS}/policy-h100.md", "--reviewer", who[0], as_=who).code == 0
        melee.commit(f"{who[0]} signs", author=who)
    assert gate("check", "--all").code == 0


def test_the_logging_cadence_follows_the_configs_log_interval(melee, gate):
    configure(melee, settings())
    melee.write(
        CONFIG,
        melee.read(CONFIG).replace("  device: mps\n", "  device: mps\n  log_interval: 2000\n"),
    )
    melee.commit("log every 2,000 batches")
    assert gate(*generate("policy-h100", "--gpu", "H100:2")).code == 0
    # 2,000 x 0.005 / 1.9 = 5.26 s between logs; 33,046 // 2,000 = 16 per epoch
    cloud = data_of(melee, "policy-h100")["cloud"]
    assert (cloud["log_interval"], cloud["time_between_logs_s"], cloud["logs_per_epoch"]) == (
        2000,
        5.3,
        16,
    )
    assert data_of(melee, "policy-h100")["flags"] == []


def test_one_rented_gpu_without_a_template_keeps_the_seeds_command(melee, gate):
    configure(melee, settings(template=None, max_timeout=None))
    assert gate(*generate("policy-t4", "--gpu", "T4")).code == 0
    data = data_of(melee, "policy-t4")
    # one T4: 33,046 x 0.005 = 165.23 s per epoch, x 10 = 1,652.3 s; 0.45897 h x $0.59 = $0.27
    assert data["timing"]["training_s"] == 1_652.3
    assert data["cloud"]["cost_usd"] == 0.27
    assert "parallel_efficiency" not in data["cloud"]
    assert data["cloud"]["max_timeout_s"] is None
    command = data["launch"][0]["command"]
    assert command.startswith(".venv/bin/python -m worldmodel.scripts.train_policy \\\n")
    assert "--epochs 10 --batch-size 512 --device cuda \\\n" in command


def test_over_the_platforms_maximum_the_policy_must_checkpoint_and_resume(melee, gate):
    configure(melee, settings(max_timeout=3600))
    assert gate(*generate("policy-h100", "--gpu", "H100")).code == 0
    data = data_of(melee, "policy-h100")
    assert (data["cloud"]["required_timeout_s"], data["cloud"]["recommended_timeout_s"]) == (
        14_400,
        3_600,
    )
    (flag,) = [f for f in data["flags"] if f["code"] == "timeout-over-platform"]
    assert flag["message"] == (
        "the run needs a timeout of 14,400 s (4h 0m: (training + data load) x 3, at least "
        "4 h) but the platform stops it at 3,600 s (1h 0m, [tool.gate.kinds.policy] "
        "max_timeout): the run must checkpoint and resume: when it is stopped, relaunch it "
        "with `--resume` from its last checkpoint"
    )
    melee.commit("card")
    assert "flag:timeout-over-platform (warning)" in gate("check", "--all").out


def test_a_hand_edited_cost_is_recomputed(melee, gate):
    configure(melee, settings())
    assert gate(*generate("policy-h100", "--gpu", "H100:2")).code == 0
    path = f"{CARDS}/policy-h100.md"
    melee.write(path, melee.read(path).replace("  cost_usd: 1.91\n", "  cost_usd: 0.5\n"))
    assert gate("render", path).code == 0
    melee.commit("card")
    out = gate("check", "--all").out
    # the formula's number as `gate generate` writes it (cents): the one to write back
    assert (
        "estimate: cloud.cost_usd is 0.5 but the formula gives 1.91 from the card's inputs" in out
    )


def test_a_hand_edited_timeout_is_named_to_the_second(melee, gate):
    """Both numbers whole, as written: a seven-digit timeout is not rounded to six
    significant digits (which would show 1.23457e+06 for either of two numbers)."""
    configure(melee, settings())
    assert gate(*generate("policy-h100", "--gpu", "H100:2")).code == 0
    path = f"{CARDS}/policy-h100.md"
    required = data_of(melee, "policy-h100")["cloud"]["required_timeout_s"]
    text = melee.read(path)
    line = f"  required_timeout_s: {required}\n"
    assert line in text
    melee.write(path, text.replace(line, "  required_timeout_s: 1234567\n"))
    assert gate("render", path).code == 0
    melee.commit("card")
    out = gate("check", "--all").out
    assert (
        f"estimate: cloud.required_timeout_s is 1,234,567 but the formula gives {required:,} "
        "from the card's inputs: regenerate the card (`gate generate --force`) or fix the number"
    ) in out


@pytest.mark.parametrize(
    ("extra", "flags", "message"),
    [
        (
            settings(template="modal run x.py --gpus {gpus}"),
            ("--gpu", "H100"),
            "[tool.gate.kinds.policy] launch: unknown placeholder {gpus} (known: {run_name}, "
            "{player}, {games}",
        ),
        (
            settings(template="modal run x.py --epochs {epochs!r}"),
            ("--gpu", "H100"),
            "[tool.gate.kinds.policy] launch: unknown placeholder {epochs!r}",
        ),
        (
            settings(template="modal run x.py --run-name {run_name"),
            ("--gpu", "H100"),
            "[tool.gate.kinds.policy] launch: not a valid template",
        ),
        (
            settings(template="modal run x.py --config {config} --run-name {run_name}"),
            ("--gpu", "H100"),
            "[tool.gate.kinds.policy] launch passes no {device}: the card's device cuda "
            "differs from the config's, so the command must pass it (e.g. `--device {device}`)",
        ),
        (
            settings(template=TEMPLATE),
            ("--gpu", "H100", "--lr", "0.001"),
            "[tool.gate.kinds.policy] launch passes no {lr}: the card's lr 0.001 differs",
        ),
        (
            settings(),
            ("--gpu", "H100", "--device", "mps"),
            "--gpu H100 rents a GPU: the device is cuda, not --device mps",
        ),
        (settings(), ("--gpu", "B200"), "GPU 'B200' is not in the GPU table"),
        (
            "\n[tool.gate.kinds.policy]\nmax_timeout = 86400\n",
            ("--gpu", "H100"),
            "no timing for device 'cuda'",
        ),
    ],
)
def test_what_gate_cannot_put_on_a_rented_policy_card_is_named(melee, gate, extra, flags, message):
    configure(melee, extra)
    result = gate(*generate("policy-h100", *flags))
    assert result.code == 2, result
    assert message in result.err


def test_overrides_reach_a_template_through_its_overrides_placeholder(melee, gate):
    configure(melee, settings(template=TEMPLATE + " {overrides}"))
    assert gate(*generate("policy-h100", "--gpu", "H100", "--lr", "0.001")).code == 0
    command = data_of(melee, "policy-h100")["launch"][0]["command"]
    assert command.endswith("--run-name policy-h100-p0 --lr 0.001")
    melee.commit("card")
    out = gate("check", "--all").out
    assert "config:" not in out, out


def test_one_gpu_flag_serves_both_kinds(capsys):
    from gate.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["generate", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.count("[--gpu NAME[:COUNT]]") == 1  # usage
    assert out.count("\n  --gpu NAME[:COUNT]") == 1  # one entry, for both kinds


def test_template_placeholders_are_filled_and_checked():
    values = {"run_name": "r", "player": "0", "games": 2000, "config": None}
    assert launch.fill("run {run_name}-p{player} on {games}", values) == "run r-p0 on 2000"
    with pytest.raises(GateError, match=r"no value for \{config\} on this card"):
        launch.fill("run --config {config}", values)
    assert launch.placeholders("a {{literal}} {games}") == ["games"]
