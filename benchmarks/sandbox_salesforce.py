"""Throughput of the Salesforce sandbox: sObject Collections upserts and a Bulk API 2.0 upsert.

Starts its own ``b1hub sandbox`` process (size large by default; ``--size small`` for a
quick run), then over real HTTPS:

* Collections: ``PATCH /composite/sobjects/Account/SAP_CardCode__c`` with 200 records per
  call, for ``--collections-records`` new accounts (records/s).
* Bulk 2.0: one upsert job of ``--bulk-rows`` new accounts streamed from a CSV file, and a
  second job upserting the same rows again (the update path): wall time from job creation
  to JobComplete, and records/s.

Prints a Markdown table, then the same figures as JSON.

    .venv/bin/python benchmarks/sandbox_salesforce.py --size small
"""

from __future__ import annotations

import argparse
import json
import ssl
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from b1hub.sandbox.process import SandboxProcess

API = "/services/data/v59.0"


def client(info: dict[str, Any]) -> httpx.Client:
    sf = info["salesforce"]
    http = httpx.Client(base_url=sf["instance_url"], timeout=600,
                        verify=ssl.create_default_context(cafile=sf["ca_cert"]))
    token = http.post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": sf["client_id"],
        "client_secret": sf["client_secret"], "username": sf["username"],
        "password": sf["password"] + sf["security_token"]})
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


def collections_upsert(http: httpx.Client, total: int, prefix: str) -> dict[str, Any]:
    started = time.perf_counter()
    failed = 0
    for start in range(0, total, 200):
        records = [{"attributes": {"type": "Account"}, "Name": f"Coll {prefix} {i}",
                    "SAP_CardCode__c": f"{prefix}{i:07d}", "Industry": "Retail"}
                   for i in range(start, min(start + 200, total))]
        r = http.patch(f"{API}/composite/sobjects/Account/SAP_CardCode__c",
                       json={"allOrNone": False, "records": records})
        r.raise_for_status()
        failed += sum(1 for item in r.json() if not item["success"])
    seconds = time.perf_counter() - started
    return {"records": total, "calls": -(-total // 200), "failed": failed,
            "seconds": round(seconds, 2), "records_per_s": round(total / seconds)}


def csv_lines(rows: int, prefix: str, label: str) -> Iterator[bytes]:
    yield b"Name,SAP_CardCode__c,Industry,BillingCity\n"
    for i in range(rows):
        yield f"{label} {prefix} {i},{prefix}{i:07d},Retail,City {i % 97}\n".encode()


def bulk_upsert(http: httpx.Client, rows: int, prefix: str, label: str,
                workdir: Path) -> dict[str, Any]:
    path = workdir / f"{label}.csv"
    with path.open("wb") as out:
        out.writelines(csv_lines(rows, prefix, label))
    started = time.perf_counter()
    job = http.post(f"{API}/jobs/ingest", json={
        "object": "Account", "operation": "upsert", "externalIdFieldName": "SAP_CardCode__c",
        "contentType": "CSV", "lineEnding": "LF"}).json()
    with path.open("rb") as body:
        upload = http.put(f"{API}/jobs/ingest/{job['id']}/batches", content=body,
                          headers={"Content-Type": "text/csv"})
    assert upload.status_code == 201, upload.text
    uploaded = time.perf_counter()
    http.patch(f"{API}/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    while True:
        info = http.get(f"{API}/jobs/ingest/{job['id']}").json()
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            break
        time.sleep(0.25)
    seconds = time.perf_counter() - started
    return {"rows": rows, "state": info["state"], "failed": info["numberRecordsFailed"],
            "processed": info["numberRecordsProcessed"],
            "upload_seconds": round(uploaded - started, 2), "seconds": round(seconds, 2),
            "records_per_s": round(rows / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--collections-records", type=int, default=20_000)
    parser.add_argument("--bulk-rows", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sf-bench-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "sandbox"
        with SandboxProcess(data_dir, seed=args.seed, size=args.size) as sandbox:
            http = client(sandbox.info)
            prefix = "B" + uuid.uuid4().hex[:4].upper()
            figures: dict[str, Any] = {"size": args.size,
                                       "startup_seconds": round(sandbox.startup_seconds, 1)}
            figures["collections_upsert"] = collections_upsert(
                http, args.collections_records, prefix + "C")
            figures["bulk_upsert_insert"] = bulk_upsert(
                http, args.bulk_rows, prefix + "B", "insert", Path(tmp))
            figures["bulk_upsert_update"] = bulk_upsert(
                http, args.bulk_rows, prefix + "B", "update", Path(tmp))
            http.close()
    print(markdown(figures))
    print(json.dumps(figures, indent=2))


def markdown(figures: dict[str, Any]) -> str:
    coll = figures["collections_upsert"]
    lines = [
        f"Salesforce sandbox, size {figures['size']} "
        f"(startup {figures['startup_seconds']} s)",
        "",
        "| Scenario | Records | Failed | Wall time (s) | Records/s |",
        "|---|---:|---:|---:|---:|",
        f"| Collections upsert ({coll['calls']} calls of 200) | {coll['records']:,} | "
        f"{coll['failed']} | {coll['seconds']} | {coll['records_per_s']:,} |",
    ]
    for key, label in (("bulk_upsert_insert", "Bulk 2.0 upsert, new rows"),
                       ("bulk_upsert_update", "Bulk 2.0 upsert, same rows again")):
        bulk = figures[key]
        lines.append(f"| {label} ({bulk['state']}) | {bulk['rows']:,} | {bulk['failed']} | "
                     f"{bulk['seconds']} | {bulk['records_per_s']:,} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
