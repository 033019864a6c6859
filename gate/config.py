"""`[tool.gate]` in the repository's pyproject.toml: parsed, checked, given defaults.

Each key is declared once in `KEYS`, with its check and its default (the idea of
pre-commit's cfgv); an unknown key gets a "did you mean" suggestion, and any bad
value is a `GateError` naming the file and the key (exit 2). Standard library only:
the hook's fast path parses this on a cache miss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from gate.errors import GateError

DEFAULT_CARDS_DIR = "worldmodel/docs/run-cards"
DEFAULT_GATED = (
    "worldmodel/experiments/*.yaml",
    "worldmodel/experiments/*.yml",
    "worldmodel/launch/*.sh",
    "worldmodel/launch/*.py",
)
DEFAULT_MANIFESTS = ("worldmodel/checkpoints/*/manifest.json",)
DEFAULT_PROTECTED = ("main", "master")
IDENTITIES = ("ssh", "none")
# No default names a person: without [tool.gate.reviewers] a check exits 2 saying this.
NO_REVIEWERS = (
    "no reviewers are configured: add [tool.gate.reviewers] to pyproject.toml, one line "
    'per reviewer, NAME = {{ keys = ["ssh-ed25519 AAAA... name"] }} (their public key line: '
    "`cat ~/.ssh/id_ed25519.pub`); `gate init` writes a starting table"
)


class Reviewer(NamedTuple):
    """`[tool.gate.reviewers] NAME = { keys = [...], emails = [...] }`."""

    keys: tuple[str, ...] = ()  # OpenSSH public key lines: "ssh-ed25519 AAAA... comment"
    emails: tuple[str, ...] = ()  # for messages and `gate init`; never proof of anything


class KindConfig(NamedTuple):
    """Per-kind settings, `[tool.gate.kinds.<name>]` (a kind reads the ones it uses)."""

    reviewers: tuple[str, ...] | None = None  # required reviewers of this kind's cards
    launch_function: str | None = None  # the launch script's function that trains
    max_timeout: int | None = None  # the platform's longest timeout, seconds (Modal: 86,400)
    launch: str | None = None  # a launch command template for generated cards


class Config(NamedTuple):
    cards_dir: str = DEFAULT_CARDS_DIR
    gated: tuple[str, ...] = DEFAULT_GATED
    strict: bool = False
    # false: a symlink or submodule where gated files live (matching a glob, a folder a
    # glob reaches into, or pointing at one) blocks; true: gate follows symlinks inside
    # the repository (their targets are gated too) and gates a submodule's commit
    allow_links: bool = False
    reviewers: Mapping[str, Reviewer] = MappingProxyType({})
    # "ssh": every approval carries an SSH signature verified against the reviewer's
    # keys; "none": approvals are trusted and reported as unverified
    identity: str = "ssh"
    # branches (globs) where a missing approval blocks a commit or push
    protected: tuple[str, ...] = DEFAULT_PROTECTED
    manifests: tuple[str, ...] = DEFAULT_MANIFESTS
    dataset: str | None = None
    wandb: str | None = None
    hardware: Mapping[str, Mapping[str, Any]] = MappingProxyType({})
    kinds: Mapping[str, KindConfig] = MappingProxyType({})
    extra_kinds: tuple[str, ...] = ()
    # the run kind: [tool.gate.gpus.<name>] rows over its GPU table, and the thresholds
    # over which a world-model config needs a card
    gpus: Mapping[str, Mapping[str, Any]] = MappingProxyType({})
    run_card_cost_usd: float = 5.0
    run_card_hours: float = 2.0
    source: str = "defaults"

    def reviewers_for(self, kind: str) -> tuple[str, ...]:
        """Required reviewers of a card of `kind`: the kind's list, else every reviewer."""
        kind_config = self.kinds.get(kind)
        if kind_config is not None and kind_config.reviewers is not None:
            return kind_config.reviewers
        return tuple(self.reviewers)

    def require_reviewers(self) -> Config:
        """This config, or a `GateError` (exit 2) saying how to name the reviewers."""
        if not self.reviewers:
            raise GateError(f"{self.source}: {NO_REVIEWERS.format()}")
        return self

    def kind(self, name: str) -> KindConfig:
        """`[tool.gate.kinds.<name>]`, its defaults when absent."""
        return self.kinds.get(name, KindConfig())

    def keys_of(self, reviewer: str) -> tuple[str, ...]:
        found = self.reviewers.get(reviewer)
        return found.keys if found is not None else ()

    def is_protected(self, branch: str | None) -> bool:
        """A missing approval blocks on this branch (None: no branch, so fail closed)."""
        import fnmatch

        return branch is None or any(fnmatch.fnmatchcase(branch, p) for p in self.protected)


class _Where(NamedTuple):
    source: str  # the file, e.g. "pyproject.toml (the index)"
    key: str  # the dotted key, e.g. "reviewers.Scav.keys"

    def fail(self, expected: str, value: object) -> GateError:
        return GateError(
            f"{self.source}: [tool.gate] {self.key}: expected {expected}, got "
            f"{type(value).__name__} {value!r}"
        )

    def at(self, key: str) -> _Where:
        return _Where(self.source, f"{self.key}.{key}" if self.key else key)


def _unknown(where: _Where, table: Mapping[str, Any], known: tuple[str, ...]) -> None:
    for key in table:
        if key not in known:
            import difflib  # only on the error path: the hook's fast path parses this file

            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
            header = f"[tool.gate.{where.key}]" if where.key else "[tool.gate]"
            raise GateError(f"{where.source}: {header} unknown key {key!r}{hint}")


def _str(where: _Where, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise where.fail("a non-empty string", value)
    return value


def _str_list(where: _Where, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.fail("a list of non-empty strings", value)
    return tuple(value)


def _folder(where: _Where, value: object) -> str:
    """A folder inside the repository: relative, no `..`."""
    text = _str(where, value).strip("/")
    if not text or text.startswith("\\") or ".." in text.split("/") or ":" in text[:2]:
        raise where.fail("a folder inside the repository (relative, no '..')", value)
    return text


def _bool(where: _Where, value: object) -> bool:
    if not isinstance(value, bool):
        raise where.fail("true or false", value)
    return value


def _amount(where: _Where, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0 <= value < float("inf"))
    ):
        raise where.fail("a finite number >= 0", value)
    return float(value)


def _identity(where: _Where, value: object) -> str:
    if value not in IDENTITIES:
        raise where.fail(f"one of {', '.join(map(repr, IDENTITIES))}", value)
    return str(value)


def _rows(where: _Where, value: object) -> dict[str, dict[str, Any]]:
    """A table of tables; the module that uses the rows checks them and names a bad key."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise where.fail("a table of tables", value)
    return {name: dict(row) for name, row in value.items()}


def _reviewer(where: _Where, value: object) -> Reviewer:
    if isinstance(value, list):
        # gate 0.1's form, `NAME = ["email", ...]`: emails only, so no key to verify with.
        return Reviewer(emails=_str_list(where, value))
    if not isinstance(value, dict):
        raise where.fail('a table { keys = ["ssh-ed25519 AAAA..."], emails = [...] }', value)
    _unknown(where, value, Reviewer._fields)
    keys = _str_list(where.at("keys"), value.get("keys", []))
    return Reviewer(keys=keys, emails=_str_list(where.at("emails"), value.get("emails", [])))


def _reviewers(where: _Where, value: object) -> Mapping[str, Reviewer]:
    if not isinstance(value, dict):
        raise where.fail("a table of NAME = { keys = [...] }", value)
    if not value:
        raise GateError(f"{where.source}: [tool.gate] reviewers: name at least one reviewer")
    return {str(name): _reviewer(where.at(str(name)), entry) for name, entry in value.items()}


def _kinds(where: _Where, value: object) -> dict[str, KindConfig]:
    if not isinstance(value, dict):
        raise where.fail("a table of kind tables", value)
    kinds: dict[str, KindConfig] = {}
    for kind, table in value.items():
        at = where.at(kind)
        if not isinstance(table, dict):
            raise at.fail("a table", table)
        _unknown(at, table, KindConfig._fields)
        names = _str_list(at.at("reviewers"), table["reviewers"]) if "reviewers" in table else None
        function = table.get("launch_function")
        template = table.get("launch")
        timeout = table.get("max_timeout")
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0
        ):
            raise at.at("max_timeout").fail("a whole number of seconds > 0", timeout)
        kinds[kind] = KindConfig(
            reviewers=names,
            launch_function=None if function is None else _str(at.at("launch_function"), function),
            max_timeout=timeout,
            launch=None if template is None else _str(at.at("launch"), template),
        )
    return kinds


# key -> how its value is checked (and turned into the Config field of the same name)
KEYS: Mapping[str, Callable[[_Where, object], Any]] = MappingProxyType(
    {
        "cards_dir": _folder,
        "gated": _str_list,
        "strict": _bool,
        "allow_links": _bool,
        "reviewers": _reviewers,
        "identity": _identity,
        "protected": _str_list,
        "manifests": _str_list,
        "dataset": _str,
        "wandb": _str,
        "hardware": _rows,
        "kinds": _kinds,
        "extra_kinds": _str_list,
        "gpus": _rows,
        "run_card_cost_usd": _amount,
        "run_card_hours": _amount,
    }
)


def from_table(table: Mapping[str, Any], *, source: str) -> Config:
    """Build a `Config` from the `[tool.gate]` table (already parsed)."""
    top = _Where(source, "")
    _unknown(top, table, tuple(KEYS))
    values = {key: KEYS[key](top.at(key), value) for key, value in table.items()}
    config = Config(**values, source=source)
    for kind, settings in config.kinds.items():
        for name in settings.reviewers or ():
            if name not in config.reviewers:
                raise GateError(
                    f"{source}: [tool.gate.kinds.{kind}] reviewers: {name!r} is not in "
                    "[tool.gate.reviewers]"
                )
    return config


def parse(text: str | None, *, source: str) -> Config:
    """Parse pyproject.toml text; `None` (no file) or no `[tool.gate]` means defaults."""
    if text is None:
        return Config(source=source)
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GateError(f"{source}: not valid TOML: {exc}") from None
    tool = document.get("tool", {})
    table = tool.get("gate") if isinstance(tool, dict) else None
    if table is None:
        return Config(source=source)
    if not isinstance(table, dict):
        raise _Where(source, "").fail("a table", table)
    return from_table(table, source=source)


def gate_table_text(text: str | None) -> str:
    """A canonical rendering of `[tool.gate]` for telling whether a change touched it:
    no file, and a file without the table, render alike (as `parse` reads them)."""
    import json
    import tomllib

    try:
        tool = tomllib.loads(text or "").get("tool")
    except tomllib.TOMLDecodeError:
        return "<invalid TOML>"
    table = tool.get("gate") if isinstance(tool, dict) else None
    return json.dumps(table, sort_keys=True, default=str)
