"""The block `gate adopt` keeps a hand-written card's whole text in. Pure.

After the generated region, between `BEGIN` and `END`, the original text sits byte for
byte. Its ticked boxes are the old card's claims, listed by `gate adopt`, never
approvals: `masked` hides the block from the sign-off rule's checkbox scan, and `kept`
gives the original text back.
"""

from __future__ import annotations

import re

BEGIN = (
    "<!-- gate:adopted:begin (the hand-written card as it was before `gate adopt`, byte for "
    "byte: its ticks are not approvals; sign-off is in the front matter) -->"
)
END = "<!-- gate:adopted:end -->"
# The end marker when the original text has no newline at its end (one is added).
END_NO_NEWLINE = "<!-- gate:adopted:end (no newline at the end of the original) -->"
_BLOCK = re.compile(
    r"^<!-- gate:adopted:begin[^\n]*-->\n(?P<inner>.*?)^<!-- gate:adopted:end[^\n]*-->$",
    re.MULTILINE | re.DOTALL,
)


def block(original: str) -> str:
    """The original text between the markers, byte for byte (a newline is added before
    the end marker only when the original has none at its end, and the marker says so)."""
    if original.endswith("\n"):
        return f"{BEGIN}\n{original}{END}\n"
    return f"{BEGIN}\n{original}\n{END_NO_NEWLINE}\n"


def kept(text: str) -> str | None:
    """The original text `block` wrapped, from a card's text; None when there is none."""
    match = _BLOCK.search(text)
    if match is None:
        return None
    inner = match["inner"]
    end = text[match.end("inner") :].split("\n", 1)[0]
    return inner[:-1] if end == END_NO_NEWLINE else inner


def masked(body: str) -> str:
    """`body` with every complete adopted block blanked (its newlines kept, so the lines
    of the rest stay where they are). A begin marker without its end hides nothing."""
    if "<!-- gate:adopted:begin" not in body:
        return body
    return _BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), body)


def has_markers(text: str) -> bool:
    """Does `text` hold one of gate's marker comments (generated or adopted)?"""
    return "<!-- gate:" in text
