"""Fixtures for the Salesforce sandbox tests: HTTPS clients on the shared sandbox process
(tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sf_helpers import tls, token


@pytest.fixture(scope="session")
def sf_info(sandbox_info: dict[str, Any]) -> dict[str, Any]:
    return dict(sandbox_info["salesforce"])


@pytest.fixture
def anon(sf_info: dict[str, Any]) -> Iterator[httpx.Client]:
    """An unauthenticated client (login, admin routes)."""
    with httpx.Client(base_url=sf_info["instance_url"], verify=tls(sf_info), timeout=60) as c:
        yield c


@pytest.fixture
def api(sf_info: dict[str, Any]) -> Iterator[httpx.Client]:
    """A client logged in through the client-credentials flow."""
    headers = {"Authorization": f"Bearer {token(sf_info)}"}
    with httpx.Client(base_url=sf_info["instance_url"], verify=tls(sf_info), timeout=60,
                      headers=headers) as client:
        yield client

