"""POST/PATCH/DELETE semantics and validation errors with the real codes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

Codes = Callable[[str], str]


def test_post_returns_201_full_entity_location_and_etag(v2: httpx.Client, new_code: Codes) -> None:
    code = new_code("T")
    r = v2.post("BusinessPartners", json={"CardCode": code, "CardName": "New", "CardType": "cLid",
                                          "ContactEmployees": [{"Name": "Ann"}, {"Name": "Bo"}]})
    assert r.status_code == 201
    assert r.headers["Location"].endswith(f"/b1s/v2/BusinessPartners('{code}')")
    body = r.json()
    assert r.headers["ETag"] == body["@odata.etag"]
    assert body["CreateDate"].endswith("T00:00:00Z") and len(body["UpdateTime"]) == 8
    ids = [c["InternalCode"] for c in body["ContactEmployees"]]
    assert len(set(ids)) == 2 and all(isinstance(i, int) for i in ids)
    assert body["ContactPerson"] == "Ann" and body["Valid"] == "tYES"


def test_prefer_return_no_content(v2: httpx.Client, new_code: Codes) -> None:
    r = v2.post("BusinessPartners", json={"CardCode": new_code("T"), "CardName": "X"},
                headers={"Prefer": "return-no-content"})
    assert r.status_code == 204 and r.content == b"" and "Location" in r.headers


def test_patch_merges_collections_and_lead_becomes_customer(
        v2: httpx.Client, new_code: Codes) -> None:
    code = new_code("L")
    created = v2.post("BusinessPartners", json={
        "CardCode": code, "CardName": "Lead", "CardType": "cLid",
        "ContactEmployees": [{"Name": "A"}, {"Name": "B"}]}).json()
    a = created["ContactEmployees"][0]["InternalCode"]
    r = v2.patch(f"BusinessPartners('{code}')", json={
        "CardType": "cCustomer",
        "ContactEmployees": [{"InternalCode": a, "E_Mail": "a@x.com"}, {"Name": "C"}]})
    assert r.status_code == 204 and r.content == b""
    got = v2.get(f"BusinessPartners('{code}')").json()
    assert got["CardType"] == "cCustomer"
    assert [(c["Name"], c["E_Mail"]) for c in got["ContactEmployees"]] == \
        [("A", "a@x.com"), ("B", None), ("C", None)]


def test_replace_collections_on_patch(v2: httpx.Client, new_code: Codes) -> None:
    code = new_code("T")
    v2.post("BusinessPartners", json={"CardCode": code, "CardName": "X",
                                      "ContactEmployees": [{"Name": "A"}, {"Name": "B"}]})
    v2.patch(f"BusinessPartners('{code}')", json={"ContactEmployees": [{"Name": "C"}]},
             headers={"B1S-ReplaceCollectionsOnPatch": "true"})
    got = v2.get(f"BusinessPartners('{code}')").json()
    assert [c["Name"] for c in got["ContactEmployees"]] == ["C"]


def test_bp_address_patch_updates_in_place_only_with_all_four_identifiers(
        v2: httpx.Client, new_code: Codes) -> None:
    """Service Layer trap 4: BPCode, AddressName, AddressType and RowNum identify a member;
    one missing and the member is inserted (a second Bill To), or refused as a duplicate."""
    code = new_code("T")
    created = v2.post("BusinessPartners", json={
        "CardCode": code, "CardName": "Addresses", "CardType": "cCustomer",
        "BPAddresses": [{"AddressName": "Bill To", "AddressType": "bo_BillTo", "City": "Oslo"},
                        {"AddressName": "Ship To", "AddressType": "bo_ShipTo",
                         "City": "Bergen"}]}).json()
    bill = created["BPAddresses"][0]
    assert (bill["BPCode"], bill["RowNum"]) == (code, 0)

    r = v2.patch(f"BusinessPartners('{code}')", json={"BPAddresses": [
        {"BPCode": code, "AddressName": "Bill To", "AddressType": "bo_BillTo", "RowNum": 0,
         "City": "Trondheim"}]})
    assert r.status_code == 204
    stored = v2.get(f"BusinessPartners('{code}')").json()["BPAddresses"]
    assert [(a["AddressName"], a["City"], a["RowNum"]) for a in stored] == [
        ("Bill To", "Trondheim", 0), ("Ship To", "Bergen", 1)]

    appended = v2.patch(f"BusinessPartners('{code}')", json={"BPAddresses": [
        {"AddressType": "bo_BillTo", "City": "Stavanger"}]})
    assert appended.status_code == 204
    stored = v2.get(f"BusinessPartners('{code}')").json()["BPAddresses"]
    assert [(a["AddressName"], a["AddressType"], a["City"]) for a in stored] == [
        ("Bill To", "bo_BillTo", "Trondheim"), ("Ship To", "bo_ShipTo", "Bergen"),
        (None, "bo_BillTo", "Stavanger")]

    duplicate = v2.patch(f"BusinessPartners('{code}')", json={"BPAddresses": [
        {"AddressName": "Ship To", "AddressType": "bo_ShipTo", "City": "Tromso"}]})
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["code"] == "-2035"


def test_method_override_and_delete(v2: httpx.Client, new_code: Codes) -> None:
    code = new_code("T")
    v2.post("BusinessPartners", json={"CardCode": code, "CardName": "X"})
    r = v2.post(f"BusinessPartners('{code}')", json={"CardName": "Y"},
                headers={"X-HTTP-Method-Override": "PATCH"})
    assert r.status_code == 204
    assert v2.get(f"BusinessPartners('{code}')").json()["CardName"] == "Y"
    assert v2.delete(f"BusinessPartners('{code}')").status_code == 204
    again = v2.delete(f"BusinessPartners('{code}')")
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "-2028"
    assert again.json()["error"]["message"] == f"Entity with value('{code}') does not exist"
    gone = v2.get(f"BusinessPartners('{code}')")
    assert gone.status_code == 404
    assert gone.json()["error"]["message"] == "No matching records found (ODBC -2028)"


def test_stale_if_match_is_412(v2: httpx.Client) -> None:
    r = v2.patch("BusinessPartners('C000003')", json={"Notes": "x"},
                 headers={"If-Match": 'W/"0000"'})
    assert r.status_code == 412 and r.json()["error"]["code"] == "-2039"


@pytest.mark.parametrize(("body", "code", "message"), [
    ({"CardName": "No code"}, -5002, "Code undefined  [OCRD.CardCode]"),
    ({"CardCode": "C000001", "CardName": "dup"}, -10,
     "1320000140 - Business partner code 'C000001' already assigned to a business partner; "
     "enter a unique business partner code"),
    ({"CardCode": "TX1", "NoSuchField": 1}, -1000,
     "Property 'NoSuchField' of 'BusinessPartner' is invalid"),
    ({"CardCode": "TX1", "CardType": "C"}, -1004,
     "'C' is not a valid value for property 'CardType'. The valid values are: "
     "'cCustomer', 'cSupplier', 'cLid'"),
    ({"CardCode": "X" * 16}, -5002, "Value too long in property 'CardCode' of 'BusinessPartner'"),
    ({"CardCode": "TX1", "CardName": "n" * 101}, -5002,
     "Value too long in property 'CardName' of 'BusinessPartner'"),
    ({"CardCode": "TX1", "ContactEmployees": [{"Name": "A", "E_Mail": "e" * 101}]}, -5002,
     "Value too long in property 'E_Mail' of 'ContactEmployee'"),
])
def test_validation_errors(v1: httpx.Client, body: dict[str, object], code: int,
                           message: str) -> None:
    r = v1.post("BusinessPartners", json=body)
    assert r.status_code == 400
    assert r.json() == {"error": {"code": code, "message": {"lang": "en-us", "value": message}}}


def test_item_code_size_and_item_prices(v2: httpx.Client, new_code: Codes) -> None:
    assert v2.post("Items", json={"ItemCode": "I" * 51}).json()["error"]["message"] == \
        "Value too long in property 'ItemCode' of 'Item'"
    code = new_code("I")
    body = v2.post("Items", json={"ItemCode": code, "ItemName": "Thing"}).json()
    assert [p["PriceList"] for p in body["ItemPrices"]] == [1, 2, 3]
    assert body["ItemPrices"][0] | {"UoMPrices": []} == body["ItemPrices"][0]


def test_orders_totals_actions_and_no_delete(v2: httpx.Client) -> None:
    r = v2.post("Orders", json={"CardCode": "C000001", "DiscountPercent": 10, "DocumentLines": [
        {"ItemCode": "A00001", "Quantity": "2", "UnitPrice": "50", "DiscountPercent": 10,
         "TaxCode": "T1"},
        {"ItemCode": "A00002", "Quantity": 1, "UnitPrice": 20}]})
    assert r.status_code == 201, r.text
    order = r.json()
    # lines 2*45=90 and 20 -> 110; header -10 % -> 99; VAT 10 % of 90*0.9 = 8.1
    assert [line["LineTotal"] for line in order["DocumentLines"]] == [90.0, 20.0]
    assert order["VatSum"] == 8.1 and order["DocTotal"] == 107.1
    assert order["DocumentStatus"] == "bost_Open" and order["Cancelled"] == "tNO"
    assert order["CreationDate"].endswith("T00:00:00Z") and "CreateDate" not in order
    entry = order["DocEntry"]
    assert v2.post(f"Orders({entry})/Close").status_code == 204
    assert v2.get(f"Orders({entry})").json()["DocumentStatus"] == "bost_Close"
    assert v2.post(f"Orders({entry})/Reopen").status_code == 204
    assert v2.post(f"Orders({entry})/Cancel").status_code == 204
    got = v2.get(f"Orders({entry})").json()
    assert (got["Cancelled"], got["DocumentStatus"]) == ("tYES", "bost_Close")
    d = v2.delete(f"Orders({entry})")
    assert d.status_code == 400
    assert d.json()["error"] == {"code": "-5006", "message":
                                 "The requested action is not supported for this object.",
                                 "details": [{"code": "", "message": ""}]}


def test_quotation_docnum_series_and_line_patch(v2: httpx.Client) -> None:
    first = v2.post("Quotations", json={"CardCode": "C000002", "DocumentLines": [
        {"ItemCode": "A00003", "Quantity": 1}]}).json()
    second = v2.post("Quotations", json={"CardCode": "C000002", "DocumentLines": [
        {"ItemCode": "A00003", "Quantity": 1}, {"ItemCode": "A00004", "Quantity": 3}]}).json()
    assert second["DocNum"] == first["DocNum"] + 1 and second["DocEntry"] > first["DocEntry"]
    assert first["DocumentLines"][0]["UnitPrice"] > 0  # taken from the BP's price list
    v2.patch(f"Quotations({second['DocEntry']})", json={"DocumentLines": [
        {"LineNum": 1, "Quantity": 7}]})
    lines = v2.get(f"Quotations({second['DocEntry']})").json()["DocumentLines"]
    assert [line["Quantity"] for line in lines] == [1.0, 7.0]


def test_sales_opportunity_with_lines(v2: httpx.Client) -> None:
    r = v2.post("SalesOpportunities", json={
        "CardCode": "C000002", "OpportunityName": "Test", "StartDate": "2026-09-03",
        "SalesPerson": 5, "MaxLocalTotal": 1000.0, "SalesOpportunitiesLines": [
            {"DocumentType": "bodt_MinusOne", "MaxLocalTotal": 1000.0, "SalesPerson": 5,
             "StageKey": 2}]})
    assert r.status_code == 201, r.text
    opp = r.json()
    assert opp["CurrentStageNo"] == 2 and opp["WeightedSumLC"] == 250.0
    key = opp["SequentialNo"]
    v2.patch(f"SalesOpportunities({key})", json={"Status": "sos_Sold"})
    r = v2.patch(f"SalesOpportunities({key})", json={"SalesOpportunitiesLines": [
        {"StageKey": 3}]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "-1029"


def test_unknown_entity_set(v2: httpx.Client) -> None:
    r = v2.get("NoSuchSet")
    assert r.status_code == 400 and r.json()["error"]["message"] == "Service Not Found"
