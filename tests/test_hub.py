"""The hub context stores connections with secrets encrypted and rebuilds them intact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.hub import Hub, NotConnected


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path))
    monkeypatch.delenv("B1HUB_DATABASE_URL", raising=False)
    h = Hub.open("default")
    yield h
    h.close()


def test_connections_round_trip_and_secrets_stay_out_of_the_file(
    hub: Hub, tmp_path: Path
) -> None:
    sl = ServiceLayerConnection(
        url="https://sap.example.com:50000/b1s/v2", company_db="SBO", username="manager",
        password="pw-sap-SECRET-1",  # type: ignore[arg-type]
    )
    sf = SalesforceConnection(
        instance_url="https://org.example.com", login_url="https://login.example.com",
        client_id="cid", client_secret="sf-SECRET-2",  # type: ignore[arg-type]
    )
    hub.save_connection(sl)
    hub.save_connection(sf)
    assert hub.service_layer_connection() == sl
    assert hub.salesforce_connection() == sf
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("b1hub.db*"))
    assert b"pw-sap-SECRET-1" not in raw and b"sf-SECRET-2" not in raw


def test_missing_connection_says_what_to_do(hub: Hub) -> None:
    with pytest.raises(NotConnected, match="b1hub connect"):
        hub.salesforce_connection()
