"""Entity metadata of the emulated Service Layer, declared as data.

One table drives validation (unknown properties, enums, sizes, types), defaults (every
entity is returned with its complete property set, as the real server does) and query
checks ($filter/$select/$orderby property names). Sizes are the SAP column lengths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

FieldType = Literal["str", "int", "float", "date", "time", "enum", "list"]

YES_NO = ("tYES", "tNO")


@dataclass(frozen=True)
class Field:
    type: FieldType
    size: int | None = None
    enum: tuple[str, ...] = ()
    default: Any = None
    readonly: bool = False


@dataclass(frozen=True, eq=False)
class Collection:
    """A sub-object collection (not a navigation property): lines, addresses, contacts."""

    type_name: str
    fields: dict[str, Field]
    key: str | None
    udf_table: str | None = None


@dataclass(frozen=True, eq=False)
class Entity:
    set_name: str
    type_name: str
    key: str
    key_type: Literal["str", "int"]
    fields: dict[str, Field]
    collections: dict[str, Collection] = field(default_factory=dict)
    udf_table: str | None = None
    auto_key: bool = False
    template: dict[str, Any] = field(default_factory=dict)
    """Extra properties (with their default values) not worth declaring one by one."""
    indexed: tuple[str, ...] = ()
    """Fields with an SQLite expression index; always stored, so filters use them bare."""
    deletable: bool = True
    actions: tuple[str, ...] = ()
    key_fields: tuple[str, ...] = ()
    """Composite key parts, e.g. ``UserFieldsMD(TableName='OCRD',FieldID=0)``."""

    def defaults(self) -> dict[str, Any]:
        out = dict(self.template)
        out.update({name: f.default for name, f in self.fields.items()})
        out.update({name: [] for name in self.collections})
        return out


def s(size: int, default: str | None = None) -> Field:
    return Field("str", size=size, default=default)


def i(default: int | None = None, readonly: bool = False) -> Field:
    return Field("int", default=default, readonly=readonly)


def f(default: float | None = 0.0, readonly: bool = False) -> Field:
    return Field("float", default=default, readonly=readonly)


def e(*members: str, default: str | None = None, readonly: bool = False) -> Field:
    return Field("enum", enum=members, default=default, readonly=readonly)


def yn(default: str = "tNO") -> Field:
    return Field("enum", enum=YES_NO, default=default)


DATE = Field("date")
TIME = Field("time")
RO_DATE = Field("date", readonly=True)
RO_TIME = Field("time", readonly=True)
MEMO = 64000

STAMPS = {"CreateDate": RO_DATE, "CreateTime": RO_TIME,
          "UpdateDate": RO_DATE, "UpdateTime": RO_TIME}
UPDATE_STAMPS = {"UpdateDate": RO_DATE, "UpdateTime": RO_TIME}

BP_ADDRESS = Collection("BPAddress", udf_table="CRD1", key="RowNum", fields={
    "AddressName": s(50), "AddressName2": s(50), "AddressName3": s(50), "Street": s(100),
    "StreetNo": s(100), "Block": s(100), "BuildingFloorRoom": s(100), "City": s(100),
    "County": s(100), "ZipCode": s(20), "Country": s(3), "State": s(3),
    "AddressType": e("bo_BillTo", "bo_ShipTo", default="bo_BillTo"), "BPCode": s(15),
    "RowNum": i(), "FederalTaxID": s(32), "TaxCode": s(8),
    "CreateDate": RO_DATE, "CreateTime": RO_TIME,
})

CONTACT = Collection("ContactEmployee", udf_table="OCPR", key="InternalCode", fields={
    "InternalCode": i(), "CardCode": s(15), "Name": s(50), "FirstName": s(50),
    "MiddleName": s(50), "LastName": s(50), "Title": s(10), "Position": s(90),
    "Phone1": s(20), "Phone2": s(20), "MobilePhone": s(50), "Fax": s(20), "E_Mail": s(100),
    "Address": s(100), "Remarks1": s(100), "Remarks2": s(100), "Active": yn("tYES"),
    "Gender": e("gt_Male", "gt_Female", "gt_Undefined", default="gt_Undefined"),
    "DateOfBirth": DATE, **STAMPS,
})

BUSINESS_PARTNERS = Entity(
    "BusinessPartners", "BusinessPartner", "CardCode", "str", udf_table="OCRD",
    indexed=("CardType", "GroupCode", "UpdateDate", "UpdateTime"),
    fields={
        "CardCode": s(15), "CardName": s(100), "CardType": e(
            "cCustomer", "cSupplier", "cLid", default="cCustomer"),
        "GroupCode": i(100), "Address": s(254), "ZipCode": s(20), "City": s(100),
        "County": s(100), "Country": s(3), "MailAddress": s(254), "MailZipCode": s(20),
        "MailCity": s(100), "MailCountry": s(3), "Phone1": s(20), "Phone2": s(20),
        "Cellular": s(50), "Fax": s(20), "EmailAddress": s(100), "Website": s(100),
        "Currency": s(3, "##"), "FederalTaxID": s(32), "Notes": s(100), "FreeText": s(MEMO),
        "ForeignName": s(100), "Valid": yn("tYES"), "ValidFrom": DATE, "ValidTo": DATE,
        "Frozen": yn("tNO"), "FrozenFrom": DATE, "FrozenTo": DATE,
        "SalesPersonCode": i(-1), "PriceListNum": i(1), "PayTermsGrpCode": i(-1),
        "CreditLimit": f(), "CurrentAccountBalance": f(readonly=True), "Series": i(1),
        "ContactPerson": s(50), "BilltoDefault": s(50), "ShipToDefault": s(50), **STAMPS,
    },
    collections={"BPAddresses": BP_ADDRESS, "ContactEmployees": CONTACT},
)

BP_GROUPS = Entity(
    "BusinessPartnerGroups", "BusinessPartnerGroup", "Code", "int", auto_key=True,
    fields={"Code": i(), "Name": s(20), "Type": e(
        "bbpgt_CustomerGroup", "bbpgt_VendorGroup", default="bbpgt_CustomerGroup")},
)

ITEM_PRICE = Collection("ItemPrice", key="PriceList", fields={
    "PriceList": i(), "Price": f(), "Currency": s(3), "AdditionalPrice1": f(),
    "AdditionalCurrency1": s(3), "AdditionalPrice2": f(), "AdditionalCurrency2": s(3),
    "BasePriceList": i(), "Factor": f(1.0), "UoMPrices": Field("list", default=(), readonly=True),
})


def _item_template() -> dict[str, Any]:
    """Every property a real v2 Item carries (from a recorded response), with defaults."""
    text = resources.files(__package__).joinpath("item_template.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


ITEMS = Entity(
    "Items", "Item", "ItemCode", "str", udf_table="OITM",
    indexed=("ItemsGroupCode", "UpdateDate", "UpdateTime"), template=_item_template(),
    fields={
        "ItemCode": s(50), "ItemName": s(100), "ForeignName": s(100),
        "ItemsGroupCode": i(100), "ItemType": e(
            "itItems", "itLabor", "itTravel", "itFixedAssets", default="itItems"),
        "BarCode": s(254), "SalesItem": yn("tYES"), "PurchaseItem": yn("tYES"),
        "InventoryItem": yn("tYES"), "VatLiable": yn("tYES"), "Valid": yn("tYES"),
        "Frozen": yn("tNO"), "SalesUnit": s(100), "QuantityOnStock": f(readonly=True),
        "DefaultWarehouse": s(8, "01"), "Series": i(3), "User_Text": s(MEMO), **STAMPS,
    },
    collections={"ItemPrices": ITEM_PRICE},
)

ITEM_GROUPS = Entity(
    "ItemGroups", "ItemGroups", "Number", "int", auto_key=True,
    fields={"Number": i(), "GroupName": s(20), "InventoryAccount": s(15),
            "PlanningSystem": e("bop_MRP", "bop_None", default="bop_None")},
)

PRICE_LISTS = Entity(
    "PriceLists", "PriceList", "PriceListNo", "int", auto_key=True,
    fields={"PriceListNo": i(), "PriceListName": s(32), "BasePriceList": i(1),
            "Factor": f(1.0), "RoundingMethod": e(
                "borm_NoRounding", "borm_RoundToFullAmount", default="borm_NoRounding"),
            "GroupNum": e("boplgn_Group1", "boplgn_Group2", "boplgn_Group3",
                          "boplgn_Group4", default="boplgn_Group1"),
            "IsGrossPrice": yn(), "Active": yn("tYES"), "ValidFrom": DATE, "ValidTo": DATE,
            "DefaultPrimeCurrency": s(3)},
)

SALES_PERSONS = Entity(
    "SalesPersons", "SalesPerson", "SalesEmployeeCode", "int", auto_key=True,
    fields={"SalesEmployeeCode": i(), "SalesEmployeeName": s(155), "Remarks": s(50),
            "Active": yn("tYES"), "Locked": yn(), "Telephone": s(20), "Mobile": s(50),
            "Email": s(100), "EmployeeID": i(), "CommissionForSalesEmployee": f()},
)

SALES_STAGES = Entity(
    "SalesStages", "SalesStage", "SequenceNo", "int", auto_key=True,
    fields={"SequenceNo": i(), "Name": s(30), "Stageno": i(1), "ClosingPercentage": f(),
            "Cancelled": yn(), "IsSales": yn("tYES"), "IsPurchasing": yn()},
)

OPPORTUNITY_LINE = Collection("SalesOpportunitiesLine", key="LineNum", fields={
    "LineNum": i(), "SalesPerson": i(-1), "StartDate": DATE, "ClosingDate": DATE,
    "StageKey": i(), "PercentageRate": f(), "MaxLocalTotal": f(), "MaxSystemTotal": f(),
    "Remarks": s(254), "Contact": yn(), "Status": e("so_Open", "so_Closed", default="so_Open"),
    "DocumentType": e("bodt_MinusOne", "bodt_Quotation", "bodt_Order", "bodt_DeliveryNote",
                      "bodt_Invoice", default="bodt_MinusOne"),
    "DocumentNumber": i(), "ContactPerson": i(), "SequenceNo": i(readonly=True),
})

SALES_OPPORTUNITIES = Entity(
    "SalesOpportunities", "SalesOpportunities", "SequentialNo", "int", auto_key=True,
    udf_table="OOPR", indexed=("UpdateDate", "UpdateTime"), actions=("Close",),
    fields={
        "SequentialNo": i(), "CardCode": s(15), "CustomerName": s(100),
        "OpportunityName": s(100), "SalesPerson": i(-1), "ContactPerson": i(),
        "StartDate": DATE, "PredictedClosingDate": DATE, "ClosingDate": DATE,
        "MaxLocalTotal": f(), "MaxSystemTotal": f(), "WeightedSumLC": f(readonly=True),
        "ClosingPercentage": f(readonly=True), "CurrentStageNo": i(readonly=True),
        "CurrentStageNumber": i(readonly=True),
        "Status": e("sos_Open", "sos_Sold", "sos_Missed", default="sos_Open"),
        "Remarks": s(MEMO), "InterestLevel": i(-1), "Source": i(-1), "Territory": i(-1),
        "ProjectCode": s(20), "OpportunityType": e(
            "boOpSales", "boOpPurchasing", default="boOpSales"), **UPDATE_STAMPS,
    },
    collections={"SalesOpportunitiesLines": OPPORTUNITY_LINE},
)

DOCUMENT_LINE = Collection("DocumentLine", key="LineNum", fields={
    "LineNum": i(), "ItemCode": s(50), "ItemDescription": s(100), "Quantity": f(1.0),
    "Price": f(), "UnitPrice": f(), "PriceAfterVAT": f(readonly=True), "Currency": s(3),
    "DiscountPercent": f(), "TaxCode": s(8), "VatGroup": s(8), "LineTotal": f(readonly=True),
    "WarehouseCode": s(8, "01"), "SalesPersonCode": i(-1),
    "LineStatus": e("bost_Open", "bost_Close", default="bost_Open", readonly=True),
    "BaseType": i(-1), "BaseEntry": i(), "BaseLine": i(),
})

DOCUMENT_FIELDS = {
    "DocEntry": i(), "DocNum": i(readonly=True), "DocType": e(
        "dDocument_Items", "dDocument_Service", default="dDocument_Items"),
    "DocDate": DATE, "DocDueDate": DATE, "TaxDate": DATE, "CardCode": s(15),
    "CardName": s(100), "NumAtCard": s(100), "DocCurrency": s(3), "DocRate": f(1.0),
    "DocTotal": f(readonly=True), "VatSum": f(readonly=True), "DiscountPercent": f(),
    "Comments": s(254), "SalesPersonCode": i(-1), "ContactPersonCode": i(), "Series": i(-1),
    "PaymentGroupCode": i(-1), "BPL_IDAssignedToInvoice": i(),
    "DocumentStatus": e("bost_Open", "bost_Close", "bost_Paid", "bost_Delivered",
                        default="bost_Open", readonly=True),
    "Cancelled": Field("enum", enum=YES_NO, default="tNO", readonly=True),
    "CreationDate": RO_DATE, **UPDATE_STAMPS,
}

DOC_ACTIONS = ("Close", "Cancel", "Reopen")

DOCUMENT_EXPENSE = Collection("DocumentAdditionalExpense", key="LineNum", fields={
    "LineNum": i(), "ExpenseCode": i(), "LineTotal": f(), "TaxCode": s(8), "VatGroup": s(8),
    "TaxSum": f(readonly=True), "LineGross": f(readonly=True), "Remarks": s(254),
})
"""Freight rows of a marketing document; their totals (and tax) count into DocTotal."""

ADDITIONAL_EXPENSES = Entity(
    "AdditionalExpenses", "AdditionalExpense", "ExpensCode", "int", auto_key=True,
    fields={"ExpensCode": i(), "Name": s(20), "TaxLiable": yn("tYES"),
            "OutputVATGroup": s(8), "FixedAmountSales": f()},
)

QUOTATIONS = Entity(
    "Quotations", "Document", "DocEntry", "int", auto_key=True, udf_table="OQUT",
    indexed=("UpdateDate", "UpdateTime"), fields=DOCUMENT_FIELDS, actions=DOC_ACTIONS,
    collections={"DocumentLines": Collection("DocumentLine", DOCUMENT_LINE.fields, "LineNum",
                                             udf_table="QUT1"),
                 "DocumentAdditionalExpenses": DOCUMENT_EXPENSE},
)

ORDERS = Entity(
    "Orders", "Document", "DocEntry", "int", auto_key=True, udf_table="ORDR",
    indexed=("UpdateDate", "UpdateTime"), fields=DOCUMENT_FIELDS, actions=DOC_ACTIONS,
    deletable=False,
    collections={"DocumentLines": Collection("DocumentLine", DOCUMENT_LINE.fields, "LineNum",
                                             udf_table="RDR1"),
                 "DocumentAdditionalExpenses": DOCUMENT_EXPENSE},
)

UDF_TYPES = ("db_Alpha", "db_Memo", "db_Numeric", "db_Date", "db_Float")
UDF_SUBTYPES = ("st_None", "st_Address", "st_Phone", "st_Time", "st_Rate", "st_Sum",
                "st_Price", "st_Quantity", "st_Percentage", "st_Measurement", "st_Link",
                "st_Image", "st_Checkbox")
UDF_TABLES = ("OCRD", "CRD1", "OCPR", "OITM", "OQUT", "QUT1", "ORDR", "RDR1", "OOPR")

USER_FIELDS = Entity(
    "UserFieldsMD", "UserFieldMD", "FieldID", "str", key_fields=("TableName", "FieldID"),
    fields={"Name": s(50), "Type": e(*UDF_TYPES, default="db_Alpha"), "Size": i(10),
            "Description": s(80), "SubType": e(*UDF_SUBTYPES, default="st_None"),
            "LinkedTable": s(20), "DefaultValue": s(254), "TableName": s(20),
            "FieldID": i(readonly=True), "EditSize": i(10), "Mandatory": yn(),
            "LinkedUDO": s(20), "LinkedSystemObject": Field("str", default=None)},
    collections={"ValidValuesMD": Collection("ValidValueMD", key=None, fields={
        "Value": s(254), "Description": s(254)})},
)

ENTITIES: dict[str, Entity] = {
    ent.set_name: ent
    for ent in (BUSINESS_PARTNERS, BP_GROUPS, ITEMS, ITEM_GROUPS, PRICE_LISTS, SALES_PERSONS,
                SALES_STAGES, SALES_OPPORTUNITIES, QUOTATIONS, ORDERS, ADDITIONAL_EXPENSES,
                USER_FIELDS)
}

MARKETING_HEADERS = ("OQUT", "ORDR")
MARKETING_LINES = ("QUT1", "RDR1")


def udf_tables_sharing(table: str) -> tuple[str, ...]:
    """A UDF created on one marketing-document table exists on all of them."""
    if table in MARKETING_HEADERS:
        return MARKETING_HEADERS
    if table in MARKETING_LINES:
        return MARKETING_LINES
    return (table,)
