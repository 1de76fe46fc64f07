"""Baselines measured like the hub (child process, counters) and the hub's ratios to them."""

from __future__ import annotations

from typing import Any

from benchmarks.hub.measure import python_module, run_child
from benchmarks.hub.scenarios import per_1000
from benchmarks.hub.world import World

MODULE = "benchmarks.hub.baselines"


def baseline(world: World, name: str, *args: str) -> dict[str, Any]:
    """Run one baseline on the seeded org, then put the org back as it was seeded."""
    world.reset_counters()
    child = run_child(python_module(MODULE, *args, "--sandbox", str(world.file)))
    calls = world.calls()
    world.reset_salesforce()
    records = int(child.output["records"])
    return {
        "name": name,
        "records": records,
        "failed": int(child.output["failed"]),
        "wall_s": round(child.seconds, 2),
        "records_per_s": round(records / child.seconds, 1),
        "sf_calls": calls.salesforce,
        "sf_calls_per_1000": per_1000(calls.salesforce, records),
        "sl_requests": calls.service_layer,
        "cpu_s": round(child.cpu_seconds, 2),
        "peak_rss_mb": round(child.peak_rss_mb, 1),
    }


def baselines(world: World, naive_limit: int) -> dict[str, dict[str, Any]]:
    return {
        "bare collections": baseline(world, "bare collections", "bare", "--via",
                                     "collections"),
        "bare bulk": baseline(world, "bare bulk", "bare", "--via", "bulk"),
        "naive": baseline(world, "naive", "naive", "--limit", str(naive_limit)),
    }


def ratios(initial: dict[str, Any], base: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """b1hub over each baseline, per record: seconds and Salesforce calls.

    b1hub's side is its account stage (``init account``: every customer to an Account,
    matching and write-back included), the same records the baselines send.
    """
    stage = initial["stages"]["init account"]
    records = stage["written"]
    if not records:
        return {}
    hub_s, hub_calls = stage["wall_s"] / records, stage["sf_calls"] / records
    out: dict[str, Any] = {"b1hub_account_records": records,
                           "b1hub_ms_per_record": round(hub_s * 1000, 3)}
    for name, b in base.items():
        b_s, b_calls = b["wall_s"] / b["records"], b["sf_calls"] / b["records"]
        out[name] = {"time_ratio": round(hub_s / b_s, 2),
                     "calls_ratio": round(hub_calls / b_calls, 3) if b_calls else None,
                     "ms_per_record": round(b_s * 1000, 3)}
    return out
