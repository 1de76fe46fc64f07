"""Marketing documents (Quotations, Orders) and opportunities: computed fields and actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b1hub.sandbox.service_layer.validate import Doc
from b1hub.sandbox.service_layer.wire import SLError

TAX_RATES: dict[str, float] = {"EX": 0.0, "T0": 0.0, "T1": 10.0, "T2": 20.0}
"""Sandbox tax codes and their rates in percent (unknown codes are tax-free)."""

ItemLookup = Callable[[str], Doc | None]
ExpenseLookup = Callable[[int], Doc | None]


def compute_document(doc: Doc, item: ItemLookup, price_list: int,
                     expense: ExpenseLookup = lambda code: None) -> None:
    """Fill line prices, LineTotal, VatSum and DocTotal the way SAP derives them; freight
    (``DocumentAdditionalExpenses``) is added after the header discount, with its tax."""
    net_total = vat_total = 0.0
    header_factor = 1 - float(doc.get("DiscountPercent") or 0.0) / 100
    for line in doc.get("DocumentLines", []):
        code = line.get("ItemCode")
        master = item(code) if code else None
        if code and master is None:
            raise SLError(400, -10, f"Invalid item code '{code}'")
        if master is not None:
            line.setdefault("ItemDescription", master.get("ItemName"))
            if line.get("UnitPrice") is None and line.get("Price") is None:
                prices = {p["PriceList"]: p for p in master.get("ItemPrices", [])}
                chosen = prices.get(price_list) or {}
                line["UnitPrice"] = float(chosen.get("Price") or 0.0)
                line.setdefault("Currency", chosen.get("Currency"))
        unit = float(line.get("UnitPrice") if line.get("UnitPrice") is not None
                     else line.get("Price") or 0.0)
        discount = float(line.get("DiscountPercent") or 0.0)
        price = round(unit * (1 - discount / 100), 6)
        quantity = float(line.get("Quantity") if line.get("Quantity") is not None else 1.0)
        line["UnitPrice"], line["Price"], line["Quantity"] = unit, price, quantity
        line_total = round(quantity * price, 2)
        rate = TAX_RATES.get(str(line.get("TaxCode") or line.get("VatGroup") or ""), 0.0)
        line["LineTotal"] = line_total
        line["PriceAfterVAT"] = round(price * (1 + rate / 100), 6)
        net_total += line_total
        vat_total += line_total * header_factor * rate / 100
    freight = 0.0
    for row in doc.get("DocumentAdditionalExpenses", []):
        code = row.get("ExpenseCode")
        if code is None or expense(int(code)) is None:
            raise SLError(400, -10, f"Invalid freight code '{code}'")
        amount = round(float(row.get("LineTotal") or 0.0), 2)
        rate = TAX_RATES.get(str(row.get("TaxCode") or row.get("VatGroup") or ""), 0.0)
        row["LineTotal"], row["TaxSum"] = amount, round(amount * rate / 100, 2)
        row["LineGross"] = round(amount + row["TaxSum"], 2)
        freight += amount
        vat_total += row["TaxSum"]
    doc["VatSum"] = round(vat_total, 2)
    doc["DocTotal"] = round(net_total * header_factor + freight + vat_total, 2)


def apply_action(set_name: str, doc: Doc, action: str) -> None:
    if set_name == "SalesOpportunities":
        if doc.get("Status", "sos_Open") != "sos_Open":
            raise SLError(400, -5002, "Opportunity is already closed")
        doc["Status"] = "sos_Missed"
        return
    cancelled = doc.get("Cancelled") == "tYES"
    status = doc.get("DocumentStatus", "bost_Open")
    if action == "Close":
        if status != "bost_Open":
            raise SLError(400, -5002, "Document is already closed")
        doc["DocumentStatus"] = "bost_Close"
    elif action == "Cancel":
        if cancelled or status != "bost_Open":
            raise SLError(400, -5002, "Cannot cancel a document that is closed or canceled")
        doc["Cancelled"], doc["DocumentStatus"] = "tYES", "bost_Close"
    elif action == "Reopen":
        if cancelled or status == "bost_Open":
            raise SLError(400, -5002, "Only closed documents can be reopened")
        doc["DocumentStatus"] = "bost_Open"
    else:
        raise SLError(400, -1000, f"Invalid action '{action}'")
    for line in doc.get("DocumentLines", []):
        line["LineStatus"] = doc["DocumentStatus"]


def compute_opportunity(doc: Doc, stages: dict[int, float]) -> None:
    """Current stage and weighted amount follow the last line, as in the SAP client."""
    lines: list[dict[str, Any]] = doc.get("SalesOpportunitiesLines", [])
    for number, line in enumerate(lines, start=1):
        line["SequenceNo"] = number
        if line.get("StageKey") in stages and line.get("PercentageRate") is None:
            line["PercentageRate"] = stages[line["StageKey"]]
    if lines:
        last = lines[-1]
        stage = last.get("StageKey")
        doc["CurrentStageNo"] = stage
        doc["CurrentStageNumber"] = stage
        pct = float(last.get("PercentageRate") or 0.0)
        doc["ClosingPercentage"] = pct
        total = float(last.get("MaxLocalTotal") or doc.get("MaxLocalTotal") or 0.0)
        doc["MaxLocalTotal"] = total
        doc["WeightedSumLC"] = round(total * pct / 100, 2)
