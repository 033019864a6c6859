"""`gate status` for finished cards: estimate vs actual and targets met, as text, as JSON
(valid against schemas/status.schema.json) and as a one-page HTML report that renders,
chart visible, in a real headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources

import jsonschema
import pytest
from test_finished import CARD, finished, run_manifest  # noqa: F401 - the fixture, imported
from test_run_kind import worldmodel  # noqa: F401 - the fixture `finished` builds on

from gate.report.status_html import ACTUAL, ESTIMATE

SMOKE = "worldmodel/experiments/mamba2-2k-smoke.yaml"
WALL_ESTIMATE, WALL_ACTUAL = 46_101.1, 3 * 2768.0 + 164.0


def _schema() -> dict:
    return json.loads(resources.files("gate.schemas").joinpath("status.schema.json").read_text())


@pytest.fixture
def two_cards(finished, gate):  # noqa: F811
    """The finished card and a second, unfinished one."""
    assert gate("generate", "--kind", "run", SMOKE, "--gpu", "A100").code == 0
    return finished


def test_status_shows_estimate_vs_actual_and_targets(two_cards, gate):
    result = gate("status", "--format", "json")
    assert result.code == 0, result
    document = json.loads(result.out)
    jsonschema.Draft202012Validator(_schema()).validate(document)
    rows = {r["card"]: r for r in document["cards"]}
    done = rows[CARD]["finished"]
    assert done["wall_s"] == {
        "estimate": WALL_ESTIMATE,
        "actual": WALL_ACTUAL,
        "ratio": round(WALL_ACTUAL / WALL_ESTIMATE, 4),
    }
    assert done["cost_usd"]["estimate"] == 25.26
    assert done["cost_usd"]["actual"] == round(WALL_ACTUAL / 3600 * 2.78, 2)
    assert [(t["metric"], t["met"]) for t in done["targets"]] == [
        ("val_change_acc", True),
        ("val_pos_mae", False),
        ("val_loss/total", False),
    ]
    assert rows[CARD]["approved"] == ["Scav", "Mattie", "ScavieFae"]  # at the launch digest
    assert rows["worldmodel/docs/run-cards/mamba2-2k-smoke.md"]["finished"] is None
    text = gate("status").out
    assert (
        "    finished 2026-11-25T08:00:00+00:00: wall time 12h 48m est, 2h 21m actual (0.18x); "
        "cost $25.26 est, $6.54 actual (0.26x); targets met 1 of 3"
    ) in text


def test_the_status_schema_refuses_a_wrong_row():
    validator = jsonschema.Draft202012Validator(_schema())
    row = {"card": "c.md", "run": "", "kind": "run", "status": "?", "scale": "", "problem": ""}
    row |= {key: [] for key in ("approved", "unverified", "stale", "blocked", "missing")}
    row |= dict.fromkeys(("games", "gpu", "epochs", "batch_size", "finished"), None)
    assert validator.is_valid({"cards": [row]})
    assert not validator.is_valid({"cards": [{**row, "finished": {"date": "x"}}]})


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed: under CI the HTML report must be rendered")
    pytest.skip("chromium is not installed (Debian: apt-get install chromium; .ci/run does)")


def test_the_html_report_renders_in_headless_chromium(two_cards, gate, tmp_path):
    result = gate("status", "--format", "html")
    assert result.code == 0, result
    html = result.out
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html  # nothing fetched: no font, stylesheet or script
    assert html.count("<rect ") == 2  # the finished run's estimate and actual bars
    page = tmp_path / "status.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "status.png"
    done = subprocess.run(
        [
            _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no network
            "--window-size=1000,900", f"--screenshot={shot}", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 10  # not blank: text, table, chart
    counted = {rgb: n for n, rgb in colours}

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]

    # the chart's bars are on screen, the estimate's longer than the actual's (0.18x)
    estimate, actual = counted.get(rgb(ESTIMATE), 0), counted.get(rgb(ACTUAL), 0)
    assert estimate > 5_000, estimate
    assert 500 < actual < estimate, (actual, estimate)
    ratio = (actual - 144) / (estimate - 144)  # each legend swatch is 12 x 12
    assert ratio == pytest.approx(WALL_ACTUAL / WALL_ESTIMATE, abs=0.03)
