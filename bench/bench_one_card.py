"""One card, fully checked, vs check-jsonschema validating that card's data alone.

    python bench/bench_one_card.py [--reps 30]

The repository holds one config and one card, signed the real way: the author commits
both, then Scav and Mattie each run `gate sign --key THEIR_KEY` (an SSH signature made
by ssh-keygen) and commit. The check verifies both signatures against the keys in
`[tool.gate.reviewers]`. The change
being checked edits the card's free prose (not covered by the digest), so every rule
runs on the card and it passes. gate is timed in every scope: as the pre-commit hook
runs it (staged), with the card named as pre-commit passes files, as CI checks a pull
request (`--base B`, B a branch at the commit before config and card, so the range is
the three commits that add and sign them) and as `--all`; the baseline is
`check-jsonschema --schemafile schemas/policy.schema.json` on the card's front-matter
data extracted to a JSON file (and, for reference, to a YAML file).

Target (issue 14, acceptance 4; DESIGN): gate takes at most 0.4x check-jsonschema's
time in every scope (median).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import common

TARGET = 0.4
BASE = "before-card"  # the branch --base names: main before config and card
NAME = "policy-a"


def build(work: Path, gate: Path) -> tuple[common.Repo, str, bool]:
    """The one-card repository, signed through `gate sign`; True when the card's bytes
    equal what the programmatic builder of bench_all writes (a check on that builder)."""
    repo = common.new_repo(work, "one-card")
    repo.git("branch", BASE)
    config = f"{common.EXPERIMENTS}/{NAME}.yaml"
    card = f"{common.CARDS}/{NAME}.md"
    data = common.card_data(NAME)
    repo.write(config, common.CONFIG)
    repo.write(card, common.card_text(data))
    repo.commit("policy-a: config and card")
    for reviewer in common.REVIEWERS:
        common.Case(
            f"sign {reviewer[0]}",
            [
                str(gate),
                "sign",
                card,
                "--reviewer",
                reviewer[0],
                "--date",
                common.DATE,
                "--key",
                str(common.signing_key(reviewer[0])),
            ],
            repo.root,
            repo.env(reviewer),
        ).check()
        repo.commit(f"approved by {reviewer[0]}", reviewer)
    built = common.signed_stages(card, data, [(config, common.CONFIG.encode())])[-1]
    same = (repo.root / card).read_text(encoding="utf-8") == built
    return repo, card, same


def stage_prose_edit(repo: common.Repo, card: str) -> None:
    """The change: a note in the card's free prose, staged (the digest does not cover it),
    so the staged check evaluates the card with every rule and it passes."""
    with (repo.root / card).open("a", encoding="utf-8") as fh:
        fh.write("\nA reviewer's note.\n")
    repo.git("add", card)


def extract(repo: common.Repo, card: str, out: Path) -> tuple[Path, Path]:
    """The card's front-matter data alone, as JSON and as YAML."""
    from gate.card import document

    parsed = document.parse(card, (repo.root / card).read_bytes())
    as_json = out / f"{NAME}.data.json"
    as_json.write_text(json.dumps(parsed.data, indent=2) + "\n", encoding="utf-8")
    as_yaml = out / f"{NAME}.data.yaml"
    as_yaml.write_text(document.front_text(parsed), encoding="utf-8")
    return as_json, as_yaml


def run(args: Any) -> dict[str, Any]:
    source = getattr(args, "source", None) or common.REPO
    venv = common.bench_venv(args.venv, reinstall=not args.no_reinstall, source=source)
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    cjs = venv / "bin" / "check-jsonschema"
    work = common.make_workdir("one-card")
    try:
        repo, card, same = build(work, gate)
        stage_prose_edit(repo, card)
        as_json, as_yaml = extract(repo, card, work)
        env = repo.env()
        schema = str(source / "schemas" / "policy.schema.json")
        cases = [
            common.Case("python -c pass", [str(python), "-c", "pass"], repo.root, env),
            common.Case("gate check (staged card)", [str(gate), "check"], repo.root, env),
            common.Case("gate check CARD (files)", [str(gate), "check", card], repo.root, env),
            common.Case(
                f"gate check --base {BASE} (1 card)",
                [str(gate), "check", "--base", BASE],
                repo.root,
                env,
            ),
            common.Case("gate check --all (1 card)", [str(gate), "check", "--all"], repo.root, env),
            common.Case(
                "check-jsonschema card.json",
                [str(cjs), "--schemafile", schema, str(as_json)],
                repo.root,
                env,
            ),
            common.Case(
                "check-jsonschema card.yaml",
                [str(cjs), "--schemafile", schema, str(as_yaml)],
                repo.root,
                env,
            ),
        ]
        for case in cases[1:5]:
            out = case.check()
            if "1 card" not in out:
                raise SystemExit(f"bench: {case.name} did not evaluate the card:\n{out}")
        times = common.timed(cases, args.reps)
    finally:
        if not args.keep:
            common.remove(work)
    baseline = times["check-jsonschema card.json"]
    gates = [n for n in times if n.startswith("gate")]
    ratios = {n: common.ratio(times[n], baseline) for n in gates}
    ratios_yaml = {n: common.ratio(times[n], times["check-jsonschema card.yaml"]) for n in gates}
    holds = all(r["median"] <= TARGET for r in ratios.values())
    print(f"\n== one card, fully checked (Python {common.python_version(python)}) ==")
    print(common.table(common.timing_rows(times), common.TIMING_HEADER))
    print()
    print(
        common.table(
            [[n, ratios[n]["median"], ratios[n]["min"], ratios_yaml[n]["median"]] for n in gates],
            ("gate / check-jsonschema", "x json (median)", "x json (min)", "x yaml (median)"),
        )
    )
    print(
        f"\ntarget: gate <= {TARGET}x check-jsonschema (json instance, median): "
        f"{common.verdict(holds)}"
    )
    print(f"programmatic card builder == `gate sign` output: {same}")
    return {
        "machine": common.machine(venv),
        "target": f"gate <= {TARGET}x check-jsonschema on the card's data (median)",
        "times": times,
        "ratios_vs_json": ratios,
        "ratios_vs_yaml": ratios_yaml,
        "holds": holds,
        "builder_matches_gate_sign": same,
    }


def main() -> int:
    args = common.main_args(__doc__.splitlines()[0], default_reps=30)
    common.save("one_card", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
