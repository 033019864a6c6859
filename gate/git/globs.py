"""Gated-path globs, matched the way git matches a `:(glob)` pathspec.

A path is gated by PATTERN exactly when `git ls-files -- ':(glob)PATTERN'` would list
it (tests/test_paths.py holds the two equal, property-based), plus every path that
differs from such a path only in case (one file on macOS and Windows disks):

- `*` and `?` stay within one folder, `[...]` is a class (`!` or `^` negates, ranges,
  `[:alpha:]`-style classes, `\\` escapes), and no wildcard ever matches `/`;
- `**` between slashes (or at either end) spans folders: `a/**/b`, `**/b`, `a/**`;
- git's literal rules: a pattern also matches the path spelled exactly like it, and a
  pattern without wildcards matches everything below it (`worldmodel/experiments`);
- git's quirk: after the literal head of a pattern (up to its first wildcard) a `**`
  counts as at the start, so `a/b**` spans folders;
- gate's rules: a leading `/` is dropped, `.` and `..` are resolved (a pattern leaving
  the repository is a configuration error), and a trailing `/` means everything below
  (`experiments/*/` is `experiments/*/**`, where git would match nothing).

Matching is by bytes, as git's is (`?` is one byte of UTF-8), and again
case-insensitively by characters. Standard library only: this runs on the hook's
fast path. (Why not `pathspec`: its gitignore semantics are not git's pathspec
semantics, and importing it costs more than a whole quiet `gate check`.) There, `re`
is not even imported: an ASCII path that starts with no glob's literal head (what comes
before its first wildcard), ignoring case, cannot match, and most commits touch only
such paths; any other path goes to the compiled regexes.
"""

from __future__ import annotations

from gate.errors import GateError

TYPE_CHECKING = False  # not `typing`: the hook's fast path does without it
if TYPE_CHECKING:
    import re

_SPECIAL = "*?[\\"
_SLASH, _ANY, _DIRS = "/", ".*", "(?:.*/)?"
_NEVER = "(?!)"
_WIDEST = 4096  # a negated class over more characters is not narrowed by case (folded)
Ranges = list[tuple[str, str]]
# git's ctype classes (ASCII), as character ranges
_CLASSES: dict[str, Ranges] = {
    "alnum": [("0", "9"), ("A", "Z"), ("a", "z")],
    "alpha": [("A", "Z"), ("a", "z")],
    "blank": [(" ", " "), ("\t", "\t")],
    "cntrl": [("\x00", "\x1f"), ("\x7f", "\x7f")],
    "digit": [("0", "9")],
    "graph": [("!", "~")],
    "lower": [("a", "z")],
    "print": [(" ", "~")],
    "punct": [("!", "/"), (":", "@"), ("[", "`"), ("{", "~")],
    "space": [("\t", "\r"), (" ", " ")],
    "upper": [("A", "Z")],
    "xdigit": [("0", "9"), ("A", "F"), ("a", "f")],
}


def normal(pattern: str) -> str:
    """The pattern as gate matches it: no leading `/`, `.` and `..` resolved, a trailing
    `/` meaning everything below. A GateError when it climbs out of the repository."""
    parts: list[str] = []
    for part in pattern.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise GateError(
                    f"[tool.gate] gated: {pattern!r} leaves the repository; "
                    "write globs relative to its root"
                )
            parts.pop()
            continue
        parts.append(part)
    text = "/".join(parts)
    if not text:
        return "**"
    return f"{text}/**" if pattern.endswith(("/", "/.", "/..")) else text


def _head(pattern: str) -> str:
    """The literal head of a normal pattern: up to its first wildcard character."""
    return pattern[: next((k for k, c in enumerate(pattern) if c in _SPECIAL), len(pattern))]


def _char(c: str) -> str:
    """One character inside a regex class."""
    return c if not c.isascii() or c.isalnum() else "\\" + c


def _escaped(p: str, j: int) -> tuple[str | None, int]:
    """The character at p[j], or the one after it when p[j] is a backslash (None: the
    pattern ends there), and its index."""
    if p[j] == "\\":
        j += 1
    return (p[j] if j < len(p) else None), j


def _named(p: str, j: int) -> tuple[Ranges | None, int]:
    """`[:name:]` at p[j]: its ranges and the index of its `]`; ([], j) when it is not
    one (the `[` is then a literal); (None, j) when git aborts on it."""
    end = p.find("]", j + 2)
    if end < 0:
        return None, j
    if end - (j + 2) - 1 < 0 or p[end - 1] != ":":
        return [], j
    return _CLASSES.get(p[j + 2 : end - 1]), end


def _class(p: str, i: int) -> tuple[tuple[bool, Ranges] | None, int]:
    """`[...]` at p[i]: (negated, its character ranges) and the index after it; None
    when git aborts on it (unclosed, unknown `[:name:]`), so the pattern matches nothing
    by wildcards. A port of the class branch of git's wildmatch.c."""
    j = i + 1
    negated = j < len(p) and p[j] in "!^"
    j += negated
    ranges: Ranges = []
    prev: str | None = None
    while j < len(p):
        c = p[j]
        if c == "-" and prev and j + 1 < len(p) and p[j + 1] != "]":
            high, j = _escaped(p, j + 1)
            if high is None:
                return None, j
            if prev <= high:
                ranges.append((prev, high))
            prev = None
        elif c == "[" and p.startswith(":", j + 1):
            named, j = _named(p, j)
            if named is None:
                return None, j
            ranges += named or [("[", "[")]
            prev = None if named else "["
        else:
            prev, j = _escaped(p, j)
            if prev is None:
                return None, j
            ranges.append((prev, prev))
        j += 1
        if j < len(p) and p[j] == "]":
            return (negated, ranges), j + 1
    return None, j


def _variants(c: str) -> set[str]:
    return {c, *(v for v in (c.lower(), c.upper()) if len(v) == 1)}


def _render(negated: bool, ranges: Ranges, *, folded: bool) -> str:
    """A class as a regex that never matches `/`. Folded (compiled ignoring case), a
    character matches when one of its case variants would match exactly: for a negated
    class, when one variant is outside it (`[!B]` takes `B`, as `b` is a variant)."""
    if negated and folded:
        if sum(ord(high) - ord(low) + 1 for low, high in ranges) > _WIDEST:
            return "[^/]"
        inside = {chr(n) for low, high in ranges for n in range(ord(low), ord(high) + 1)}
        kept = sorted(c for c in inside if _variants(c) <= inside)
        return "(?-i:[^/" + "".join(_char(c) for c in kept) + "])"
    body = "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in ranges)
    if negated:
        return f"[^/{body}]"
    return f"(?!/)[{body}]" if body else _NEVER


def _wild(p: str, *, folded: bool) -> list[str] | None:
    """The wildcard part of a pattern (from its first special character) as regex
    pieces; None when git's wildmatch could never match it. A port of wildmatch.c with
    WM_PATHNAME, where `p` starts where git's `pattern` does after the literal head."""
    import re

    out: list[str] = []
    i = 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            if i + 1 == len(p):
                return None  # a trailing backslash matches nothing
            out.append(re.escape(p[i + 1]))
            i += 2
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "*":
            j = i
            while j < len(p) and p[j] == "*":
                j += 1
            after = p[j:]
            spans = (
                j - i >= 2
                and (i == 0 or p[i - 1] == "/")
                and (not after or after.startswith(("/", "\\/")))
            )
            if spans and after.startswith("/"):
                out.append(_DIRS)  # `**/`: no folder, or any folders
                j += 1
            else:
                out.append(_ANY if spans else "[^/]*")
            i = j
        elif c == "[":
            found, i = _class(p, i)
            if found is None:
                return None
            out.append(_render(*found, folded=folded))
        else:
            out.append(re.escape(c))
            i += 1
    return out


def _alternatives(pattern: str, *, folded: bool) -> tuple[list[str], list[str]]:
    """(regexes of the paths the pattern matches, regexes of the folders below which
    some path could match it), for one normal pattern. A regex that spells out a
    wildcard character literally (git's literal rule) is marked by a leading `*`: only a
    path holding one of those characters can match it, so it is tried only then."""
    import re

    literal = [re.escape(c) for c in pattern]

    def spelled(k: int) -> str:
        return "*" if any(c in _SPECIAL for c in pattern[:k]) else ""

    exact = spelled(len(pattern)) + "".join(literal) + "(?:/.*)?"
    full, folders = [exact], [exact]
    folders += [
        spelled(k) + "".join(literal[:k]) for k, t in enumerate(literal) if t == _SLASH and k
    ]
    head = len(_head(pattern))
    wild = _wild(pattern[head:], folded=folded) if head < len(pattern) else None
    if wild is not None:
        pieces = literal[:head] + wild
        full.append("".join(pieces))
        for k, piece in enumerate(pieces):
            if piece == _SLASH and k:
                folders.append("".join(pieces[:k]))
            elif piece in (_ANY, _DIRS):
                folders.append("".join(pieces[:k]) + ".*")
    return full, folders


def _compile(alternatives: list[str], *, folded: bool) -> re.Pattern[str]:
    import re

    flags = re.IGNORECASE if folded else 0
    return re.compile("(?:" + "|".join(alternatives) + r")\Z", flags | re.DOTALL)


def _as_bytes(text: str) -> str:
    """A path as its UTF-8 bytes, one character per byte (what git's matcher sees)."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


class Globs:
    """Compiled gated globs: `match(path)` and `contains(folder)`."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.patterns = patterns
        self.normal = tuple(normal(p) for p in patterns)
        self._ascii = all(p.isascii() for p in self.normal)
        # Each pattern's literal head (up to its first wildcard), lower-cased.
        self._heads = tuple(_head(p).lower() for p in self.normal)
        self._regexes: dict[tuple[bool, bool, bool], re.Pattern[str]] = {}

    def _regex(self, folded: bool, folder: bool, spelled: bool) -> re.Pattern[str]:
        """Paths (or `folder`s) matched ignoring case (`folded`) or exactly, by the
        regexes that spell out a wildcard character (`spelled`) or by the others."""
        key = (folded, folder, spelled)
        found = self._regexes.get(key)
        if found is None:
            alternatives: list[str] = []
            for pattern in self.normal:
                form = pattern if folded else _as_bytes(pattern)
                full, folders = _alternatives(form, folded=folded)
                for regex in folders if folder else full:
                    if regex.startswith("*") == spelled:
                        alternatives.append(regex.removeprefix("*"))
            found = self._regexes[key] = _compile(alternatives or [_NEVER], folded=folded)
        return found

    def _ruled_out(self, path: str, *, folder: bool) -> bool:
        """No glob can match `path` (or reach below `folder`): ASCII all through, and it
        does not start with a glob's literal head ignoring case (nor, for a folder, is
        it the start of one). Every regex of a pattern begins with its literal head,
        or, for a folder, is a piece of it."""
        if not (self._ascii and path.isascii()):
            return False
        low = path.lower()
        return not any(low.startswith(h) or (folder and h.startswith(low)) for h in self._heads)

    def _test(self, path: str, *, folder: bool, folded: bool = True) -> bool:
        if self._ruled_out(path, folder=folder):
            return False
        spells = any(c in path for c in _SPECIAL)
        for fold in (True, False) if folded else (False,):
            if fold is False and folded and path.isascii() and self._ascii:
                return False  # the case-insensitive match already covers the exact one
            text = path if fold else _as_bytes(path)
            if self._regex(fold, folder, False).match(text):
                return True
            if spells and self._regex(fold, folder, True).match(text):
                return True
        return False

    def match(self, path: str) -> bool:
        """Is the path gated: matched, as git matches, by a glob, ignoring case?"""
        return self._test(path, folder=False)

    def exact(self, path: str) -> bool:
        """Does a glob match the path exactly as `git ls-files ':(glob)GLOB'` would?"""
        return self._test(path, folder=False, folded=False)

    def contains(self, folder: str) -> bool:
        """Could a path below `folder/` be gated (ignoring case)?"""
        return self._test(folder, folder=True)

    def which(self, path: str, *, folder: bool = False) -> str | None:
        """The first glob (as configured) that gates the path, or a path below `folder`."""
        for pattern in self.patterns:
            one = compile_globs((pattern,))
            if one.contains(path) if folder else one.match(path):
                return pattern
        return None


_COMPILED: dict[tuple[str, ...], Globs] = {}


def compile_globs(patterns: tuple[str, ...]) -> Globs:
    """The patterns compiled, once per process (a run has one `gated` list, and `which`
    asks for each pattern alone)."""
    found = _COMPILED.get(patterns)
    if found is None:
        if len(_COMPILED) >= 64:
            _COMPILED.clear()
        found = _COMPILED[patterns] = Globs(patterns)
    return found


def matches(patterns: tuple[str, ...], path: str) -> bool:
    return compile_globs(patterns).match(path)
