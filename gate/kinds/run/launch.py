"""Which launch script function a world-model config launches with (parsed, never run).

A function is named by `--launch-function` (one card) or `[tool.gate.kinds.run]
launch_function` (the repository's default, e.g. "train"); else it is the one function
with `gpu=`. A gated `.py` with the config's stem is preferred over the other gated
launch scripts. When the choice is ambiguous (a shared script with `train` and
`train_policy`, both with `gpu=`), `Found.problem` says so and how to name one: the
"no card needed" estimate and `gate generate` never pick one silently.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gate.errors import GateError

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Repository
    from gate.git.snapshot import Snapshot
    from gate.kinds.gpus import Gpu
    from gate.sources.launch_script import ModalFunction

CONFIG_KEY = "[tool.gate.kinds.run] launch_function"


class Launch(NamedTuple):
    script: str
    function: ModalFunction


class Found(NamedTuple):
    """The launch a config's run uses, or why there is none to use."""

    launch: Launch | None = None
    # why no launch was chosen when one might be: several candidates, a name not found
    problem: str | None = None
    # every function that could be the one (several when ambiguous)
    candidates: tuple[Launch, ...] = ()


class Scripts(NamedTuple):
    """The gated Python launch scripts of a snapshot: their Modal functions, and why
    each one gate cannot read cannot be."""

    functions: dict[str, list[ModalFunction]]
    problems: dict[str, str]


def scripts(snapshot: Snapshot, config: Config) -> Scripts:
    """Gated Python launch scripts of the snapshot and their Modal functions (memoized)."""
    key = ("run-launch-scripts", config.gated)
    if key in snapshot.memo:
        memo: Scripts = snapshot.memo[key]
        return memo
    from gate.git.globs import compile_globs
    from gate.sources import launch_script

    gated = compile_globs(config.gated)
    found = Scripts({}, {})
    for path in snapshot.region(gated):
        if not path.endswith(".py") or not gated.match(path):
            continue
        try:
            text = (snapshot.read(path) or b"").decode("utf-8")
            found.functions[path] = launch_script.modal_functions(text)
        except UnicodeDecodeError:
            found.problems[path] = "not UTF-8"
        except launch_script.LaunchProblem as exc:
            found.problems[path] = f"line {exc.line}: {exc.message}" if exc.line else exc.message
    snapshot.memo[key] = found
    return found


def _listed(launches: tuple[Launch, ...]) -> str:
    return ", ".join(f"{x.script}::{x.function.name}" for x in launches)


def _one(launch: Launch, candidates: tuple[Launch, ...]) -> Found:
    """The launch, unless gate cannot tell what its function runs with."""
    from gate.sources import launch_script

    why = launch_script.ambiguity(launch.function)
    if why:
        return Found(problem=f"{launch.script} {why}", candidates=candidates)
    return Found(launch, candidates=candidates)


def convention(
    config_path: str, snapshot: Snapshot, config: Config, function: str | None = None
) -> Found:
    """The launch of a config by convention: among the gated `.py` files with the config's
    stem (else all gated launch scripts), the function named `function` (else
    `[tool.gate.kinds.run] launch_function`), else the one function with `gpu=`. A
    candidate script gate cannot read, or a function it cannot pin down, is a problem:
    gate never picks around it."""
    from gate.sources import launch_script

    found = scripts(snapshot, config)
    stem = posixpath.splitext(posixpath.basename(config_path))[0]
    every = sorted({*found.functions, *found.problems})
    same_stem = [p for p in every if posixpath.splitext(posixpath.basename(p))[0] == stem]
    paths = same_stem or every
    unread = [p for p in paths if p in found.problems]
    if unread:
        why = found.problems[unread[0]]
        return Found(
            problem=f"gated launch script {unread[0]} cannot be read ({why}): gate cannot "
            "tell which function the run launches"
        )
    name = function or config.kind("run").launch_function
    if name is not None:
        named = tuple(Launch(p, f) for p in paths for f in found.functions[p] if f.name == name)
        if len(named) == 1:
            return _one(named[0], named)
        where = "--launch-function" if function else CONFIG_KEY
        if not named:
            return Found(problem=f"no gated launch script has a function {name!r} ({where})")
        return Found(
            problem=f"{len(named)} gated launch scripts have a function {name!r} "
            f"({_listed(named)}): pass --launch-script PATH",
            candidates=named,
        )
    with_gpu = tuple(
        Launch(p, f) for p in paths for f in found.functions[p] if launch_script.asks_for_gpu(f)
    )
    if len(with_gpu) == 1:
        return _one(with_gpu[0], with_gpu)
    if not with_gpu:
        return Found()
    example = with_gpu[0].function.name
    return Found(
        problem=f"{len(with_gpu)} functions in the gated launch scripts set gpu= "
        f"({_listed(with_gpu)}): name the one world-model runs launch with "
        f'{CONFIG_KEY} = "{example}" in pyproject.toml (or --launch-function NAME '
        "for one card)",
        candidates=with_gpu,
    )


# -- `gate generate --kind run`: the launch named on the command line, or by convention --


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GateError(f"{what} {path}: {exc.strerror}") from None


def find(
    *, script: str | None, function: str | None, repo: Repository, config: Config, config_path: str
) -> tuple[Launch | None, list[str]]:
    """The launch script and function a generated card describes, and notes on the choice.

    `script`/`function` are `--launch-script` / `--launch-function`; without a function,
    `[tool.gate.kinds.run] launch_function` names it. An ambiguous choice is an error that
    says how to name the function; a configured name no script has leaves the card without
    a launch script, with a note.
    """
    from gate.kinds.write import relative
    from gate.sources import launch_script

    default = config.kind("run").launch_function
    if script is None:
        found = convention(config_path, repo.worktree(), config, function)
        if found.launch is not None:
            return found.launch, [
                f"launch script by convention: {found.launch.script} "
                f"(@{found.launch.function.name}); pass --launch-script to choose another"
            ]
        if found.problem and (found.candidates or function):
            more = "--launch-script" not in found.problem
            raise GateError(
                found.problem
                + ("; or pass --launch-script PATH --launch-function NAME" if more else "")
            )
        return None, [f"{found.problem}: the card names no launch script"] if found.problem else []
    path = Path(script)
    where = relative(repo, path, "--launch-script")
    notes: list[str] = []
    try:
        functions = launch_script.modal_functions(_read(path, "--launch-script").decode("utf-8"))
        names = {f.name for f in functions}
        if function is None and default is not None and default not in names:
            notes.append(
                f"{where} has no function {default!r} ({CONFIG_KEY}): the card launches its "
                "one function with gpu="
            )
            default = None
        chosen = launch_script.pick(functions, function or default)
    except UnicodeDecodeError:
        raise GateError(f"--launch-script {path}: not UTF-8") from None
    except launch_script.LaunchProblem as exc:
        raise GateError(
            f"--launch-script {where}:{exc.line}: {exc.message}"
            if exc.line
            else f"--launch-script {where} {exc.message}"
        ) from None
    return Launch(where, chosen), notes


def gpu(given: str | None, launch: Launch | None, table: Mapping[str, Gpu]) -> tuple[Gpu, int]:
    """The GPU row and count: the launch script's `gpu=`, which `--gpu` must agree with."""
    from gate.kinds import gpus
    from gate.sources import launch_script

    if launch is None:
        if not given:
            raise GateError(
                "--gpu NAME is required: no launch script names one "
                f"(GPU table: {', '.join(sorted(table))})"
            )
        name, count = gpus.split_spec(given)
        return gpus.lookup(name, table), count
    setting = launch.function.gpu
    if not launch_script.readable(setting):
        raise GateError(f"{launch.script}:{setting.line}: {launch_script.unreadable(setting)}")
    name, count = gpus.split_spec(setting.value if launch_script.is_set(setting) else "CPU")
    if given:
        mine, mine_count = gpus.split_spec(given)
        if (gpus.canonical(mine, table), mine_count) != (gpus.canonical(name, table), count):
            raise GateError(
                f"--gpu {given} but {launch.script}:{setting.line} says "
                f"{setting.text}: the card must describe what launches; edit the "
                "launch script first"
            )
    return gpus.lookup(name, table), count


def timeout(given: int | None, launch: Launch | None) -> int | None:
    """The run's timeout: the launch script's `timeout=` (Modal's default when unset),
    which `--timeout` must agree with; without a script, `--timeout` (None: recommend)."""
    from gate.sources import launch_script

    if launch is None:
        return given
    seconds = launch_script.effective_timeout(launch.function)
    setting = launch.function.timeout
    if seconds is None:
        raise GateError(f"{launch.script}:{setting.line}: {launch_script.unreadable(setting)}")
    if given is not None and given != seconds:
        said = setting.text if launch_script.is_set(setting) else f"no timeout= ({seconds} s)"
        raise GateError(
            f"--timeout {given} but {launch.script}:{setting.line} says "
            f"{said}: edit the launch script first"
        )
    return seconds
