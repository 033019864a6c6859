"""All YAML in gate: safe loading only, no anchors, aliases or merge keys, no duplicate
keys, line numbers per field.

Dates stay strings (`created: 2026-11-24` is the text the author wrote, and JSON
Schema sees a string); every mapping key and sequence item gets the line it sits on,
so a schema error can name the line of the field it is about. A card's front matter
is JSON data (`load(..., json=True)`): text keys, and values that are text, numbers
(finite), true/false, null, lists and mappings; a `!!binary`, `!!timestamp`, `!!set`,
`!!omap` or `!!pairs` value, a key that is not text (`1:`, `null:`, `true:`) or
`.nan` / `.inf` is refused with its line, never handed to the rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple, NoReturn

import yaml

_Base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[str | int, ...]
# Deeper data would overflow the recursion of what reads it (repr, JSON, JSON Schema).
MAX_DEPTH = 64


class _Loader(_Base):  # type: ignore[misc]
    """Safe loader without the timestamp resolver: dates stay the strings written."""


def _no_path_resolvers(*_: Any) -> None:
    """gate registers no path resolvers: the composer's per-node hooks do nothing."""


_resolved: dict[tuple[Any, str, Any], str] = {}


def _resolve(self: Any, kind: Any, value: str | None, implicit: Any) -> str:
    """The base resolver's answer, kept for short texts (field names, small values):
    a card's front matter asks about the same few hundred again and again."""
    if value is None or len(value) > 40:
        return _Base.resolve(self, kind, value, implicit)  # type: ignore[no-any-return]
    key = (kind, value, implicit)
    tag = _resolved.get(key)
    if tag is None:
        if len(_resolved) > 50_000:
            _resolved.clear()
        tag = _resolved[key] = _Base.resolve(self, kind, value, implicit)
    return tag


_Loader.descend_resolver = _no_path_resolvers
_Loader.ascend_resolver = _no_path_resolvers
_Loader.resolve = _resolve
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


class YamlProblem(Exception):
    """A YAML document gate refuses; `line` is 1-based within the text given."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class YamlSyntax(YamlProblem):
    """The parser's own error (a `yaml.YAMLError`), as a `YamlProblem` with its line."""


class Loaded(NamedTuple):
    data: Any
    lines: dict[Path_, int]  # field path -> 1-based line within the text


def _check_no_anchors(text: str) -> None:
    """Refuse anchors and aliases (alias bombs); a cheap scan first, events only if needed."""
    if "&" not in text and "*" not in text:
        return
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            sigil = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise YamlProblem(
                f"YAML anchors and aliases are not allowed (found {sigil}{anchor})",
                event.start_mark.line + 1 if event.start_mark is not None else 1,
            )


_CORE = "tag:yaml.org,2002:"
# the tags of JSON data: what a card's front matter may hold
_JSON_TAGS = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


def _shown(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


# Scalars PyYAML converts with int(), float(), a table or a date: their constructors
# raise ValueError, KeyError, IndexError or AttributeError on text a tag lets through
# (`!!int abc`, `!!bool maybe`, `!!timestamp 2001-13-45`) and on some plain text the
# resolver takes for a number (`0x_`, `0b_`), or an int of over 4,300 digits.
_CONVERTED = frozenset(_CORE + name for name in ("int", "float", "bool", "null", "timestamp"))


def _scalar(node: yaml.Node, build: Callable[[yaml.Node], Any]) -> Any:
    """Build a converted scalar now (its value), so text that does not convert is
    refused with its line instead of raising from deep inside the loader."""
    try:
        return build(node)
    except (ValueError, KeyError, IndexError, AttributeError):
        text = node.value if len(node.value) <= 40 else f"{node.value[:40]}..."
        digits = sum(c.isdigit() for c in node.value)
        why = f" (a number of {digits:,} digits)" if digits > 40 else ""
        raise YamlProblem(
            f"{text!r} is not a valid {_shown(node.tag)} value{why}", node.start_mark.line + 1
        ) from None


# I-JSON (RFC 7493): integers beyond 2^53 are not interoperable, and gate's arithmetic
# turns them into floats, which cannot hold them
JSON_INT_LIMIT = 2**53 - 1
_STR, _MAP, _SEQ = _CORE + "str", _CORE + "map", _CORE + "seq"


def _json_number(value: Any, line: int) -> None:
    """JSON numbers are finite, and integers fit a double: refuse `.nan`, `.inf`, floats
    too large to hold and integers past 2^53."""
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlProblem(f"{value} is not a number JSON can hold: write a finite number", line)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > JSON_INT_LIMIT:
        digits = int(abs(value).bit_length() * 0.30103) + 1  # str() refuses huge ints
        raise YamlProblem(
            f"an integer of about {digits:,} digits is past 2^53, more than a JSON "
            "number holds exactly: write a smaller one",
            line,
        )


def _key(key_node: yaml.Node, build: Callable[[yaml.Node], Any], *, json: bool) -> Any:
    """A mapping key, refused when it is a collection, a merge key, or (`json`) not text."""
    line = key_node.start_mark.line + 1
    if not isinstance(key_node, yaml.ScalarNode):
        raise YamlProblem("a mapping key must be a plain value, not a collection", line)
    if key_node.tag == _STR:
        return key_node.value
    if key_node.tag == _CORE + "merge":
        raise YamlProblem("merge keys (<<) are not allowed: write the keys out", line)
    if json:
        raise YamlProblem(
            f"key {key_node.value!r} is read as {_shown(key_node.tag)}, not text: quote it", line
        )
    return _scalar(key_node, build)


def _pairs(
    node: yaml.MappingNode, build: Callable[[yaml.Node], Any], *, json: bool
) -> list[tuple[Any, int, yaml.Node]]:
    """(key, its line, value node) of a mapping; a duplicate key is refused with both
    lines (the last would win, and a reviewer reading the first would see another value)."""
    pairs = []
    first: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = _key(key_node, build, json=json)
        line = key_node.start_mark.line + 1
        marker = key  # `1` and `1.0`, `true` and `1`: one key once built
        if marker in first:
            raise YamlProblem(
                f"duplicate key {key_node.value!r} (also on line {first[marker]})", line
            )
        first[marker] = line
        pairs.append((key, line, value_node))
    return pairs


def _not_json(node: yaml.Node, build: Callable[[yaml.Node], Any]) -> NoReturn:
    """Refuse a value JSON data cannot hold (text that does not convert says so first)."""
    if isinstance(node, yaml.ScalarNode) and node.tag in _CONVERTED:
        _scalar(node, build)
    raise YamlProblem(
        f"{_shown(node.tag)} values are not allowed: the data is JSON (text, "
        "numbers, true/false, null, lists and mappings)",
        node.start_mark.line + 1,
    )


def _build(
    root: yaml.Node, lines: dict[Path_, int], build: Callable[[yaml.Node], Any], *, json: bool
) -> Any:
    """The document's data and the line of every field, in one pass over the nodes.
    Refuses duplicate keys, keys that are collections, merge keys, scalars that do not
    convert, and (`json`) what JSON cannot hold. Text, mappings and lists are built
    here; other scalars by PyYAML's own constructors (`build`), and a node of any other
    tag (`!!set`, `!!omap`: not in JSON data) by PyYAML whole. An explicit stack: a
    document nested a thousand deep is no problem."""
    top: list[Any] = [None]
    stack: list[tuple[yaml.Node, Path_, Any, Any]] = [(root, (), top, 0)]
    while stack:
        node, path, parent, slot = stack.pop()
        line = node.start_mark.line + 1
        if len(path) > MAX_DEPTH:
            raise YamlProblem(
                f"nested more than {MAX_DEPTH} levels deep: no config or card needs that", line
            )
        tag = node.tag
        if json and tag not in _JSON_TAGS:
            _not_json(node, build)
        value: Any
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR:
                value = node.value
            else:
                value = _scalar(node, build)
                if json:
                    _json_number(value, line)
        elif isinstance(node, yaml.MappingNode) and tag == _MAP:
            value = {}
            for key, key_line, value_node in _pairs(node, build, json=json):
                child = (*path, key)
                lines[child] = key_line
                value[key] = None  # keeps the order written; filled below
                stack.append((value_node, child, value, key))
        elif isinstance(node, yaml.SequenceNode) and tag == _SEQ:
            value = [None] * len(node.value)
            for index, item in enumerate(node.value):
                child = (*path, index)
                lines[child] = item.start_mark.line + 1
                stack.append((item, child, value, index))
        else:
            _check_inside(node, path, build)
            value = _scalar(node, build)
        parent[slot] = value
    return top[0]


def _check_inside(node: yaml.Node, path: Path_, build: Callable[[yaml.Node], Any]) -> None:
    """The checks of `_build` inside a node PyYAML builds whole (`!!set`, `!!omap`)."""
    stack = [(node, path)]
    while stack:
        inner, where = stack.pop()
        if len(where) > MAX_DEPTH:
            raise YamlProblem(
                f"nested more than {MAX_DEPTH} levels deep: no config or card needs that",
                inner.start_mark.line + 1,
            )
        if isinstance(inner, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in inner.value:
                key = _key(key_node, build, json=False)
                if (key_node.tag, key) in seen:
                    raise YamlProblem(
                        f"duplicate key {key_node.value!r}", key_node.start_mark.line + 1
                    )
                seen.add((key_node.tag, key))
                stack.append((value_node, (*where, key)))
        elif isinstance(inner, yaml.SequenceNode):
            stack += [(item, (*where, i)) for i, item in enumerate(inner.value)]
        elif inner.tag in _CONVERTED:
            _scalar(inner, build)


def load(text: str, *, json: bool = False) -> Loaded:
    """Parse one YAML document safely, with its line map. Anything refused is a
    `YamlProblem`: a syntax error the parser found is its `YamlSyntax` kind. `json`:
    the document must be JSON data (a card's front matter)."""
    try:
        _check_no_anchors(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return Loaded(None, {})
            lines: dict[Path_, int] = {(): node.start_mark.line + 1}

            constructors = loader.yaml_constructors

            def build(one: yaml.Node) -> Any:
                if one.tag in _CONVERTED:  # a plain scalar: its constructor directly
                    return constructors[one.tag](loader, one)
                return loader.construct_object(one, deep=True)

            data = _build(node, lines, build, json=json)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise problem_of(exc) from None
    except RecursionError:
        raise YamlProblem("nested too deeply to read", 1) from None
    return Loaded(data, lines)


def load_plain(text: str) -> Any:
    """Parse YAML data (configs, not cards): safe, dates as strings, no aliases."""
    return load(text).data


def problem_of(exc: yaml.YAMLError) -> YamlSyntax:
    """A YAMLError as a one-line message with its line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    return YamlSyntax(message, line)


class _CardDumper(yaml.SafeDumper):
    """Multi-line strings (launch commands) as literal blocks, readable in review."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CardDumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """Block-style YAML in the order given (cards read top to bottom like the template)."""
    text: str = yaml.dump(
        data,
        Dumper=_CardDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text
