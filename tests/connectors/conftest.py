"""Fixtures for connector tests: connections to the shared sandbox and its admin routes."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from b1hub.connectors.retry import RetryPolicy
from b1hub.sandbox.process import SandboxProcess


@pytest.fixture(scope="session")
def fast_retry() -> RetryPolicy:
    """Real retries with short waits, so fault tests stay fast."""
    return RetryPolicy(attempts=8, total_seconds=60.0, wait_initial=0.01, wait_max=0.2)


@pytest.fixture(scope="session")
def sandbox_file(sandbox_process: SandboxProcess) -> Path:
    return sandbox_process.data_dir / "sandbox.json"


def admin_client(origin: str, ca_cert: str) -> httpx.Client:
    return httpx.Client(
        base_url=origin, verify=ssl.create_default_context(cafile=ca_cert), timeout=30.0
    )


def sl_origin(info: dict[str, object]) -> str:
    url = str(info["url"])
    return url[: url.index("/b1s/")]


@pytest.fixture
def sl_admin(sandbox_process: SandboxProcess) -> Iterator[httpx.Client]:
    """The Service Layer sandbox's /_sandbox routes; faults and settings cleared after."""
    info = sandbox_process.info["service_layer"]
    with admin_client(sl_origin(info), info["ca_cert"]) as client:
        try:
            yield client
        finally:
            client.delete("/_sandbox/faults")
            client.post("/_sandbox/config", json={"expire_sessions_every": None})


@pytest.fixture
def sf_admin(sandbox_process: SandboxProcess) -> Iterator[httpx.Client]:
    """The Salesforce sandbox's /_sandbox routes; faults and settings cleared after."""
    info = sandbox_process.info["salesforce"]
    with admin_client(info["instance_url"], info["ca_cert"]) as client:
        try:
            yield client
        finally:
            client.delete("/_sandbox/faults")
            client.post("/_sandbox/config", json={"lock_error_rate": 0})
