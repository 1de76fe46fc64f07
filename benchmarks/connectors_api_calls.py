"""API calls and wall time of the connectors' bulk paths, counted by the sandboxes.

Starts its own ``b1hub sandbox`` process (size small), then over real HTTPS:

* Salesforce: ``--records`` accounts upserted through sObject Collections, the same
  number through Bulk API 2.0, and all of them read back with ``read_changes``.
* Service Layer: ``--records`` business partners created through ``$batch`` (100
  requests a call) and read back with ``read_changes`` (1,000 a page).

Calls are the sandbox's own per-route counters (token and login requests excluded).
Prints a Markdown table, then the same figures as JSON.

    .venv/bin/python benchmarks/connectors_api_calls.py --records 10000
"""

from __future__ import annotations

import argparse
import json
import ssl
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from b1hub.connectors.base import Page, WriteRecord
from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection
from b1hub.connectors.service_layer import ServiceLayerClient, ServiceLayerConnection
from b1hub.sandbox.process import SandboxProcess


def admin(origin: str, ca: str) -> httpx.Client:
    return httpx.Client(base_url=origin, verify=ssl.create_default_context(cafile=ca))


def calls(client: httpx.Client) -> int:
    routes = client.get("/_sandbox/counters").json()["routes"]
    return sum(n for route, n in routes.items() if "oauth2" not in route and "Login" not in route)


def measure(name: str, client: httpx.Client, records: int,
            run: Callable[[], int]) -> dict[str, Any]:
    client.delete("/_sandbox/counters")
    started = time.perf_counter()
    done = run()
    seconds = time.perf_counter() - started
    return {"scenario": name, "records": records, "accounted": done,
            "api_calls": calls(client), "seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    n = args.records
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, SandboxProcess(Path(tmp)) as sbx:
        file = Path(tmp) / "sandbox.json"
        sf_info, sl_info = sbx.info["salesforce"], sbx.info["service_layer"]
        sf_admin = admin(sf_info["instance_url"], sf_info["ca_cert"])
        sl_url = sl_info["url"]
        sl_admin = admin(sl_url[: sl_url.index("/b1s/")], sl_info["ca_cert"])

        def accounts(prefix: str) -> Iterator[WriteRecord]:
            for i in range(n):
                yield WriteRecord(f"{prefix}{i}", {"Name": f"Bench {i}",
                                                   "SAP_CardCode__c": f"{prefix}{i:06d}"})

        with SalesforceClient(SalesforceConnection.from_sandbox_file(file)) as sf:
            def upsert(prefix: str, via: Any) -> Callable[[], int]:
                return lambda: sum(isinstance(o, Success) for o in sf.write_batch(
                    "Account", "upsert", accounts(prefix), external_id="SAP_CardCode__c",
                    via=via))

            results.append(measure("SF Collections upsert", sf_admin, n,
                                   upsert("COL", "collections")))
            results.append(measure("SF Bulk 2.0 upsert", sf_admin, n, upsert("BLK", "bulk")))
            results.append(measure("SF read_changes", sf_admin, 2 * n, lambda: sum(
                len(p.records) for p in sf.read_changes(
                    "Account", [], None, where="SAP_CardCode__c LIKE 'COL%' OR "
                    "SAP_CardCode__c LIKE 'BLK%'") if isinstance(p, Page))))

        with ServiceLayerClient(ServiceLayerConnection.from_sandbox_file(file)) as sl:
            partners = [WriteRecord(f"p{i}", {"CardCode": f"BEN{i:06d}", "CardName": f"B {i}",
                                              "CardType": "cCustomer"}) for i in range(n)]
            results.append(measure("SL $batch create", sl_admin, n, lambda: sum(
                isinstance(o, Success) for o in sl.write_batch(
                    "BusinessPartners", "create", partners))))
            results.append(measure("SL read_changes", sl_admin, n, lambda: sum(
                len(p.records) for p in sl.read_changes(
                    "BusinessPartners", ["CardName"], None, page_size=1000,
                    where="startswith(CardCode, 'BEN')") if isinstance(p, Page))))

    print("| scenario | records | accounted | API calls | seconds |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['scenario']} | {r['records']} | {r['accounted']} | {r['api_calls']} "
              f"| {r['seconds']} |")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
