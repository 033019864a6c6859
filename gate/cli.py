"""The `gate` command: argparse only, then one function per subcommand.

Kept light on purpose: importing this module loads no YAML, JSON Schema or git
library; each subcommand imports what it needs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from gate import __version__
from gate.errors import EXIT_ERROR, GateError

FORMATS = ("text", "json", "github", "sarif")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gate",
        description="Keep ML training runs honest: no gated config or launch script reaches "
        "the repository without a schema-valid, signed, fresh run card.",
    )
    parser.add_argument("--version", action="version", version=f"gate {__version__}")
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    common = argparse.ArgumentParser(add_help=False, parents=[debug])
    common.add_argument("--config", dest="gate_config", type=Path, default=None,
                        metavar="PYPROJECT",
                        help="read [tool.gate] from this file instead of the repository's")
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
    check.add_argument("--strict", action="store_true",
                       help="seed flags block (as [tool.gate] strict = true)")

    sign = sub.add_parser("sign", parents=[common], help="record a reviewer's verdict on a card")
    sign.add_argument("card", help="the card file")
    sign.add_argument("--reviewer", required=True, help="a reviewer named in [tool.gate.reviewers]")
    sign.add_argument("--block", metavar="REASON", help="block the card, saying why")
    sign.add_argument("--date", help=argparse.SUPPRESS)

    gen = sub.add_parser("generate", parents=[debug],
                         help="write a run card from facts (config, dataset, manifest, runs)")
    gen.add_argument("--kind", default="policy", help="card kind (default: policy)")
    gen.add_argument("--gate-config", type=Path, default=None, metavar="PYPROJECT",
                     help="read [tool.gate] from this file instead of the repository's")
    gen.add_argument("--run-name", required=True, help="the run's name; the card's file stem")
    gen.add_argument("--games", metavar="N|match",
                     help="games to train on, or 'match' for the world model's (default)")
    gen.add_argument("--player", default="both", help="player to predict: 0, 1 or both")
    gen.add_argument("--config", dest="config", metavar="PATH",
                     help="the policy config YAML the card covers")
    gen.add_argument("--epochs", type=int, help="override the config's epochs")
    gen.add_argument("--batch-size", type=int, help="override the config's batch size")
    gen.add_argument("--lr", type=float, help="override the config's learning rate")
    gen.add_argument("--device", choices=("mps", "cpu", "cuda"), help="where training runs")
    gen.add_argument("--world-model", metavar="PATH",
                     help="world-model manifest.json, or its checkpoint folder")
    gen.add_argument("--dataset", metavar="DIR", help="parsed dataset (meta.json + games/)")
    gen.add_argument("--goal", help="one sentence: why train this, paired with what")
    source = gen.add_mutually_exclusive_group()
    source.add_argument("--wandb", metavar="ENTITY/PROJECT", help="query prior runs on wandb")
    source.add_argument("--no-wandb", action="store_true", help="do not query wandb")
    gen.add_argument("--stdout", action="store_true", help="print the card, write nothing")
    gen.add_argument("--force", action="store_true", help="overwrite an existing card")

    status = sub.add_parser("status", parents=[common], help="one row per card in the repository")
    status.add_argument("--format", choices=("text", "json"), default="text")

    demo = sub.add_parser("demo", parents=[debug],
                          help="walk through the gate on a copy of the bundled example")
    demo.add_argument("--kind", default="policy", help="which card kind's story (policy)")

    render = sub.add_parser(
        "render", parents=[common], help="rewrite a card's generated region from its data"
    )
    render.add_argument("cards", nargs="+", metavar="CARD")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "files", None) and (args.all or args.base):
        parser.error("FILES cannot be combined with --all or --base")
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
