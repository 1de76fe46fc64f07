"""The report: Markdown tables (printed and written to RESULTS.md) and the same as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCENARIO_COLUMNS = [
    ("records", "records_written"), ("wall s", "wall_s"), ("records/s", "records_per_s"),
    ("SF calls", "sf_calls"), ("SF calls / 1,000", "sf_calls_per_1000"),
    ("SL requests", "sl_requests"), ("SL req / 1,000", "sl_requests_per_1000"),
    ("hub CPU s", "hub_cpu_s"), ("peak RSS MB", "peak_rss_mb"),
]
BASELINE_COLUMNS = [
    ("records", "records"), ("wall s", "wall_s"), ("records/s", "records_per_s"),
    ("SF calls", "sf_calls"), ("SF calls / 1,000", "sf_calls_per_1000"),
    ("SL requests", "sl_requests"), ("CPU s", "cpu_s"), ("peak RSS MB", "peak_rss_mb"),
]
SCENARIOS = [("initial load", "initial_load"), ("incremental (1 %)", "incremental"),
             ("idle poll", "idle_poll")]
NOTE = ("Sandboxes on loopback (HTTPS), seed 42, both in one process beside the hub on "
        "the same cores. Salesforce calls are the org's API usage counter (the OAuth token "
        "endpoint is not billed); Service Layer requests exclude Login/Logout. Hub figures "
        "come from the hub's work run in child processes (`benchmarks.hub.hubrun`: CPU from "
        "`wait4`, interpreter start included; peak RSS is the child's own high-water mark, "
        "`VmHWM`); the scenarios cover the master-data objects (accounts, products, and "
        "contacts/leads when registered).")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |"
              for row in rows]
    return lines


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    out = ["# b1hub benchmark results", "",
           f"Run {m['date']} on {m['cpu']} ({m['cores']} cores), {m['ram_gb']} GB RAM, "
           f"Python {m['python']}, {m['os']}.", "", NOTE, "",
           f"Command: `{report['command']}`", ""]
    for size, r in report["sizes"].items():
        out += [f"## Size {size}", "",
                f"Sandbox started in {r['sandbox_start_s']} s; "
                f"{r['customers']} customers and {r['items']} items marked.", ""]
        out += _table(["scenario", *(c for c, _ in SCENARIO_COLUMNS)],
                      [[label, *(r[key].get(k) for _, k in SCENARIO_COLUMNS)]
                       for label, key in SCENARIOS])
        out += ["", "Initial load stages: " + "; ".join(
            f"{name} {s['wall_s']} s, {s['written']} written, {s['sf_calls']} SF calls, "
            f"{s['sl_requests']} SL requests"
            for name, s in r["initial_load"]["stages"].items()),
            "", f"Incremental: {r['incremental']['records_changed']} records changed "
            f"({r['incremental']['changed']}); written by object: "
            f"{r['incremental']['by_object']}.",
            f"Idle poll per object (billable calls from the run log): "
            f"{r['idle_poll']['per_object']}."]
        first = r["idle_poll"].get("first_poll_after_changes")
        if first:
            out.append(f"The first poll after the incremental sync, which re-reads the changes "
                       f"of its last `sync_overlap_seconds` (they could commit late): "
                       f"{first['wall_s']} s, {first['sf_calls']} SF calls, "
                       f"{first['sl_requests']} SL requests; per object "
                       f"{first['per_object']}.")
        out.append("")
        out += ["Baselines (same sandboxes, same data, the seeded org each time):", ""]
        out += _table(["baseline", *(c for c, _ in BASELINE_COLUMNS)],
                      [[b["name"], *(b.get(k) for _, k in BASELINE_COLUMNS)]
                       for b in r["baselines"].values()])
        ratio = r["ratios"]
        if ratio:
            out += ["", f"b1hub's account stage: {ratio['b1hub_account_records']} accounts, "
                    f"{ratio['b1hub_ms_per_record']} ms per record. Ratios per record "
                    "(b1hub / baseline):", ""]
            out += _table(["baseline", "time ratio", "SF calls ratio", "baseline ms/record"],
                          [[name, v["time_ratio"], v["calls_ratio"], v["ms_per_record"]]
                           for name, v in ratio.items() if isinstance(v, dict)])
        lat = r["sync_now_latency"]
        out += ["", f"Sync Now latency (embedded runner, {lat['trials']} trials): median "
                f"{lat['median_s']} s, p95 {lat['p95_s']} s, max {lat['max_s']} s; "
                f"by direction {lat['by_direction']}.", ""]
    out += ["## Targets", ""]
    out += _table(["target", "size", "measured", "verdict"],
                  [[t["target"], t["size"], t["figure"], t["verdict"]]
                   for t in report["targets"]])
    if report.get("notes"):
        out += ["", "## Findings", "", *report["notes"]]
    return "\n".join(out) + "\n"


def write(report: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    md, js = directory / "RESULTS.md", directory / "RESULTS.json"
    md.write_text(markdown(report))
    js.write_text(json.dumps(report, indent=2) + "\n")
    return md, js
