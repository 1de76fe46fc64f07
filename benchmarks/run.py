"""Benchmarks of the hub against the sandboxes: initial load, incremental, idle poll,
baselines and Sync Now latency per size; writes RESULTS.md and RESULTS.json.

    .venv/bin/python -m benchmarks.run [--sizes small,medium,large] [--quick]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from b1hub.sandbox.process import SandboxProcess
from benchmarks.hub import report, targets
from benchmarks.hub.compare import baselines, ratios
from benchmarks.hub.latency import sync_now_latency
from benchmarks.hub.measure import machine
from benchmarks.hub.scenarios import idle, incremental, initial_load
from benchmarks.hub.world import World
from benchmarks.initial_load import prepare

SIZES = ("small", "medium", "large")
HERE = Path(__file__).resolve().parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_size(
    size: str, seed: int, trials: int, naive_limit: int, overlap: int | None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"b1hub-bench-{size}-") as tmp, \
            SandboxProcess(Path(tmp) / "sandbox", seed=seed, size=size) as proc:
        log(f"[{size}] sandbox started in {proc.startup_seconds:.1f} s")
        world = World(proc, Path(tmp) / "home")
        try:
            base = baselines(world, naive_limit)
            log(f"[{size}] baselines: {json.dumps(base)}")
            customers, items = prepare(world.hub, world.file)
            if overlap is not None:
                with world.hub.repos() as repos:
                    repos.settings.set("sync_overlap_seconds", overlap)
            load = initial_load(world).figures()
            log(f"[{size}] initial load: {json.dumps(load)}")
            inc = incremental(world).figures()
            log(f"[{size}] incremental: {json.dumps(inc)}")
            quiet = idle(world).figures()
            log(f"[{size}] idle poll: {json.dumps(quiet)}")
            latency = sync_now_latency(world, trials)
            log(f"[{size}] Sync Now latency: {json.dumps(latency)}")
        finally:
            world.close()
        return {"sandbox_start_s": round(proc.startup_seconds, 1),
                "customers": customers, "items": items,
                "initial_load": load, "incremental": inc, "idle_poll": quiet,
                "baselines": base, "ratios": ratios(load, base),
                "sync_now_latency": latency}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES),
                        help="comma-separated: small,medium,large (default all three)")
    parser.add_argument("--quick", action="store_true", help="size small only")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--trials", type=int, default=50, help="Sync Now latency trials")
    parser.add_argument("--naive-limit", type=int, default=5000,
                        help="records the naive baseline upserts one call each")
    parser.add_argument("--overlap", type=int, default=None,
                        help="the hub's read overlap in seconds (default: the hub's, 60); "
                        "incremental and idle scenarios wait it out first")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="where RESULTS.md and RESULTS.json go")
    parser.add_argument("--notes", type=Path, default=HERE / "findings.md",
                        help="Markdown appended to RESULTS.md as findings (if it exists)")
    args = parser.parse_args(argv)
    sizes = ["small"] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown size(s): {', '.join(sorted(unknown))}")
    results = {size: run_size(size, args.seed, args.trials, args.naive_limit, args.overlap)
               for size in SIZES if size in sizes}
    notes = args.notes.read_text().splitlines() if args.notes.exists() else []
    full = {"command": "python -m benchmarks.run " + shlex.join(argv or sys.argv[1:]),
            "machine": machine(), "sizes": results, "targets": targets.evaluate(results),
            "notes": notes}
    md, js = report.write(full, args.out)
    print(report.markdown(full))
    print(json.dumps(full, indent=2))
    log(f"wrote {md} and {js}")
    return full


if __name__ == "__main__":
    main()
