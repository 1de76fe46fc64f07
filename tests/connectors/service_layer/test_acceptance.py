"""Issue 4 acceptance on the Service Layer side: 20,000 records written and read back
with 10 % 5xx, latency spikes and every session expired every 50 requests."""

from __future__ import annotations

import ssl
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from b1hub.connectors.base import Page, WriteRecord
from b1hub.connectors.outcomes import Success
from b1hub.connectors.retry import RetryPolicy
from b1hub.connectors.service_layer import ServiceLayerClient, ServiceLayerConnection
from b1hub.sandbox.process import SandboxProcess

N = 20_000
FAULTS = [
    {"match": "* /b1s/v2/*", "status": 503, "rate": 0.1},
    {"match": "* /b1s/v2/*", "action": "latency", "latency_ms": 150, "rate": 0.03},
]


@pytest.fixture(scope="module")
def faulty_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("sl-acceptance")) as proc:
        info = proc.info["service_layer"]
        origin = info["url"][: info["url"].index("/b1s/")]
        verify = ssl.create_default_context(cafile=info["ca_cert"])
        with httpx.Client(base_url=origin, verify=verify) as admin:
            admin.post("/_sandbox/faults", json=FAULTS).raise_for_status()
            admin.post("/_sandbox/config", json={"expire_sessions_every": 50}).raise_for_status()
        yield proc


@pytest.mark.slow
def test_20000_written_and_read_back_exactly_once_under_faults(
    faulty_sandbox: SandboxProcess,
) -> None:
    conn = ServiceLayerConnection.from_sandbox_file(
        faulty_sandbox.data_dir / Path("sandbox.json"),
        retry=RetryPolicy(attempts=10, total_seconds=60, wait_initial=0.01, wait_max=0.2),
        settle_seconds=0.05,
    )
    records = [WriteRecord(f"key-{i}", {"CardCode": f"ACC{i:06d}", "CardName": f"Load {i}",
                                        "CardType": "cCustomer"}) for i in range(N)]
    with ServiceLayerClient(conn) as client:
        started = time.monotonic()
        outcomes = client.write_batch("BusinessPartners", "create", records)
        write_seconds = time.monotonic() - started
        assert [o.key for o in outcomes] == [r.key for r in records]
        kinds = Counter(type(o).__name__ for o in outcomes)
        assert kinds == {"Success": N}, kinds
        assert [o.remote_id for o in outcomes if isinstance(o, Success)] == [
            r.data["CardCode"] for r in records]

        started = time.monotonic()
        items = list(client.read_changes("BusinessPartners", ["CardName"], None,
                                         page_size=1000, where="startswith(CardCode, 'ACC')"))
        read_seconds = time.monotonic() - started
        assert all(isinstance(i, Page) for i in items)
        codes = Counter(r["CardCode"] for i in items if isinstance(i, Page) for r in i.records)
        assert len(codes) == N and set(codes.values()) == {1}
        assert set(codes) == {r.data["CardCode"] for r in records}
        stats = client.counters.snapshot()
    info = faulty_sandbox.info["service_layer"]
    verify = ssl.create_default_context(cafile=info["ca_cert"])
    origin = info["url"][: info["url"].index("/b1s/")]
    injected = httpx.get(f"{origin}/_sandbox/counters", verify=verify).json()["faults_injected"]
    assert injected["503"] > 20 and injected["latency"] > 3
    assert stats["retries"] >= injected["503"] - 1
    assert stats["relogins"] >= (stats["api_calls"] - injected["503"]) // 50 - 1
    print(f"\nSL 20k: write {write_seconds:.1f}s read {read_seconds:.1f}s counters {stats}")
