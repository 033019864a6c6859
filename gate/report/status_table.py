"""`gate status` rows and their text table (the HTML page is `status_html`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from gate.kinds.cloud import duration, usd

if TYPE_CHECKING:
    from gate.kinds.scorecard import Compared, Finished


class Row(TypedDict):
    card: str
    run: str
    kind: str
    status: str
    scale: str
    approved: list[str]
    unverified: list[str]
    stale: list[str]
    blocked: list[str]
    missing: list[str]
    problem: str
    # from the card's data, through its kind (`Kind.summary`); None when it does not say
    games: int | None
    gpu: str | None
    epochs: int | None
    batch_size: int | None
    # a finished card: estimate vs actual (time, cost, speed) and targets met; else None
    finished: Finished | None


def _pair(c: Compared, *, money: bool = False) -> str:
    def fmt(v: float | None) -> str:
        if v is None:
            return "?"
        return usd(v) if money else duration(v)

    ratio = "" if c["ratio"] is None else f" ({c['ratio']:.2f}x)"
    return f"{fmt(c['estimate'])} est, {fmt(c['actual'])} actual{ratio}"


def result_line(done: Finished) -> str:
    """One finished card's estimate vs actual and targets met."""
    targets = done["targets"]
    met = sum(1 for t in targets if t["met"])
    return (
        f"finished {done['date']}: wall time {_pair(done['wall_s'])}; cost "
        f"{_pair(done['cost_usd'], money=True)}; targets met {met} of {len(targets)}"
    )


def text(rows: list[Row]) -> str:
    """The table `gate status` prints: a row per card, then each finished one's result."""
    header = ("CARD", "KIND", "STATUS", "SCALE", "APPROVALS")
    table = [header]
    for r in rows:
        parts = [
            f"ok: {', '.join(r['approved'])}" if r["approved"] else "",
            f"unverified: {', '.join(r['unverified'])}" if r["unverified"] else "",
            f"stale: {', '.join(r['stale'])}" if r["stale"] else "",
            f"blocked: {', '.join(r['blocked'])}" if r["blocked"] else "",
            f"missing: {', '.join(r['missing'])}" if r["missing"] else "",
        ]
        approvals = "; ".join(p for p in parts if p) or "-"
        table.append((r["card"], r["kind"], r["status"], r["scale"] or r["problem"], approvals))
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    lines = []
    for number, line in enumerate(table):
        cells = zip(line[:-1], widths, strict=True)
        lines.append("  ".join(cell.ljust(w) for cell, w in cells) + "  " + line[-1])
        done = rows[number - 1]["finished"] if number else None
        if done is not None:
            lines.append(f"    {result_line(done)}")
    return "\n".join(lines)
