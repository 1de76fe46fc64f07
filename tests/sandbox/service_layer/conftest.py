"""Fixtures for the Service Layer sandbox tests: logged-in httpx clients per version."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest


def sl_client(info: dict[str, Any], version: str = "v2") -> httpx.Client:
    sl = info["service_layer"]
    root = sl["url"].rsplit("/", 1)[0] + f"/{version}/"
    ctx = ssl.create_default_context(cafile=sl["ca_cert"])
    return httpx.Client(base_url=root, verify=ctx, timeout=30)


def login(client: httpx.Client, info: dict[str, Any]) -> httpx.Response:
    sl = info["service_layer"]
    r = client.post("Login", json={"CompanyDB": sl["company_db"], "UserName": sl["username"],
                                   "Password": sl["password"]})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    client.cookies.set("B1SESSION", r.json()["SessionId"])
    client.cookies.set("ROUTEID", ".node1")
    return r


def admin(info: dict[str, Any]) -> httpx.Client:
    """Client on the sandbox origin for ``/_sandbox/`` routes."""
    sl = info["service_layer"]
    origin = sl["url"].split("/b1s/")[0]
    ctx = ssl.create_default_context(cafile=sl["ca_cert"])
    return httpx.Client(base_url=origin, verify=ctx, timeout=30)


@pytest.fixture
def v2(sandbox_info: dict[str, Any]) -> Iterator[httpx.Client]:
    with sl_client(sandbox_info, "v2") as client:
        login(client, sandbox_info)
        yield client


@pytest.fixture
def v1(sandbox_info: dict[str, Any]) -> Iterator[httpx.Client]:
    with sl_client(sandbox_info, "v1") as client:
        login(client, sandbox_info)
        yield client


@pytest.fixture
def control(sandbox_info: dict[str, Any]) -> Iterator[httpx.Client]:
    """Admin client; faults and config are restored afterwards."""
    with admin(sandbox_info) as client:
        yield client
        client.delete("/_sandbox/faults")
        client.post("/_sandbox/config", json={"session_timeout_minutes": 30,
                                               "expire_sessions_every": None,
                                               "default_page_size": 20})


@pytest.fixture
def new_code() -> Callable[[str], str]:
    """Fresh keys, so tests sharing one sandbox never collide."""
    return lambda prefix="T": f"{prefix}{uuid.uuid4().hex[:10].upper()}"
