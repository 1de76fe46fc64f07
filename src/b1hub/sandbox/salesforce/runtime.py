"""Settings a test may change while the sandbox runs (``/_sandbox/config``), persisted."""

from __future__ import annotations

from typing import Any

from b1hub.sandbox.config import SalesforceSettings
from b1hub.sandbox.salesforce.store import KeyValue

KEYS = ("session_timeout_hours", "daily_api_limit", "lock_error_rate", "hidden_fields")


class RuntimeConfig:
    def __init__(self, kv: KeyValue, settings: SalesforceSettings) -> None:
        self._kv = kv
        self._defaults: dict[str, Any] = {
            "session_timeout_hours": settings.session_timeout_hours,
            "daily_api_limit": settings.daily_api_limit,
            "lock_error_rate": 0.0,
            "hidden_fields": True,
        }
        self._values: dict[str, Any] = {}
        self.load()

    def load(self) -> None:
        self._values = {k: self._kv.get(f"config.{k}", v) for k, v in self._defaults.items()}

    @property
    def session_timeout_hours(self) -> float:
        return float(self._values["session_timeout_hours"])

    @property
    def daily_api_limit(self) -> int:
        return int(self._values["daily_api_limit"])

    @property
    def lock_error_rate(self) -> float:
        return float(self._values["lock_error_rate"])

    @property
    def hidden_fields(self) -> bool:
        """False: SOQL refuses the sandbox-only fields (``LastModifiedByClient``) as a real
        org would."""
        return bool(self._values["hidden_fields"])

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = set(changes) - set(KEYS)
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        casts: dict[str, Any] = {"session_timeout_hours": float, "daily_api_limit": int,
                                 "lock_error_rate": float, "hidden_fields": _flag}
        for key, value in changes.items():
            self._values[key] = casts[key](value)
            self._kv.set(f"config.{key}", self._values[key])
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return dict(self._values)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "false", "0"):
        return str(value).lower() in ("true", "1")
    raise ValueError(f"not a boolean: {value!r}")
