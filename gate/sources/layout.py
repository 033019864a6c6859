"""A repository's layout, as `gate init` guesses it: where its training configs, launch
scripts and run cards live. Pure: a list of tracked paths (and a reader for the few
files it looks inside) in, suggested `[tool.gate]` values out.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable
from typing import NamedTuple

CONFIG_FOLDERS = ("experiments", "configs", "config", "conf")
LAUNCH_FOLDERS = ("launch", "scripts", "jobs")
CARD_FOLDERS = ("run-cards", "run_cards", "runcards", "cards")
# A launch script submits training somewhere: a Modal decorator, a cluster script.
LAUNCH_MARKERS = (b"@app.function(", b"@stub.function(", b"modal.App(", b"#SBATCH", b"torchrun")
DEFAULT_CARDS_DIR = "docs/run-cards"


class Layout(NamedTuple):
    gated: tuple[str, ...]  # globs
    cards_dir: str
    configs: tuple[str, ...]  # what the globs found, to show the user
    launch_scripts: tuple[str, ...]
    cards: tuple[str, ...]  # hand-written cards found (for `gate adopt`)


def _folder_globs(paths: Iterable[str], suffixes: tuple[str, ...]) -> list[str]:
    """One glob per folder holding such files: `folder/*.yaml`."""
    found: Counter[tuple[str, str]] = Counter()
    for path in paths:
        folder, name = posixpath.split(path)
        suffix = posixpath.splitext(name)[1]
        if suffix in suffixes:
            found[(folder, suffix)] += 1
    return [f"{folder}/*{suffix}" if folder else f"*{suffix}" for folder, suffix in sorted(found)]


def _in_folder(path: str, names: tuple[str, ...]) -> bool:
    return any(part in names for part in path.split("/")[:-1])


def guess(paths: Iterable[str], read: Callable[[str], bytes | None]) -> Layout:
    """Configs: YAML files under a configs-like folder. Launch scripts: Python or shell
    files that submit training. Cards: Markdown under a run-cards-like folder, or any
    Markdown file whose title says it is a run card."""
    paths = sorted(paths)
    configs = [p for p in paths if p.endswith((".yaml", ".yml")) and _in_folder(p, CONFIG_FOLDERS)]
    scripts = []
    for path in paths:
        if path.endswith((".py", ".sh")) and (
            _in_folder(path, LAUNCH_FOLDERS) or "modal" in posixpath.basename(path)
        ):
            content = read(path) or b""
            if any(marker in content for marker in LAUNCH_MARKERS):
                scripts.append(path)
    cards = []
    for path in paths:
        if not path.endswith(".md") or posixpath.basename(path) in ("README.md", "index.md"):
            continue
        if _in_folder(path, CARD_FOLDERS):
            cards.append(path)
            continue
        head = (read(path) or b"")[:200]
        if head.startswith((b"# Run Card:", b"# Policy Run Card:")):
            cards.append(path)
    folders = Counter(posixpath.dirname(c) for c in cards)
    cards_dir = folders.most_common(1)[0][0] if folders else DEFAULT_CARDS_DIR
    # Config folders by glob (a new experiment is gated too); launch scripts by name, so
    # an analysis script beside them needs no card.
    gated = [*_folder_globs(configs, (".yaml", ".yml")), *scripts]
    return Layout(tuple(gated), cards_dir, tuple(configs), tuple(scripts), tuple(cards))
