"""`gate init`: write a starting `[tool.gate]` into the repository's pyproject.toml (gated
globs and cards_dir guessed from what is there, protected branches, reviewers as a
commented template) and print the hook and workflow snippets. It appends text and
never rewrites the rest of the file; a pyproject that already has `[tool.gate]` is left
alone."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib

from gate.errors import GateError

PYPROJECT = "pyproject.toml"

HOOK = """\
# .pre-commit-config.yaml
repos:
  - repo: https://github.com/OWNER/gate
    rev: 0123456789abcdef0123456789abcdef01234567  # the full commit SHA you reviewed
    hooks:
      - id: gate-check
# then: pre-commit install && pre-commit install --hook-type pre-push
"""

WORKFLOW = """\
# .github/workflows/gate.yml (make the `gate` check required on main)
on: [pull_request, merge_group]
permissions: {}
jobs:
  gate:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: OWNER/gate@0123456789abcdef0123456789abcdef01234567  # a full commit SHA
"""


def table(gated: tuple[str, ...], cards_dir: str, protected: tuple[str, ...]) -> str:
    """The `[tool.gate]` text `gate init` appends."""
    globs = ", ".join(json.dumps(g) for g in gated) if gated else '"experiments/*.yaml"'
    branches = ", ".join(json.dumps(b) for b in protected)
    return f"""
[tool.gate]
# Training configs and launch scripts that need a signed run card (globs; ** spans folders).
gated = [{globs}]
cards_dir = {json.dumps(cards_dir)}
# Branches where a missing approval blocks; elsewhere it is a warning.
protected = [{branches}]

# Every reviewer signs approvals with their SSH key. Add one line per reviewer, with
# their public key line (`cat ~/.ssh/id_ed25519.pub`), in a change of its own merged
# before their first approval. Until then `gate check` stops here (exit 2).
# [tool.gate.reviewers]
# Alice = {{ keys = ["ssh-ed25519 AAAAC3Nza... alice@laptop"], emails = ["alice@x.org"] }}
# Bob = {{ keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... bob"] }}
"""


def run(args: argparse.Namespace) -> int:
    from gate.git import Repository
    from gate.sources.layout import guess

    with Repository.discover() as repo:
        index = repo.index()
        paths = list(index.paths())
        layout = guess(paths, index.read)
        branch = repo.branch()
        usual = [b for b in ("main", "master") if repo.try_resolve(f"refs/heads/{b}")]
    pyproject = repo.root / PYPROJECT
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    try:
        existing = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GateError(f"{PYPROJECT}: not valid TOML ({exc}); fix it first") from None
    tool = existing.get("tool")
    if isinstance(tool, dict) and "gate" in tool:
        raise GateError(f"{PYPROJECT} already has [tool.gate]; gate init changes nothing")
    protected: tuple[str, ...] = ("main", "master")
    if branch and not usual and branch not in protected:
        protected = (branch, *protected)  # a repository whose trunk has another name
    addition = table(layout.gated, layout.cards_dir, protected)
    if args.dry_run:
        print(addition.lstrip("\n"), end="")
    else:
        separator = "" if not text or text.endswith("\n") else "\n"
        pyproject.write_text(text + separator + addition, encoding="utf-8")
    found = [
        f"  configs: {len(layout.configs)} ({', '.join(layout.gated) or 'none found'})",
        f"  launch scripts: {', '.join(layout.launch_scripts) or 'none found'}",
        f"  run cards in {layout.cards_dir}: {len(layout.cards)}",
    ]
    verb = "would append" if args.dry_run else "appended"
    print(f"gate init: {verb} [tool.gate] to {PYPROJECT}", *found, sep="\n", file=sys.stderr)
    if layout.cards:
        print(
            f"  hand-written cards: `gate adopt {' '.join(layout.cards[:3])}"
            f"{' ...' if len(layout.cards) > 3 else ''}` turns them into gate cards",
            file=sys.stderr,
        )
    print(
        "\nNext: name the reviewers and their keys in [tool.gate.reviewers] (see the "
        "commented lines), then install the hook and the pull-request check:\n",
        file=sys.stderr,
    )
    print(HOOK, WORKFLOW, sep="\n", file=sys.stderr)
    return 0
