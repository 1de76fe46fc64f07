"""Master Data Mapping Tool, part two: validate a filled template and apply its links.

Every row is checked against both systems and the link store before anything is
written, and each problem is reported on its row: an unknown SAP key, a SAP key or a
Salesforce Id linked to something else already, a key of the wrong type (a lead code in
an account file, an item code for a customer), duplicates inside the file. Rows whose
SAP key columns are empty are not part of the upload. Links are created with no merge
base, so the next sync compares both records field by field instead of copying one
over the other, and creates nothing for them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b1hub.mapping.sheets import SheetError, read_rows
from b1hub.mapping.template import OBJECT, SF_ID, TemplateKind, kind_of
from b1hub.store.repositories import LinkConflictError

if TYPE_CHECKING:
    from b1hub.hub import Hub

SF_ID_SHAPE = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
PREFIXES = {"001": "Account", "00Q": "Lead", "003": "Contact", "01t": "Product2",
            "006": "Opportunity", "0Q0": "Quote", "801": "Order"}
CARD_TYPES = {"cCustomer": "a customer", "cLid": "a lead", "cSupplier": "a supplier"}
SAP_CHUNK = 40
SF_CHUNK = 200

UNKNOWN_SAP_KEY = "unknown_sap_key"
SAP_KEY_LINKED = "sap_key_linked"
UNKNOWN_SF_ID = "unknown_salesforce_id"
SF_ID_LINKED = "salesforce_id_linked"
TYPE_MISMATCH = "type_mismatch"
DUPLICATE = "duplicate_in_file"


@dataclass
class RowResult:
    row: int
    """The spreadsheet row number (the header is row 1)."""
    sf_id: str
    sap_key: str
    problems: list[tuple[str, str]] = field(default_factory=list)
    status: str = "valid"
    """valid | invalid | linked | unchanged (already linked this way) | skipped (no key)."""

    def refuse(self, code: str, reason: str) -> None:
        self.problems.append((code, reason))
        self.status = "invalid"


@dataclass
class UploadReport:
    object: str
    rows: list[RowResult]
    applied: bool

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "invalid"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("linked", "unchanged", "skipped", "invalid", "valid")}

    def to_json(self) -> dict[str, Any]:
        """The report as ``b1hub link upload --json`` and the API give it (rows without a
        SAP key, which are not part of the upload, left out)."""
        return {"object": self.object, "applied": self.applied, **self.summary(),
                "rows": [{"row": r.row, "salesforce_id": r.sf_id, "sap_key": r.sap_key,
                          "status": r.status,
                          "problems": [{"code": c, "reason": t} for c, t in r.problems]}
                         for r in self.rows if r.status != "skipped"]}


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _odata(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sap_rows(hub: Hub, entity: str, key: str, codes: list[str],
              select: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with hub.service_layer() as sap:
        for chunk in _chunks(sorted(set(codes)), SAP_CHUNK):
            condition = " or ".join(f"{key} eq {_odata(c)}" for c in chunk)
            for page in sap.iter_pages(entity, select=select, filter=condition):
                if not isinstance(page, list):
                    raise RuntimeError(f"reading SAP {entity}: {page}")
                found.update({str(r[key]): r for r in page})
    return found


def _sf_ids(hub: Hub, sobject: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    with hub.salesforce() as sf:
        for chunk in _chunks(sorted(set(ids)), SF_CHUNK):
            quoted = ", ".join("'" + i + "'" for i in chunk)
            for page in sf.query(f"SELECT Id FROM {sobject} WHERE Id IN ({quoted})"):
                if not isinstance(page, list):
                    raise RuntimeError(f"reading Salesforce {sobject}: {page}")
                found.update(str(r["Id"]) for r in page)
    return found


def _same_id(a: str, b: str) -> bool:
    return a[:15] == b[:15]


def read_template(path: Path) -> tuple[TemplateKind, list[RowResult]]:
    header, rows = read_rows(path)
    if OBJECT not in header or SF_ID not in header:
        raise SheetError(f"{path.name} is not a b1hub link template: the columns "
                         f"{OBJECT!r} and {SF_ID!r} are missing")
    objects = [r[OBJECT].strip().lower() for r in rows if r.get(OBJECT, "").strip()]
    if not objects:
        raise SheetError(f"{path.name} has no rows")
    kind = kind_of(max(set(objects), key=objects.count))
    missing = [k for k in kind.keys if k not in header]
    if missing:
        raise SheetError(f"{path.name}: a {kind.object} template needs the columns "
                         f"{', '.join(missing)}")
    results: list[RowResult] = []
    for number, row in enumerate(rows, start=2):
        result = RowResult(number, row.get(SF_ID, "").strip(), kind.sap_key(row))
        filled = [row.get(k, "").strip() for k in kind.keys]
        if not any(filled):
            result.status = "skipped"
        elif not all(filled):
            result.refuse(UNKNOWN_SAP_KEY, f"fill every SAP key column ({', '.join(kind.keys)})")
        if row.get(OBJECT, "").strip().lower() not in ("", kind.object):
            result.refuse(TYPE_MISMATCH, f"row is a {row[OBJECT]!r}, the file links "
                                         f"{kind.object} records")
        results.append(result)
    return kind, results


def _check_duplicates(rows: list[RowResult]) -> None:
    by_key: dict[str, list[RowResult]] = defaultdict(list)
    by_id: dict[str, list[RowResult]] = defaultdict(list)
    for r in rows:
        by_key[r.sap_key].append(r)
        by_id[r.sf_id[:15]].append(r)
    for what, groups in (("SAP key", by_key), ("Salesforce Id", by_id)):
        for value, group in groups.items():
            if len(group) > 1:
                numbers = ", ".join(str(g.row) for g in group)
                for g in group:
                    g.refuse(DUPLICATE, f"{what} {value} appears on rows {numbers}")


def _check_salesforce(hub: Hub, kind: TemplateKind, rows: list[RowResult]) -> None:
    with hub.salesforce() as sf:
        described = sf.describe(kind.sobject)
    prefix = described.get("keyPrefix") if isinstance(described, dict) else None
    candidates = []
    for r in rows:
        if not SF_ID_SHAPE.match(r.sf_id):
            r.refuse(UNKNOWN_SF_ID, f"{r.sf_id or '(empty)'} is not a Salesforce Id")
        elif prefix and r.sf_id[:3] != prefix:
            other = PREFIXES.get(r.sf_id[:3], "another object")
            r.refuse(TYPE_MISMATCH, f"Salesforce Id {r.sf_id} is a {other}, not a "
                                    f"{kind.sobject}")
        else:
            candidates.append(r)
    found = _sf_ids(hub, kind.sobject, [r.sf_id for r in candidates])
    known15 = {i[:15] for i in found}
    for r in candidates:
        if r.sf_id[:15] not in known15:
            r.refuse(UNKNOWN_SF_ID, f"no {kind.sobject} with Id {r.sf_id} in Salesforce")


def _check_sap(hub: Hub, kind: TemplateKind, rows: list[RowResult]) -> None:
    codes = [r.sap_key.split(":")[0] for r in rows]
    if kind.object == "product":
        items = _sap_rows(hub, "Items", "ItemCode", codes, ["ItemCode"])
        missing = [c for c in codes if c not in items]
        partners = _sap_rows(hub, "BusinessPartners", "CardCode", missing, ["CardCode"])
        for r in rows:
            if r.sap_key in items:
                continue
            if r.sap_key in partners:
                r.refuse(TYPE_MISMATCH, f"{r.sap_key} is a business partner, not an item")
            else:
                r.refuse(UNKNOWN_SAP_KEY, f"no SAP item {r.sap_key}")
        return
    select = ["CardCode", "CardType"] + (["ContactEmployees"] if kind.object == "contact"
                                         else [])
    partners = _sap_rows(hub, "BusinessPartners", "CardCode", codes, select)
    items = _sap_rows(hub, "Items", "ItemCode", [c for c in codes if c not in partners],
                      ["ItemCode"])
    for r in rows:
        code = r.sap_key.split(":")[0]
        partner = partners.get(code)
        if partner is None:
            if code in items:
                r.refuse(TYPE_MISMATCH, f"{code} is an item, not a business partner")
            else:
                r.refuse(UNKNOWN_SAP_KEY, f"no SAP business partner {code}")
        elif kind.card_type and partner.get("CardType") != kind.card_type:
            actual = CARD_TYPES.get(str(partner.get("CardType")), str(partner.get("CardType")))
            r.refuse(TYPE_MISMATCH, f"{code} is {actual}, not {CARD_TYPES[kind.card_type]}")
        elif kind.object == "contact":
            internal = r.sap_key.split(":")[1]
            contacts = {str(c.get("InternalCode")) for c in partner.get("ContactEmployees") or []}
            if internal not in contacts:
                r.refuse(UNKNOWN_SAP_KEY, f"{code} has no contact person {internal}")


def _check_links(hub: Hub, kind: TemplateKind, rows: list[RowResult]) -> None:
    with hub.repos() as repos:
        by_key = repos.links.by_sap_keys(kind.object, [r.sap_key for r in rows])
        by_id = repos.links.by_sf_ids(kind.object, [r.sf_id for r in rows])
        by_id15 = {sf_id[:15]: link for sf_id, link in by_id.items()}
        for r in rows:
            key_link, id_link = by_key.get(r.sap_key), by_id15.get(r.sf_id[:15])
            if key_link is not None and _same_id(key_link.sf_id, r.sf_id):
                r.status = "unchanged"
                continue
            if key_link is not None:
                r.refuse(SAP_KEY_LINKED, f"SAP {r.sap_key} is already linked to Salesforce "
                                         f"{key_link.sf_id}")
            if id_link is not None:
                r.refuse(SF_ID_LINKED, f"Salesforce {r.sf_id} is already linked to SAP "
                                       f"{id_link.sap_key}")


def validate(hub: Hub, path: Path) -> tuple[TemplateKind, list[RowResult]]:
    kind, rows = read_template(path)
    given = [r for r in rows if r.status != "skipped"]
    _check_duplicates(given)
    _check_salesforce(hub, kind, [r for r in given if r.status == "valid"])
    _check_sap(hub, kind, [r for r in given if r.status == "valid"])
    _check_links(hub, kind, [r for r in given if r.status == "valid"])
    return kind, rows


def upload(hub: Hub, path: Path, *, valid_rows_only: bool, by: str) -> UploadReport:
    """Validate ``path``; link its rows when all are valid (or only the valid ones)."""
    kind, rows = validate(hub, path)
    report = UploadReport(kind.object, rows, applied=False)
    if report.invalid and not valid_rows_only:
        return report
    with hub.repos() as repos:
        for r in rows:
            if r.status != "valid":
                continue
            try:
                repos.links.insert_or_get(kind.object, r.sap_key, r.sf_id)
            except LinkConflictError as exc:  # linked by a sync running meanwhile
                r.refuse(SAP_KEY_LINKED, str(exc))
                continue
            r.status = "linked"
        repos.audit.record(by, "link.upload", kind.object, {
            "file": path.name, "linked": report.count("linked"),
            "invalid": len(report.invalid), "valid_rows_only": valid_rows_only})
    report.applied = True
    return report
