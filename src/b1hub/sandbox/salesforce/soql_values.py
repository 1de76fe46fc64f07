"""SOQL literal values: parsing them from tokens and checking them against a field's type.

Kept apart from the compiler so the type rules (what a real org accepts for each field
type, and the message it gives otherwise) sit in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from b1hub.sandbox.salesforce.ids import normalize

STRINGY = frozenset(
    {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "reference",
     "id", "combobox", "encryptedstring"}
)
NUMERIC = frozenset({"currency", "double", "percent", "int", "long"})
_SOAP_TYPE = {"date": "date", "datetime": "dateTime", "boolean": "boolean", "int": "int"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Literal:
    """One parsed value; ``kind`` is string, number, bool, null, date, datetime or relative."""

    kind: str
    value: object = None
    raw: str = ""


class LiteralTypeError(ValueError):
    """The literal does not fit the field's type (a real org answers INVALID_FIELD)."""


def unescape(raw: str, *, like: bool = False) -> str:
    """Decode a quoted SOQL string; for LIKE keep \\% and \\_ escaped for SQLite's ESCAPE."""
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "%_":
                out.append("\\" + nxt if like else nxt)
            elif like and nxt == "\\":
                out.append("\\\\")
            else:
                out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def normalise_datetime(text: str) -> str:
    """Any ISO datetime literal -> the stored UTC form ``YYYY-MM-DDTHH:MM:SS.mmm+0000``."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text).astimezone(UTC)
    return f"{parsed:%Y-%m-%dT%H:%M:%S}.{parsed.microsecond // 1000:03d}+0000"


def relative_range(name: str, today: date) -> tuple[date, date]:
    """The half-open [start, end) day range of TODAY, LAST_N_DAYS:n and friends."""
    upper = name.upper()
    if upper == "TODAY":
        return today, today + timedelta(days=1)
    if upper == "YESTERDAY":
        return today - timedelta(days=1), today
    if upper == "TOMORROW":
        return today + timedelta(days=1), today + timedelta(days=2)
    unit, _, count = upper.partition(":")
    days = int(count)
    if unit == "LAST_N_DAYS":
        return today - timedelta(days=days), today + timedelta(days=1)
    return today + timedelta(days=1), today + timedelta(days=days + 1)


def day_bound(day: date, field_type: str) -> str:
    """A day boundary in the stored encoding of a date or datetime field."""
    return day.isoformat() if field_type == "date" else f"{day.isoformat()}T00:00:00.000+0000"


def bind(field_name: str, field_type: str, literal: Literal) -> object:
    """The SQL parameter for ``literal`` compared with a field of ``field_type``."""
    kind = literal.kind
    if field_type in STRINGY:
        if kind != "string":
            raise LiteralTypeError(_mismatch(field_name, "string", quoted=True))
        text = str(literal.value)
        if field_type in ("id", "reference"):
            return normalize(text) or text
        return text
    if field_type in NUMERIC:
        if kind != "number":
            raise LiteralTypeError(_mismatch(field_name, _SOAP_TYPE.get(field_type, "double")))
        return literal.value
    if field_type == "boolean":
        if kind != "bool":
            raise LiteralTypeError(_mismatch(field_name, "boolean"))
        return 1 if literal.value else 0
    if field_type in ("date", "datetime"):
        if kind != field_type:
            raise LiteralTypeError(_mismatch(field_name, _SOAP_TYPE[field_type]))
        return literal.value
    return literal.value


def _mismatch(field_name: str, soap_type: str, *, quoted: bool = False) -> str:
    enclosed = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return f"value of filter criterion for field '{field_name}' must be of type {soap_type} " \
        f"and {enclosed}"
