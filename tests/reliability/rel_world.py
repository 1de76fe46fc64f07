"""Worlds for the reliability suite: a hub integration on its own sandbox pair, any size.

Builds on tests/e2e/e2e_world.py (its ``World`` and admin clients); adds sizes, extra
seeded customers (the 20,000-record load), every registered object marked, and snapshots
of both systems and the link store by natural identity, so two runs on two sandbox pairs
can be compared record for record.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

from e2e_world import ACCOUNT_TYPE, World, _admin, data_writes

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.hub import Hub
from b1hub.objects.registry import REGISTRY
from b1hub.objects.udfs import create_udfs
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.repositories import SALESFORCE_CONNECTOR, SelectionEntry

__all__ = ["ACCOUNT_TYPE", "World", "add_customers", "compare", "data_writes", "open_world",
           "snapshot"]

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


def _soql(world: World, query: str) -> list[dict[str, Any]]:
    with world.hub.salesforce() as sf:
        rows: list[dict[str, Any]] = []
        for page in sf.query(query, page_size=2000):
            assert isinstance(page, list), page
            rows.extend({k: v for k, v in r.items() if k != "attributes"} for r in page)
        return rows


def _sap(world: World, entity: str, select: list[str], where: str | None) -> list[dict[str, Any]]:
    with world.hub.service_layer() as sl:
        rows: list[dict[str, Any]] = []
        for page in sl.iter_pages(entity, select=select, filter=where, page_size=1000):
            assert isinstance(page, list), page
            rows.extend(page)
        return rows


@dataclass(frozen=True)
class Snapshot:
    """Both systems and the links by natural identity; ``duplicates`` keyed by kind."""

    parts: dict[str, list[tuple[Any, ...]]]
    duplicates: dict[str, int]


ACCOUNT_FIELDS = ["Name", "SAP_CardCode__c", "AccountNumber", "Phone", "Email__c",
                  "BillingCity", "BillingCountry", "Type"]


def snapshot(world: World) -> Snapshot:
    accounts = _soql(world, "SELECT Id, " + ", ".join(ACCOUNT_FIELDS) + " FROM Account")
    account_ids = {a["Id"]: (a["SAP_CardCode__c"] or a["Name"]) for a in accounts}
    products = _soql(world, "SELECT Id, Name, ProductCode, IsActive, SAP_ItemCode__c "
                            "FROM Product2")
    product_ids = {p["Id"]: p["SAP_ItemCode__c"] or p["Name"] for p in products}
    entries = _soql(world, "SELECT Product2Id, Pricebook2Id, UnitPrice, CurrencyIsoCode, "
                           "SAP_PriceKey__c FROM PricebookEntry")
    partners = _sap(world, "BusinessPartners", ["CardCode", "CardName", "Phone1",
                                                "EmailAddress", "U_B1H_SFID"],
                    "CardType eq 'cCustomer'")
    natural = {**account_ids, **product_ids}
    parts: dict[str, list[tuple[Any, ...]]] = {
        "accounts": sorted(tuple(str(a[f] or "") for f in ACCOUNT_FIELDS) for a in accounts),
        "products": sorted((p["Name"], p["ProductCode"] or "", bool(p["IsActive"]),
                            p["SAP_ItemCode__c"] or "") for p in products),
        "price entries": sorted((product_ids.get(e["Product2Id"], ""), e["CurrencyIsoCode"],
                                 float(e["UnitPrice"] or 0), e["SAP_PriceKey__c"] or "")
                                for e in entries),
        "partners": sorted((p["CardCode"], p["CardName"], p["Phone1"] or "",
                            p["EmailAddress"] or "", account_ids.get(p["U_B1H_SFID"], ""))
                           for p in partners),
    }
    with world.hub.repos() as repos:
        for name in REGISTRY:
            parts[f"open errors {name}"] = sorted(
                (o.direction.value, o.sap_key or "", natural.get(o.sf_id or "", ""),
                 o.status.value, o.error_message or "")
                for o in repos.outcomes.open_errors(name, limit=1_000_000))
            parts[f"links {name}"] = sorted(
                (lk.sap_key, natural.get(lk.sf_id, "?")) for lk in
                repos.links.page(name, limit=1_000_000))
    duplicates = {
        "accounts per CardCode": _extra(Counter(a["SAP_CardCode__c"] for a in accounts)),
        "products per ItemCode": _extra(Counter(p["SAP_ItemCode__c"] for p in products)),
        "price entries per key": _extra(Counter(e["SAP_PriceKey__c"] for e in entries)),
        "partners per Salesforce Id": _extra(Counter(p["U_B1H_SFID"] for p in partners)),
        "accounts per name": _extra(Counter(a["Name"] for a in accounts)),
    }
    return Snapshot(parts, duplicates)


def _extra(counts: Counter[Any]) -> int:
    """Records beyond the first per key (None keys: unlinked records, not duplicates)."""
    return sum(n - 1 for key, n in counts.items() if key)


@dataclass(frozen=True)
class Comparison:
    lost: int
    duplicated: int
    differences: dict[str, tuple[list[Any], list[Any]]]

    @property
    def identical(self) -> bool:
        return not self.differences and self.lost == 0 and self.duplicated == 0


def compare(expected: Snapshot, actual: Snapshot) -> Comparison:
    """Records of ``expected`` missing from ``actual`` (lost), extra records and duplicates
    of ``actual`` beyond the reference's own (duplicated), and per-part differences."""
    lost = duplicated = 0
    differences: dict[str, tuple[list[Any], list[Any]]] = {}
    for part, rows in expected.parts.items():
        want, got = Counter(rows), Counter(actual.parts.get(part, []))
        missing, extra = list((want - got).elements()), list((got - want).elements())
        if missing or extra:
            differences[part] = (missing[:5], extra[:5])
        lost += len(missing)
        duplicated += max(0, sum(got.values()) - sum(want.values()))
    for kind, count in actual.duplicates.items():
        duplicated += max(0, count - expected.duplicates.get(kind, 0))
    return Comparison(lost, duplicated, differences)
