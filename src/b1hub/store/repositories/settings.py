"""General settings (typed, with defaults) and feature activation, per integration."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import delete, select

from b1hub.store.models import Feature, GeneralSetting
from b1hub.store.repositories._base import ScopedRepository, insert_for
from b1hub.store.types import ConflictPolicy, utcnow

SALESFORCE_CONNECTOR = "salesforce_connector"
SALESFORCE_API_USAGE = "salesforce_api_usage"
"""A general_settings row that is state, not a setting: the org's API usage last seen in
``Sforce-Limit-Info``. GeneralSettings does not know the key, so get() skips it, and
set()/unset() and the settings screens cannot reach it."""


class PriceTarget(BaseModel):
    """Where one SAP price list goes: a Salesforce price book (name or Id) and currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pricebook: str
    currency: str


DEFAULT_PRICE_LIST_MAP: dict[str, PriceTarget] = {
    "1": PriceTarget(pricebook="USD Price Book", currency="USD"),
    "2": PriceTarget(pricebook="EUR Price Book", currency="EUR"),
    "3": PriceTarget(pricebook="CAD Price Book", currency="CAD"),
}


class GeneralSettings(BaseModel):
    """The seed's General Settings tab. Unset keys take these defaults; only set keys are
    stored, so a later default change reaches every integration that never chose."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Salesforce Account.Type values that become SAP customers; empty until configured,
    # as in the seed where it is a prerequisite of customer selection.
    account_types: list[str] = []
    default_customer_group: int | None = None
    bp_code_series: int | None = None
    lead_code_series: int | None = None
    payment_terms: int | None = None
    shipping_freight_code: int | None = None
    tax_freight_code: int | None = None
    exempt_tax_code: str | None = None
    branch: int | None = None
    multi_currency: bool = False
    conflict_policy: ConflictPolicy = ConflictPolicy.NEWEST_WINS
    time_zone: str = "UTC"
    # New business partners from Salesforce get CardCode prefix + zero-padded number.
    bp_code_prefix: str = "SF"
    bp_code_digits: int = 6
    # New SAP leads from Salesforce get CardCode lead prefix + zero-padded number.
    lead_code_prefix: str = "LD"
    lead_code_digits: int = 6
    # SAP price list number -> Salesforce price book and currency (the Price List tab);
    # each product also gets one Standard Price Book entry per mapped currency.
    price_list_map: dict[str, PriceTarget] = dict(DEFAULT_PRICE_LIST_MAP)
    # How far before the checkpoint a read starts, for changes committed late.
    sync_overlap_seconds: int = 60
    # The SAP company's decimal places (General Settings > Display), which SAP float UDFs
    # take from their subtype; a mapped Salesforce number must have the same scale.
    decimals_sum: int = 2
    decimals_price: int = 2
    decimals_rate: int = 4
    decimals_quantity: int = 3
    decimals_percent: int = 2
    decimals_measure: int = 3
    # Which Salesforce documents become SAP documents: quotes in these statuses, orders
    # in these statuses, opportunities at these stages (empty: every stage).
    quote_statuses: list[str] = ["Approved", "Presented", "Accepted"]
    order_statuses: list[str] = ["Activated"]
    opportunity_stages: list[str] = []
    # For teams without Salesforce Orders: the order object also turns each Closed Won
    # opportunity with products into one SAP sales order (NumAtCard = opportunity Id).
    closed_won_creates_order: bool = False
    # SAP sales employee for opportunities whose owner is not in the sales_persons map.
    default_sales_person: int = -1

    @field_validator("price_list_map", mode="before")
    @classmethod
    def _parse_price_map(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("account_types", "quote_statuses", "order_statuses",
                     "opportunity_stages")
    @classmethod
    def _clean_types(cls, value: list[str]) -> list[str]:
        return [item.strip() for item in value if item.strip()]


SETTING_KEYS: tuple[str, ...] = tuple(GeneralSettings.model_fields)


def _check_key(key: str) -> None:
    if key not in GeneralSettings.model_fields:
        raise KeyError(f"unknown setting {key!r}; known: {', '.join(SETTING_KEYS)}")


def parse_setting_text(key: str, text: str) -> Any:
    """What `b1hub settings set KEY VALUE` means: lists are comma-separated, and an empty
    value or 'none' clears an optional setting; pydantic then validates and converts."""
    _check_key(key)
    annotation = GeneralSettings.model_fields[key].annotation
    if get_origin(annotation) is list:
        return text.split(",")
    default = GeneralSettings.model_fields[key].default
    if default is None and text.strip().lower() in ("", "none", "null"):
        return None
    return text


@dataclass(frozen=True)
class OrgApiUsage:
    """The Salesforce org's daily API usage (all its users, not only b1hub) at seen_at."""

    used: int
    limit: int
    seen_at: datetime

    @property
    def percent(self) -> float:
        return round(100 * self.used / self.limit, 2) if self.limit else 0.0


class SettingsRepository(ScopedRepository):
    def get(self) -> GeneralSettings:
        rows = self.session.scalars(
            select(GeneralSetting).where(GeneralSetting.integration_id == self.integration_id)
        )
        stored = {row.key: row.value for row in rows if row.key in GeneralSettings.model_fields}
        return GeneralSettings.model_validate(stored)

    def explicitly_set(self) -> set[str]:
        keys = self.session.scalars(
            select(GeneralSetting.key).where(GeneralSetting.integration_id == self.integration_id)
        )
        return {key for key in keys if key in GeneralSettings.model_fields}

    def set(self, key: str, value: Any) -> GeneralSettings:
        """Validate against the whole model (so a bad value is refused, never stored)."""
        _check_key(key)
        current = self.get().model_dump(mode="json")
        updated = GeneralSettings.model_validate({**current, key: value})
        stored = updated.model_dump(mode="json")[key]
        stmt = insert_for(self.session, GeneralSetting).values(
            integration_id=self.integration_id, key=key, value=stored, updated_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["integration_id", "key"],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
        self.session.execute(stmt)
        self.session.expire_all()
        return updated

    def record_api_usage(self, usage: OrgApiUsage) -> None:
        """Keep the newest observation: a run that read the header earlier and finished
        later (concurrent runs of other objects) does not put an older figure back."""
        current = self.api_usage()
        if current is not None and current.seen_at > usage.seen_at:
            return
        value = {"used": usage.used, "limit": usage.limit,
                 "seen_at": usage.seen_at.isoformat()}
        stmt = insert_for(self.session, GeneralSetting).values(
            integration_id=self.integration_id, key=SALESFORCE_API_USAGE, value=value,
            updated_at=utcnow(),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["integration_id", "key"],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
        self.session.execute(stmt)

    def api_usage(self) -> OrgApiUsage | None:
        value = self.session.scalar(
            select(GeneralSetting.value).where(
                GeneralSetting.integration_id == self.integration_id,
                GeneralSetting.key == SALESFORCE_API_USAGE,
            )
        )
        if value is None:
            return None
        try:
            return OrgApiUsage(int(value["used"]), int(value["limit"]),
                               datetime.fromisoformat(value["seen_at"]).astimezone(UTC))
        except (TypeError, KeyError, ValueError):  # a row written by hand: not shown
            return None

    def set_text(self, key: str, text: str) -> GeneralSettings:
        return self.set(key, parse_setting_text(key, text))

    def unset(self, key: str) -> None:
        _check_key(key)
        self.session.execute(
            delete(GeneralSetting).where(
                GeneralSetting.integration_id == self.integration_id, GeneralSetting.key == key
            )
        )


class FeatureRepository(ScopedRepository):
    """Feature activation: e.g. the Salesforce connector stays off until an admin activates it."""

    def set_active(self, name: str, active: bool, by: str | None = None) -> None:
        stmt = insert_for(self.session, Feature).values(
            integration_id=self.integration_id,
            name=name,
            active=active,
            changed_at=utcnow(),
            changed_by=by,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["integration_id", "name"],
            set_={
                "active": stmt.excluded.active,
                "changed_at": stmt.excluded.changed_at,
                "changed_by": stmt.excluded.changed_by,
            },
        )
        self.session.execute(stmt)

    def is_active(self, name: str) -> bool:
        active = self.session.scalar(
            select(Feature.active).where(
                Feature.integration_id == self.integration_id, Feature.name == name
            )
        )
        return bool(active)

    def all(self) -> dict[str, bool]:
        rows = self.session.execute(
            select(Feature.name, Feature.active).where(
                Feature.integration_id == self.integration_id
            )
        )
        return {name: active for name, active in rows}
