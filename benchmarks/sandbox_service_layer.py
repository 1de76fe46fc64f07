"""Service Layer sandbox benchmark: start-up time per size and 100-record page latency.

For each size it starts the real ``b1hub sandbox`` process twice on one data directory
(first start seeds the database, the restart reuses it), then reads 100-record
BusinessPartners pages at various ``$skip`` over one keep-alive client and reports the
median and p95 latency. Prints a Markdown table and the same figures as JSON.

    .venv/bin/python benchmarks/sandbox_service_layer.py --sizes small,medium,large
"""

from __future__ import annotations

import argparse
import json
import ssl
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from b1hub.sandbox.process import SandboxProcess

TARGET_MS = 50.0


def measure_pages(info: dict[str, Any], requests: int) -> list[float]:
    sl = info["service_layer"]
    ctx = ssl.create_default_context(cafile=sl["ca_cert"])
    with httpx.Client(base_url=sl["url"] + "/", verify=ctx, timeout=60) as client:
        login = client.post("Login", json={"CompanyDB": sl["company_db"],
                                           "UserName": sl["username"],
                                           "Password": sl["password"]})
        login.raise_for_status()
        total = int(client.get("BusinessPartners/$count").text)
        headers = {"Prefer": "odata.maxpagesize=100"}
        client.get("BusinessPartners", headers=headers)  # warm-up
        timings: list[float] = []
        for n in range(requests):
            skip = (n * 7919 * 100) % max(1, total - 100)
            started = time.perf_counter()
            r = client.get(f"BusinessPartners?$skip={skip}", headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
            assert len(r.json()["value"]) == 100
    return timings


def bench(size: str, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"b1hub-bench-{size}-") as tmp:
        proc = SandboxProcess(Path(tmp), size=size, startup_timeout=1800)
        with proc:
            first = proc.startup_seconds
            proc.restart()
            restart = proc.startup_seconds
            timings = measure_pages(proc.info, requests)
    ordered = sorted(timings)
    return {
        "size": size,
        "first_start_s": round(first, 2),
        "restart_s": round(restart, 2),
        "page100_median_ms": round(statistics.median(timings), 1),
        "page100_p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
        "requests": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    results = [bench(size, args.requests) for size in args.sizes.split(",") if size]
    print("| size | first start (s) | restart (s) | 100-record page median (ms) | p95 (ms) |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['size']} | {r['first_start_s']} | {r['restart_s']} | "
              f"{r['page100_median_ms']} | {r['page100_p95_ms']} |")
    print(f"\nTarget: median <= {TARGET_MS} ms at size large.")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
