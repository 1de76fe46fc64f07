"""Fault rules shared by both sandboxes: a late answer still does the write."""

from __future__ import annotations

import ssl
import time
import uuid
from typing import Any

import httpx
import pytest


def test_late_answer_handles_the_request_before_delaying_the_answer(
    sandbox_info: dict[str, Any],
) -> None:
    sl = sandbox_info["service_layer"]
    verify = ssl.create_default_context(cafile=sl["ca_cert"])
    origin = sl["url"].split("/b1s/")[0]
    code = f"LA{uuid.uuid4().hex[:10].upper()}"
    with httpx.Client(base_url=origin, verify=verify, timeout=30) as admin, \
            httpx.Client(base_url=sl["url"] + "/", verify=verify, timeout=0.5) as client:
        login = client.post("Login", json={"CompanyDB": sl["company_db"],
                                           "UserName": sl["username"],
                                           "Password": sl["password"]})
        assert login.status_code == 200, login.text
        rule = {"match": "POST */Items", "action": "late_answer", "latency_ms": 3000,
                "remaining": 1}
        try:
            assert admin.post("/_sandbox/faults", json=rule).status_code == 200
            started = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):
                client.post("Items", json={"ItemCode": code, "ItemName": "Late"})
            assert time.monotonic() - started < 2
            found = client.get(f"Items('{code}')", timeout=10)
            assert found.status_code == 200 and found.json()["ItemName"] == "Late"
        finally:
            admin.delete("/_sandbox/faults")
