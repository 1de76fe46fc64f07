"""Streaming and incremental reads over real HTTP."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx

from b1hub.connectors.base import Checkpoint, Page, WriteRecord
from b1hub.connectors.outcomes import Success
from b1hub.connectors.service_layer import ServiceLayerClient, ServiceLayerConnection


def test_pages_follow_next_link_and_stop_at_the_extra_empty_page(
    sl_client: ServiceLayerClient, sl_admin: httpx.Client
) -> None:
    total = int(sl_client.transport.http.get(
        "BusinessPartners/$count",
        headers={"Cookie": sl_client.transport.sessions.current().cookie_header},
    ).text)
    sl_admin.delete("/_sandbox/counters")
    size = 10
    pages = list(sl_client.iter_pages("BusinessPartners", select=["CardCode"],
                                      orderby="CardCode", page_size=size))
    codes = [row["CardCode"] for page in pages if isinstance(page, list) for row in page]
    assert len(codes) == total and len(set(codes)) == total
    assert codes == sorted(codes)
    assert all(isinstance(p, list) and len(p) <= size for p in pages)
    requests = sl_admin.get("/_sandbox/counters").json()["total"]
    full_last_page = total % size == 0
    assert requests == -(-total // size) + (1 if full_last_page else 0)


def test_v1_pages_use_odata_nextlink(sl_conn: ServiceLayerConnection) -> None:
    conn = sl_conn.model_copy(update={"url": sl_conn.url.replace("/v2", "/v1")})
    with ServiceLayerClient(conn) as client:
        pages = list(client.iter_pages("BusinessPartners", select=["CardCode"],
                                       filter="startswith(CardCode, 'C')", page_size=7))
    assert len(pages) > 3
    codes = [row["CardCode"] for page in pages if isinstance(page, list) for row in page]
    assert len(codes) == len(set(codes)) and all(c.startswith("C") for c in codes)


def test_read_changes_is_ordered_complete_and_resumes_from_the_checkpoint(
    sl_client: ServiceLayerClient, prefix: str
) -> None:
    where = f"startswith(CardCode, '{prefix}')"
    records = [WriteRecord(f"{prefix}{i:03d}", {"CardCode": f"{prefix}{i:03d}",
                                                "CardName": f"Reader {i}",
                                                "CardType": "cCustomer"}) for i in range(25)]
    assert all(isinstance(o, Success)
               for o in sl_client.write_batch("BusinessPartners", "create", records))
    items = list(sl_client.read_changes("BusinessPartners", ["CardName"], None,
                                        page_size=10, where=where))
    assert all(isinstance(i, Page) for i in items)
    pages = [i for i in items if isinstance(i, Page)]
    assert [len(p.records) for p in pages] == [10, 10, 5]
    codes = [r["CardCode"] for p in pages for r in p.records]
    assert sorted(codes) == [r.key for r in records]
    keys = [(r["UpdateDate"][:10], r["UpdateTime"], r["CardCode"])
            for p in pages for r in p.records]
    assert keys == sorted(keys)
    high = pages[-1].high_water
    assert isinstance(high, Checkpoint) and high.key == codes[-1]

    time.sleep(1.1)  # UpdateTime has one-second resolution
    changed = sl_client.update("BusinessPartners", f"{prefix}007", {"CardName": "Changed"})
    assert isinstance(changed, Success)
    later = [i for i in sl_client.read_changes("BusinessPartners", ["CardName"], high,
                                               overlap=timedelta(0), page_size=10,
                                               where=where) if isinstance(i, Page)]
    later_codes = [r["CardCode"] for p in later for r in p.records]
    assert later_codes == [f"{prefix}007"]
    assert later[-1].records[0]["CardName"] == "Changed"

    window = [r["CardCode"] for i in sl_client.read_changes(
        "BusinessPartners", [], high, overlap=timedelta(minutes=5), page_size=10, where=where)
        if isinstance(i, Page) for r in i.records]
    assert sorted(window) == [r.key for r in records]
    assert window[-1] == f"{prefix}007"
