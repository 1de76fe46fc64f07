"""Fault injection and request counters under /_sandbox/ (outside the SAP API)."""

from __future__ import annotations

import httpx


def test_error_every_second_request_in_sap_shape(v2: httpx.Client, control: httpx.Client) -> None:
    control.post("/_sandbox/faults", json={"match": "GET /b1s/v2/SalesStages*", "status": 503,
                                           "every": 2})
    got = [v2.get("SalesStages") for _ in range(4)]
    assert [r.status_code for r in got] == [200, 503, 200, 503]
    assert got[1].json()["error"]["message"] == "Service Unavailable"


def test_hang_answers_504_after_the_delay(v2: httpx.Client, control: httpx.Client) -> None:
    control.post("/_sandbox/faults", json={"match": "GET /b1s/v2/PriceLists*", "action": "hang",
                                           "hang_seconds": 0.3, "remaining": 1})
    assert v2.get("PriceLists").status_code == 504
    assert v2.get("PriceLists").status_code == 200


def test_counters_per_route(v2: httpx.Client, control: httpx.Client) -> None:
    control.delete("/_sandbox/counters")
    v2.get("BusinessPartners('C000001')")
    v2.get("BusinessPartners('C000002')")
    v2.patch("BusinessPartners('C000002')", json={})
    v2.get("BusinessPartners")
    routes = control.get("/_sandbox/counters").json()["routes"]
    assert routes == {"GET BusinessPartners(key)": 2, "PATCH BusinessPartners(key)": 1,
                      "GET BusinessPartners": 1}


def test_config_changes_default_page_size(v2: httpx.Client, control: httpx.Client) -> None:
    assert control.post("/_sandbox/config", json={"default_page_size": 3}).json()[
        "default_page_size"] == 3
    assert len(v2.get("BusinessPartners?$select=CardCode").json()["value"]) == 3
