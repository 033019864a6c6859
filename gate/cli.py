"""The `gate` command: argparse only, then one function per subcommand.

Kept light on purpose: importing this module loads no YAML, JSON Schema or git
library; each subcommand imports what it needs.
"""

from __future__ import annotations

import os
import sys

from gate.errors import EXIT_ERROR, EXIT_PASS, GateError

TYPE_CHECKING = False  # not `typing`: the hook's fast path does without it
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from gate.git import Change

FORMATS = ("text", "json", "github", "sarif")


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


_PARSERS: dict[bool, argparse.ArgumentParser] = {}


def _parser(*, kinds_flags: bool = False) -> argparse.ArgumentParser:
    """The whole command line; `kinds_flags` adds each kind's `generate` flags (which
    imports every kind, so only `gate generate` asks for them). Built once per process:
    argparse's parsing leaves a parser as it was, and building one (every help text
    through gettext) costs more than most commands' own work in a process that runs
    several (`gate.cli.main` called in turn by a tool, or by the tests)."""
    if kinds_flags not in _PARSERS:
        _PARSERS[kinds_flags] = _build_parser(kinds_flags=kinds_flags)
    return _PARSERS[kinds_flags]


def _build_parser(*, kinds_flags: bool) -> argparse.ArgumentParser:
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
    sign.add_argument(
        "--key",
        metavar="PATH",
        help="SSH key to sign with: a private key, or a public key whose private half is in "
        "the ssh-agent (default: git's user.signingkey, else ~/.ssh/id_ed25519)",
    )
    sign.add_argument("--date", help=argparse.SUPPRESS)

    verify = sub.add_parser(
        "verify",
        parents=[common],
        help="exit 0 only if a fully approved, fresh card covers each PATH as it is on disk",
    )
    verify.add_argument(
        "paths", nargs="+", metavar="PATH", help="a card, or a file (or path::function) it covers"
    )

    launch = sub.add_parser(
        "launch", parents=[common], help="verify a card, then run its approved launch command"
    )
    launch.add_argument("card", help="the card file")
    launch.add_argument(
        "--index",
        type=int,
        metavar="N",
        help="which of the card's launch commands to run (they are listed without it)",
    )

    gen = sub.add_parser(
        "generate",
        parents=[common],
        help="write a run card from facts (config, dataset, manifest, runs)",
    )
    gen.add_argument(
        "--kind",
        default="policy",
        help="card kind: policy (default) or run (a world-model GPU run)",
    )
    if kinds_flags:  # only `gate generate` pays for its flags (and the kinds they load)
        from gate import kinds
        from gate.kinds.options import add_common

        add_common(gen)
        for kind in kinds.every():
            if kind.generate is not None:
                kind.generate.add_arguments(gen)

    status = sub.add_parser("status", parents=[common], help="one row per card in the repository")
    status.add_argument("--format", choices=("text", "json", "html"), default="text")

    _results_parsers(sub, common)

    demo = sub.add_parser(
        "demo", parents=[debug], help="walk through the gate on a copy of the bundled example"
    )
    demo.add_argument(
        "--kind", default="policy", help="which card kind's story: policy (default) or run"
    )

    init = sub.add_parser(
        "init", parents=[debug], help="write a starting [tool.gate] and print the hook setup"
    )
    init.add_argument(
        "--dry-run", action="store_true", help="print the table instead of appending it"
    )

    render = sub.add_parser(
        "render", parents=[common], help="rewrite a card's generated region from its data"
    )
    render.add_argument("cards", nargs="+", metavar="CARD")

    adopt = sub.add_parser(
        "adopt",
        parents=[common],
        help="turn hand-written run cards into gate cards, in place (the text is kept)",
    )
    adopt.add_argument("cards", nargs="+", metavar="CARD", help="hand-written card files")
    adopt.add_argument(
        "--dry-run", action="store_true", help="print the front matter and report; write nothing"
    )
    return parser


def _results_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """`gate results` and `gate calibrate`: what runs measured, and what it calibrates."""
    import argparse

    results = sub.add_parser(
        "results",
        parents=[common],
        help="record what a run measured in its card (the scorecard; the card is finished)",
    )
    results.add_argument("card", help="the card file")
    results.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="SOURCE",
        help="a checkpoint manifest.json, a local wandb run folder, or a wandb run path "
        "ENTITY/PROJECT/RUN_ID (the wandb extra)",
    )
    results.add_argument("--date", help=argparse.SUPPRESS)

    calibrate = sub.add_parser(
        "calibrate",
        parents=[common],
        help="print the measured speeds `gate generate` would use, per GPU and model",
    )
    calibrate.add_argument("--format", choices=("text", "json"), default="text")


def _quiet_commit() -> tuple[bool, list[Change] | None]:
    """The hook's common case, `gate check` on a commit that touches nothing gated,
    answered before argparse and the engine load (docs/architecture.md: within 2.5x of a bare
    interpreter start)."""
    from gate import git

    if git.environment_refs() is not None:
        return False, None
    started = git.start_staged()  # git reads the index while the rest loads
    from gate.check.quick import nothing_gated

    quiet, changes = nothing_gated(started)
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


def _printable_output() -> None:
    """A file name git gives that is not UTF-8 reaches a report as lone surrogates
    (`surrogateescape`): written as escapes, not a crash of the report."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    _printable_output()
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
        parser = _parser(kinds_flags=bool(arguments) and arguments[0] == "generate")
        args = parser.parse_args(arguments)
        if getattr(args, "files", None) and (args.all or args.base):
            parser.error("FILES cannot be combined with --all or --base")
        if args.command == "generate" and args.run_name is None:
            if args.config is None:
                parser.error("give the training config CONFIG (the run is named after it)")
            from pathlib import PurePath

            args.run_name = PurePath(args.config).stem
    import importlib

    try:
        module = importlib.import_module(f"gate.commands.{args.command}")
        code: int = module.run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # a command that had not settled its verdict: fail closed
        from gate.report import closed_pipe

        return closed_pipe(EXIT_ERROR)
    except GateError as exc:
        return _error(args, f"gate: error: {exc}")
    except KeyboardInterrupt:
        return _error(args, "gate: interrupted")
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        return _error(
            args,
            f"gate: internal error: {type(exc).__name__}: {exc} (run with --debug for the "
            "traceback, and please report it)",
        )


def _error(args: Any, message: str) -> int:
    """Exit 2 with one line on stderr; under `--format json` an error document on
    stdout too (schemas/report.schema.json), so a machine reading stdout sees why."""
    print(message, file=sys.stderr)
    if getattr(args, "format", "text") == "json":
        import json

        text = message.removeprefix("gate: error: ")
        try:
            print(json.dumps({"status": "error", "exit_code": EXIT_ERROR, "error": text}))
        except BrokenPipeError:
            from gate.report import closed_pipe

            closed_pipe(EXIT_ERROR)
    return EXIT_ERROR


def entry() -> None:
    """The `gate` console script: exit without tearing down every imported module
    (GitPython, jsonschema), which costs more than a small check itself."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
