"""Prior runs as recorded by Weights & Biases: the cloud API and local run folders.

Everything here returns raw `RunFacts` (name, config, summary, tags, created); what
counts as a policy baseline and how a table row is read from them is `baselines.py`.
wandb itself is imported only inside the functions that need it.

Local run folders (`wandb/run-*`, `wandb/offline-run-*`) are read from
`files/config.yaml`, `files/wandb-summary.json` and `files/wandb-metadata.json`;
what those lack (offline runs of recent wandb versions leave `files/` empty, and the
display name is never there) comes from the run's `run-*.wandb` transaction log,
read by wandb's own reader: `wandb.sdk.internal.datastore.DataStore` with
`wandb.proto.wandb_internal_pb2.Record` where wandb still ships them, else the
`wandb-core leet inspect --summary --json` reader that replaced them (wandb >= 0.31).
"""

from __future__ import annotations

import importlib
import json
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from gate.sources import yamlio

CORE_TIMEOUT_S = 60


class SupportsGet(Protocol):
    """A dict, or wandb's `HTTPSummary` (which has `.get` but is no Mapping)."""

    def get(self, key: str, default: Any = None, /) -> Any: ...


class RunLike(Protocol):
    """What gate reads of a `wandb.apis.public.Run`."""

    @property
    def name(self) -> str | None: ...
    @property
    def config(self) -> SupportsGet: ...
    @property
    def summary(self) -> SupportsGet: ...
    @property
    def created_at(self) -> Any: ...
    @property
    def tags(self) -> Iterable[str]: ...


class RunSource(Protocol):
    """A wandb project's policy runs, newest first (the cloud API, or a fake in tests)."""

    def runs(self, project: str) -> Iterable[RunLike]: ...


class RunFacts(NamedTuple):
    name: str
    config: SupportsGet
    summary: SupportsGet
    tags: tuple[str, ...] | None  # None: not knowable
    created: Any  # ISO string, epoch seconds, or None; normalised by baselines.py
    source: Literal["wandb", "wandb-local"]
    exit: str | None = None  # how the run ended ("finished, exit code 0"), where known
    gpu: str | None = None  # the GPU wandb saw (files/wandb-metadata.json), where known


class WandbUnavailable(Exception):
    """wandb is not installed (or its reader is missing from this version)."""


class WandbApiSource:
    """The real `RunSource`: `wandb.Api().runs(project, filters={"tags": "policy"})`."""

    def __init__(self, *, timeout: int = 20, per_page: int = 10) -> None:
        self.timeout = timeout
        self.per_page = per_page

    def runs(self, project: str) -> Iterable[RunLike]:
        try:
            import wandb
        except ImportError as exc:
            raise WandbUnavailable(
                "wandb is not installed (pip install 'gate-runcards[wandb]')"
            ) from exc
        api = wandb.Api(timeout=self.timeout)
        runs: Iterable[RunLike] = api.runs(
            project, filters={"tags": "policy"}, order="-created_at", per_page=self.per_page
        )
        return runs


def facts_of(run: RunLike) -> RunFacts:
    """The facts of one cloud run (reading them may hit the network)."""
    tags = getattr(run, "tags", None)
    return RunFacts(
        name=str(run.name or ""),
        config=run.config,
        summary=run.summary,
        tags=tuple(str(t) for t in tags) if tags is not None else None,
        created=run.created_at,
        source="wandb",
    )


# -- the .wandb transaction log, through wandb's own reader -----------------------------


class LogFacts(NamedTuple):
    name: str | None
    tags: tuple[str, ...]
    config: dict[str, Any]
    summary: dict[str, Any]
    created: str | None
    exit: str | None = None


def _set(target: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            child = target[key] = {}
        target = child
    target[keys[-1]] = value


def _apply(target: dict[str, Any], items: Iterable[Any]) -> None:
    """Apply protobuf Config/Summary/History items (key or nested_key, value_json)."""
    for item in items:
        keys = list(item.nested_key) or [item.key]
        _set(target, keys, json.loads(item.value_json))


def _read_with_datastore(path: Path, datastore: Any) -> LogFacts:
    """wandb < 0.31: replay the log's run, config, summary and history records."""
    pb2 = importlib.import_module("wandb.proto.wandb_internal_pb2")

    name: str | None = None
    tags: tuple[str, ...] = ()
    created: str | None = None
    config: dict[str, Any] = {}
    summary: dict[str, Any] = {}  # history, then summary records, in log order
    exit_text: str | None = None
    store = datastore.DataStore()
    try:
        store.open_for_scan(str(path))
        while True:
            try:
                data = store.scan_data()
            except AssertionError:  # a run still writing, or killed mid-record
                if store.in_last_block():
                    break
                raise
            if data is None:
                break
            record = pb2.Record()
            record.ParseFromString(data)
            kind = record.WhichOneof("record_type")
            if kind == "run":
                run = record.run
                name = run.display_name or name
                tags = tuple(run.tags)
                if run.HasField("start_time"):
                    created = run.start_time.ToJsonString()
                _apply(config, run.config.update)
            elif kind == "config":
                _apply(config, record.config.update)
            elif kind == "summary":
                _apply(summary, record.summary.update)
            elif kind == "history":
                _apply(summary, record.history.item)
            elif kind == "exit":
                exit_text = f"exit code {record.exit.exit_code}"
    finally:
        store.close()
    config.pop("_wandb", None)
    return LogFacts(name, tags, config, summary, created, exit_text)


def _read_with_core(path: Path) -> LogFacts:
    """wandb >= 0.31: `wandb-core leet inspect --summary --json` (no telemetry)."""
    from wandb.util import get_core_path

    try:
        core = get_core_path()
    except Exception as exc:  # WandbCoreNotAvailableError
        raise WandbUnavailable(str(exc)) from exc
    command = [
        core, "leet", "inspect", "--no-observability", "--summary", "--json",
        "--run-file", str(path), str(path.parent.parent),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CORE_TIMEOUT_S,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ValueError(lines[-1] if lines else f"wandb-core exited {done.returncode}")
    data = json.loads(done.stdout)
    if not isinstance(data, dict):
        raise ValueError("wandb-core printed no run summary")
    config, summary, tags = data.get("config"), data.get("summary"), data.get("tags")
    return LogFacts(
        name=data.get("name") or None,
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        config=config if isinstance(config, dict) else {},
        summary=summary if isinstance(summary, dict) else {},
        created=data.get("start_time") or None,
        exit=_exit_text(data.get("state"), data.get("exit_code")),
    )


def _exit_text(state: Any, code: Any) -> str | None:
    """wandb-core's run state and exit code as one phrase ("finished, exit code 0")."""
    parts = [str(state)] if isinstance(state, str) and state else []
    if isinstance(code, int) and not isinstance(code, bool):
        parts.append(f"exit code {code}")
    return ", ".join(parts) or None


def read_transaction_log(path: Path) -> LogFacts:
    """Read a run's `run-*.wandb` with wandb's own reader.

    Raises `WandbUnavailable` when wandb is not installed, and OSError / ValueError /
    AssertionError / subprocess errors when the log cannot be read.
    """
    try:
        import wandb  # noqa: F401  (is it installed at all?)
    except ImportError as exc:
        raise WandbUnavailable("wandb is not installed") from exc
    try:
        datastore = importlib.import_module("wandb.sdk.internal.datastore")
    except ImportError:  # removed in wandb 0.31
        return _read_with_core(path)
    return _read_with_datastore(path, datastore)


# -- local run folders ------------------------------------------------------------------


def _load_json(path: Path, problems: list[str]) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        problems.append(f"{path}: unreadable ({exc}); it was ignored")
        return None


def _load_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yamlio.load_plain(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, yamlio.YamlProblem) as exc:
        problems.append(f"{path}: unreadable ({exc}); it was ignored")
        return None


def read_local_run(run_dir: Path, problems: list[str]) -> RunFacts | None:
    """One local run folder's facts; None (with a problem noted) when it cannot be read.

    `files/` first; the `.wandb` log fills in what `files/` lacks, and is the only
    place that holds the run's display name (and, in current wandb, its tags).
    """
    files = run_dir / "files"
    config = _load_yaml(files / "config.yaml", problems)
    summary = _load_json(files / "wandb-summary.json", problems)
    meta = _load_json(files / "wandb-metadata.json", problems)
    meta = meta if isinstance(meta, dict) else {}
    config = config if isinstance(config, dict) else None
    summary = summary if isinstance(summary, dict) else None
    meta_tags = meta.get("tags")
    tags = tuple(str(t) for t in meta_tags) if isinstance(meta_tags, list) else None
    name: str | None = None
    exit_text: str | None = None
    created: Any = meta.get("startedAt")
    incomplete = config is None or summary is None
    logs = sorted(run_dir.glob("run-*.wandb"))
    if logs:
        try:
            log = read_transaction_log(logs[0])
        except WandbUnavailable as exc:
            if incomplete:
                problems.append(
                    f"{run_dir}: skipped: files/ lacks config.yaml or wandb-summary.json, and"
                    f" {exc} to read {logs[0].name} (pip install 'gate-runcards[wandb]')"
                )
                return None
        except Exception as exc:
            problems.append(f"{logs[0]}: wandb could not read it ({exc})")
            if incomplete:
                return None
        else:
            config = config if config is not None else log.config
            summary = summary if summary is not None else log.summary
            tags = tags if tags is not None else log.tags
            name = log.name
            exit_text = log.exit
            created = created or log.created
    if config is None or summary is None:
        problems.append(f"{run_dir}: skipped: no config or summary in files/ and no run-*.wandb")
        return None
    return RunFacts(
        name=name or run_dir.name.rsplit("-", 1)[-1],  # the run id
        config=config,
        summary=summary,
        tags=tags,
        created=created or _folder_time(run_dir),
        source="wandb-local",
        exit=exit_text,
        gpu=meta["gpu"] if isinstance(meta.get("gpu"), str) else None,
    )


def _folder_time(run_dir: Path) -> str | None:
    """`run-20261124_185004-abc123` -> `2026-11-24T18:50:04` (the last resort)."""
    parts = run_dir.name.split("-")
    stamp = parts[-2] if len(parts) >= 3 else ""
    if len(stamp) != 15 or stamp[8] != "_" or not stamp.replace("_", "").isdigit():
        return None
    return f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"


def local_run_dirs(wandb_dir: Path) -> list[Path]:
    """The run folders of one `wandb/` directory (not its `latest-run` link)."""
    return sorted(
        p for pattern in ("run-*", "offline-run-*") for p in wandb_dir.glob(pattern)
        if p.is_dir() and not p.is_symlink()
    )  # fmt: skip


SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages"})


def find_run_folders(root: Path) -> list[Path]:
    """Every local wandb run folder under `root` (folders named `wandb` or `.wandb`);
    hidden folders, virtualenvs and caches are not searched."""
    import os

    runs: list[Path] = []
    for current, dirnames, _files in os.walk(root):
        here = Path(current)
        for name in dirnames:
            if name in ("wandb", ".wandb"):
                runs.extend(local_run_dirs(here / name))
        dirnames[:] = [
            d for d in dirnames
            if not d.startswith(".") and d not in SKIPPED_DIRS and d != "wandb"
            and not (here / d / "pyvenv.cfg").exists()
        ]  # fmt: skip
    return sorted(runs)
