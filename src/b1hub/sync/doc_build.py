"""The SAP body of a Salesforce quote or order, or the reason it cannot be built yet.

Partners come from the account links, items from the product links or, for a product
the hub did not sync, from its ``ProductCode`` when SAP knows that item code. An
account not in SAP yet makes the document wait (read again every run); a product SAP
does not know is a record error naming its code, never a dropped line. A line without a
Salesforce price is priced by SAP from the partner's price list; when that list has no
price either, the line is a record error. So are, named by line and field, a number SAP
cannot hold (quantity, price, line total, discount), text it must not get, a header value
that does not map, and, with multi-currency off, a currency other than the customer's
(SAP would book the amounts in the customer's currency as they are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b1hub.mapping.transforms import checked_text
from b1hub.store.repositories import Repositories
from b1hub.sync import messages
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.doc_source import DocumentKind, SfDocument, nested
from b1hub.sync.hashing import record_hash

LINES = "DocumentLines"
EXPENSES = "DocumentAdditionalExpenses"
SAP_LIMIT = 1e13
"""SAP keeps quantities, prices and totals as decimal(19,6): 13 digits before the point."""


@dataclass
class Built:
    """A document ready to write (``body``), waiting (``waiting``) or failed (``error``)."""

    doc: SfDocument
    body: dict[str, Any] = field(default_factory=dict)
    line_ids: list[str] = field(default_factory=list)
    waiting: str | None = None
    error: tuple[str, str] | None = None
    fields: list[str] = field(default_factory=list)
    """The Salesforce fields the error is about."""

    @property
    def digest(self) -> str:
        return record_hash(self.body)


def sap_items(ctx: RunContext, codes: set[str]) -> set[str]:
    """The item codes among ``codes`` that exist in SAP (cached for the run)."""
    known: set[str] = ctx.cache.setdefault("sap_items", set())
    checked: set[str] = ctx.cache.setdefault("sap_items_checked", set())
    todo = sorted(codes - checked)
    for start in range(0, len(todo), 40):
        group = todo[start:start + 40]
        condition = " or ".join("ItemCode eq '" + c.replace("'", "''") + "'" for c in group)
        for page in ctx.sap.iter_pages("Items", select=["ItemCode"], filter=condition):
            if not isinstance(page, list):
                raise Paused(page)
            known.update(str(r["ItemCode"]) for r in page)
        checked.update(group)
    return known & codes


def build_all(ctx: RunContext, repos: Repositories, docs: list[SfDocument],
              kind: DocumentKind) -> list[Built]:
    accounts = repos.links.by_sf_ids("account", [str(d.raw.get("AccountId") or "")
                                                for d in docs])
    product_ids = {str(line.get("Product2Id")) for d in docs for line in d.lines}
    products = repos.links.by_sf_ids("product", product_ids)
    unlinked_codes = {str(nested(line, "Product2.ProductCode")) for d in docs for line in d.lines
                      if str(line.get("Product2Id")) not in products
                      and nested(line, "Product2.ProductCode")}
    in_sap = sap_items(ctx, unlinked_codes) if unlinked_codes else set()
    items = {pid: link.sap_key for pid, link in products.items()}
    return [_build(ctx, d, kind, accounts, items, in_sap) for d in docs]


def _build(
    ctx: RunContext, doc: SfDocument, kind: DocumentKind, accounts: dict[str, Any],
    items: dict[str, str], in_sap: set[str],
) -> Built:
    built = Built(doc)
    account_id = str(doc.raw.get("AccountId") or "")
    account = accounts.get(account_id)
    if account is None:
        built.waiting = (f"waits for its account (Salesforce {account_id or 'none'}) to be "
                         "synced to SAP: give the account a synced Account Type and sync "
                         "account")
        return built
    if not doc.lines:
        built.error = ("NO_LINES", "has no products; add at least one line and retry")
        return built
    lines: list[dict[str, Any]] = []
    settings = ctx.settings
    for number, line in enumerate(doc.lines, start=1):
        product = str(line.get("Product2Id") or "")
        code = nested(line, "Product2.ProductCode")
        item = items.get(product) or (str(code) if code and str(code) in in_sap else None)
        shown = f"'{code}'" if code else f"{nested(line, 'Product2.Name')!r} (no product code)"
        if item is None:
            built.error = ("UNKNOWN_PRODUCT",
                           f"line {number}: product {shown} is unknown in SAP (no item with "
                           "that code); create or sync the item, then retry")
            built.fields = ["Product2Id"]
            return built
        bad = line_problem(line)
        if bad is not None:
            built.error = (bad[0], f"line {number}: {bad[1]}")
            built.fields = bad[2]
            return built
        body: dict[str, Any] = {"ItemCode": item, "Quantity": float(line.get("Quantity") or 0)}
        if line.get("UnitPrice"):
            body["UnitPrice"] = float(line["UnitPrice"])
        else:  # SAP prices it from the partner's price list, when that list has a price
            price_list, price = sap_price(ctx, account.sap_key, item)
            if not price:
                built.error = ("MISSING_PRICE",
                               f"line {number}: no price for item {item} (price list "
                               f"{price_list} in SAP, and the Salesforce line has none) — "
                               "set a price and retry")
                built.fields = ["UnitPrice"]
                return built
        if line.get("Discount") is not None:
            body["DiscountPercent"] = float(line["Discount"])
        if line.get("Description"):
            body["ItemDescription"] = str(line["Description"])[:100]
        if settings.exempt_tax_code:
            body["TaxCode"] = settings.exempt_tax_code
        lines.append(body)
        built.line_ids.append(str(line["Id"]))
    currency = doc.raw.get("CurrencyIsoCode")
    if currency and not settings.multi_currency:
        billed = partner(ctx, account.sap_key)[1]
        if billed not in (None, "", "##") and billed != currency:
            built.error = ("WRONG_CURRENCY",
                           f"is in {currency} (CurrencyIsoCode) but SAP customer "
                           f"{account.sap_key} is billed in {billed} and multi-currency is "
                           f"off, so SAP would book these {currency} amounts as {billed} — "
                           f"change the currency to {billed}, or turn multi-currency on "
                           "(b1hub settings set multi_currency true), then retry")
            built.fields = ["CurrencyIsoCode"]
            return built
    header: dict[str, Any] = {}
    if kind.mapped:
        mapped = ctx.spec.field_map.from_salesforce(doc.raw)
        converted = ctx.spec.field_map.to_sap(mapped.values)
        errors = [*mapped.errors, *converted.errors]
        if errors:  # never send the header without a field it could not map
            built.error = ("UNMAPPED_VALUE",
                           messages.unmapped("", "Salesforce", errors).removeprefix(": "))
            built.fields = [e.field for e in errors]
            return built
        header = converted.values
    built.body = {**header, "CardCode": account.sap_key, "NumAtCard": doc.id, LINES: lines}
    charges = freight(ctx, doc, kind)
    if isinstance(charges, tuple):
        built.error = charges
        return built
    if charges:
        built.body[EXPENSES] = charges
    if settings.multi_currency and doc.raw.get("CurrencyIsoCode"):
        built.body["DocCurrency"] = doc.raw["CurrencyIsoCode"]
    if settings.payment_terms is not None:
        built.body["PaymentGroupCode"] = settings.payment_terms
    if settings.branch is not None:
        built.body["BPL_IDAssignedToInvoice"] = settings.branch
    return built


def freight(ctx: RunContext, doc: SfDocument, kind: DocumentKind) -> list[dict[str, Any]] | \
        tuple[str, str]:
    """The document's shipping and tax amounts as SAP freight rows (exempt: the amount is
    already the tax), or the error when an amount has no freight code to go to."""
    settings = ctx.settings
    codes = {"shipping": (settings.shipping_freight_code, "shipping_freight_code"),
             "tax": (settings.tax_freight_code, "tax_freight_code")}
    rows: list[dict[str, Any]] = []
    for field_name, charge in kind.charges:
        amount = float(doc.raw.get(field_name) or 0.0)
        code, setting = codes[charge]
        if not amount:
            continue
        if code is None:
            return ("NO_FREIGHT_CODE", f"has {charge} {amount:.2f} ({field_name}) but no SAP "
                                       f"freight code is set for it; set {setting} "
                                       f"(b1hub settings set {setting} CODE) and retry")
        row: dict[str, Any] = {"ExpenseCode": code, "LineTotal": amount}
        if settings.exempt_tax_code:
            row["TaxCode"] = settings.exempt_tax_code
        rows.append(row)
    return rows


def line_problem(line: dict[str, Any]) -> tuple[str, str, list[str]] | None:
    """(code, why, fields) when a Salesforce line holds a number SAP cannot take, or text
    it must not: checked here, so the user reads which line and field, not SAP's words."""
    quantity = float(line.get("Quantity") or 0)
    price = float(line.get("UnitPrice") or 0)
    discount = float(line.get("Discount") or 0)
    if not 0 < quantity < SAP_LIMIT:
        return ("QUANTITY_OUT_OF_RANGE",
                f"quantity {quantity:g} (Quantity) is out of range: an SAP sales document "
                "line needs a quantity above 0 (returns are credit memos in SAP) and below "
                "10^13 — correct the line in Salesforce and retry", ["Quantity"])
    if not -SAP_LIMIT < price < SAP_LIMIT:
        return ("PRICE_OUT_OF_RANGE",
                f"unit price {price:g} (UnitPrice) is out of range: SAP holds at most 13 "
                "digits before the decimal point — correct the line in Salesforce and retry",
                ["UnitPrice"])
    if not -SAP_LIMIT < quantity * price < SAP_LIMIT:
        return ("TOTAL_OUT_OF_RANGE",
                f"quantity {quantity:g} times unit price {price:g} = {quantity * price:g} is out "
                "of range: SAP holds a line total of at most 13 digits before the decimal "
                "point — correct the line in Salesforce and retry", ["Quantity", "UnitPrice"])
    if not 0 <= discount <= 100:
        return ("DISCOUNT_OUT_OF_RANGE",
                f"discount {discount:g}% (Discount) is out of range: SAP takes 0 to 100 % — "
                "correct the line in Salesforce and retry", ["Discount"])
    try:
        checked_text(line.get("Description"))
    except ValueError as exc:
        return ("INVALID_TEXT", f"the line description (Description) {exc}, then retry",
                ["Description"])
    return None


def partner(ctx: RunContext, card_code: str) -> tuple[int, str | None]:
    """(price list, currency) of an SAP partner; read once per run."""
    known: dict[str, tuple[int, str | None]] = ctx.cache.setdefault("partners", {})
    if card_code not in known:
        row = _one(ctx, "BusinessPartners", f"CardCode eq '{_quoted(card_code)}'",
                   ["CardCode", "PriceListNum", "Currency"]) or {}
        known[card_code] = (int(row.get("PriceListNum") or 1), row.get("Currency"))
    return known[card_code]


def sap_price(ctx: RunContext, card_code: str, item: str) -> tuple[int, float]:
    """(partner's price list, the item's price in it); read once per run and key."""
    price_list = partner(ctx, card_code)[0]
    prices: dict[str, dict[int, float]] = ctx.cache.setdefault("item_prices", {})
    if item not in prices:
        row = _one(ctx, "Items", f"ItemCode eq '{_quoted(item)}'", ["ItemCode", "ItemPrices"])
        prices[item] = {int(p["PriceList"]): float(p.get("Price") or 0.0)
                        for p in (row or {}).get("ItemPrices") or []}
    return price_list, prices[item].get(price_list, 0.0)


def _quoted(value: str) -> str:
    return value.replace("'", "''")


def _one(ctx: RunContext, entity: str, condition: str, select: list[str]) -> dict[str, Any] | None:
    for page in ctx.sap.iter_pages(entity, select=select, filter=condition):
        if not isinstance(page, list):
            raise Paused(page)
        if page:
            return page[0]
    return None


def with_line_numbers(
    built: Built, known: dict[str, int]
) -> tuple[dict[str, Any], bool]:
    """The update body: lines SAP has carry their ``LineNum`` (merged in place), new ones
    none (appended); True when a line was removed, so the collection must be replaced."""
    body = {k: v for k, v in built.body.items() if k != LINES}
    lines = []
    for line_id, line in zip(built.line_ids, built.body[LINES], strict=True):
        number = known.get(line_id)
        lines.append({**line, "LineNum": number} if number is not None else dict(line))
    body[LINES] = lines
    removed = bool(set(known) - set(built.line_ids))
    return body, removed
