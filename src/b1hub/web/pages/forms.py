"""Small helpers for reading HTML forms (every value arrives as text)."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from starlette.datastructures import FormData

from b1hub.web.services.errors import InvalidInput


async def read_form(request: Request) -> FormData:
    return await request.form()


def text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def integer(form: FormData, name: str) -> int | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{name.replace('_', ' ')} must be a whole number") from None


def time_of_day(form: FormData, name: str) -> dt.time | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name.replace('_', ' ')}: use HH:MM (24-hour)") from None


def checked(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would make the login page a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
