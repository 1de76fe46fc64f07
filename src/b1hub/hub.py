"""One integration's working context: its store, its connections and its clients.

Every command, console route and runner job starts from a :class:`Hub`, so the way a
store is opened and a connection is decrypted and turned into a client exists once.

>>> hub = Hub.open("default")                              # doctest: +SKIP
>>> with hub.repos() as repos: repos.settings.get()         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr

from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.store import Store, open_store
from b1hub.store.repositories import Repositories, ensure_integration
from b1hub.store.repositories.connections import looks_secret
from b1hub.store.types import System

M = TypeVar("M", bound=BaseModel)


class NotConnected(RuntimeError):
    """A command needs a connection that was never configured."""


def split_secrets(model: BaseModel) -> tuple[dict[str, Any], dict[str, str]]:
    """Non-secret settings (stored as JSON) and secrets (stored encrypted) of a connection.

    A field is secret when it holds a ``SecretStr`` or its name says so (a private key's
    path is kept encrypted too); unset secrets are stored nowhere.
    """
    secrets: dict[str, str] = {}
    secret_names: set[str] = set()
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr) or looks_secret(name):
            secret_names.add(name)
            if value is not None:
                secrets[name] = (
                    value.get_secret_value() if isinstance(value, SecretStr) else str(value)
                )
    return model.model_dump(mode="json", exclude=secret_names), secrets


def join_secrets(cls: type[M], settings: dict[str, Any], secrets: dict[str, str]) -> M:
    return cls(**{**settings, **secrets})


@dataclass
class Hub:
    store: Store
    integration: str
    integration_id: int

    @classmethod
    def open(cls, integration: str = "default", url: str | None = None) -> Hub:
        store = open_store(url)
        with store.transaction() as session:
            integration_id = ensure_integration(session, integration).id
        return cls(store, integration, integration_id)

    def close(self) -> None:
        self.store.dispose()

    @contextmanager
    def repos(self) -> Iterator[Repositories]:
        """Repositories of this integration inside one transaction (commit on success)."""
        with self.store.transaction() as session:
            yield Repositories(session, self.integration_id)

    def save_connection(self, model: ServiceLayerConnection | SalesforceConnection) -> None:
        system = System.SAP if isinstance(model, ServiceLayerConnection) else System.SALESFORCE
        settings, secrets = split_secrets(model)
        with self.repos() as repos:
            repos.connections.save(system, settings, secrets)

    def service_layer_connection(self) -> ServiceLayerConnection:
        return self._connection(System.SAP, ServiceLayerConnection)

    def salesforce_connection(self) -> SalesforceConnection:
        return self._connection(System.SALESFORCE, SalesforceConnection)

    def service_layer(self) -> ServiceLayerClient:
        """A new Service Layer client; close it (or use ``with``) to log out."""
        return ServiceLayerClient(self.service_layer_connection())

    def salesforce(self) -> SalesforceClient:
        return SalesforceClient(self.salesforce_connection())

    def _connection(self, system: System, cls: type[M]) -> M:
        with self.repos() as repos:
            config = repos.connections.get(system)
        if config is None:
            raise NotConnected(
                f"no {system.value} connection for integration {self.integration!r}; "
                f"run `b1hub connect` first"
            )
        return join_secrets(cls, config.settings, config.secrets)
