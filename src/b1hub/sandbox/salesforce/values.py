"""Converting JSON values into stored field values, with Salesforce's error messages.

Stored encoding (shared with SOQL and Bulk): datetimes as ``YYYY-MM-DDTHH:MM:SS.mmm+0000``
in UTC (so strings sort chronologically), dates as ``YYYY-MM-DD``, numbers and booleans as
JSON numbers and booleans, everything else as strings. An empty string means null.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from b1hub.sandbox.salesforce.results import WriteFailed, fail
from b1hub.sandbox.salesforce.schema import FieldSchema

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
TEXT_TYPES = frozenset({"string", "textarea", "phone", "url", "email", "picklist",
                        "multipicklist", "reference", "id"})


def format_datetime(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def now_stamp() -> str:
    return format_datetime(datetime.now(UTC))


def parse_datetime(text: str) -> datetime | None:
    """ISO 8601 with ``Z``, ``+00:00`` or ``+0000`` offsets (naive means UTC)."""
    candidate = text.strip()
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    match = re.match(r"^(.*[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)([+-]\d\d)(\d\d)$", candidate)
    if match:
        candidate = f"{match.group(1)}{match.group(2)}:{match.group(3)}"
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _parser_error(kind: str, value: object) -> WriteFailed:
    return fail(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} "
        "or request may be missing a required field",
    )


def coerce(spec: FieldSchema, value: object) -> object:
    """The stored value for ``value`` written to ``spec``; raises WriteFailed when invalid."""
    if value is None:
        return None
    kind = spec.type
    if kind in TEXT_TYPES:
        return _text(spec, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error("boolean", value)
    if kind in ("currency", "double", "percent", "int"):
        return _number(spec, value)
    if kind == "date":
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10]).isoformat()
            except ValueError:
                pass
        raise _parser_error("date", value)
    if kind == "datetime":
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            raise _parser_error("datetime", value)
        return format_datetime(moment)
    return value


def _text(spec: FieldSchema, value: object) -> str | None:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float, str)):
        text = str(value)
    else:
        raise _parser_error("string", value)
    if text == "":
        return None
    if spec.length and len(text) > spec.length:
        raise fail(
            "STRING_TOO_LONG",
            f"{spec.label}: data value too large: {text} (max length={spec.length})",
            [spec.name],
        )
    if spec.type == "email" and not EMAIL_RE.match(text):
        raise fail("INVALID_EMAIL_ADDRESS", f"{spec.label}: invalid email address: {text}",
                   [spec.name])
    if spec.type == "picklist" and spec.restricted_picklist and text not in spec.picklist_values:
        raise fail(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{spec.label}: bad value for restricted picklist field: {text}",
            [spec.name],
        )
    return text


def _number(spec: FieldSchema, value: object) -> float | int:
    if isinstance(value, bool):
        raise _parser_error("double", value)
    number: float
    if isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _parser_error("double", value) from None
    else:
        raise _parser_error("double", value)
    integral_digits = spec.precision - spec.scale if spec.precision else 18
    if abs(number) >= 10 ** integral_digits:
        raise fail("NUMBER_OUTSIDE_VALID_RANGE",
                   f"{spec.label}: value outside of valid range on numeric field: {value}",
                   [spec.name])
    if spec.type == "int" or spec.scale == 0:
        return round(number)
    rounded = round(float(number), spec.scale)
    return int(rounded) if rounded.is_integer() and isinstance(value, int) else rounded


def is_blank(value: object) -> bool:
    return value is None or value == ""
