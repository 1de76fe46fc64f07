"""$filter, $select and $orderby over real HTTP, and the 400/201 answers to bad queries."""

from __future__ import annotations

import httpx
import pytest


def codes(client: httpx.Client, flt: str, **extra: str) -> list[str]:
    params = {"$filter": flt, "$select": "CardCode", **extra}
    r = client.get("BusinessPartners", params=params, headers={"Prefer": "odata.maxpagesize=0"})
    assert r.status_code == 200, r.text
    return [row["CardCode"] for row in r.json()["value"]]


def test_enum_filter_by_member_name(v2: httpx.Client) -> None:
    leads = codes(v2, "CardType eq 'cLid'")
    assert "L000001" in leads and "C000001" not in leads
    others = codes(v2, "CardType ne 'cLid'")
    assert "C000001" in others and not set(leads) & set(others)
    assert len(leads) + len(others) == int(v2.get("BusinessPartners/$count").text)


def test_string_functions(v2: httpx.Client) -> None:
    assert codes(v2, "startswith(CardCode, 'C00001')") == [f"C00001{i}" for i in range(10)]
    assert codes(v2, "endswith(CardCode, '000010')") == ["C000010", "L000010"]
    assert codes(v2, "contains(CardCode, '00012')") == codes(v2, "substringof('00012', CardCode)")
    assert "C000012" in codes(v2, "contains(CardCode, '00012')")


def test_and_or_not_parentheses(v2: httpx.Client) -> None:
    got = codes(v2, "(CardCode eq 'C000001' or CardCode eq 'L000001') and not (CardType eq 'cLid')")
    assert got == ["C000001"]


def test_quoted_dates_and_times_for_incremental_reads(v2: httpx.Client) -> None:
    r = v2.get("BusinessPartners('C000005')", params={"$select": "UpdateDate,UpdateTime"})
    date, time = r.json()["UpdateDate"][:10], r.json()["UpdateTime"]
    flt = f"UpdateDate gt '{date}' or (UpdateDate eq '{date}' and UpdateTime ge '{time}')"
    newer = codes(v2, flt)
    assert "C000005" in newer
    assert "C000005" not in codes(v2, f"UpdateDate eq '{date}' and UpdateTime gt '{time}'")


def test_yes_no_numbers_and_null(v2: httpx.Client) -> None:
    assert len(codes(v2, "Valid eq 'tYES' and GroupCode ge 100")) == \
        int(v2.get("BusinessPartners/$count").text)
    assert codes(v2, "GroupCode eq 999") == []
    assert len(codes(v2, "Phone2 eq null")) == int(v2.get("BusinessPartners/$count").text)


def test_orderby_desc_and_select(v2: httpx.Client) -> None:
    body = v2.get("BusinessPartners", params={"$select": "CardCode,CardName",
                                              "$orderby": "CardCode desc", "$top": "2"}).json()
    assert [sorted(row) for row in body["value"]] == [["CardCode", "CardName"]] * 2
    assert body["value"][0]["CardCode"] > body["value"][1]["CardCode"]


@pytest.mark.parametrize("params", [
    {"$filter": "NoSuchField eq 'x'"},
    {"$select": "CardCode,NoSuchField"},
    {"$orderby": "NoSuchField"},
])
def test_unknown_property_in_query_is_400_201(v2: httpx.Client, params: dict[str, str]) -> None:
    r = v2.get("BusinessPartners", params=params)
    assert r.status_code == 400
    assert r.json()["error"] == {"code": "201", "message": "Property 'NoSuchField' is invalid",
                                 "details": [{"code": "", "message": ""}]}


@pytest.mark.parametrize("flt", ["CardCode eq", "CardCode = 'x'", "(CardCode eq 'x'",
                                 "startswith(CardCode)"])
def test_bad_filter_syntax_is_400_201(v1: httpx.Client, flt: str) -> None:
    r = v1.get("BusinessPartners", params={"$filter": flt})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 201
    assert r.json()["error"]["message"]["value"] == \
        "Query string error - Invalid filter condition"
