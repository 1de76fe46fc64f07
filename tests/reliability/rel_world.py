"""Worlds for the reliability suite: a hub integration on its own sandbox pair, any size.

Builds on tests/e2e/e2e_world.py (its ``World`` and admin clients); adds sizes, extra
seeded customers (the 20,000-record load) and every registered object marked; snapshots
of both systems and the link store by natural identity (rel_snapshot.py, re-exported
here) let two runs on two sandbox pairs be compared record for record.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

from e2e_world import ACCOUNT_TYPE, World, _admin, data_writes
from rel_snapshot import Comparison, Snapshot, compare, snapshot

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.hub import Hub
from b1hub.objects.udfs import create_udfs
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.repositories import SALESFORCE_CONNECTOR, SelectionEntry

__all__ = ["ACCOUNT_TYPE", "Comparison", "Snapshot", "World", "add_customers", "compare",
           "data_writes", "open_world", "snapshot"]

EXTRA_PREFIX = "R"


def add_customers(world: World, count: int, batch: int = 500) -> list[str]:
    """Create ``count`` deterministic customers in SAP (same codes in every world)."""
    codes = [f"{EXTRA_PREFIX}{n:06d}" for n in range(1, count + 1)]
    with world.hub.service_layer() as sl:
        for start in range(0, count, batch):
            records = [WriteRecord(code, {
                "CardCode": code, "CardName": f"Reliability Customer {code}",
                "CardType": "cCustomer", "GroupCode": 100, "Currency": "EUR",
                "Phone1": f"+49 431 {code[1:]}",
                "EmailAddress": f"{code.lower()}@example.com",
                "BPAddresses": [{"AddressName": "Bill To", "AddressType": "bo_BillTo",
                                 "City": "Kiel", "Country": "DE", "ZipCode": "24103"}],
            }) for code in codes[start:start + batch]]
            outcomes = sl.write_batch("BusinessPartners", "create", records)
            bad = [o for o in outcomes if not isinstance(o, Success)]
            assert not bad, bad[:3]
    return codes


@contextmanager
def open_world(
    data_dir: Path, integration: str, *, size: str = "small", seed: int = 42,
    customers: int | None = None, items: int | None = None, extra_customers: int = 0,
    sf_overrides: dict[str, Any] | None = None, sandbox: SandboxProcess | None = None,
) -> Iterator[World]:
    """Its own sandbox process (or ``sandbox``) and a connected, activated integration with
    the first ``customers``/``items`` (None: all) marked; not yet initialized."""
    proc = sandbox or SandboxProcess(data_dir, seed=seed, size=size)
    if sandbox is None:
        proc.start()
    try:
        file = Path(proc.data_dir) / "sandbox.json"
        hub = Hub.open(integration)
        hub.save_connection(ServiceLayerConnection.from_sandbox_file(file))
        hub.save_connection(SalesforceConnection.from_sandbox_file(file, **(sf_overrides or {})))
        info = proc.info
        sl_url = str(info["service_layer"]["url"])
        sla = _admin(sl_url[: sl_url.index("/b1s/")], info["service_layer"]["ca_cert"])
        sfa = _admin(info["salesforce"]["instance_url"], info["salesforce"]["ca_cert"])
        world = World(hub, proc, [], [], sla, sfa, [])
        if extra_customers:
            add_customers(world, extra_customers)
        with hub.service_layer() as sl:
            create_udfs(sl)
            codes = [str(r["CardCode"]) for page in sl.iter_pages(
                "BusinessPartners", select=["CardCode"], filter="CardType eq 'cCustomer'",
                page_size=1000) if isinstance(page, list) for r in page]
            item_codes = [str(r["ItemCode"]) for page in sl.iter_pages(
                "Items", select=["ItemCode"], page_size=1000)
                if isinstance(page, list) for r in page]
        world.customers = codes[:customers] if customers is not None else codes
        world.items = item_codes[:items] if items is not None else item_codes
        world.all_customers = codes
        with hub.repos() as repos:
            repos.features.set_active(SALESFORCE_CONNECTOR, True)
            repos.settings.set("account_types", [ACCOUNT_TYPE])
            repos.settings.set("default_customer_group", 100)
            repos.selections.mark("account", [SelectionEntry(c, ACCOUNT_TYPE)
                                              for c in world.customers])
            repos.selections.mark("product", [SelectionEntry(i) for i in world.items])
        try:
            yield world
        finally:
            sla.close()
            sfa.close()
            hub.close()
    finally:
        if sandbox is None:
            proc.stop()
