from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cards import quiet_wandb_settings

from gate.errors import GateError
from gate.kinds.policy.baselines import (
    Baseline,
    baseline_from,
    config_value,
    gather_baselines,
    iso_created,
    metric,
    pick,
)
from gate.sources import wandb_runs

POLICY_CONFIG = {"data": {"num_games_loaded": 2000, "predict_player": 0}}


# -- real wandb offline runs, made once per module -------------------------------------


def _wandb_env(mp: pytest.MonkeyPatch, base: Path) -> None:
    for var, sub in [
        ("WANDB_DIR", "wandb-home"),
        ("WANDB_CACHE_DIR", "wandb-cache"),
        ("WANDB_CONFIG_DIR", "wandb-config"),
        ("WANDB_DATA_DIR", "wandb-data"),
    ]:
        (base / sub).mkdir(exist_ok=True)
        mp.setenv(var, str(base / sub))
    mp.setenv("WANDB_MODE", "offline")
    mp.setenv("WANDB_SILENT", "true")
    mp.delenv("WANDB_API_KEY", raising=False)


def _offline_run(
    wandb: Any,
    root: Path,
    name: str,
    *,
    config: dict[str, Any],
    tags: list[str],
    history: Iterable[dict[str, float]] = (),
    summary: dict[str, float] | None = None,
) -> Path:
    settings = quiet_wandb_settings(wandb)
    run = wandb.init(
        mode="offline", dir=root, project="p", name=name, config=config, tags=tags,
        settings=settings,
    )  # fmt: skip
    for row in history:
        run.log(row)
    for key, value in (summary or {}).items():
        run.summary[key] = value
    run.finish()
    return Path(run.dir).parent  # run.dir is the run folder's files/


@dataclass(frozen=True)
class RealRuns:
    root: Path  # holds wandb/ with the three runs below
    policy: Path
    fallback: Path
    worldmodel: Path


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealRuns]:
    wandb = pytest.importorskip("wandb")
    base = tmp_path_factory.mktemp("wandb-runs")
    root = base / "ws"
    root.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        _wandb_env(mp, base)
        policy = _offline_run(
            wandb, root, "pol-a", config=POLICY_CONFIG, tags=["policy"],
            history=[{"val_metric/stick_mae": 0.3}, {"val_metric/stick_mae": 0.21}],
            summary={"val_metric/button_pressed_acc": 0.8, "val_loss/total": 1.5},
        )  # fmt: skip
        fallback = _offline_run(
            wandb, root, "pol-b",
            config={"data": {"num_games_loaded": 50, "predict_player": 1}}, tags=["policy", "x"],
            history=[{"metric/stick_mae": 0.4, "metric/button_pressed_acc": 0.5}],
            summary={"loss/total": 2.25},
        )  # fmt: skip
        worldmodel = _offline_run(
            wandb, root, "wm-1", config=POLICY_CONFIG, tags=["worldmodel"],
            summary={"val_loss/total": 0.1},
        )  # fmt: skip
    yield RealRuns(root, policy, fallback, worldmodel)


def _copy(runs: RealRuns, dest: Path) -> RealRuns:
    shutil.copytree(runs.root, dest / "ws", symlinks=True)
    moved = (dest / "ws" / "wandb" / p.name for p in (runs.policy, runs.fallback, runs.worldmodel))
    return RealRuns(dest / "ws", *moved)


def _by_run(rows: Iterable[Baseline]) -> dict[str, Baseline]:
    return {row.run: row for row in rows}


def test_real_offline_runs_become_rows(real_runs: RealRuns) -> None:
    report = gather_baselines(real_runs.root, wandb_project=None)
    assert report.warnings == []
    rows = _by_run(report.baselines)
    assert set(rows) == {"pol-a", "pol-b"}  # wm-1 is tagged worldmodel, not policy
    a = rows["pol-a"]
    assert a._replace(created="") == Baseline(
        "pol-a", 2000, "0", 0.21, 0.8, 1.5, created="", source="wandb-local"
    )
    assert a.created.endswith("+00:00") and a.created[:2] == "20"
    # the seed's fallbacks: metric/stick_mae, metric/button_pressed_acc, loss/total
    assert rows["pol-b"][:6] == ("pol-b", 50, "1", 0.4, 0.5, 2.25)


def test_files_first_then_the_wandb_log(real_runs: RealRuns, tmp_path: Path) -> None:
    runs = _copy(real_runs, tmp_path)
    files = runs.policy / "files"
    # wandb's own config.yaml shape: every key wrapped as {value, desc}
    (files / "config.yaml").write_text(
        "wandb_version: 1\n_wandb:\n  value: {cli_version: 0.31.0}\n"
        "data:\n  desc: null\n  value: {num_games_loaded: 3000, predict_player: 1}\n",
        encoding="utf-8",
    )
    (files / "wandb-summary.json").write_text(
        json.dumps({"val_metric/stick_mae": 0.11, "_runtime": 3}), encoding="utf-8"
    )
    row = _by_run(gather_baselines(runs.root, wandb_project=None).baselines)["pol-a"]
    assert row[:6] == ("pol-a", 3000, "1", 0.11, None, None)

    (files / "wandb-summary.json").unlink()  # the summary now comes from the .wandb log
    row = _by_run(gather_baselines(runs.root, wandb_project=None).baselines)["pol-a"]
    assert row[:6] == ("pol-a", 3000, "1", 0.21, 0.8, 1.5)


def test_empty_files_folder_reads_the_wandb_log(real_runs: RealRuns, tmp_path: Path) -> None:
    runs = _copy(real_runs, tmp_path)
    shutil.rmtree(runs.fallback / "files")
    row = _by_run(gather_baselines(runs.root, wandb_project=None).baselines)["pol-b"]
    assert row[:6] == ("pol-b", 50, "1", 0.4, 0.5, 2.25)


def test_unreadable_wandb_log_is_a_warning(real_runs: RealRuns, tmp_path: Path) -> None:
    runs = _copy(real_runs, tmp_path)
    (log,) = runs.fallback.glob("run-*.wandb")
    log.write_bytes(b"garbage, not a transaction log")
    report = gather_baselines(runs.root, wandb_project=None)
    assert set(_by_run(report.baselines)) == {"pol-a"}
    assert len(report.warnings) == 1
    assert str(log) in report.warnings[0] and "wandb could not read it" in report.warnings[0]


def _fake_run_folder(wandb_dir: Path, run_id: str, config: str | None) -> Path:
    run_dir = wandb_dir / f"offline-run-20260102_030405-{run_id}"
    (run_dir / "files").mkdir(parents=True)
    (run_dir / f"run-{run_id}.wandb").write_bytes(b"never read without wandb")
    if config is not None:
        (run_dir / "files" / "config.yaml").write_text(config, encoding="utf-8")
        (run_dir / "files" / "wandb-summary.json").write_text(
            '{"val_metric/stick_mae": 0.5}', encoding="utf-8"
        )
    return run_dir


def test_without_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)  # `import wandb` now fails
    wandb_dir = tmp_path / "wandb"
    with_player = "data:\n  value: {num_games_loaded: 10, predict_player: 1}\n"
    _fake_run_folder(wandb_dir, "aaa", with_player)  # tags unknowable: has predict_player
    _fake_run_folder(wandb_dir, "bbb", "data:\n  value: {num_games_loaded: 10}\n")  # no
    empty = _fake_run_folder(wandb_dir, "ccc", None)  # only a .wandb log: skipped, warned
    report = gather_baselines(tmp_path, wandb_project="ent/proj")
    assert report.baselines == [
        Baseline("aaa", 10, "1", 0.5, None, None, "2026-01-02T03:04:05+00:00", "wandb-local")
    ]
    assert len(report.warnings) == 2
    cloud, local = report.warnings
    assert "ent/proj" in cloud and "wandb is not installed" in cloud
    assert str(empty) in local and "wandb is not installed" in local
    assert "pip install 'gate-runcards[wandb]'" in local


def _manifest(folder: Path, **data: Any) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    return folder / "manifest.json"


def test_manifest_source(tmp_path: Path) -> None:
    checkpoints = tmp_path / "worldmodel" / "checkpoints"
    _manifest(
        checkpoints / "policy-e010a-p0",
        run_name="e010a-p0",
        created_at="2026-03-01T10:00:00",
        config={"data": {"num_games_loaded": 22000, "predict_player": 0}},
        results={"val_metric/stick_mae": 0.08, "val_metric/button_pressed_acc": 0.9,
                 "val_loss/total": 0.7},
    )  # fmt: skip
    _manifest(  # no run_name: the folder's name; metric/... and loss/total fallbacks
        checkpoints / "policy-old",
        created_at="2026-01-01T00:00:00Z",
        config={"data": {"num_games_loaded": 500, "predict_player": "both"}},
        results={"metric/stick_mae": 0.2, "loss/total": 1.1},
    )
    _manifest(checkpoints / "worldmodel-22k", run_name="wm")  # not a policy-* folder
    bad = checkpoints / "policy-broken"
    bad.mkdir()
    (bad / "manifest.json").write_text("{", encoding="utf-8")
    report = gather_baselines(tmp_path, wandb_project=None)
    assert report.baselines == [
        Baseline("e010a-p0", 22000, "0", 0.08, 0.9, 0.7, "2026-03-01T10:00:00+00:00", "manifest"),
        Baseline("policy-old", 500, "both", 0.2, None, 1.1, "2026-01-01T00:00:00+00:00",
                 "manifest"),
    ]  # fmt: skip
    assert len(report.warnings) == 1
    assert str(bad / "manifest.json") in report.warnings[0]


def test_newest_first_and_limit(tmp_path: Path) -> None:
    for day in range(1, 9):
        _manifest(
            tmp_path / "checkpoints" / f"policy-{day}", created_at=f"2026-05-0{day}T12:00:00Z"
        )
    rows = gather_baselines(tmp_path, wandb_project=None).baselines
    assert [r.run for r in rows] == ["policy-8", "policy-7", "policy-6", "policy-5", "policy-4"]
    assert len(gather_baselines(tmp_path, wandb_project=None, limit=2).baselines) == 2


def test_walk_finds_nested_and_hidden_wandb_dirs_but_not_venvs(
    real_runs: RealRuns, tmp_path: Path
) -> None:
    ws = tmp_path / "repo"
    shutil.copytree(real_runs.root / "wandb", ws / "worldmodel" / ".wandb", symlinks=True)
    shutil.copytree(real_runs.root / "wandb", ws / ".venv" / "wandb", symlinks=True)
    shutil.copytree(real_runs.root / "wandb", ws / "env" / "wandb", symlinks=True)
    (ws / "env" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    report = gather_baselines(ws, wandb_project=None)
    assert {r.run for r in report.baselines} == {"pol-a", "pol-b"}


# -- the cloud API behind RunSource -----------------------------------------------------


@dataclass
class FakeRun:
    name: str
    created_at: str
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=lambda: ["policy"])


@dataclass
class FakeApi:
    runs_: list[FakeRun] = field(default_factory=list)
    error: Exception | None = None
    fail_after: int | None = None
    asked: list[str] = field(default_factory=list)

    def runs(self, project: str) -> Iterable[wandb_runs.RunLike]:
        self.asked.append(project)
        if self.error is not None and self.fail_after is None:
            raise self.error
        return self._iterate()

    def _iterate(self) -> Iterator[wandb_runs.RunLike]:
        for index, run in enumerate(self.runs_):
            if self.error is not None and index == self.fail_after:
                raise self.error
            yield run


def test_fake_api_runs_are_rows_and_win_over_local(tmp_path: Path) -> None:
    _manifest(
        tmp_path / "checkpoints" / "policy-x",
        run_name="cloud-1",
        created_at="2026-06-01T00:00:00Z",
        config={"data": {"num_games_loaded": 1}},
    )
    api = FakeApi(
        [
            FakeRun("cloud-1", "2026-06-01T00:00:00", POLICY_CONFIG,
                    {"val_metric/stick_mae": 0.1, "val_loss/total": 0.9}),
            FakeRun("untagged", "2026-06-02T00:00:00", POLICY_CONFIG, tags=["other"]),
            FakeRun("cloud-0", "2026-05-01T00:00:00",
                    {"data": {"num_games_loaded": {"value": 7}, "predict_player": 1}},
                    {"metric/button_pressed_acc": 0.6}),
        ]
    )  # fmt: skip
    report = gather_baselines(tmp_path, wandb_project="shinewave/melee-worldmodel", api=api)
    assert api.asked == ["shinewave/melee-worldmodel"]
    assert report.warnings == []
    assert report.baselines == [
        Baseline("cloud-1", 2000, "0", 0.1, None, 0.9, "2026-06-01T00:00:00+00:00", "wandb"),
        Baseline("cloud-0", 7, "1", None, 0.6, None, "2026-05-01T00:00:00+00:00", "wandb"),
    ]


@pytest.mark.parametrize("fail_after", [None, 1])
def test_fake_api_raising_is_a_warning(tmp_path: Path, fail_after: int | None) -> None:
    _manifest(tmp_path / "checkpoints" / "policy-local", created_at="2026-01-01T00:00:00Z")
    api = FakeApi(
        [FakeRun("cloud-1", "2026-06-01T00:00:00"), FakeRun("cloud-2", "2026-05-01T00:00:00")],
        error=ConnectionError("Failed to connect to api.wandb.ai: Network is unreachable"),
        fail_after=fail_after,
    )
    report = gather_baselines(tmp_path, wandb_project="ent/proj", api=api)
    expected = ["cloud-1", "policy-local"] if fail_after == 1 else ["policy-local"]
    assert [r.run for r in report.baselines] == expected
    assert report.warnings == [
        "wandb: could not read prior runs of ent/proj (ConnectionError: Failed to connect to"
        " api.wandb.ai: Network is unreachable); the Prior Baselines table lists local runs only"
    ]


def test_real_api_source_offline_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("wandb")
    _wandb_env(monkeypatch, tmp_path)
    monkeypatch.setenv("WANDB_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    report = gather_baselines(tmp_path, wandb_project="ent/proj")
    assert report.baselines == []
    (warning,) = report.warnings
    assert "could not read prior runs of ent/proj" in warning


@pytest.mark.parametrize("project", ["proj", "a/b/c", "ent/", " /p", ""])
def test_bad_project_is_a_gate_error(tmp_path: Path, project: str) -> None:
    with pytest.raises(GateError, match="is not ENTITY/PROJECT"):
        gather_baselines(tmp_path, wandb_project=project)


# -- pure helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24T18:50:04.525067Z", "2026-11-24T18:50:04+00:00"),
        ("2026-11-24T18:50:04", "2026-11-24T18:50:04+00:00"),
        ("2026-11-24T20:50:04+02:00", "2026-11-24T18:50:04+00:00"),
        (0, "1970-01-01T00:00:00+00:00"),
        ("yesterday", ""),
        (None, ""),
        (True, ""),
    ],
)
def test_iso_created(value: object, expected: str) -> None:
    assert iso_created(value) == expected


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ({"val_metric/stick_mae": 0.2, "metric/stick_mae": 0.9}, 0.2),
        ({"metric/stick_mae": 0.9}, 0.9),
        ({"val_metric/stick_mae": None, "metric/stick_mae": 0.9}, 0.9),
        ({"val_metric/stick_mae": 1}, 1.0),
        ({"val_metric/stick_mae": "0.2"}, None),
        ({"val_metric/stick_mae": True}, None),
        ({"val_metric/stick_mae": float("nan")}, None),
        ({}, None),
    ],
)
def test_metric_fallback(summary: dict[str, Any], expected: float | None) -> None:
    assert metric(summary, ("val_metric/stick_mae", "metric/stick_mae")) == expected


@pytest.mark.parametrize(
    "config",
    [
        {"data": {"num_games_loaded": 2000}},
        {"data": {"value": {"num_games_loaded": 2000}, "desc": None}},
        {"data.num_games_loaded": 2000},
        {"data.num_games_loaded": {"value": 2000}},
    ],
)
def test_config_value_shapes(config: dict[str, Any]) -> None:
    assert config_value(config, "data", "num_games_loaded") == 2000


def test_pick_prefers_wandb_then_local_then_manifest() -> None:
    def row(source: Any, created: str, stick: float) -> Baseline:
        return baseline_from(
            "r", {}, {"metric/stick_mae": stick}, created=created, source=source
        )._replace(run="r")

    rows = [
        row("manifest", "2026-01-03T00:00:00", 3.0),
        row("wandb-local", "2026-01-02T00:00:00", 2.0),
        row("wandb", "2026-01-01T00:00:00", 1.0),
    ]
    assert [b.stick_mae for b in pick(rows, 5)] == [1.0]
    assert [b.stick_mae for b in pick(rows[:2], 5)] == [2.0]
    assert pick(rows, 0) == []


def test_wandb_source_reader_reports_missing_wandb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(wandb_runs.WandbUnavailable):
        wandb_runs.read_transaction_log(tmp_path / "run-x.wandb")
