"""Who may use the hub and what they changed.

Users and API tokens are hub-wide (one login for every integration a partner hosts); audit
entries belong to an integration, or to none for hub-wide actions such as creating a user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from b1hub.store.models.base import Base
from b1hub.store.types import Role, enum_type, utcnow


class User(Base):
    __tablename__ = "users"
    __repr_attrs__ = ("id", "username", "role")

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    disabled: Mapped[bool] = mapped_column(default=False)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """Only the SHA-256 of a token is stored; the token itself is shown once at issue."""

    __tablename__ = "api_tokens"
    __repr_attrs__ = ("id", "user_id", "name", "prefix")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Login attempts not known to have succeeded, per client address or per username.

    In the store, not in memory, so every console process of a distributed hub counts the
    same attempts. A username is kept only as its SHA-256: people type passwords into the
    username field, and an attacker's guesses have no business in clear in the database.
    """

    __tablename__ = "login_throttle"
    __repr_attrs__ = ("scope", "key", "attempts", "blocked_until")

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "integration_id", "at"),)
    __repr_attrs__ = ("id", "integration_id", "actor", "action", "target")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
