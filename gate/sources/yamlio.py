"""All YAML in gate: safe loading only, no anchors or aliases, no duplicate keys, line
numbers per field.

Dates stay strings (`created: 2026-11-24` is the text the author wrote, and JSON
Schema sees a string); every mapping key and sequence item gets the line it sits on,
so a schema error can name the line of the field it is about.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml

_Base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[str | int, ...]


class _Loader(_Base):  # type: ignore[misc]
    """Safe loader without the timestamp resolver: dates stay the strings written."""


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


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem("a mapping key must be a plain value, not a collection", line)
            key = key_node.value
            if (key_node.tag, key) in first:
                # The last would win, and a reviewer reading the first would see another value.
                seen = first[(key_node.tag, key)]
                raise YamlProblem(f"duplicate key {key!r} (also on line {seen})", line)
            first[(key_node.tag, key)] = line
            child = (*path, key)
            lines[child] = line
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)


def load(text: str) -> Loaded:
    """Parse one YAML document safely, with its line map. Anything refused is a
    `YamlProblem`: a syntax error the parser found is its `YamlSyntax` kind."""
    try:
        _check_no_anchors(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return Loaded(None, {})
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise problem_of(exc) from None
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}
    _walk(node, (), lines)
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
