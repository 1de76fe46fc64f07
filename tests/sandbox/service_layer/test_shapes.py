"""Each version's own shapes: annotations, dates, content types; complete property sets."""

from __future__ import annotations

import json
from importlib import resources

import httpx


def test_v2_entity_shape(v2: httpx.Client) -> None:
    r = v2.get("BusinessPartners('C000001')")
    assert r.headers["content-type"] == "application/json;odata.metadata=minimal;charset=utf-8"
    assert r.headers["OData-Version"] == "4.0"
    body = r.json()
    assert body["@odata.context"].endswith("/b1s/v2/$metadata#BusinessPartners/$entity")
    assert body["@odata.etag"] == r.headers["ETag"]
    assert body["UpdateDate"].endswith("T00:00:00Z") and len(body["UpdateTime"]) == 8
    assert body["CardType"] == "cCustomer" and body["Valid"] in ("tYES", "tNO")
    assert {"BPCode", "AddressType", "RowNum"} <= body["BPAddresses"][0].keys()
    assert 1 <= len(body["ContactEmployees"]) <= 4


def test_v1_entity_shape(v1: httpx.Client) -> None:
    body = v1.get("BusinessPartners('C000001')").json()
    assert body["odata.metadata"].endswith("/b1s/v1/$metadata#BusinessPartners/@Element")
    assert "odata.etag" in body and "@odata.etag" not in body
    assert len(body["UpdateDate"]) == 10 and body["UpdateDate"][4] == "-"


def test_item_carries_the_real_property_set(v2: httpx.Client) -> None:
    """Same properties as a recorded real v2 Item (its installation-specific U_ fields aside)."""
    package = "b1hub.sandbox.service_layer"
    real = json.loads(resources.files(package).joinpath("item_template.json").read_text())
    body = v2.get("Items('A00001')").json()
    assert set(real) <= set(body)
    prices = body["ItemPrices"]
    assert [(p["PriceList"], p["Currency"]) for p in prices] == [
        (1, "USD"), (2, "EUR"), (3, "CAD")]
    assert set(prices[0]) == {"PriceList", "Price", "Currency", "AdditionalPrice1",
                              "AdditionalCurrency1", "AdditionalPrice2", "AdditionalCurrency2",
                              "BasePriceList", "Factor", "UoMPrices"}


def test_master_data_sets(v2: httpx.Client) -> None:
    def keys(path: str, key: str) -> list[object]:
        return [row[key] for row in v2.get(path).json()["value"]]

    assert keys("BusinessPartnerGroups", "Code") == [100, 101, 102, 103, 104]
    assert keys("ItemGroups", "Number") == [100, 101, 102, 103, 104]
    assert keys("PriceLists", "PriceListNo") == [1, 2, 3]
    assert keys("SalesPersons", "SalesEmployeeCode") == [-1, 1, 2, 3, 4, 5]
    assert keys("SalesStages", "SequenceNo") == [1, 2, 3, 4, 5]
    assert v2.get("SalesStages(2)").json()["ClosingPercentage"] == 25.0
