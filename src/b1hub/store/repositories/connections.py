"""Connections to SAP and Salesforce: non-secret settings in JSON, secrets encrypted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from b1hub.store.models import Connection
from b1hub.store.repositories._base import ScopedRepository
from b1hub.store.secrets import decrypt_json, encrypt_json
from b1hub.store.types import System, utcnow

_SECRET_HINTS = ("password", "secret", "token", "private_key", "privatekey", "passphrase")


def looks_secret(key: str) -> bool:
    lowered = key.lower()
    return any(hint in lowered for hint in _SECRET_HINTS)


@dataclass(frozen=True)
class ConnectionConfig:
    """A decrypted connection for the connectors; its repr masks every secret value."""

    system: System
    settings: dict[str, Any]
    secrets: dict[str, str] = field(repr=False)
    last_tested_at: datetime | None = None
    last_test_ok: bool | None = None
    last_test_message: str | None = None

    def __repr__(self) -> str:
        masked = dict.fromkeys(self.secrets, "***")
        return (
            f"ConnectionConfig(system={self.system.value!r}, settings={self.settings!r}, "
            f"secrets={masked!r})"
        )


class ConnectionRepository(ScopedRepository):
    def _row(self, system: System) -> Connection | None:
        return self.session.scalar(
            select(Connection).where(
                Connection.integration_id == self.integration_id, Connection.system == system
            )
        )

    def save(
        self,
        system: System,
        settings: dict[str, Any],
        secrets: dict[str, str] | None = None,
    ) -> ConnectionConfig:
        """Create or replace a connection. `secrets=None` keeps the stored secrets, so a URL
        can change without retyping the password; a secret-looking key in `settings` is refused
        so it can never be stored in clear by mistake."""
        leaked = sorted(key for key in settings if looks_secret(key))
        if leaked:
            raise ValueError(f"secret values must go in secrets, not settings: {leaked}")
        row = self._row(system)
        if row is None:
            row = Connection(integration_id=self.integration_id, system=system)
            self.session.add(row)
        row.settings = dict(settings)
        if secrets is not None:
            row.secrets_ciphertext = encrypt_json(dict(secrets)) if secrets else None
        self.session.flush()
        return self._config(row)

    def get(self, system: System) -> ConnectionConfig | None:
        row = self._row(system)
        return None if row is None else self._config(row)

    def record_test(self, system: System, ok: bool, message: str | None = None) -> None:
        """Remember the last "test connection" result for the connections screen."""
        row = self._row(system)
        if row is None:
            raise LookupError(f"no {system.value} connection configured")
        row.last_tested_at = utcnow()
        row.last_test_ok = ok
        row.last_test_message = message
        self.session.flush()

    def delete(self, system: System) -> bool:
        row = self._row(system)
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    @staticmethod
    def _config(row: Connection) -> ConnectionConfig:
        decrypted = decrypt_json(row.secrets_ciphertext) if row.secrets_ciphertext else {}
        return ConnectionConfig(
            system=row.system,
            settings=dict(row.settings),
            secrets={str(k): str(v) for k, v in decrypted.items()},
            last_tested_at=row.last_tested_at,
            last_test_ok=row.last_test_ok,
            last_test_message=row.last_test_message,
        )
