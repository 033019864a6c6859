"""`gate adopt`: hand-written run cards (tests/data/legacy/) become gate cards in place.

The acceptance: in a real repository, each adopted card parses, `gate check --all`
reports only sign-off findings and schema findings for exactly the fields the adopt
report lists as left out, `gate status --format json` shows the card's kind, games,
GPU, epochs and batch size as written by hand, the original text sits byte for byte
after the generated region, adopting twice changes nothing, `--dry-run` writes
nothing, and bad input is an exit-2 message naming the file with nothing written.
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import pytest
from cards import CARDS, CONFIG

from gate.card import adopted
from gate.card import legacy_values as lv
from gate.card.legacy import LegacyProblem
from gate.card.legacy_read import read
from gate.kinds import get
from gate.kinds.run import gpus
from gate.kinds.run.adopt_fields import gpu
from gate.review.signoff import ticked_names

LEGACY = Path(__file__).parent / "data" / "legacy"

SSM_CONFIG = """\
model:
  arch: mamba2
  d_model: 384
  n_layers: 4
  d_state: 64
  context_len: 10
  chunk_size: 10
training:
  num_epochs: 10
  batch_size: 1024
  lr: 0.0005
  weight_decay: 0.00001
  log_interval: 1000
  num_workers: 4
  scheduled_sampling: 0.3
  ss_noise_scale: 0.1
  ss_anneal_epochs: 3
  ss_corrupt_frames: 3
loss_weights:
  continuous: 1.0
  velocity: 0.5
  dynamics: 0.5
  binary: 0.5
  action: 2.0
data:
  max_games: 8000
"""
WM22_CONFIG = """\
model:
  arch: mamba2
  d_model: 384
  n_layers: 4
  d_state: 64
  context_len: 10
  chunk_size: 10
training:
  num_epochs: 3
  batch_size: 1024
  lr: 0.0005
  weight_decay: 0.00001
  log_interval: 1000
  num_workers: 8
loss_weights:
  continuous: 1.0
  binary: 0.5
  action: 2.0
data:
  max_games: 22000
"""
LAUNCH = """\
import modal

app = modal.App("worldmodel")


@app.function(gpu="A100", timeout=86400)
def train(config: str) -> None:
    pass


@app.function(gpu="H100", timeout=86400)
def train_h100(config: str) -> None:
    pass
"""
# The files the hand-written cards name, as the team's repository has them.
FILES = {
    "worldmodel/experiments/ssm-medium-gpu.yaml": SSM_CONFIG,
    "worldmodel/experiments/wm-22k-extra.yaml": WM22_CONFIG,
    "worldmodel/experiments/policy-2k-p1.yaml": CONFIG,
    "worldmodel/scripts/modal_train.py": LAUNCH,
}
# card stem -> (kind, games, gpu, epochs, batch size) as written by hand
WRITTEN = {
    "policy-4k-demo": ("policy", 4000, "mps", 12, 1024),
    "ssm-8k-sched": ("run", 8000, "A100-40GB", 2, 1024),
    "wm-22k-extra": ("run", 22000, "H100", 3, 1024),
    "policy-2k-p1": ("policy", 2000, "mps", None, 512),  # `Epochs | TBD (10 or 20)`
    "ssm-local": ("run", 2000, "MPS", 1, 256),
    "policy-4k-bold": ("policy", 4000, "mps", 12, 1024),
}
# card stem -> the required fields its adopt report leaves out
LEFT_OUT = {
    "policy-4k-demo": {
        "covers",
        "world_model.manifest",
        "timing.hardware",
        "timing.batch_seconds",
        "timing.batch_basis",
        "timing.data_load_s",
        "timing.epoch_s",
        "timing.training_s",
        "timing.wall_s",
    },
    "ssm-8k-sched": {
        "comparable",
        "whats_new",
        "escape_hatches.fallback",
        "logging.time_between_logs_s",
        "timing.batches_per_epoch",  # hand-written 66,085; the formula gives 66,084
        "timing.gpu_label",
        "timing.batch_basis",
        "timing.usd_per_hour",
        "timing.epoch_s",
        "timing.training_s",
        "timing.data_load_s",
        "timing.wall_s",
        "timing.cost_usd",
        "timing.recommended_timeout_s",
        "timing.timeout_margin",
    },
}


def _original(name: str, *, crlf: bool = False) -> bytes:
    raw = (LEGACY / f"{name}.md").read_bytes()
    if crlf:  # Windows line endings and no newline at the end
        raw = raw.rstrip(b"\n").replace(b"\n", b"\r\n")
    return raw


def _setup(repo, names=tuple(WRITTEN)) -> dict[str, bytes]:
    """The team's repository: the hand-written cards under cards_dir, the configs and
    launch script they name, committed."""
    for path, text in FILES.items():
        repo.write(path, text)
    originals = {}
    for name in names:
        originals[name] = _original(name, crlf=name == "ssm-local")
        repo.write(f"{CARDS}/{name}.md", originals[name])
    repo.commit("hand-written cards")
    return originals


def _left_out(out: str, path: str) -> set[str]:
    return set(re.findall(rf"^{re.escape(path)}:\d+: left out: (\S+): ", out, re.MULTILINE))


def _required_fields(findings: list[dict]) -> set[str]:
    fields = set()
    for finding in findings:
        match = re.match(
            r"^(?P<at>.+?): '(?P<name>[^']+)' is a required property$", finding["message"]
        )
        assert match, finding
        at = match["at"]
        fields.add(match["name"] if at == "(top level)" else f"{at}.{match['name']}")
    return fields


def test_adopted_cards_check_with_only_signoff_and_the_reported_fields(repo, gate):
    _setup(repo)
    paths = [f"{CARDS}/{name}.md" for name in WRITTEN]
    result = gate("adopt", *paths)
    assert result.code == 0, result
    reported = {path: _left_out(result.out, path) for path in paths}
    for name, fields in LEFT_OUT.items():
        assert reported[f"{CARDS}/{name}.md"] == fields
    repo.commit("adopt")

    check = gate("check", "--all", "--format", "json")
    assert check.code == 1, check
    findings = json.loads(check.out)["findings"]
    for path in paths:
        mine = [f for f in findings if f["path"] == path]
        rules = {f["rule"] for f in mine}
        assert rules <= {"sign-off", "schema"}, (path, mine)
        assert "card" not in rules
        schema = [f for f in mine if f["rule"] == "schema"]
        assert _required_fields(schema) == reported[path], path
        signoff = [f["message"] for f in mine if f["rule"] == "sign-off"]
        assert all(m.startswith("awaiting sign-off from") for m in signoff), signoff

    status = gate("status", "--format", "json")
    assert status.code == 0, status
    rows = {Path(r["card"]).stem: r for r in json.loads(status.out)["cards"]}
    for name, (kind, games, on, epochs, batch) in WRITTEN.items():
        row = rows[name]
        assert (row["kind"], row["games"], row["gpu"], row["epochs"], row["batch_size"]) == (
            kind,
            games,
            on,
            epochs,
            batch,
        ), name
        assert row["status"] == "PENDING REVIEW"
        assert row["problem"] == ""


def test_the_report_names_lines_ticks_and_what_the_schema_refused(repo, gate):
    _setup(repo, ("policy-4k-demo", "policy-4k-bold", "wm-22k-extra", "policy-2k-p1"))
    demo, bold = f"{CARDS}/policy-4k-demo.md", f"{CARDS}/policy-4k-bold.md"
    extra, p1 = f"{CARDS}/wm-22k-extra.md", f"{CARDS}/policy-2k-p1.md"
    result = gate("adopt", demo, bold, extra, p1)
    assert result.code == 0, result
    out = result.out
    # a tick is reported on the line the adopted card now holds it
    tick = re.search(rf"^{re.escape(demo)}:(\d+): sign-off: Alex ticked: kept as prose", out, re.M)
    assert tick, out
    assert repo.read(demo).split("\n")[int(tick[1]) - 1] == "- [x] Alex reviewed — fine, go"
    assert (
        f"sign with `gate sign {demo} --reviewer Alex`; Alex is not in [tool.gate.reviewers]" in out
    )
    assert f"sign with `gate sign {extra} --reviewer Scav`\n" in out  # a configured reviewer
    # a value its schema refuses is left out, saying why; a rounded count names the formula
    assert re.search(rf"^{re.escape(bold)}:\d+: left out: model.dropout: 1.5 is greater", out, re.M)
    assert "hand-written '~33,000', but gate's formula gives 33,046" in out
    # unparsable and missing values, with the hand-written line
    assert re.search(
        rf"^{re.escape(p1)}:\d+: left out: training.epochs: `Epochs` is 'TBD \(10 or 20\)': "
        r"not a count \(hand-written line 43\)",
        out,
        re.M,
    )
    assert f"{p1}:" in out and "left out: model.dropout: not on the hand-written card" in out
    assert "the hand-written status 'TRAINING — launched' is kept as prose" in out
    assert "1 tick(s) kept as prose; status PENDING REVIEW, awaiting Scav, Mattie" in out


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_the_original_text_is_kept_byte_for_byte_after_the_region(repo, gate, name):
    original = _setup(repo, (name,))[name]
    path = f"{CARDS}/{name}.md"
    assert gate("adopt", path).code == 0
    new = (repo.root / path).read_bytes()
    end = new.index(b"<!-- gate:generated:end -->")
    assert new.index(original, end) > end  # after the region, byte for byte
    assert adopted.kept(new.decode("utf-8")) == original.decode("utf-8")
    assert new.startswith(b"---\nkind: ")
    assert b"status: PENDING REVIEW\n" in new and b"signoff: []\n" in new


def test_adopting_twice_changes_nothing_and_dry_run_writes_nothing(repo, gate):
    _setup(repo, ("ssm-8k-sched", "policy-4k-demo"))
    paths = [f"{CARDS}/ssm-8k-sched.md", f"{CARDS}/policy-4k-demo.md"]
    before = [(repo.root / p).read_bytes() for p in paths]
    dry = gate("adopt", "--dry-run", *paths)
    assert dry.code == 0, dry
    assert [(repo.root / p).read_bytes() for p in paths] == before
    assert f"{paths[0]}: dry run, nothing written; its front matter would be:" in dry.out
    assert "kind: run\nrun_name: ssm-8k-sched\n" in dry.out
    assert "left out: whats_new: What's New is prose" in dry.out

    first = gate("adopt", *paths)
    assert first.code == 0, first
    adopted_once = [(repo.root / p).read_bytes() for p in paths]
    assert adopted_once != before
    again = gate("adopt", *paths)
    assert again.code == 0, again
    assert [(repo.root / p).read_bytes() for p in paths] == adopted_once
    assert f"{paths[0]}: already a gate card (kind: run): nothing to do" in again.out
    assert f"{paths[1]}: already a gate card (kind: policy): nothing to do" in again.out
    assert gate("adopt", "--dry-run", *paths).out == again.out


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (f"{CARDS}/notes.md", f"{CARDS}/notes.md:1: no title line such as `# Run Card: NAME`"),
        (
            f"{CARDS}/eval-card.md",
            f"{CARDS}/eval-card.md:1: the title `# Eval Card: eval-arena` names no card kind",
        ),
        (f"{CARDS}/missing.md", f"{CARDS}/missing.md: no such file"),
        ("../outside.md", "../outside.md: not inside the repository"),
    ],
)
def test_bad_input_is_an_error_naming_the_file_and_nothing_is_written(repo, gate, given, message):
    _setup(repo, ("policy-4k-demo",))
    for name in ("notes", "eval-card"):
        repo.write(f"{CARDS}/{name}.md", (LEGACY / f"{name}.md").read_text(encoding="utf-8"))
    (repo.root.parent / "outside.md").write_bytes(_original("policy-4k-demo"))
    good = f"{CARDS}/policy-4k-demo.md"
    before = {
        p: p.read_bytes() for p in [*repo.root.rglob("*.md"), repo.root.parent / "outside.md"]
    }
    result = gate("adopt", good, given)
    assert result.code == 2, result
    assert message in result.err
    assert result.err.startswith("gate: error: ")
    after = {p: p.read_bytes() for p in [*repo.root.rglob("*.md"), repo.root.parent / "outside.md"]}
    assert after == before  # not even the good card was written


def test_a_symlink_and_a_card_with_front_matter_but_no_kind_are_refused(repo, gate):
    repo.write(f"{CARDS}/jekyll.md", "---\ntitle: x\n---\n# Run Card: x\n")
    (repo.root / f"{CARDS}/link.md").symlink_to("jekyll.md")
    result = gate("adopt", f"{CARDS}/jekyll.md")
    assert result.code == 2
    assert f"{CARDS}/jekyll.md:1: front matter without `kind`" in result.err
    result = gate("adopt", f"{CARDS}/link.md")
    assert result.code == 2
    assert "a symlink" in result.err


# -- the reader --------------------------------------------------------------------


def test_the_reader_keeps_every_value_as_written_with_its_line():
    card = read("ssm-8k-sched.md", (LEGACY / "ssm-8k-sched.md").read_text(encoding="utf-8"))
    assert (card.title, card.name, card.line) == ("Run Card", "ssm-8k-sched", 1)
    config = card.header("Config")
    assert config is not None and config.line == 4
    assert config.value.startswith("`worldmodel/experiments/ssm-medium-gpu.yaml`")
    timeout = card.field("Modal timeout")
    assert timeout is not None and (timeout.value, timeout.line) == ("**86400s (24h)**", 62)
    assert card.field("Timeout", sections=("Timing & Cost",)).value.startswith("86400s = 24h")
    targets = card.section("Target Metrics")
    assert targets is not None
    assert targets.tables[0].header == ("Metric", "Baseline (source)", "Target", "Kill threshold")
    assert targets.tables[0].rows[0].cells[1] == "71.2% (ssm-2k-base, 2ep)"
    launch = card.section("Launch Command")
    assert launch is not None and launch.code[0].info == "bash"
    assert [(b.name, b.ticked, b.line) for b in card.checkboxes] == [
        ("Alex", True, 112),
        ("Sam", False, 113),
    ]
    assert card.section("Review").level == 3  # `### Review (Alex, 2026-03-04)`


def test_a_heading_inside_a_code_block_is_not_a_section_and_crlf_reads_the_same():
    text = "# Run Card: x\n\n## Launch\n\n```bash\n# Player 0\nrun\n```\n\n## Data\n\n| Field | Value |\n|---|---|\n| Games | 1 |\n"
    for variant in (text, text.replace("\n", "\r\n"), "\ufeff" + text):
        card = read("x.md", variant)
        assert [s.heading for s in card.sections] == ["Launch", "Data"]
        assert card.field("Games").value == "1"


@pytest.mark.parametrize(
    "text", ["Notes about a run.\n", "## Data\n\n| Field | Value |\n", "# Just a heading\n"]
)
def test_a_file_without_a_card_title_is_a_problem_with_a_line(text):
    with pytest.raises(LegacyProblem) as caught:
        read("x.md", text)
    assert caught.value.line >= 1
    assert "title" in caught.value.message


# -- values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (lv.count, "2,000 (GAME-only filtered from 24K)", 2000),
        (lv.count, "~17,518,726 (1,800 games, 90%)", 17518726),
        (lv.count, "**22,000**", 22000),
        (lv.count, "1000 batches", 1000),
        (lv.count, "24K", 24000),
        (lv.count, "1,00", None),
        (lv.count, "2-3", None),
        (lv.count, "TBD", None),
        (lv.count, "13.8 GB", None),
        (lv.number, "0.0005", 0.0005),
        (lv.number, "1e-5", 1e-5),
        (lv.number, "0.3 (noise=0.1, anneal=3ep)", 0.3),
        (lv.number, "60ms", None),
        (lv.gigabytes, "13.8 GB", 13.8),
        (lv.gigabytes, "**~74.4 GB** (estimated)", 74.4),
        (lv.gigabytes, "512 MB", 0.512),
        (lv.gigabytes, "4 GiB", None),
        (lv.gigabytes, "64", None),
        (lv.seconds, "14400s (4h)", 14400),
        (lv.seconds, "**86400s (24h)**", 86400),
        (lv.seconds, "~60ms", 0.06),
        (lv.seconds, "4h 24m", 15840),
        (lv.seconds, "90 min", 5400),
        (lv.seconds, "86400", None),
        (lv.ratio, "71.2% (ssm-2k-base, 2ep)", 0.712),
        (lv.ratio, "0.61 (ssm-2k-base)", 0.61),
        (lv.percent_anywhere, "~67,671,000 (7,200 games, 90%)", 0.9),
        (lv.dollars, "**~$6.40**", 6.4),
        (lv.date, "2026-03-04 (updated)", "2026-03-04"),
        (lv.first_code, "`/encoded-8k.pt`", "/encoded-8k.pt"),
    ],
)
def test_values_are_read_as_written_never_guessed(parse, text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A100-SXM4-40GB (Modal)", ("A100-40GB", 1)),
        ("**A100** (Modal)", ("A100-40GB", 1)),
        ("H100:2", ("H100", 2)),
        ("2x H100", ("H100", 2)),
        ("H100 x2", ("H100", 2)),
        ("MPS (M3 Max)", ("MPS", 1)),
        ("TPU v5e (GCP)", None),
        ("H100:0", None),
    ],
)
def test_a_gpu_is_a_name_the_gpu_table_knows(text, expected):
    assert gpu(text, gpus.gpu_table({})) == expected


def test_a_repository_gpu_alias_is_recognised():
    table = gpus.gpu_table({"L4": {"usd_per_hour": 0.8, "aliases": ["NVIDIA-L4"]}})
    assert gpu("NVIDIA-L4 (Modal)", table) == ("L4", 1)


def test_property_counts_durations_and_numbers_round_trip_through_prose():
    """Any whole number written with separators, a unit or prose after it reads back;
    text without a digit never reads as a number (nothing is invented)."""
    rng = random.Random(20260304)
    prose = ["", " games", " (GAME-only filtered from 24K)", " (1,800 games, 90%)", " batches"]
    for _ in range(500):
        n = rng.randrange(0, 10**9)
        approx = rng.choice(["", "~", "**"])
        assert lv.count(f"{approx}{n:,}{rng.choice(prose)}") == n
        assert lv.count(f"{n}{rng.choice(prose)}") == n
        assert lv.seconds(f"{n}s ({n // 3600}h)") == n
        assert lv.seconds(f"**{n}s**") == n
        x = rng.uniform(1e-9, 1e6)
        assert lv.number(repr(x)) == pytest.approx(x)
        assert lv.gigabytes(f"{x:.1f} GB") == pytest.approx(round(x, 1))
        word = "".join(rng.choice(string.ascii_letters + " -()%$~*`,.") for _ in range(12))
        for parse in (lv.count, lv.number, lv.seconds, lv.gigabytes, lv.ratio):
            assert parse(word) is None, word


# -- the kept block and the sign-off rule --------------------------------------------


@pytest.mark.parametrize(
    "original",
    ["# Run Card: x\n\n- [x] Alex reviewed\n", "# Run Card: x\r\n- [x] Alex reviewed", "", "\n"],
)
def test_the_block_gives_the_original_back(original):
    text = f"---\nkind: run\n---\nregion\n\n{adopted.block(original)}"
    assert adopted.kept(text) == original


def test_ticks_inside_the_adopted_block_are_not_read_outside_they_are():
    body = (
        "\n- [x] Scav reviewed\n\n"
        + adopted.block("# Run Card: x\n\n- [x] Alex reviewed\n- [x] Sam reviewed\n")
        + "- [x] Mattie reviewed\n"
    )
    names = ticked_names(body)
    assert [n for n, _ in names] == ["Scav", "Mattie"]
    assert body.split("\n")[names[1][1] - 1] == "- [x] Mattie reviewed"  # lines kept
    unterminated = f"{adopted.BEGIN}\n- [x] Alex reviewed\n"
    assert [n for n, _ in ticked_names(unterminated)] == ["Alex"]


# -- renderers on partial data --------------------------------------------------------


@pytest.mark.parametrize("name", ["policy", "run"])
def test_renderers_show_a_question_mark_for_what_the_data_lacks(name):
    kind = get(name)
    assert kind is not None
    assert kind.render({}, ("Scav",))  # no data at all: no crash
    # what adopt writes at least: the title's name and a pending status
    data = {"kind": name, "run_name": "x", "status": "PENDING REVIEW", "timing": {}, "data": {}}
    for more in ({}, {"infrastructure": {}, "model": {}, "training": {}, "world_model": {}}):
        text = kind.render({**data, **more}, ("Scav",))
        assert "None" not in text, text
