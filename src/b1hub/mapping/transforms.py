"""Conversions between each system's representation and the canonical one.

Canonical values are what the merge compares: plain strings (empty means None),
numbers, booleans and ISO dates. Every conversion must round-trip, or the hub would
see its own writes as changes and echo them back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def text(value: Any) -> str | None:
    """Trimmed text; empty and whitespace-only become None (SAP sends "" where SF sends null)."""
    if value is None:
        return None
    out = str(value).strip()
    return out or None


UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (C0 controls but tab and line breaks, lone surrogates,
U+FFFE/U+FFFF): Salesforce's SOAP, Bulk XML and report exports and SAP's XML layers break
on them, and a lone surrogate is not UTF-8 at all, so no JSON body could even send it."""
SALESFORCE_DATES = (dt.date(1700, 1, 1), dt.date(4000, 12, 31))
"""The dates a Salesforce date field accepts."""


def checked_text(value: Any) -> str | None:
    """:func:`text`, refusing a character neither system carries safely: one bad value
    is then a record error naming it, not a value that breaks the other side's tools
    (or, for a lone surrogate, a whole batch that cannot be encoded)."""
    out = text(value)
    found = UNSAFE.search(out) if out else None
    if found is not None:
        code = ord(found.group())
        kind = ("a lone surrogate (not valid UTF-8)" if 0xD800 <= code <= 0xDFFF
                else "a non-character" if code > 0xFFFD else "a control character")
        raise ValueError(f"contains {kind} U+{code:04X} at position {found.start() + 1}; "
                         "remove it")
    return out


def yes_no_to_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if value in ("tYES", "Y", True):
        return True
    if value in ("tNO", "N", False):
        return False
    raise ValueError(f"expected tYES or tNO, got {value!r}")


def bool_to_yes_no(value: Any) -> str | None:
    return None if value is None else ("tYES" if value else "tNO")


def sap_currency(value: Any) -> str | None:
    """A BP currency; SAP's ``##`` ("all currencies") is no single currency to send."""
    code = text(value)
    return None if code == "##" else code


def sap_date(value: Any) -> str | None:
    """``2026-11-25T00:00:00Z`` (v2) or ``2026-11-25`` (v1) to ``2026-11-25``; a value that
    is no date, or a date Salesforce cannot hold (ERPs' "open-ended" 9999-12-31), is refused."""
    out = text(value)
    if not out:
        return None
    try:
        day = dt.date.fromisoformat(out[:10])
    except ValueError:
        raise ValueError(f"{out!r} is not a date (YYYY-MM-DD)") from None
    first, last = SALESFORCE_DATES
    if not first <= day <= last:
        raise ValueError(f"date {day.isoformat()} is outside the dates Salesforce accepts "
                         f"({first.isoformat()} to {last.isoformat()})")
    return day.isoformat()


def number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def integer(value: Any) -> int | None:
    """SAP ``db_Numeric`` holds integers; a fractional value is refused, never truncated."""
    if value is None or value == "":
        return None
    out = float(value)
    if not out.is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(out)


def y_n_to_bool(value: Any) -> bool | None:
    """A checkbox UDF (valid values Y/N, empty when never set)."""
    if value in (None, ""):
        return None
    return yes_no_to_bool(value)


def bool_to_y_n(value: Any) -> str | None:
    return None if value is None else ("Y" if value else "N")


def datetime_to_date(value: Any) -> str | None:
    """A Salesforce datetime (``2026-11-25T00:00:00.000+0000``) as the SAP date it holds."""
    out = text(value)
    return out[:10] if out else None


def date_to_datetime(value: Any) -> str | None:
    return None if value is None else f"{value}T00:00:00.000+0000"


@dataclass(frozen=True)
class Transform:
    """How one field's values cross between a system and the canonical form."""

    name: str
    from_sap: Convert = _identity
    to_sap: Convert = _identity
    from_salesforce: Convert = _identity
    to_salesforce: Convert = _identity


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in (
        Transform("text", checked_text, _identity, checked_text, _identity),
        Transform("yes_no", yes_no_to_bool, bool_to_yes_no, _identity, _identity),
        Transform("inverse_yes_no",
                  lambda v: None if v is None else not yes_no_to_bool(v),
                  lambda v: bool_to_yes_no(None if v is None else not v),
                  _identity, _identity),
        Transform("currency", sap_currency, _identity, text, _identity),
        Transform("date", sap_date, _identity, text, _identity),
        Transform("number", number, _identity, number, _identity),
        Transform("integer", integer, _identity, integer, _identity),
        Transform("y_n", y_n_to_bool, bool_to_y_n, _identity, _identity),
        Transform("date_datetime", sap_date, _identity, datetime_to_date, date_to_datetime),
    )
}


def get_transform(name: str | None) -> Transform:
    if name is None:
        return TRANSFORMS["text"]
    try:
        return TRANSFORMS[name]
    except KeyError:
        raise ValueError(f"unknown transform {name!r}; known: {sorted(TRANSFORMS)}") from None
