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
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    common.add_argument(
        "--config",
        type=Path,
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

    sign = sub.add_parser("sign", parents=[common], help="record a reviewer's verdict on a card")
    sign.add_argument("card", help="the card file")
    sign.add_argument("--reviewer", required=True, help="a reviewer named in [tool.gate.reviewers]")
    sign.add_argument("--block", metavar="REASON", help="block the card, saying why")
    sign.add_argument("--date", help=argparse.SUPPRESS)

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
