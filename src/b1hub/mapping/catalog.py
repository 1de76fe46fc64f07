"""What a mappable field is on each side: its type, size, decimals and allowed values.

SAP standard fields come from this catalogue (the Service Layer metadata declares no
lengths; the sizes are the database columns); user-defined fields come from
``UserFieldsMD``; Salesforce fields from describe. Compatibility checks
(:mod:`b1hub.mapping.compat`) work on these descriptors only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ALPHA, MEMO, NUMERIC, DATE, FLOAT = "db_Alpha", "db_Memo", "db_Numeric", "db_Date", "db_Float"
YES_NO, ENUM = "yes_no", "enum"
"""Standard SAP fields that are not UDF types: tYES/tNO booleans and other enumerations."""

ADDRESS_PREFIX = re.compile(r"^BPAddresses\[AddressType=bo_(BillTo|ShipTo)\]\.")


@dataclass(frozen=True)
class ObjectTables:
    """Where an object's fields live: SAP entity and UDF tables, Salesforce sObject."""

    entity: str
    header_table: str
    address_table: str | None
    sobject: str


OBJECT_TABLES: dict[str, ObjectTables] = {
    "account": ObjectTables("BusinessPartners", "OCRD", "CRD1", "Account"),
    "lead": ObjectTables("BusinessPartners", "OCRD", "CRD1", "Lead"),
    "contact": ObjectTables("ContactEmployees", "OCPR", None, "Contact"),
    "product": ObjectTables("Items", "OITM", None, "Product2"),
    "quotation": ObjectTables("Quotations", "OQUT", None, "Quote"),
    "order": ObjectTables("Orders", "ORDR", None, "Order"),
    "opportunity": ObjectTables("SalesOpportunities", "OOPR", None, "Opportunity"),
}
SAP_UDF_TABLES = ("OCRD", "CRD1", "OCPR", "OITM", "OQUT", "ORDR")
SALESFORCE_OBJECTS = ("Account", "Contact", "Lead", "Product2", "Quote", "Order")


@dataclass(frozen=True)
class SapField:
    path: str
    type: str
    size: int | None = None
    subtype: str = "st_None"
    valid_values: tuple[tuple[str, str], ...] = ()
    udf: bool = False

    def describe(self) -> str:
        """How the field reads in a refusal: ``text 50``, ``decimals 4 (st_Rate)``..."""
        if self.type == ALPHA:
            return f"text {self.size}"
        return {MEMO: "memo", NUMERIC: f"number {self.size} digits", DATE: "date",
                FLOAT: f"decimal ({self.subtype})", YES_NO: "tYES/tNO",
                ENUM: "enumeration"}.get(self.type, self.type)


@dataclass(frozen=True)
class SfField:
    name: str
    type: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    picklist: tuple[str, ...] = ()
    updateable: bool = True
    createable: bool = True
    custom: bool = False
    label: str = ""

    @classmethod
    def from_describe(cls, d: dict[str, Any]) -> SfField:
        return cls(
            name=str(d["name"]), type=str(d.get("type") or "string"),
            length=int(d.get("length") or 0),
            precision=int(d.get("precision") or d.get("digits") or 0),
            scale=int(d.get("scale") or 0),
            picklist=tuple(str(p["value"]) for p in d.get("picklistValues") or []
                           if p.get("active", True)),
            updateable=bool(d.get("updateable", True)), createable=bool(d.get("createable", True)),
            custom=bool(d.get("custom")), label=str(d.get("label") or d["name"]),
        )

    def describe(self) -> str:
        if self.type in ("string", "textarea", "email", "phone", "url"):
            return f"text {self.length}"
        if self.type in ("double", "currency", "percent"):
            return f"decimals {self.scale}"
        return self.type


def udf_field(row: dict[str, Any], path: str) -> SapField:
    """A ``UserFieldsMD`` row as a field descriptor reachable at ``path``."""
    size = row.get("Size")
    return SapField(
        path=path, type=str(row.get("Type") or ALPHA),
        size=int(size) if size is not None else None,
        subtype=str(row.get("SubType") or "st_None"),
        valid_values=tuple((str(v.get("Value")), str(v.get("Description") or ""))
                           for v in row.get("ValidValuesMD") or []),
        udf=True,
    )


def _alpha(*pairs: tuple[str, int]) -> dict[str, tuple[str, int | None]]:
    return {name: (ALPHA, size) for name, size in pairs}


_BP: dict[str, tuple[str, int | None]] = {
    **_alpha(("CardCode", 15), ("CardName", 100), ("ForeignName", 100), ("Phone1", 20),
             ("Phone2", 20), ("Cellular", 50), ("Fax", 20), ("EmailAddress", 100),
             ("Website", 100), ("Currency", 3), ("FederalTaxID", 32), ("Notes", 100),
             ("ContactPerson", 50), ("Address", 254), ("ZipCode", 20), ("City", 100),
             ("County", 100), ("Country", 3), ("MailAddress", 254), ("MailZipCode", 20),
             ("MailCity", 100), ("MailCountry", 3)),
    "FreeText": (MEMO, None), "GroupCode": (NUMERIC, 6), "SalesPersonCode": (NUMERIC, 6),
    "PriceListNum": (NUMERIC, 6), "PayTermsGrpCode": (NUMERIC, 6), "Series": (NUMERIC, 6),
    "CreditLimit": (FLOAT, None), "Valid": (YES_NO, None), "Frozen": (YES_NO, None),
    "ValidFrom": (DATE, None), "ValidTo": (DATE, None), "CardType": (ENUM, None),
}
_ADDRESS: dict[str, tuple[str, int | None]] = {
    **_alpha(("AddressName", 50), ("AddressName2", 50), ("AddressName3", 50), ("Street", 100),
             ("StreetNo", 100), ("Block", 100), ("BuildingFloorRoom", 100), ("City", 100),
             ("County", 100), ("ZipCode", 20), ("Country", 3), ("State", 3),
             ("FederalTaxID", 32), ("TaxCode", 8)),
}
_CONTACT: dict[str, tuple[str, int | None]] = {
    **_alpha(("Name", 50), ("FirstName", 50), ("MiddleName", 50), ("LastName", 50),
             ("Title", 10), ("Position", 90), ("Phone1", 20), ("Phone2", 20),
             ("MobilePhone", 50), ("Fax", 20), ("E_Mail", 100), ("Address", 100),
             ("Remarks1", 100), ("Remarks2", 100)),
    "Active": (YES_NO, None), "Gender": (ENUM, None), "DateOfBirth": (DATE, None),
}
_ITEM: dict[str, tuple[str, int | None]] = {
    **_alpha(("ItemCode", 50), ("ItemName", 100), ("ForeignName", 100), ("BarCode", 254),
             ("SalesUnit", 100), ("DefaultWarehouse", 8)),
    "User_Text": (MEMO, None), "ItemsGroupCode": (NUMERIC, 6), "SalesItem": (YES_NO, None),
    "PurchaseItem": (YES_NO, None), "InventoryItem": (YES_NO, None),
    "Valid": (YES_NO, None), "Frozen": (YES_NO, None), "_Active": (YES_NO, None),
    "ItemType": (ENUM, None),
}
_DOCUMENT: dict[str, tuple[str, int | None]] = {
    **_alpha(("CardCode", 15), ("CardName", 100), ("NumAtCard", 100), ("DocCurrency", 3),
             ("Comments", 254)),
    "DocNum": (NUMERIC, 11), "DocEntry": (NUMERIC, 11), "DocDate": (DATE, None),
    "DocDueDate": (DATE, None), "TaxDate": (DATE, None), "DocTotal": (FLOAT, None),
    "DocumentStatus": (ENUM, None),
}
_OPPORTUNITY: dict[str, tuple[str, int | None]] = {
    **_alpha(("OpportunityName", 100), ("ProjectCode", 20)), "Remarks": (MEMO, None),
    "PredictedClosingDate": (DATE, None), "StartDate": (DATE, None),
    "MaxLocalTotal": (FLOAT, None), "InterestLevel": (NUMERIC, 6), "Source": (NUMERIC, 6),
    "Territory": (NUMERIC, 6),
}
STANDARD_FIELDS: dict[str, dict[str, tuple[str, int | None]]] = {
    "BusinessPartners": _BP, "BPAddresses": _ADDRESS, "ContactEmployees": _CONTACT,
    "Items": _ITEM, "Quotations": _DOCUMENT, "Orders": _DOCUMENT,
    "SalesOpportunities": _OPPORTUNITY,
}
FLOAT_SUBTYPES = {"CreditLimit": "st_Sum", "DocTotal": "st_Sum", "MaxLocalTotal": "st_Sum"}


def split_path(tables: ObjectTables, path: str) -> tuple[str, str | None, str]:
    """``(collection or entity, UDF table, field name)`` of a SAP path on this object."""
    match = ADDRESS_PREFIX.match(path)
    if match is not None:
        if tables.address_table is None:
            raise ValueError(f"{tables.entity} has no addresses; {path!r} cannot be mapped")
        return "BPAddresses", tables.address_table, path[match.end():]
    if "." in path or "[" in path:
        raise ValueError(f"unsupported SAP field path {path!r}: use a field name, or "
                         "BPAddresses[AddressType=bo_BillTo|bo_ShipTo].Field")
    return tables.entity, tables.header_table, path


def standard_field(tables: ObjectTables, path: str) -> SapField | None:
    where, _, name = split_path(tables, path)
    known = STANDARD_FIELDS.get(where, {}).get(name)
    if known is None:
        return None
    kind, size = known
    return SapField(path, kind, size, subtype=FLOAT_SUBTYPES.get(name, "st_None"))
