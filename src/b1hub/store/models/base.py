"""Declarative base: naming convention (stable constraint names for Alembic) and a safe repr."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from b1hub.store.types import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }

    # Only these attributes appear in repr(): secrets and hashes can never leak into logs.
    __repr_attrs__: ClassVar[tuple[str, ...]] = ("id",)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name, None)!r}" for name in self.__repr_attrs__)
        return f"{type(self).__name__}({shown})"

    __str__ = __repr__


def integration_fk() -> Mapped[int]:
    """The owning integration; deleting an integration deletes everything it owns."""
    return mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=False)
