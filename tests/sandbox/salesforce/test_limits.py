"""API usage: versions, Sforce-Limit-Info, /limits/, the daily allocation."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sf_helpers import V, tls, token

from b1hub.sandbox.process import SandboxProcess


def test_versions_need_no_auth_and_are_not_counted(
    anon: httpx.Client, api: httpx.Client
) -> None:
    before = anon.get("/_sandbox/usage").json()["used"]
    response = anon.get("/services/data/")
    assert response.status_code == 200
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in (
        response.json())
    assert "sforce-limit-info" not in response.headers
    assert anon.get("/_sandbox/usage").json()["used"] == before


def test_every_call_counts_one_and_reports_usage(api: httpx.Client, anon: httpx.Client) -> None:
    first = api.get(f"{V}/")
    used = int(re.fullmatch(r"api-usage=(\d+)/1000000",
                            first.headers["sforce-limit-info"]).group(1))  # type: ignore[union-attr]
    limits = api.get(f"{V}/limits/")
    assert limits.headers["sforce-limit-info"] == f"api-usage={used + 1}/1000000"
    assert limits.json()["DailyApiRequests"] == {"Max": 1000000, "Remaining": 1000000 - used - 1}
    assert anon.get("/_sandbox/usage").json() == {"used": used + 1, "max": 1000000}


def test_spent_allocation_is_refused_and_persists(tmp_path: Path) -> None:
    with SandboxProcess(tmp_path, sf_api_limit=3) as proc:
        info = proc.info["salesforce"]
        bearer = {"Authorization": f"Bearer {token(info)}"}
        with httpx.Client(base_url=info["instance_url"], verify=tls(info),
                          headers=bearer) as client:
            assert [client.get(f"{V}/limits/").status_code for _ in range(3)] == [200] * 3
            refused = client.get(f"{V}/limits/")
            assert refused.status_code == 403
            assert refused.json() == [{"message": "TotalRequests Limit exceeded.",
                                       "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
            assert refused.headers["sforce-limit-info"] == "api-usage=3/3"
        proc.restart()
        info = proc.info["salesforce"]
        with httpx.Client(base_url=info["instance_url"], verify=tls(info)) as admin:
            assert admin.get("/_sandbox/usage").json() == {"used": 3, "max": 3}
            admin.post("/_sandbox/config", json={"daily_api_limit": 10})
            bearer = {"Authorization": f"Bearer {token(info)}"}
            assert admin.get(f"{V}/limits/", headers=bearer).status_code == 200
            assert admin.delete("/_sandbox/usage").json() == {"used": 0, "max": 10}
