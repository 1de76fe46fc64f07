"""Session-bound CSRF tokens: a hidden field in every form, a header on every htmx request.

The token lives in the signed session cookie and must come back in the request body or the
X-CSRF-Token header; another site can make the browser send the cookie but can neither read
the token nor forge it. API calls with a bearer token carry no cookie and need no token.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

HEADER = "x-csrf-token"
FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfFailed(Exception):
    """The request changes state but does not prove it came from our own page."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        raise CsrfFailed("missing or wrong CSRF token: reload the page and try again")
