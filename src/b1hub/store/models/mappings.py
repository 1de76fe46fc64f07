"""Field and value map versions, and the custom fields retrieved from both systems."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from b1hub.store.models.base import Base, integration_fk
from b1hub.store.types import utcnow


class MappingVersion(Base):
    """One saved state of a user's changes to an object's field map (``kind`` "fields") or
    to a value map (``kind`` "values"). Rows are never updated: each change adds the next
    version, so the history says who changed what and when; the newest version is current.
    """

    __tablename__ = "mapping_versions"
    __table_args__ = (UniqueConstraint("integration_id", "kind", "name", "version"),)
    __repr_attrs__ = ("id", "integration_id", "kind", "name", "version")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    data: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomField(Base):
    """A user-defined field (SAP ``UserFieldsMD``) or custom field (Salesforce describe), as
    last retrieved: what ``b1hub udf map`` checks a mapping against."""

    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("integration_id", "system", "table", "name"),)
    __repr_attrs__ = ("id", "integration_id", "system", "table", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    system: Mapped[str] = mapped_column(String(16))
    table: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    definition: Mapped[dict[str, Any]]
    retrieved_at: Mapped[datetime] = mapped_column(default=utcnow)
