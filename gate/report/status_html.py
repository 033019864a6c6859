"""`gate status --format html`: one self-contained page a team links from its wiki: the
cards table and an estimate-vs-actual chart of the finished runs' wall time, as static
inline SVG (no script, no stylesheet or font fetched, nothing from the network)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from gate.kinds.cloud import duration, usd
from gate.report.status_table import result_line

if TYPE_CHECKING:
    from gate.report.status_table import Row

ESTIMATE, ACTUAL = "#2563eb", "#ea580c"  # the chart's bar colours (blue, orange)
WIDTH, LABEL, BAR, GAP = 880, 240, 16, 14  # chart geometry, in pixels
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 960px;
       color: #111827; background: #ffffff; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 6px 8px; text-align: left;
         vertical-align: top; }
th { background: #f3f4f6; }
.met { color: #15803d; } .missed { color: #b91c1c; font-weight: 600; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px;
               vertical-align: middle; }
small { color: #6b7280; }
"""


def _approvals(row: Row) -> str:
    named = (
        ("ok", row["approved"]),
        ("unverified", row["unverified"]),
        ("stale", row["stale"]),
        ("blocked", row["blocked"]),
        ("missing", row["missing"]),
    )
    return "; ".join(f"{label}: {', '.join(names)}" for label, names in named if names) or "-"


def _result(row: Row) -> str:
    done = row["finished"]
    if done is None:
        return "<small>not finished</small>"
    targets = "".join(
        f'<br><span class="{"met" if t["met"] else "missed" if t["met"] is False else ""}">'
        f"{escape(t['metric'])} {escape(t['target'])}: "
        f"{'met' if t['met'] else 'MISSED' if t['met'] is False else '?'}</span>"
        for t in done["targets"]
    )
    return escape(result_line(done)) + targets


def _table(rows: list[Row]) -> str:
    head = "".join(
        f"<th>{h}</th>" for h in ("Card", "Kind", "Status", "Scale", "Approvals", "Result")
    )
    body = "".join(
        "<tr>"
        f"<td><code>{escape(r['card'])}</code></td><td>{escape(r['kind'])}</td>"
        f"<td>{escape(r['status'])}</td><td>{escape(r['scale'] or r['problem'])}</td>"
        f"<td>{escape(_approvals(r))}</td><td>{_result(r)}</td>"
        "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def chart(rows: list[Row]) -> str:
    """Horizontal bars, estimate above actual, of each finished run's wall time."""
    done = [
        (r["run"] or r["card"], r["finished"]["wall_s"])
        for r in rows
        if r["finished"] is not None
        and r["finished"]["wall_s"]["estimate"] is not None
        and r["finished"]["wall_s"]["actual"] is not None
    ]
    if not done:
        return (
            "<p>No finished run yet: record one with "
            "<code>gate results CARD --from SOURCE</code>.</p>"
        )
    top = max(max(c["estimate"] or 0, c["actual"] or 0) for _, c in done) or 1.0
    span = WIDTH - LABEL - 130
    step = 2 * BAR + GAP
    height = len(done) * step + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title">',
        '<title id="chart-title">Wall time: estimate vs actual, per finished run</title>',
    ]
    for number, (run, c) in enumerate(done):
        y = 5 + number * step
        ratio = "" if c["ratio"] is None else f" ({c['ratio']:.2f}x)"
        parts.append(
            f'<text x="0" y="{y + BAR + 4}" font-size="13" fill="#111827">{escape(run)}</text>'
        )
        for offset, (value, colour, what) in enumerate(
            ((c["estimate"] or 0.0, ESTIMATE, "estimate"), (c["actual"] or 0.0, ACTUAL, "actual"))
        ):
            bar_y = y + offset * BAR
            width = max(1.0, value / top * span)
            label = f"{duration(value)}{ratio if offset else ''}"
            parts.append(
                f'<rect x="{LABEL}" y="{bar_y}" width="{width:.1f}" height="{BAR - 2}" '
                f'fill="{colour}"><title>{escape(run)} {what}: {label}</title></rect>'
                f'<text x="{LABEL + width + 6:.1f}" y="{bar_y + BAR - 4}" font-size="12" '
                f'fill="#374151">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def page(rows: list[Row], cards_dir: str) -> str:
    finished = [r for r in rows if r["finished"] is not None]
    spent = 0.0
    for r in finished:
        cost = r["finished"]["cost_usd"]["actual"] if r["finished"] is not None else None
        spent += cost or 0.0
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gate status: {escape(cards_dir)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Run cards in <code>{escape(cards_dir)}/</code></h1>
<p>{len(rows)} card(s), {len(finished)} finished{f", {usd(spent)} spent" if finished else ""}.
<small>Written by <code>gate status --format html</code>.</small></p>
<h2>Estimate vs actual: wall time</h2>
<p class="legend"><span style="background:{ESTIMATE}"></span>estimate (the card)
<span style="background:{ACTUAL}"></span>actual (its results)</p>
{chart(rows)}
<h2>Cards</h2>
{_table(rows)}
</body>
</html>
"""
