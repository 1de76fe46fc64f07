"""The e2e world: a hub wired to its own sandbox process, with admin clients."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.hub import Hub
from b1hub.objects.udfs import create_udfs
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.repositories import SALESFORCE_CONNECTOR, SelectionEntry

ACCOUNT_TYPE = "Customer - Direct"
PERSON = "jane.carter@b1hub.sandbox"
"""A seeded sales rep: edits made as her are people's edits, not the integration user's."""
SAP_BP_FIELDS = ["CardCode", "CardName", "CardType", "GroupCode", "Phone1", "EmailAddress",
                 "BPAddresses", "U_B1H_SFID", "U_B1H_SYNCED", "U_B1H_STATUS"]


@dataclass
class World:
    hub: Hub
    proc: SandboxProcess
    customers: list[str]
    items: list[str]
    sl_admin: httpx.Client
    sf_admin: httpx.Client
    all_customers: list[str] = field(default_factory=list)
    """Every customer code in SAP, the marked ones first."""

    @property
    def sandbox_file(self) -> Path:
        return Path(self.proc.data_dir) / "sandbox.json"

    def counters(self) -> tuple[dict[str, int], dict[str, int]]:
        sl = self.sl_admin.get("/_sandbox/counters").json()["routes"]
        sf = self.sf_admin.get("/_sandbox/counters").json()["routes"]
        return sl, sf

    def reset_counters(self) -> None:
        self.sl_admin.delete("/_sandbox/counters")
        self.sf_admin.delete("/_sandbox/counters")

    def soql(self, query: str) -> list[dict[str, Any]]:
        with self.hub.salesforce() as sf:
            rows: list[dict[str, Any]] = []
            for page in sf.query(query):
                assert isinstance(page, list), page
                rows.extend({k: v for k, v in r.items() if k != "attributes"} for r in page)
            return rows

    def sap_rows(self, entity: str, where: str, select: list[str]) -> list[dict[str, Any]]:
        with self.hub.service_layer() as sl:
            rows: list[dict[str, Any]] = []
            for page in sl.iter_pages(entity, select=select, filter=where):
                assert isinstance(page, list), page
                rows.extend(page)
            return rows

    def partners_of(self, sf_id: str) -> list[dict[str, Any]]:
        """Business partners carrying ``sf_id`` in the hub's cross-reference UDF."""
        return self.sap_rows("BusinessPartners", f"U_B1H_SFID eq '{sf_id}'", SAP_BP_FIELDS)

    def salesforce_user(self) -> SalesforceClient:
        """A client that edits Salesforce as a person would: another user than the hub's."""
        return SalesforceClient(person_connection(self.sandbox_file))

    def create_account(self, values: dict[str, Any]) -> str:
        with self.salesforce_user() as sf:
            outcome = sf.create("Account", values, values["Name"])
        assert isinstance(outcome, Success) and outcome.remote_id, outcome
        return outcome.remote_id

    def edit_account(self, sf_id: str, values: dict[str, Any]) -> None:
        with self.salesforce_user() as sf:
            outcome = sf.update("Account", sf_id, values, sf_id)
        assert isinstance(outcome, Success), outcome

    def edit_partner(self, code: str, values: dict[str, Any]) -> None:
        with self.hub.service_layer() as sl:
            outcome = sl.update("BusinessPartners", code, values)
        assert isinstance(outcome, Success), outcome


def person_connection(sandbox_file: Path) -> SalesforceConnection:
    """Logged in as :data:`PERSON` (JWT bearer; the password flow only knows the hub's user)."""
    return SalesforceConnection.from_sandbox_file(
        sandbox_file, auth_flow="jwt_bearer", username=PERSON, call_options_client="tester")


def data_writes(routes: dict[str, int]) -> dict[str, int]:
    """The counted routes that change data (sessions and tokens left out)."""
    return {r: n for r, n in routes.items() if r.startswith(("POST", "PATCH", "PUT", "DELETE"))
            and not any(s in r for s in ("Login", "Logout", "token"))}


def _admin(origin: str, ca: str) -> httpx.Client:
    return httpx.Client(base_url=origin, verify=ssl.create_default_context(cafile=ca),
                        timeout=30.0)


@contextmanager
def open_world(data_dir: Path, integration: str = "default", *, customers: int = 20,
               items: int = 10) -> Iterator[World]:
    """Its own sandbox process and a hub integration connected and activated there, with
    the first ``customers`` customers and ``items`` items marked; not yet initialized.

    """
    with SandboxProcess(data_dir) as proc:
        file = Path(proc.data_dir) / "sandbox.json"
        hub = Hub.open(integration)
        hub.save_connection(ServiceLayerConnection.from_sandbox_file(file))
        hub.save_connection(SalesforceConnection.from_sandbox_file(file))
        with hub.service_layer() as sl:
            create_udfs(sl)
            codes = [str(r["CardCode"]) for page in sl.iter_pages(
                "BusinessPartners", select=["CardCode"], filter="CardType eq 'cCustomer'")
                if isinstance(page, list) for r in page]
            item_codes = [str(r["ItemCode"]) for page in sl.iter_pages(
                "Items", select=["ItemCode"]) if isinstance(page, list) for r in page][:items]
        with hub.repos() as repos:
            repos.features.set_active(SALESFORCE_CONNECTOR, True)
            repos.settings.set("account_types", [ACCOUNT_TYPE])
            repos.settings.set("default_customer_group", 100)
            repos.selections.mark("account", [SelectionEntry(c, ACCOUNT_TYPE)
                                              for c in codes[:customers]])
            repos.selections.mark("product", [SelectionEntry(i) for i in item_codes])
        info = proc.info
        sl_url = str(info["service_layer"]["url"])
        with _admin(sl_url[: sl_url.index("/b1s/")], info["service_layer"]["ca_cert"]) as sla, \
                _admin(info["salesforce"]["instance_url"], info["salesforce"]["ca_cert"]) as sfa:
            yield World(hub, proc, codes[:customers], item_codes, sla, sfa, codes)
        hub.close()
