"""`gate generate` on a dataset whose meta.json has 100,000 entries, without wandb.

    python bench/bench_generate.py [--reps 10]

A copy of examples/melee whose data/parsed-v2/meta.json is replaced by 100,000
entries in the parsed dataset's shape (players as objects, as the parser writes them),
of which 2,000 are the world model's training games. gate generate reads it, the
manifest, the config and the local checkpoint manifests, and writes the card
(`--force`, so every run writes). Baseline: `python -c pass` on the same interpreter.

Target (issue: gate generate): under 1 s (median), wandb not queried.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import common

TARGET_S = 1.0
ENTRIES = 100_000
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "melee"


def build(work: Path) -> common.Repo:
    repo = common.Repo(work / "melee", work / "home")
    shutil.copytree(EXAMPLE, repo.root)
    (work / "home").mkdir(exist_ok=True)
    manifest = json.loads(
        (repo.root / "worldmodel/checkpoints/wm-mamba2-2k/manifest.json").read_text(
            encoding="utf-8"
        )
    )
    training = set(manifest["game_md5s"])
    entries = [
        {
            "slp_md5": md5,
            "is_training": True,
            "num_frames": 9400,
            "stage": 31,
            "players": [{"port": 1, "character": 2}, {"port": 2, "character": 20}],
            "compression": "zlib",
        }
        for md5 in sorted(training)
    ]
    for i in range(ENTRIES - len(entries)):
        entries.append(
            {
                "slp_md5": f"{i:032x}",
                "is_training": False,
                "num_frames": 9400,
                "stage": 8,
                "players": [{"port": 1, "character": 9}, {"port": 2, "character": 1}],
                "compression": "zlib",
            }
        )
    (repo.root / "data/parsed-v2/meta.json").write_text(json.dumps(entries), encoding="utf-8")
    repo.git("init", "-q", "-b", "main")
    repo.commit("workspace")
    return repo


def run(args: Any) -> dict[str, Any]:
    venv = common.bench_venv(
        args.venv, reinstall=not args.no_reinstall, source=getattr(args, "source", None)
    )
    gate, python = venv / "bin" / "gate", venv / "bin" / "python"
    work = common.make_workdir("generate")
    try:
        repo = build(work)
        env = repo.env()
        argv = [
            str(gate),
            "generate",
            "--run-name",
            "policy-match",
            "--games",
            "match",
            "--player",
            "both",
            "worldmodel/experiments/policy-match.yaml",
            "--world-model",
            "worldmodel/checkpoints/wm-mamba2-2k",
            "--dataset",
            "data/parsed-v2",
            "--no-wandb",
            "--force",
        ]
        cases = [
            common.Case("python -c pass", [str(python), "-c", "pass"], repo.root, env),
            common.Case(f"gate generate ({ENTRIES:,} meta.json entries)", argv, repo.root, env),
        ]
        out = cases[1].check()
        if "Card written to" not in out:
            raise SystemExit(f"bench: gate generate wrote no card:\n{out}")
        times = common.timed(cases, args.reps, warmup=1)
    finally:
        if not args.keep:
            common.remove(work)
    name = cases[1].name
    median_s = times[name]["median_ms"] / 1000
    holds = median_s < TARGET_S
    print(
        f"\n== gate generate, {ENTRIES:,}-entry meta.json (Python "
        f"{common.python_version(python)}) =="
    )
    print(common.table(common.timing_rows(times), common.TIMING_HEADER))
    print(f"\ntarget: under {TARGET_S:.0f} s (median): {median_s:.2f} s, {common.verdict(holds)}")
    return {
        "machine": common.machine(venv),
        "target": f"< {TARGET_S} s",
        "times": times,
        "median_s": median_s,
        "best_s": times[name]["min_ms"] / 1000,
        "holds": holds,
    }


def main() -> int:
    args = common.main_args(__doc__ or "", default_reps=10)
    common.save("generate", run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
