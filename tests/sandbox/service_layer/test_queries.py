"""$filter, $select and $orderby over real HTTP, and the 400/201 answers to bad queries."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from b1hub.sandbox.service_layer.query import FilterCompiler, parse_orderby
from b1hub.sandbox.service_layer.schema import ENTITIES
from b1hub.sandbox.service_layer.store import Store


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


def test_keyset_filter_returns_exactly_the_rows_after_the_position(v2: httpx.Client) -> None:
    """The hub's keyset page filter, answered from the change index, still means "after"."""
    r = v2.get("BusinessPartners", params={"$select": "CardCode,CardType,UpdateDate,UpdateTime"},
               headers={"Prefer": "odata.maxpagesize=0"})
    rows = sorted((b["UpdateDate"][:10], b["UpdateTime"], b["CardCode"], b["CardType"])
                  for b in r.json()["value"])
    date, time, key, _ = rows[len(rows) // 2]
    strict = (f"UpdateDate gt '{date}' or (UpdateDate eq '{date}' and "
              f"(UpdateTime gt '{time}' or (UpdateTime eq '{time}' and CardCode gt '{key}')))")
    inclusive = f"UpdateDate gt '{date}' or (UpdateDate eq '{date}' and UpdateTime ge '{time}')"
    order = {"$orderby": "UpdateDate,UpdateTime,CardCode"}
    after = [(k, kind) for d, t, k, kind in rows if (d, t, k) > (date, time, key)]
    assert codes(v2, strict, **order) == [k for k, _ in after]
    assert codes(v2, inclusive, **order) == [k for d, t, k, _ in rows if (d, t) >= (date, time)]
    assert codes(v2, f"CardType eq 'cLid' and ({strict})", **order) == [
        k for k, kind in after if kind == "cLid"]


def test_keyset_page_seeks_the_change_index(tmp_path: Path) -> None:
    """A page costs the page, not the table: the filter is a row value the index can seek."""
    store = Store(tmp_path / "sl.db")
    entity = ENTITIES["BusinessPartners"]
    flt = FilterCompiler(entity, {}).compile(
        "CardType eq 'cCustomer' and (UpdateDate gt '2026-11-25' or (UpdateDate eq "
        "'2026-11-25' and (UpdateTime gt '10:00:00' or (UpdateTime eq '10:00:00' and "
        "CardCode gt 'C1'))))")
    order = parse_orderby(entity, {}, "UpdateDate,UpdateTime,CardCode")
    plan = store.db.execute(
        f"EXPLAIN QUERY PLAN SELECT doc FROM entities WHERE entity = ? AND {flt.text} "
        f"ORDER BY {order.text} LIMIT 10", ("BusinessPartners", *flt.params, *order.params),
    ).fetchall()
    assert "USING INDEX ix_changes" in str(plan) and ">(?,?,?)" in str(plan), plan
    assert "TEMP B-TREE" not in str(plan), plan


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
