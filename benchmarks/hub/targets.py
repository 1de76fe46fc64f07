"""The issue's targets, each judged met or missed from the measured figures (never loosened)."""

from __future__ import annotations

from typing import Any

COLLECTIONS_PER_1000 = 5.5
CALLS_PER_BULK_JOB = 12
IDLE_PER_OBJECT = 2
VS_BARE = 1.5
VS_NAIVE = 20
RSS_LARGE_MB = 300
RSS_GROWTH = 1.3
LATENCY_MEDIAN = 1.0
LATENCY_P95 = 2.0


def _row(target: str, size: str, figure: str, met: bool | None) -> dict[str, Any]:
    verdict = "not measured" if met is None else ("met" if met else "missed")
    return {"target": target, "size": size, "figure": figure, "verdict": verdict}


def api_calls(size: str, load: dict[str, Any]) -> dict[str, Any]:
    """Collections: calls per 1,000 records written; Bulk: calls per job, the calls
    outside the jobs still held to the Collections rate."""
    to_sf = load["records_to_salesforce"] or 1
    per_1000 = load["sf_calls"] * 1000 / to_sf
    figure = f"{per_1000:.2f} calls / 1,000 records"
    met = per_1000 <= COLLECTIONS_PER_1000
    if load["bulk_jobs"]:
        per_job = load["bulk_calls"] / load["bulk_jobs"]
        rest = (load["sf_calls"] - load["bulk_calls"]) * 1000 / to_sf
        figure += f"; {load['bulk_jobs']} Bulk job(s), {per_job:.1f} calls/job, " \
                  f"{rest:.2f} other calls / 1,000"
        met = met or (per_job <= CALLS_PER_BULK_JOB and rest <= COLLECTIONS_PER_1000)
    return _row(f"initial load: <= {COLLECTIONS_PER_1000} SF calls / 1,000 records "
                f"(Collections) or <= {CALLS_PER_BULK_JOB} / Bulk job", size, figure, met)


IDLE_CPU_NOISE = 1.25
"""Run-to-run noise allowed on the idle poll's CPU seconds (a child process start included)."""


def evaluate(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    idle_worst: dict[str, int] = {}
    for size, r in results.items():
        rows.append(api_calls(size, r["initial_load"]))
        worst = r["idle_poll"]["max_calls_per_object_per_system"]
        idle_worst[size] = worst
        rows.append(_row(f"idle poll: <= {IDLE_PER_OBJECT} calls per object per system",
                         size, f"max {worst} (SF {r['idle_poll']['sf_calls']}, SL "
                         f"{r['idle_poll']['sl_requests']} in all)", worst <= IDLE_PER_OBJECT))
        ratio = r["ratios"]
        if ratio:
            bare = ratio["bare collections"]["time_ratio"]
            bulk = ratio["bare bulk"]["time_ratio"]
            rows.append(_row(f"initial load within {VS_BARE}x of bare minimum", size,
                             f"{bare:.2f}x Collections baseline, {bulk:.2f}x Bulk baseline",
                             max(bare, bulk) <= VS_BARE))
            naive = ratio["naive"]["time_ratio"]
            rows.append(_row(f">= {VS_NAIVE}x faster than naive", size,
                             f"{1 / naive:.1f}x faster", 1 / naive >= VS_NAIVE))
        lat = r["sync_now_latency"]
        rows.append(_row(f"Sync Now median <= {LATENCY_MEDIAN} s, p95 <= {LATENCY_P95} s",
                         size, f"median {lat['median_s']} s, p95 {lat['p95_s']} s over "
                         f"{lat['trials']}", lat["median_s"] <= LATENCY_MEDIAN
                         and lat["p95_s"] <= LATENCY_P95))
    if len(results) > 1:
        cpu = {size: r["idle_poll"]["hub_cpu_s"] for size, r in results.items()}
        rows.append(_row(
            "idle poll independent of size (calls equal; hub CPU within "
            f"{IDLE_CPU_NOISE}x)", ", ".join(results),
            f"max calls per object {idle_worst}, hub CPU s {cpu}",
            len(set(idle_worst.values())) == 1
            and max(cpu.values()) <= IDLE_CPU_NOISE * min(cpu.values())))
    large = results.get("large", {}).get("initial_load", {}).get("peak_rss_mb")
    medium = results.get("medium", {}).get("initial_load", {}).get("peak_rss_mb")
    rows.append(_row(f"peak RSS at large <= {RSS_LARGE_MB} MB and <= {RSS_GROWTH}x medium",
                     "large", f"{large} MB (medium {medium} MB)" if large else "large not run",
                     None if not large or not medium
                     else large <= RSS_LARGE_MB and large <= RSS_GROWTH * medium))
    return rows
