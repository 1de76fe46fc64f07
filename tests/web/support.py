"""Helpers of the console tests: known passwords, form login, tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from b1hub.hub import Hub
from b1hub.store.types import Role
from b1hub.web.services import accounts

PASSWORDS = {role: f"{role.value}-pass-Word-1" for role in Role}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, role: Role) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": role.value,
                                           "password": PASSWORDS[role],
                                           "csrf_token": token, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


def issue_token(hub: Hub, role: Role) -> str:
    user = next(u for u in accounts.list_users(hub) if u.username == role.value)
    return accounts.issue_token(hub, user.id, f"{role.value} script", "test")[1]
