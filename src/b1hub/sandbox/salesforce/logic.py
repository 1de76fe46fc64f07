"""Per-object behaviour of a real org that plain field validation cannot express.

Converted leads are frozen, opportunity stages drive probability and closed/won flags,
custom price book entries need a standard price first, line items inherit product and
list price from their price book entry and roll their totals up to the quote or order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b1hub.sandbox.salesforce.objects import OPPORTUNITY_STAGES
from b1hub.sandbox.salesforce.results import fail
from b1hub.sandbox.salesforce.schema import SObjectSchema

if TYPE_CHECKING:
    from b1hub.sandbox.salesforce.org import Org

CASCADE: dict[str, tuple[tuple[str, str], ...]] = {
    "Account": (("Contact", "AccountId"), ("Opportunity", "AccountId")),
    "Opportunity": (("Quote", "OpportunityId"), ("OpportunityLineItem", "OpportunityId")),
    "Quote": (("QuoteLineItem", "QuoteId"),),
    "Order": (("OrderItem", "OrderId"),),
}
AUTO_NUMBERS = {
    "Quote": ("QuoteNumber", 8), "Order": ("OrderNumber", 8),
    "QuoteLineItem": ("LineNumber", 7), "OrderItem": ("OrderItemNumber", 10),
}
ROLLUPS = {"QuoteLineItem": ("Quote", "QuoteId", "TotalPrice"),
           "OrderItem": ("Order", "OrderId", "TotalAmount"),
           "OpportunityLineItem": ("Opportunity", "OpportunityId", "Amount")}
QUOTE_CHARGES = ("ShippingHandling", "Tax")
"""Header amounts a quote's GrandTotal adds to the lines' TotalPrice."""


def check_updatable(schema: SObjectSchema, old: dict[str, Any]) -> None:
    if schema.name == "Lead" and old.get("IsConverted"):
        raise fail("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")


def before_write(
    org: Org,
    schema: SObjectSchema,
    record: dict[str, Any],
    old: dict[str, Any] | None,
    changes: dict[str, Any],
) -> None:
    name = schema.name
    if name in ("Contact", "Lead", "User"):
        full = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
        record["Name"] = full or None
    elif name == "Opportunity":
        _opportunity(record, old, changes)
    elif name == "PricebookEntry" and old is None:
        _pricebook_entry(org, record)
    elif name == "Quote":
        _quote(org, record, changes)
        record["GrandTotal"] = _grand_total(record)
    elif name == "Order":
        _order(record, old, changes)
    elif name in ROLLUPS:
        _line_item(org, name, record, old, changes)


def _opportunity(
    record: dict[str, Any], old: dict[str, Any] | None, changes: dict[str, Any]
) -> None:
    stage = OPPORTUNITY_STAGES.get(record.get("StageName") or "")
    if stage is None:
        return
    probability, closed, won = stage
    if "StageName" in changes and "Probability" not in changes:
        record["Probability"] = probability
    record["IsClosed"], record["IsWon"] = closed, won


def _pricebook_entry(org: Org, record: dict[str, Any]) -> None:
    book = org.fetch(record["Pricebook2Id"]) if record.get("Pricebook2Id") else None
    product = org.fetch(record["Product2Id"]) if record.get("Product2Id") else None
    if book is None or product is None:
        return
    currency = record.get("CurrencyIsoCode")
    same_book = [
        e for e in org.children("PricebookEntry", "Product2Id", product.id)
        if e.data.get("CurrencyIsoCode") == currency
    ]
    if any(e.data.get("Pricebook2Id") == book.id for e in same_book):
        raise fail("DUPLICATE_VALUE", "This price definition already exists in this price book")
    if not book.data.get("IsStandard"):
        standard = [e for e in same_book if _is_standard_book(org, e.data.get("Pricebook2Id"))]
        if not standard:
            raise fail("STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product")
    record["Name"] = product.data.get("Name")
    record["ProductCode"] = product.data.get("ProductCode")


def _is_standard_book(org: Org, book_id: object) -> bool:
    book = org.fetch(str(book_id)) if book_id else None
    return bool(book and book.data.get("IsStandard"))


def _quote(org: Org, record: dict[str, Any], changes: dict[str, Any]) -> None:
    if "OpportunityId" not in changes:
        return
    opportunity = org.fetch(record["OpportunityId"])
    if opportunity is None:
        return
    record["AccountId"] = opportunity.data.get("AccountId")
    if not record.get("Pricebook2Id"):
        record["Pricebook2Id"] = opportunity.data.get("Pricebook2Id")


def _order(record: dict[str, Any], old: dict[str, Any] | None, changes: dict[str, Any]) -> None:
    if old is None and record.get("Status") != "Draft":
        raise fail("FIELD_INTEGRITY_EXCEPTION",
                   "You can't create an order with a status other than Draft.", ["Status"])
    if old is not None and old.get("Status") == "Activated" and "AccountId" in changes:
        raise fail("FIELD_INTEGRITY_EXCEPTION",
                   "You can't change the account of an activated order.", ["AccountId"])


def _line_item(
    org: Org,
    name: str,
    record: dict[str, Any],
    old: dict[str, Any] | None,
    changes: dict[str, Any],
) -> None:
    parent_type, parent_field, _ = ROLLUPS[name]
    if old is None and record.get(parent_field) and record.get("PricebookEntryId"):
        parent = org.fetch(record[parent_field])
        entry = org.fetch(record["PricebookEntryId"])
        if parent is None or entry is None:
            return
        book = parent.data.get("Pricebook2Id")
        if book != entry.data.get("Pricebook2Id"):
            raise fail(
                "FIELD_INTEGRITY_EXCEPTION",
                f"field integrity exception: PricebookEntryId (pricebook entry is in a "
                f"different pricebook than the one assigned to the {parent_type.lower()}, "
                f"or {parent_type.lower()} has no pricebook assigned)",
                ["PricebookEntryId"],
            )
        if parent_type == "Order" and parent.data.get("Status") == "Activated":
            raise fail("FIELD_INTEGRITY_EXCEPTION",
                       "You can't add products to an activated order.", [])
        record["Product2Id"] = entry.data.get("Product2Id")
        if name == "OpportunityLineItem":
            record["ProductCode"] = entry.data.get("ProductCode")
        record["ListPrice"] = entry.data.get("UnitPrice")
        record["CurrencyIsoCode"] = entry.data.get("CurrencyIsoCode")
    quantity = float(record.get("Quantity") or 0)
    if name == "OpportunityLineItem" and "UnitPrice" not in changes and \
            "TotalPrice" in changes and quantity:
        record["UnitPrice"] = round(float(record["TotalPrice"] or 0) / quantity, 2)
    price = float(record.get("UnitPrice") or 0)
    discount = float(record.get("Discount") or 0)
    record["TotalPrice"] = round(quantity * price * (1 - discount / 100), 2)


def assign_auto_numbers(org: Org, schema: SObjectSchema, record: dict[str, Any]) -> None:
    spec = AUTO_NUMBERS.get(schema.name)
    if spec is None:
        return
    field_name, width = spec
    record[field_name] = str(org.ids.take(f"#{schema.name}")).rjust(width, "0")


def after_write(
    org: Org, schema: SObjectSchema, record: dict[str, Any], old: dict[str, Any] | None
) -> None:
    if schema.name in ROLLUPS:
        _rollup(org, schema.name, record)


def after_delete(org: Org, schema: SObjectSchema, record: dict[str, Any]) -> None:
    if schema.name in ROLLUPS:
        _rollup(org, schema.name, record)


def _rollup(org: Org, name: str, record: dict[str, Any]) -> None:
    _, parent_field, total_field = ROLLUPS[name]
    parent_id = record.get(parent_field)
    if not parent_id:
        return
    (total,) = org.conn.execute(
        "SELECT coalesce(sum(json_extract(data, '$.TotalPrice')), 0) FROM records "
        f"WHERE sobject = '{name}' AND is_deleted = 0 "
        f"AND json_extract(data, '$.{parent_field}') = ?",
        (parent_id,),
    ).fetchone()
    org.conn.execute(
        "UPDATE records SET data = json_set(data, ?, ?) WHERE id = ?",
        (f"$.{total_field}", round(float(total), 2), parent_id),
    )
    if name == "QuoteLineItem":
        quote = org.fetch(str(parent_id))
        if quote is not None:
            org.conn.execute("UPDATE records SET data = json_set(data, '$.GrandTotal', ?) "
                             "WHERE id = ?", (_grand_total(quote.data), parent_id))


def _grand_total(quote: dict[str, Any]) -> float:
    """Real orgs: GrandTotal = TotalPrice + ShippingHandling + Tax."""
    parts = [quote.get("TotalPrice"), *(quote.get(c) for c in QUOTE_CHARGES)]
    return round(sum(float(p or 0) for p in parts), 2)
