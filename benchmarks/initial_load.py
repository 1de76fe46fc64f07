"""Initial load of a whole sandbox through the engine: API calls per record written.

Starts its own ``b1hub sandbox`` process (size medium by default: about 5,000 customers
and 1,000 items), then, as a user would: connect, activate (the hub's UDFs), mark every
customer and item, initialize account and product (linking, first load), then one
sync of everything. Prints records written to Salesforce, Salesforce API calls (the
org's API usage counter), calls per 150 records (target: at most 1), Service Layer
requests (the sandbox's route counters, login/logout included), wall time and the
hub process's peak RSS, as a Markdown table and then as JSON.

    .venv/bin/python benchmarks/initial_load.py [--size medium] [--seed 42]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from b1hub.connectors.salesforce import SalesforceConnection
from b1hub.connectors.service_layer import ServiceLayerConnection
from b1hub.hub import Hub
from b1hub.objects.udfs import create_udfs
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.repositories import SALESFORCE_CONNECTOR, SelectionEntry
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import api

ACCOUNT_TYPE = "Customer - Direct"
WRITES = (OutcomeAction.CREATE, OutcomeAction.UPDATE)


def admin(origin: str, ca: str) -> httpx.Client:
    return httpx.Client(base_url=origin, verify=ssl.create_default_context(cafile=ca),
                        timeout=60.0)


def codes(hub: Hub, entity: str, key: str, where: str | None) -> list[str]:
    with hub.service_layer() as sl:
        return [str(r[key]) for page in sl.iter_pages(entity, select=[key], filter=where,
                                                      page_size=1000)
                if isinstance(page, list) for r in page]


def prepare(hub: Hub, file: Path) -> tuple[int, int]:
    """Connect, activate, mark everything; returns (customers, items) marked."""
    hub.save_connection(ServiceLayerConnection.from_sandbox_file(file))
    hub.save_connection(SalesforceConnection.from_sandbox_file(file))
    with hub.service_layer() as sl:
        create_udfs(sl)
    customers = codes(hub, "BusinessPartners", "CardCode", "CardType eq 'cCustomer'")
    items = codes(hub, "Items", "ItemCode", None)
    with hub.repos() as repos:
        repos.features.set_active(SALESFORCE_CONNECTOR, True)
        repos.settings.set("account_types", [ACCOUNT_TYPE])
        repos.settings.set("default_customer_group", 100)
        repos.selections.mark("account", [SelectionEntry(c, ACCOUNT_TYPE) for c in customers])
        repos.selections.mark("product", [SelectionEntry(i) for i in items])
    return len(customers), len(items)


def written_to_salesforce(hub: Hub, run_ids: list[int]) -> dict[str, int]:
    """Records written to Salesforce per object (price entries counted apart)."""
    counts = {"account": 0, "product": 0, "price entry": 0}
    with hub.repos() as repos:
        for run_id in run_ids:
            for o in repos.outcomes.for_run(run_id, OutcomeStatus.SUCCEEDED):
                if o.direction is Direction.SAP_TO_SALESFORCE and o.action in WRITES:
                    name = "price entry" if ":" in (o.sap_key or "") else o.object
                    counts[name] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="b1hub-initial-load-") as tmp:
        os.environ["B1HUB_HOME"] = str(Path(tmp) / "home")
        os.environ.pop("B1HUB_DATABASE_URL", None)
        with SandboxProcess(Path(tmp) / "sandbox", seed=args.seed, size=args.size) as proc:
            print(f"sandbox {args.size} started in {proc.startup_seconds:.1f} s", flush=True)
            info = proc.info
            sl_url = str(info["service_layer"]["url"])
            sla = admin(sl_url[: sl_url.index("/b1s/")], info["service_layer"]["ca_cert"])
            sfa = admin(info["salesforce"]["instance_url"], info["salesforce"]["ca_cert"])
            hub = Hub.open()
            customers, items = prepare(hub, Path(proc.data_dir) / "sandbox.json")
            sla.delete("/_sandbox/counters")
            sfa.delete("/_sandbox/counters")
            sfa.delete("/_sandbox/usage")
            started = time.perf_counter()
            stages: dict[str, Any] = {}
            def used() -> int:
                return int(sfa.get("/_sandbox/usage").json()["used"])

            for name in ("account", "product"):
                t0, calls = time.perf_counter(), used()
                init = api.initialize(hub, name)
                stages[f"init {name}"] = {"seconds": round(time.perf_counter() - t0, 1),
                                          "linked": init.linked, "created": init.created,
                                          "held": init.held, "status": init.status.value,
                                          "salesforce calls": used() - calls}
                print(f"init {name}: {stages[f'init {name}']}", flush=True)
            # the follow-up Sync Now of the two objects loaded (documents, contacts and leads
            # are other loads with their own figures)
            t0, calls = time.perf_counter(), used()
            summaries = [api.run_object(hub, name) for name in ("account", "product")]
            stages["sync account, product"] = {
                "seconds": round(time.perf_counter() - t0, 1),
                "written": sum(s.created + s.updated for s in summaries),
                "salesforce calls": used() - calls}
            wall = time.perf_counter() - started
            with hub.repos() as repos:  # a fresh store: every run is this load's
                runs = [r.id for r in repos.runs.recent(limit=1000)]
            written = written_to_salesforce(hub, runs)
            sf_calls = int(sfa.get("/_sandbox/usage").json()["used"])
            sl_requests = int(sla.get("/_sandbox/counters").json()["total"])
            total = sum(written.values())
            result = {
                "size": args.size, "customers marked": customers, "items marked": items,
                "records written to Salesforce": total, "by object": written,
                "Salesforce API calls": sf_calls,
                "calls per 150 records": round(sf_calls / total * 150, 3) if total else None,
                "Service Layer requests": sl_requests, "wall seconds": round(wall, 1),
                "peak RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                     1),
                "stages": stages,
            }
            hub.close()
            sla.close()
            sfa.close()
    print()
    print("| measure | value |\n|---|---|")
    for key, value in result.items():
        if key != "stages":
            print(f"| {key} | {value} |")
    print()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
