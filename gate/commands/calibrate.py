"""`gate calibrate`: the measured speeds `gate generate` would use, per GPU, model and
batch size, with the runs each comes from (finished cards, then manifests)."""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    from gate.commands.common import repo_and_config
    from gate.kinds import calibration, gpus
    from gate.kinds.calibration_sources import gather

    repo, config = repo_and_config(args)
    table = gpus.gpu_table(config.gpus, source=config.source)
    samples = gather(repo.root, config, table)
    rows = calibration.table(samples)
    if args.format == "json":
        json.dump(
            {
                "speeds": [row._asdict() for row in rows],
                "runs": [sample._asdict() for sample in samples],
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(
            "no finished runs to calibrate from: every estimate uses the seed's constants "
            "(record a run's results with `gate results CARD --from SOURCE`)"
        )
        return 0
    header = ("GPU", "MODEL", "PARAMS", "BATCH", "RUNS", "S/BATCH", "RANGE", "FROM")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.gpu,
                row.architecture or "?",
                f"{row.parameters:,}" if row.parameters is not None else "?",
                str(row.batch_size),
                str(len(row.runs)),
                f"{row.seconds:g}",
                f"{row.low:g}-{row.high:g}",
                ", ".join(row.runs),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        print(
            "  ".join(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)) + "  " + line[-1]
        )
    loads = sorted({s.gpu for s in samples if s.load_s_per_gb is not None})
    for gpu in loads:
        rate = calibration.load_rate(samples, gpu=gpu)
        if rate is not None:
            print(f"data load on {gpu}: {rate.s_per_gb:g} s per GB ({rate.basis})")
    return 0
