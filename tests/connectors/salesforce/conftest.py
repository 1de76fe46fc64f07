from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from b1hub.connectors.retry import RetryPolicy
from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection


@pytest.fixture
def sf_conn(sandbox_file: Path, fast_retry: RetryPolicy) -> SalesforceConnection:
    return SalesforceConnection.from_sandbox_file(sandbox_file, retry=fast_retry,
                                                  bulk_poll_initial=0.2)


@pytest.fixture
def sf_client(sf_conn: SalesforceConnection) -> Iterator[SalesforceClient]:
    with SalesforceClient(sf_conn) as client:
        yield client


@pytest.fixture
def prefix() -> str:
    """A fresh external-id prefix for the records a test writes."""
    return "T" + uuid.uuid4().hex[:8].upper()
