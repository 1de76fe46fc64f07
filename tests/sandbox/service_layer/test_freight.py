"""Freight on marketing documents: AdditionalExpenses and DocumentAdditionalExpenses."""

from __future__ import annotations

import httpx


def test_freight_codes_are_seeded(v2: httpx.Client) -> None:
    rows = v2.get("AdditionalExpenses", params={"$select": "ExpensCode,Name"}).json()["value"]
    assert [(r["ExpensCode"], r["Name"]) for r in rows] == [(1, "Freight"), (2, "Tax")]


def test_freight_counts_into_the_total_with_its_tax_and_merges_by_line(
    v2: httpx.Client,
) -> None:
    r = v2.post("Quotations", json={
        "CardCode": "C000002", "DocumentLines": [
            {"ItemCode": "A00001", "Quantity": 2, "UnitPrice": 50, "TaxCode": "T1"}],
        "DocumentAdditionalExpenses": [{"ExpenseCode": 1, "LineTotal": 20, "TaxCode": "T1"},
                                       {"ExpenseCode": 2, "LineTotal": 7.5, "TaxCode": "EX"}]})
    assert r.status_code == 201, r.text
    doc = r.json()
    # lines 100 + 10 % VAT; freight 20 + 10 % VAT and 7.5 exempt
    assert [(e["LineNum"], e["TaxSum"]) for e in doc["DocumentAdditionalExpenses"]] == [
        (0, 2.0), (1, 0.0)]
    assert (doc["VatSum"], doc["DocTotal"]) == (12.0, 139.5)
    entry = doc["DocEntry"]
    patched = v2.patch(f"Quotations({entry})", json={"DocumentAdditionalExpenses": [
        {"LineNum": 1, "LineTotal": 0}]})
    assert patched.status_code == 204, patched.text
    got = v2.get(f"Quotations({entry})").json()
    assert [e["LineTotal"] for e in got["DocumentAdditionalExpenses"]] == [20.0, 0.0]
    assert got["DocTotal"] == 132.0


def test_unknown_freight_code_is_refused(v2: httpx.Client) -> None:
    r = v2.post("Orders", json={
        "CardCode": "C000002", "DocumentLines": [{"ItemCode": "A00001", "UnitPrice": 1}],
        "DocumentAdditionalExpenses": [{"ExpenseCode": 99, "LineTotal": 5}]})
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["code"], error["message"]) == ("-10", "Invalid freight code '99'")
