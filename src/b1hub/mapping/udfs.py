"""Retrieve custom fields (SAP ``UserFieldsMD``, Salesforce describe) and look fields up.

Retrieved definitions are cached in the store so ``b1hub udf list`` and the console
work without calling either system; a lookup that misses the cache asks SAP once more,
because an administrator typically creates the UDF and maps it in the same minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from b1hub.mapping.catalog import (
    SALESFORCE_OBJECTS,
    SAP_UDF_TABLES,
    ObjectTables,
    SapField,
    SfField,
    split_path,
    standard_field,
    udf_field,
)
from b1hub.objects.udfs import UDF_SIZES

if TYPE_CHECKING:
    from b1hub.connectors.salesforce.client import SalesforceClient
    from b1hub.connectors.service_layer.client import ServiceLayerClient
    from b1hub.hub import Hub

SAP, SALESFORCE = "sap", "salesforce"
SAP_KEEP = ("Name", "Type", "Size", "SubType", "Description", "Mandatory", "DefaultValue",
            "ValidValuesMD")
SF_KEEP = ("label", "type", "length", "precision", "scale", "picklistValues", "updateable",
           "createable", "custom", "externalId")


ADDRESS_KINDS = {"bill": "bo_BillTo", "ship": "bo_ShipTo"}


class UnknownField(ValueError):
    """A field that does not exist on the side it was looked up on."""


@dataclass
class RetrieveReport:
    sap: dict[str, int] = field(default_factory=dict)
    salesforce: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Salesforce objects whose describe failed (not enabled in the org), with why."""


def hub_owned(name: str) -> bool:
    """The hub's own cross-reference UDFs: written by the engine, never user-mapped."""
    return name.removeprefix("U_") in UDF_SIZES


def read_udfs(sap: ServiceLayerClient, tables: tuple[str, ...]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    condition = " or ".join(f"TableName eq '{t}'" for t in tables)
    for page in sap.iter_pages("UserFieldsMD", filter=condition):
        if not isinstance(page, list):
            raise RuntimeError(f"reading SAP UserFieldsMD failed: {page}")
        rows.extend(r for r in page if not hub_owned(str(r.get("Name"))))
    return rows


def _sap_entries(rows: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(str(r["TableName"]), f"U_{r['Name']}", {k: r.get(k) for k in SAP_KEEP})
            for r in rows]


def custom_fields(sf: SalesforceClient, sobject: str) -> list[dict[str, Any]] | str:
    """The custom fields of ``sobject`` from describe, or why describe failed."""
    result = sf.describe(sobject)
    if not isinstance(result, dict):
        return str(getattr(result, "message", result))
    return [f for f in result.get("fields", []) if f.get("custom")]


def retrieve(hub: Hub) -> RetrieveReport:
    """Read every UDF of the synced tables and every custom field of the synced sObjects
    and replace the cached definitions with them."""
    report = RetrieveReport()
    with hub.service_layer() as sap:
        sap_rows = read_udfs(sap, SAP_UDF_TABLES)
    for table in SAP_UDF_TABLES:
        report.sap[table] = sum(1 for r in sap_rows if r.get("TableName") == table)
    sf_entries: list[tuple[str, str, dict[str, Any]]] = []
    with hub.salesforce() as sf:
        sf.forget_describes()
        for sobject in SALESFORCE_OBJECTS:
            found = custom_fields(sf, sobject)
            if isinstance(found, str):
                report.skipped[sobject] = found
                continue
            report.salesforce[sobject] = len(found)
            sf_entries.extend((sobject, str(f["name"]), {k: f.get(k) for k in SF_KEEP})
                              for f in found)
    with hub.repos() as repos:
        repos.custom_fields.replace(SAP, SAP_UDF_TABLES, _sap_entries(sap_rows))
        repos.custom_fields.replace(SALESFORCE, list(report.salesforce), sf_entries)
    return report


def sap_field(hub: Hub, tables: ObjectTables, path: str) -> SapField:
    """The SAP field at ``path`` on this object: a standard field or a UDF."""
    where, table, name = split_path(tables, path)
    standard = standard_field(tables, path)
    if standard is not None:
        return standard
    if not name.startswith("U_") or table is None:
        raise UnknownField(f"SAP {where} has no field {name!r}")
    if hub_owned(name):
        raise UnknownField(f"{name} is the hub's own cross-reference field; it cannot be mapped")
    with hub.repos() as repos:
        cached = repos.custom_fields.get(SAP, table, name)
        definition = dict(cached.definition) if cached is not None else None
    if definition is None:
        with hub.service_layer() as sap:
            rows = read_udfs(sap, (table,))
        with hub.repos() as repos:
            repos.custom_fields.replace(SAP, (table,), _sap_entries(rows))
        definition = next((r for r in rows if f"U_{r['Name']}" == name), None)
    if definition is None:
        raise UnknownField(f"SAP table {table} has no user-defined field {name} "
                           "(create it in SAP, then `b1hub udf retrieve`)")
    return udf_field(definition, path)


def sf_field(hub: Hub, sobject: str, name: str) -> SfField:
    """The Salesforce field ``name`` from a fresh describe."""
    with hub.salesforce() as sf:
        result = sf.describe(sobject)
    if not isinstance(result, dict):
        raise UnknownField(f"cannot describe Salesforce {sobject}: "
                           f"{getattr(result, 'message', result)}")
    for item in result.get("fields", []):
        if str(item.get("name", "")).lower() == name.lower():
            return SfField.from_describe(item)
    raise UnknownField(f"Salesforce {sobject} has no field {name!r}")


def udf_path(udf: str, address: str | None = None) -> str:
    """The SAP path of UDF ``udf`` (``U_`` optional) on the header, or on the bill-to or
    ship-to address when ``address`` is ``bill`` or ``ship``."""
    name = udf.strip()
    name = name if name.startswith("U_") else f"U_{name}"
    if address is None:
        return name
    if address not in ADDRESS_KINDS:
        raise ValueError("address takes bill or ship")
    return f"BPAddresses[AddressType={ADDRESS_KINDS[address]}].{name}"


def definition_text(system: str, d: dict[str, Any]) -> str:
    """A retrieved field's type as an administrator reads it in either system."""
    if system == SAP:
        values = ",".join(str(v.get("Value")) for v in d.get("ValidValuesMD") or [])
        text = f"{d.get('Type')} {d.get('SubType') or ''} size {d.get('Size')}"
        return text + (f" values {values}" if values else "")
    return f"{d.get('type')} length {d.get('length')} scale {d.get('scale')}"
