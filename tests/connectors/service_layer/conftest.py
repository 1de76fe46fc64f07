from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from b1hub.connectors.retry import RetryPolicy
from b1hub.connectors.service_layer import ServiceLayerClient, ServiceLayerConnection


@pytest.fixture
def sl_conn(sandbox_file: Path, fast_retry: RetryPolicy) -> ServiceLayerConnection:
    return ServiceLayerConnection.from_sandbox_file(sandbox_file, retry=fast_retry)


@pytest.fixture
def sl_client(sl_conn: ServiceLayerConnection) -> Iterator[ServiceLayerClient]:
    with ServiceLayerClient(sl_conn) as client:
        yield client


@pytest.fixture
def prefix() -> str:
    """A fresh CardCode prefix (CardCode is at most 15 characters)."""
    return "Z" + uuid.uuid4().hex[:6].upper()
