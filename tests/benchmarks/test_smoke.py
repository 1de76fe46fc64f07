"""The benchmark, end to end at size small with few trials: every figure of the report.

Keeps the benchmark code from rotting; the full run (``make bench``) is not part of CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_FIGURES = {"records_written", "records_to_salesforce", "wall_s", "records_per_s",
                    "sf_calls", "sf_calls_per_1000", "sl_requests", "sl_requests_per_1000",
                    "hub_cpu_s", "peak_rss_mb", "bulk_jobs", "stages"}
BASELINE_FIGURES = {"records", "failed", "wall_s", "records_per_s", "sf_calls",
                    "sf_calls_per_1000", "sl_requests", "cpu_s", "peak_rss_mb"}


@pytest.mark.timeout(240)
def test_quick_run_reports_every_figure_and_target(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--trials", "4",
         "--naive-limit", "30", "--overlap", "2", "--out", str(tmp_path),
         "--notes", str(tmp_path / "none")],
        cwd=ROOT, capture_output=True, text=True, timeout=230)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "RESULTS.json").read_text())
    assert set(report["machine"]) == {"cpu", "cores", "ram_gb", "python", "os", "date"}
    assert list(report["sizes"]) == ["small"]
    small = report["sizes"]["small"]
    for scenario in ("initial_load", "incremental", "idle_poll"):
        assert set(small[scenario]) >= SCENARIO_FIGURES, scenario
        assert small[scenario]["peak_rss_mb"] > 0 and small[scenario]["hub_cpu_s"] > 0
    load = small["initial_load"]
    assert load["records_to_salesforce"] >= small["customers"] + small["items"]
    assert load["sf_calls"] > 0 and load["sl_requests"] > 0
    assert small["incremental"]["records_changed"] >= 3
    assert small["incremental"]["records_written"] >= small["incremental"]["records_changed"]
    assert small["idle_poll"]["records_written"] == 0
    assert small["idle_poll"]["max_calls_per_object_per_system"] <= 1
    first = small["idle_poll"]["first_poll_after_changes"]
    assert set(first["per_object"]) == set(small["idle_poll"]["per_object"])
    assert set(small["baselines"]) == {"bare collections", "bare bulk", "naive"}
    for baseline in small["baselines"].values():
        assert set(baseline) >= BASELINE_FIGURES and baseline["failed"] == 0
    assert small["baselines"]["naive"]["records"] == 30
    assert small["baselines"]["naive"]["sf_calls"] == 30  # one call per record
    assert small["baselines"]["bare collections"]["records"] == small["customers"]
    for name in ("bare collections", "bare bulk", "naive"):
        assert small["ratios"][name]["time_ratio"] > 0
    latency = small["sync_now_latency"]
    assert latency["trials"] == 4 and 0 < latency["median_s"] <= latency["p95_s"]
    verdicts = {(t["target"].split(":")[0], t["size"]): t["verdict"] for t in report["targets"]}
    assert len(verdicts) >= 5
    assert set(verdicts.values()) <= {"met", "missed", "not measured"}
    markdown = (tmp_path / "RESULTS.md").read_text()
    assert "## Size small" in markdown and "## Targets" in markdown
