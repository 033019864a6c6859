"""The `gate` command: argparse only, then one function per subcommand.

Kept light on purpose: importing this module loads no YAML, JSON Schema or git
library; each subcommand imports what it needs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gate.errors import EXIT_ERROR, EXIT_PASS, GateError

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from gate.git import Change

FORMATS = ("text", "json", "github", "sarif")


def _run_flags(gen: argparse.ArgumentParser) -> None:
    """`gate generate --kind run`: the world-model run's facts."""
    run = gen.add_argument_group("--kind run (a world-model GPU run)")
    run.add_argument(
        "--encoded-file",
        metavar="PATH",
        help="the encoded data file on the training volume, e.g. /encoded-22k.pt",
    )
    run.add_argument(
        "--encoded-games",
        type=int,
        metavar="N",
        help="games in the encoded file (default: the config's data.max_games)",
    )
    run.add_argument(
        "--encoded-frames",
        type=int,
        metavar="N",
        help="frames in the encoded file (default: games x 9,400)",
    )
    run.add_argument(
        "--encoded-gb",
        type=float,
        metavar="GB",
        help="size of the encoded file; data load is 3 min per GB (default: "
        "estimated from the frames)",
    )
    run.add_argument(
        "--gpu",
        metavar="NAME[:COUNT]",
        help="GPU from the GPU table, e.g. A100, H100:2 (default: the launch script's gpu=)",
    )
    run.add_argument(
        "--timeout",
        type=int,
        metavar="SECONDS",
        help="the run's timeout (default: the launch script's timeout=, else the recommended one)",
    )
    run.add_argument(
        "--log-interval",
        type=int,
        metavar="N",
        help="batches between log lines (default: the config's "
        "training.log_interval); passed on the launch command",
    )
    run.add_argument(
        "--launch-script",
        metavar="PATH",
        help="Python launch script with a Modal-style @app.function(gpu=..., "
        "timeout=...) (default: found by convention)",
    )
    run.add_argument(
        "--launch-function",
        metavar="NAME",
        help="the decorated function to launch (default: the one with gpu=)",
    )
    run.add_argument(
        "--batch-seconds",
        type=float,
        metavar="S",
        help="your measured seconds per batch (default: the GPU table's)",
    )


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def _parser() -> argparse.ArgumentParser:
    import argparse

    from gate import __version__

    parser = argparse.ArgumentParser(
        prog="gate",
        description="Keep ML training runs honest: no gated config or launch script reaches "
        "the repository without a schema-valid, signed, fresh run card.",
    )
    parser.add_argument("--version", action="version", version=f"gate {__version__}")
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    common = argparse.ArgumentParser(add_help=False, parents=[debug])
    common.add_argument(
        "--config",
        dest="gate_config",
        type=_path,
        default=None,
        metavar="PYPROJECT",
        help="read [tool.gate] from this file instead of the repository's",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser(
        "check", parents=[common], help="check the staged change, FILES, a PR range or all"
    )
    check.add_argument(
        "files",
        nargs="*",
        metavar="FILES",
        help="paths to check as staged (what the pre-commit framework passes)",
    )
    where = check.add_mutually_exclusive_group()
    where.add_argument(
        "--base", metavar="REF", help="check merge-base(REF, HEAD)..HEAD, as a pull request"
    )
    where.add_argument("--all", action="store_true", help="audit every card and gated file at HEAD")
    check.add_argument("--format", choices=FORMATS, default="text", help="report format")
    check.add_argument(
        "--strict", action="store_true", help="seed flags block (as [tool.gate] strict = true)"
    )

    sign = sub.add_parser("sign", parents=[common], help="record a reviewer's verdict on a card")
    sign.add_argument("card", help="the card file")
    sign.add_argument("--reviewer", required=True, help="a reviewer named in [tool.gate.reviewers]")
    sign.add_argument("--block", metavar="REASON", help="block the card, saying why")
    sign.add_argument("--date", help=argparse.SUPPRESS)

    gen = sub.add_parser(
        "generate",
        parents=[debug],
        help="write a run card from facts (config, dataset, manifest, runs)",
    )
    gen.add_argument(
        "--kind",
        default="policy",
        help="card kind: policy (default) or run (a world-model GPU run)",
    )
    gen.add_argument(
        "--gate-config",
        type=_path,
        default=None,
        metavar="PYPROJECT",
        help="read [tool.gate] from this file instead of the repository's",
    )
    gen.add_argument("--run-name", required=True, help="the run's name; the card's file stem")
    gen.add_argument(
        "--games",
        metavar="N|match",
        help="games to train on, or 'match' for the world model's (default)",
    )
    gen.add_argument("--player", default="both", help="player to predict: 0, 1 or both")
    gen.add_argument(
        "--config",
        dest="config",
        metavar="PATH",
        help="the policy (or, with --kind run, world-model) config YAML the card covers",
    )
    gen.add_argument("--epochs", type=int, help="override the config's epochs")
    gen.add_argument("--batch-size", type=int, help="override the config's batch size")
    gen.add_argument("--lr", type=float, help="override the config's learning rate")
    gen.add_argument("--device", choices=("mps", "cpu", "cuda"), help="where training runs")
    gen.add_argument(
        "--world-model", metavar="PATH", help="world-model manifest.json, or its checkpoint folder"
    )
    gen.add_argument("--dataset", metavar="DIR", help="parsed dataset (meta.json + games/)")
    gen.add_argument("--goal", help="one sentence: why train this, paired with what")
    source = gen.add_mutually_exclusive_group()
    source.add_argument(
        "--wandb",
        metavar="ENTITY/PROJECT",
        help="policy: query prior runs on wandb; run: the project it logs to",
    )
    source.add_argument(
        "--no-wandb",
        action="store_true",
        help="policy: do not query wandb; run: it logs to no wandb project",
    )
    _run_flags(gen)
    gen.add_argument("--stdout", action="store_true", help="print the card, write nothing")
    gen.add_argument("--force", action="store_true", help="overwrite an existing card")

    status = sub.add_parser("status", parents=[common], help="one row per card in the repository")
    status.add_argument("--format", choices=("text", "json"), default="text")

    demo = sub.add_parser(
        "demo", parents=[debug], help="walk through the gate on a copy of the bundled example"
    )
    demo.add_argument(
        "--kind", default="policy", help="which card kind's story: policy (default) or run"
    )

    render = sub.add_parser(
        "render", parents=[common], help="rewrite a card's generated region from its data"
    )
    render.add_argument("cards", nargs="+", metavar="CARD")
    return parser


def _quiet_commit() -> tuple[bool, list[Change] | None]:
    """The hook's common case, `gate check` on a commit that touches nothing gated,
    answered before argparse and the engine load (DESIGN.md: within 2.5x of a bare
    interpreter start)."""
    from gate import git

    if git.environment_refs() is not None:
        return False, None
    from gate.quick import nothing_gated

    quiet, changes = nothing_gated()
    if quiet:
        print("gate: passed (staged): nothing gated or carded in this change")
    return quiet, changes


# What `gate check` with no options parses to (tests hold it equal to the parser's).
BARE_CHECK: dict[str, Any] = {
    "command": "check",
    "files": [],
    "base": None,
    "all": False,
    "format": "text",
    "strict": False,
    "gate_config": None,
    "debug": False,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["check"]:
        # The pre-commit hook's call: answered without building the parser.
        changes = None
        try:
            quiet, changes = _quiet_commit()
            if quiet:
                return EXIT_PASS
        except GateError:
            pass  # the full check below reports it
        from types import SimpleNamespace

        args: Any = SimpleNamespace(**BARE_CHECK, staged_changes=changes)
    else:
        parser = _parser()
        args = parser.parse_args(arguments)
        if getattr(args, "files", None) and (args.all or args.base):
            parser.error("FILES cannot be combined with --all or --base")
    import importlib

    try:
        module = importlib.import_module(f"gate.commands.{args.command}")
        code: int = module.run(args)
        return code
    except GateError as exc:
        print(f"gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("gate: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        print(
            f"gate: internal error: {type(exc).__name__}: {exc} (run with --debug for the "
            "traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def entry() -> None:
    """The `gate` console script: exit without tearing down every imported module
    (GitPython, jsonschema), which costs more than a small check itself."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
