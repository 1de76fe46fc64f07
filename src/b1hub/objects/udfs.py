"""The cross-reference UDFs the hub keeps on SAP business partners and items.

``b1hub activate`` creates them through ``UserFieldsMD``; the engine only writes them and
checks they exist, so a missing field is one clear configuration error, not a failed
write per record.
"""

from __future__ import annotations

from typing import Any

from b1hub.connectors.outcomes import Success
from b1hub.connectors.service_layer.client import ServiceLayerClient

SFID = "U_B1H_SFID"
SYNCED = "U_B1H_SYNCED"
STATUS = "U_B1H_STATUS"

UDF_SIZES: dict[str, int] = {"B1H_SFID": 18, "B1H_SYNCED": 25, "B1H_STATUS": 254}
UDF_TABLES: dict[str, str] = {"BusinessPartners": "OCRD", "Items": "OITM",
                               "SalesOpportunities": "OOPR"}
UDF_DESCRIPTIONS = {
    "B1H_SFID": "Salesforce Id", "B1H_SYNCED": "Last sync (UTC)", "B1H_STATUS": "Sync status",
}


class MissingUdfs(RuntimeError):
    """The hub's UDFs are not defined in SAP: the connector was not activated there."""


def udf_definitions() -> list[dict[str, Any]]:
    """``UserFieldsMD`` bodies for every hub UDF on every synced table."""
    return [
        {"Name": name, "Description": UDF_DESCRIPTIONS[name], "Type": "db_Alpha",
         "Size": size, "EditSize": size, "TableName": table}
        for table in UDF_TABLES.values()
        for name, size in UDF_SIZES.items()
    ]


def check_udfs(client: ServiceLayerClient, entity: str) -> None:
    """Raise MissingUdfs when ``entity`` lacks the hub's UDFs (one GET of one row).

    Entities the hub keeps no UDFs on (documents carry the Salesforce Id in NumAtCard)
    need none."""
    table = UDF_TABLES.get(entity)
    if table is None:
        return
    found: set[str] = set()
    for page in client.iter_pages("UserFieldsMD", select=["Name", "TableName"],
                                  filter=f"TableName eq '{table}'"):
        if not isinstance(page, list):
            return  # the read failed: the write will report the real problem
        found.update(str(row.get("Name")) for row in page)
    missing = sorted(set(UDF_SIZES) - found)
    if missing:
        names = ", ".join(f"U_{m}" for m in missing)
        raise MissingUdfs(f"SAP table {table} lacks the hub's user-defined fields {names}; "
                          "run `b1hub activate` to create them")


def create_udfs(client: ServiceLayerClient) -> list[str]:
    """Create the missing UDFs; returns the ``TABLE.U_NAME`` created (idempotent)."""
    created: list[str] = []
    existing: set[tuple[str, str]] = set()
    for page in client.iter_pages("UserFieldsMD", select=["Name", "TableName"]):
        if isinstance(page, list):
            existing.update((str(r.get("TableName")), str(r.get("Name"))) for r in page)
    for body in udf_definitions():
        if (body["TableName"], body["Name"]) in existing:
            continue
        outcome = client.create("UserFieldsMD", body, f"{body['TableName']}.{body['Name']}")
        if isinstance(outcome, Success):
            created.append(f"{body['TableName']}.U_{body['Name']}")
    return created
