"""UserFieldsMD: a created UDF appears as U_<Name> and its size, type and values are enforced."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx


def test_udf_appears_with_default_and_is_enforced(
        v2: httpx.Client, new_code: Callable[[str], str]) -> None:
    name = f"Kind{uuid.uuid4().hex[:6]}"
    r = v2.post("UserFieldsMD", json={
        "Name": name, "Type": "db_Alpha", "Size": 1, "Description": "kind",
        "TableName": "OCRD", "DefaultValue": "A",
        "ValidValuesMD": [{"Value": "A", "Description": "Alpha"},
                          {"Value": "B", "Description": "Beta"}]})
    assert r.status_code == 201, r.text
    assert r.headers["Location"].endswith(
        f"UserFieldsMD(TableName='OCRD',FieldID={r.json()['FieldID']})")
    prop = f"U_{name}"
    assert v2.get("BusinessPartners('C000001')").json()[prop] == "A"  # existing rows too
    code = new_code("U")
    created = v2.post("BusinessPartners", json={"CardCode": code, "CardName": "x"}).json()
    assert created[prop] == "A"
    bad = v2.patch(f"BusinessPartners('{code}')", json={prop: "Z"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "-1004"
    assert bad.json()["error"]["message"] == (
        f"'Z' is not a valid value for property '{prop}'. "
        "The valid values are: 'A' - 'Alpha', 'B' - 'Beta'")
    assert v2.patch(f"BusinessPartners('{code}')", json={prop: ""}).status_code == 400
    long = v2.patch(f"BusinessPartners('{code}')", json={prop: "AB"})
    assert long.json()["error"]["message"] == \
        f"Value too long in property '{prop}' of 'BusinessPartner'"
    assert v2.patch(f"BusinessPartners('{code}')", json={prop: "B"}).status_code == 204
    assert v2.get("BusinessPartners", params={"$filter": f"{prop} eq 'B'",
                                              "$select": "CardCode"}).json()["value"] == \
        [{"CardCode": code}]
    assert prop not in v2.get("Items('A00001')").json()


def test_udf_on_order_table_applies_to_quotations_too(v2: httpx.Client) -> None:
    name = f"Ref{uuid.uuid4().hex[:6]}"
    assert v2.post("UserFieldsMD", json={"Name": name, "Type": "db_Numeric", "Size": 5,
                                         "TableName": "ORDR"}).status_code == 201
    q = v2.post("Quotations", json={"CardCode": "C000001", f"U_{name}": "12", "DocumentLines": [
        {"ItemCode": "A00001"}]})
    assert q.status_code == 201 and q.json()[f"U_{name}"] == 12
    bad = v2.post("Orders", json={"CardCode": "C000001", f"U_{name}": "x"})
    assert bad.status_code == 400


def test_numeric_udf_size_range(v1: httpx.Client) -> None:
    r = v1.post("UserFieldsMD", json={"Name": "TooBig", "Type": "db_Numeric", "Size": 12,
                                      "TableName": "OITM"})
    assert r.status_code == 400
    assert r.json()["error"] == {"code": -5002, "message": {
        "lang": "en-us", "value": "Field size deviates from legal range [1..11]"}}
