"""Integrations: the unit every other row belongs to (one SAP company + one Salesforce org)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from b1hub.store.models import Integration
from b1hub.store.repositories._base import insert_for

DEFAULT_INTEGRATION = "default"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class IntegrationNotFound(LookupError):
    pass


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(
            f"invalid integration name {name!r}: use lowercase letters, digits, '-' or '_'"
        )
    return name


def get_integration(session: Session, name: str) -> Integration:
    """The named integration; commands that need an existing one fail with a clear message."""
    found = session.scalar(select(Integration).where(Integration.name == name))
    if found is None:
        raise IntegrationNotFound(f"no integration named {name!r}")
    return found


def ensure_integration(session: Session, name: str = DEFAULT_INTEGRATION) -> Integration:
    """Get or create, safe when two processes create the same integration at once."""
    _check_name(name)
    stmt = insert_for(session, Integration).values(name=name)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
    return get_integration(session, name)


def list_integrations(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.name)))


def delete_integration(session: Session, name: str) -> None:
    """Removes the integration and, by cascade, everything it owns."""
    session.delete(get_integration(session, name))
    session.flush()
