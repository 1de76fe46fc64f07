"""Configuration aggregates: integrations, connections, features, settings, selections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from b1hub.store.models.base import Base, integration_fk
from b1hub.store.types import (
    ConflictPolicy,
    InitStatus,
    JSONType,
    ObjectDirection,
    System,
    enum_type,
    utcnow,
)


class Integration(Base):
    """One SAP company database paired with one Salesforce org; owns every other row."""

    __tablename__ = "integrations"
    __repr_attrs__ = ("id", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Connection(Base):
    """Where and how to reach one system; secrets only as Fernet ciphertext."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("integration_id", "system"),)
    __repr_attrs__ = ("id", "integration_id", "system")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    system: Mapped[System] = mapped_column(enum_type(System, "system"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets_ciphertext: Mapped[str | None] = mapped_column(Text)
    last_tested_at: Mapped[datetime | None]
    last_test_ok: Mapped[bool | None]
    last_test_message: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Feature(Base):
    """A switched-on capability (the Salesforce connector is off until activated)."""

    __tablename__ = "features"
    __table_args__ = (UniqueConstraint("integration_id", "name"),)
    __repr_attrs__ = ("id", "integration_id", "name", "active")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    name: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str | None] = mapped_column(String(128))


class GeneralSetting(Base):
    """One general setting, stored only once set; defaults live in GeneralSettings."""

    __tablename__ = "general_settings"
    __table_args__ = (UniqueConstraint("integration_id", "key"),)
    __repr_attrs__ = ("id", "integration_id", "key", "value")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ObjectSetting(Base):
    """Per-object switches and the initialization state that unlocks Sync Now and schedules."""

    __tablename__ = "object_settings"
    __table_args__ = (UniqueConstraint("integration_id", "object"),)
    __repr_attrs__ = ("id", "integration_id", "object", "enabled", "direction", "init_status")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    object: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True)
    direction: Mapped[ObjectDirection] = mapped_column(
        enum_type(ObjectDirection, "object_direction")
    )
    conflict_policy: Mapped[ConflictPolicy | None] = mapped_column(
        enum_type(ConflictPolicy, "conflict_policy")
    )
    init_status: Mapped[InitStatus] = mapped_column(
        enum_type(InitStatus, "init_status"), default=InitStatus.NOT_STARTED
    )
    initialized_at: Mapped[datetime | None]
    init_linked: Mapped[int] = mapped_column(default=0)
    init_created: Mapped[int] = mapped_column(default=0)
    init_held: Mapped[int] = mapped_column(default=0)
    init_message: Mapped[str | None] = mapped_column(Text)


class Selection(Base):
    """A SAP record marked for SAP -> Salesforce sync (Set Customers / Items for Sync)."""

    __tablename__ = "selections"
    __table_args__ = (UniqueConstraint("integration_id", "object", "sap_key"),)
    __repr_attrs__ = ("id", "integration_id", "object", "sap_key", "account_type")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    object: Mapped[str] = mapped_column(String(32))
    sap_key: Mapped[str] = mapped_column(String(100))
    account_type: Mapped[str | None] = mapped_column(String(80))
    label: Mapped[str | None] = mapped_column(String(255))
    selected_at: Mapped[datetime] = mapped_column(default=utcnow)
    selected_by: Mapped[str | None] = mapped_column(String(128))
