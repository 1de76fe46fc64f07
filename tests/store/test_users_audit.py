"""Users, API tokens (only hashes stored) and the audit log (no secrets in details)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from b1hub.store import Store
from b1hub.store.models import ApiToken
from b1hub.store.repositories import (
    AuditRepository,
    Repositories,
    TokenRepository,
    UserRepository,
)
from b1hub.store.types import Role, utcnow


def test_users_lockout_after_repeated_failures(store: Store) -> None:
    with store.transaction() as session:
        users = UserRepository(session)
        alice = users.create("alice", Role.OPERATOR, password_hash="$argon2id$v=19$fake")
        with pytest.raises(IntegrityError), session.begin_nested():
            users.create("alice", Role.VIEWER)
        for _ in range(4):
            users.record_failed_login(alice)
        assert (alice.failed_attempts, users.is_locked(alice)) == (4, False)
        users.record_failed_login(alice)
        assert users.is_locked(alice) is True
        assert users.is_locked(alice, now=utcnow() + timedelta(minutes=16)) is False
        users.record_login(alice)
        assert (alice.failed_attempts, alice.locked_until) == (0, None)
        assert "argon2" not in repr(alice)
        assert [u.username for u in users.all()] == ["alice"]


def test_api_tokens_are_hashed_expire_and_revoke(store: Store) -> None:
    with store.transaction() as session:
        bob = UserRepository(session).create("bob", Role.ADMIN)
        tokens = TokenRepository(session)
        issued = tokens.issue(bob, "ci")
        short = tokens.issue(bob, "short", expires_at=utcnow() + timedelta(minutes=1))
        assert issued.token.startswith("b1h_")
        assert issued.token not in repr(issued)
        stored = session.execute(text("SELECT token_hash, prefix FROM api_tokens")).all()
        assert all(issued.token not in row.token_hash for row in stored)
        assert tokens.authenticate(issued.token) is bob
        assert issued.record.last_used_at is not None
        assert tokens.authenticate(issued.token + "x") is None
        assert tokens.authenticate(short.token, now=utcnow() + timedelta(minutes=2)) is None
        assert tokens.revoke(issued.record.id) is True
        assert tokens.authenticate(issued.token) is None
        assert tokens.revoke(issued.record.id) is False
        bob.disabled = True
        assert tokens.authenticate(short.token) is None
        assert len(session.scalars(select(ApiToken)).all()) == len(tokens.for_user(bob)) == 2


def test_audit_log_redacts_secrets_and_is_scoped(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, acme = two_integrations
    details = {
        "system": "sap",
        "password": "hunter2",
        "settings": {"base_url": "https://x", "client_secret": "s3cret"},
        "history": [{"refresh_token": "rt"}],
    }
    with store.transaction() as session:
        Repositories(session, default).audit.record("alice", "connection.save", "sap", details)
        Repositories(session, acme).audit.record("bob", "settings.set", "time_zone")
        AuditRepository(session, None).record("root", "user.create", "alice")
    with store.transaction() as session:
        entries = Repositories(session, default).audit.recent()
        assert [(e.actor, e.action, e.target) for e in entries] == [
            ("alice", "connection.save", "sap")
        ]
        assert entries[0].details == {
            "system": "sap",
            "password": "***",
            "settings": {"base_url": "https://x", "client_secret": "***"},
            "history": [{"refresh_token": "***"}],
        }
        raw = session.execute(text("SELECT details FROM audit_log")).all()
        assert all("hunter2" not in str(row.details) for row in raw)
        assert [e.actor for e in AuditRepository(session, None).recent()] == ["root"]
        assert [e.actor for e in Repositories(session, acme).audit.recent()] == ["bob"]
