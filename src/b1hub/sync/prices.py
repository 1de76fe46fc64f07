"""Item prices → price book entries: standard book first, then each mapped custom book.

Each SAP price list maps to a price book and currency (setting ``price_list_map``);
every product also needs one Standard Price Book entry per currency before any custom
entry in that currency (Salesforce refuses it otherwise). Entries are upserted on
``SAP_PriceKey__c``; the prices last written are kept in the product link's merge base
(``__prices``) so a changed price rewrites exactly its entry and a quiet run none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import RecordError
from b1hub.store.models import Link
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import messages, writer
from b1hub.sync.context import Paused, RunContext

if TYPE_CHECKING:
    from b1hub.sync.sap_pass import Planned

KEY_FIELD = "SAP_PriceKey__c"
STANDARD = "Standard Price Book"
PRICES = "__prices"
CREATED = "__created"
"""Set by the SAP pass in a plan's raw record when its write created the product."""


@dataclass(frozen=True)
class Entry:
    key: str
    book: str
    currency: str
    price: float
    standard: bool


def price_key(item_code: str, price_list: str, book: str) -> str:
    return f"{item_code}:{price_list}:{book}"


def desired_entries(ctx: RunContext, item: dict[str, Any]) -> list[Entry]:
    """Standard entries (first price list per currency) then custom ones, in write order."""
    code = str(item["ItemCode"])
    standard: list[Entry] = []
    custom: list[Entry] = []
    currencies: set[str] = set()
    for row in item.get("ItemPrices") or []:
        number = str(row.get("PriceList"))
        target = ctx.settings.price_list_map.get(number)
        if target is None or row.get("Price") is None:
            continue
        price = float(row["Price"])
        if target.currency not in currencies:
            currencies.add(target.currency)
            standard.append(Entry(price_key(code, number, STANDARD), STANDARD,
                                  target.currency, price, True))
        custom.append(Entry(price_key(code, number, target.pricebook), target.pricebook,
                            target.currency, price, False))
    return standard + custom


def price_changes_due(ctx: RunContext, item: dict[str, Any], link: Link) -> bool:
    written = (link.base_values or {}).get(PRICES)
    wanted = {e.key: e.price for e in desired_entries(ctx, item)}
    return written != wanted


def _books(ctx: RunContext) -> dict[str, str]:
    """Price book name (and Id) -> Id, read once per run."""
    cached = ctx.cache.get("books")
    if cached is None:
        cached = {}
        for page in ctx.sf.query("SELECT Id, Name, IsStandard FROM Pricebook2"):
            if not isinstance(page, list):
                raise Paused(str(page))
            for book in page:
                cached[str(book["Name"])] = str(book["Id"])
                cached[str(book["Id"])] = str(book["Id"])
                if book.get("IsStandard"):
                    cached[STANDARD] = str(book["Id"])
        ctx.cache["books"] = cached
    return dict(cached)


def _existing(
    ctx: RunContext, product_ids: list[str]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Entries already in Salesforce for products linked by initialization, by
    (product, book, currency): adopted (keyed) instead of duplicated."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for start in range(0, len(product_ids), 200):
        ids = ", ".join(f"'{i}'" for i in product_ids[start:start + 200])
        soql = ("SELECT Id, Product2Id, Pricebook2Id, CurrencyIsoCode, UnitPrice, "
                f"{KEY_FIELD} FROM PricebookEntry WHERE Product2Id IN ({ids})")
        for page in ctx.sf.query(soql):
            if not isinstance(page, list):
                raise Paused(str(page))
            for row in page:
                found[(str(row["Product2Id"]), str(row["Pricebook2Id"]),
                       str(row["CurrencyIsoCode"]))] = row
    return found


def _recorded(plan: Planned) -> dict[str, float]:
    """The entries the product link says were written, with their prices."""
    return dict(((plan.link.base_values or {}).get(PRICES) or {}) if plan.link else {})


def write_prices(ctx: RunContext, plans: list[Planned], outcomes: list[OutcomeIn]) -> None:
    """Write the changed entries of written products; sets ``raw["__prices"]`` per plan.

    Entries the link does not record may still exist: made before initialization, or by a
    run that died before recording them. Those products' entries are read first and found
    ones updated by Id: an upsert would reach them by key but carry ``Product2Id`` and
    ``Pricebook2Id``, which Salesforce refuses to update. A product this run's write
    created has no entries to find (a query per 200 of them was a third of the Salesforce
    calls of a first load of items).
    """
    due = [p for p in plans if p.raw.get("__sf_id")
           and (p.link is None or price_changes_due(ctx, p.raw, p.link))]
    if not due:
        return
    books = _books(ctx)
    adopt = [str(p.raw["__sf_id"]) for p in due if not p.raw.get(CREATED)
             and any(e.key not in _recorded(p) for e in desired_entries(ctx, p.raw))]
    existing = _existing(ctx, adopt) if adopt else {}
    written: dict[str, dict[str, float]] = {}
    for standard in (True, False):
        records: list[WriteRecord] = []
        updates: list[WriteRecord] = []
        meta: dict[str, tuple[Planned, Entry]] = {}
        for plan in due:
            product = str(plan.raw["__sf_id"])
            before = _recorded(plan)
            prices = written.setdefault(plan.key, before)
            for entry in desired_entries(ctx, plan.raw):
                if entry.standard is not standard or before.get(entry.key) == entry.price:
                    continue
                book = books.get(entry.book)
                meta[entry.key] = (plan, entry)
                if book is None:
                    _fail(ctx, outcomes, plan, entry, RecordError(
                        entry.key, "PRICE_BOOK_NOT_FOUND",
                        f"no price book named {entry.book!r} in Salesforce", ("Pricebook2Id",)))
                    continue
                if not standard and price_key_std(plan, entry, prices, ctx) is None:
                    outcomes.append(_outcome(entry, plan, OutcomeAction.CREATE,
                                             OutcomeStatus.WAITING,
                                             "waiting for the standard price entry"))
                    continue
                if entry.key in before:
                    records.append(WriteRecord(entry.key, {KEY_FIELD: entry.key,
                                                           "UnitPrice": entry.price}))
                    continue
                old = existing.get((product, book, entry.currency))
                if old is not None and old.get(KEY_FIELD) in (None, "", entry.key):
                    updates.append(WriteRecord(entry.key, {KEY_FIELD: entry.key,
                                                           "UnitPrice": entry.price},
                                               str(old["Id"])))
                    continue
                records.append(WriteRecord(entry.key, {
                    KEY_FIELD: entry.key, "UnitPrice": entry.price, "Product2Id": product,
                    "Pricebook2Id": book, "CurrencyIsoCode": entry.currency,
                    "IsActive": True}))
        ctx.report("prices", 0, len(records) + len(updates))
        results = writer.to_salesforce(ctx, "PricebookEntry", "upsert", records, KEY_FIELD)
        results.update(writer.to_salesforce(ctx, "PricebookEntry", "update", updates))
        for key, result in results.items():
            plan, entry = meta[key]
            if result.pending:
                ctx.pending_reason = result.pending
            elif result.error is not None:
                _fail(ctx, outcomes, plan, entry, result.error)
            else:
                action = (OutcomeAction.UPDATE if key in written[plan.key]
                          else OutcomeAction.CREATE)
                written[plan.key][key] = entry.price
                outcomes.append(_outcome(entry, plan, action, OutcomeStatus.SUCCEEDED, None))
    for plan in due:
        plan.raw[PRICES] = written.get(plan.key, {})


def price_key_std(
    plan: Planned, entry: Entry, prices: dict[str, float], ctx: RunContext
) -> str | None:
    """The standard entry a custom entry needs, if it is already in Salesforce."""
    for candidate in desired_entries(ctx, plan.raw):
        if candidate.standard and candidate.currency == entry.currency \
                and candidate.key in prices:
            return candidate.key
    return None


def _fail(
    ctx: RunContext, outcomes: list[OutcomeIn], plan: Planned, entry: Entry, error: RecordError
) -> None:
    record = messages.describe("Price", f"{entry.book} {entry.currency}", "SAP", entry.key)
    outcomes.append(_outcome(entry, plan, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                             messages.rejected(record, "Salesforce", "SAP", error),
                             error.code, list(error.fields)))


def _outcome(
    entry: Entry, plan: Planned, action: OutcomeAction, status: OutcomeStatus,
    message: str | None, code: str | None = None, fields: list[str] | None = None,
) -> OutcomeIn:
    return OutcomeIn("product", Direction.SAP_TO_SALESFORCE, action, status,
                     sap_key=entry.key, error_code=code, error_message=message,
                     error_fields=fields or [], payload={"UnitPrice": entry.price})
