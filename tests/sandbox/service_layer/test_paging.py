"""Paging: page sizes, next links per version, $top across pages, the extra empty page."""

from __future__ import annotations

import httpx

LEADS = "CardType eq 'cLid'"


def test_default_page_size_is_20_with_v2_next_link(v2: httpx.Client) -> None:
    body = v2.get("BusinessPartners", params={"$select": "CardCode"}).json()
    assert len(body["value"]) == 20
    assert body["@odata.nextLink"] == "BusinessPartners?$select=CardCode&$skip=20"


def test_v1_next_link_key(v1: httpx.Client) -> None:
    body = v1.get("Items?$select=ItemCode").json()
    assert body["odata.nextLink"] == "Items?$select=ItemCode&$skip=20"
    assert "@odata.nextLink" not in body


def test_prefer_maxpagesize_is_applied_and_acknowledged(v2: httpx.Client) -> None:
    r = v2.get("BusinessPartners?$select=CardCode", headers={"Prefer": "odata.maxpagesize=7"})
    assert r.headers["Preference-Applied"] == "odata.maxpagesize=7"
    assert len(r.json()["value"]) == 7


def test_b1s_pagesize_header(v2: httpx.Client) -> None:
    r = v2.get("BusinessPartners?$select=CardCode", headers={"B1S-PageSize": "5"})
    assert len(r.json()["value"]) == 5 and "Preference-Applied" not in r.headers


def test_maxpagesize_zero_turns_paging_off(v2: httpx.Client) -> None:
    body = v2.get("BusinessPartners?$select=CardCode&$filter=startswith(CardCode, 'C')",
                  headers={"Prefer": "odata.maxpagesize=0"}).json()
    assert len(body["value"]) > 20 and "@odata.nextLink" not in body


def test_top_carries_across_pages(v2: httpx.Client) -> None:
    r = v2.get("BusinessPartners?$select=CardCode&$top=25",
               headers={"Prefer": "odata.maxpagesize=10"})
    assert r.json()["@odata.nextLink"] == "BusinessPartners?$select=CardCode&$top=15&$skip=10"
    codes: list[str] = [row["CardCode"] for row in r.json()["value"]]
    link = r.json()["@odata.nextLink"]
    while link:
        page = v2.get(link, headers={"Prefer": "odata.maxpagesize=10"}).json()
        codes += [row["CardCode"] for row in page["value"]]
        link = page.get("@odata.nextLink")
    assert len(codes) == 25 == len(set(codes))


def test_result_within_top_has_no_next_link(v2: httpx.Client) -> None:
    body = v2.get("BusinessPartners?$select=CardCode&$top=10",
                  headers={"Prefer": "odata.maxpagesize=10"}).json()
    assert len(body["value"]) == 10 and "@odata.nextLink" not in body


def test_full_last_page_is_followed_by_an_empty_page(v2: httpx.Client) -> None:
    total = int(v2.get("BusinessPartners/$count", params={"$filter": LEADS}).text)
    size = total
    first = v2.get("BusinessPartners", params={"$filter": LEADS, "$select": "CardCode"},
                   headers={"Prefer": f"odata.maxpagesize={size}"}).json()
    assert len(first["value"]) == total
    link = first["@odata.nextLink"]
    assert "$filter=CardType+eq+%27cLid%27" in link and link.endswith(f"$skip={size}")
    last = v2.get(link, headers={"Prefer": f"odata.maxpagesize={size}"}).json()
    assert last["value"] == [] and "@odata.nextLink" not in last


def test_partial_last_page_has_no_next_link(v2: httpx.Client) -> None:
    total = int(v2.get("BusinessPartners/$count").text)
    body = v2.get(f"BusinessPartners?$select=CardCode&$skip={total - 3}").json()
    assert len(body["value"]) == 3 and "@odata.nextLink" not in body


def test_count_is_plain_text_and_honours_filter(v2: httpx.Client, v1: httpx.Client) -> None:
    r = v2.get("BusinessPartners/$count", params={"$filter": LEADS})
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == v1.get("BusinessPartners/$count", params={"$filter": LEADS}).text
    assert 0 < int(r.text) < int(v2.get("BusinessPartners/$count").text)


def test_inline_count_per_version(v2: httpx.Client, v1: httpx.Client) -> None:
    total = int(v2.get("BusinessPartners/$count", params={"$filter": LEADS}).text)
    b2 = v2.get("BusinessPartners", params={"$filter": LEADS, "$count": "true"}).json()
    b1 = v1.get("BusinessPartners", params={"$filter": LEADS,
                                            "$inlinecount": "allpages"}).json()
    assert b2["@odata.count"] == total == b1["odata.count"]
