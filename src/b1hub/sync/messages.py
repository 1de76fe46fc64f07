"""Record error messages a user can act on: which record, which field, why, what to do."""

from __future__ import annotations

import re

from b1hub.connectors.outcomes import RecordError
from b1hub.mapping.fields import FieldError

FIX_HINTS: dict[str, str] = {
    "INVALID_EMAIL_ADDRESS": "fix the e-mail in {source} and retry",
    "STRING_TOO_LONG": "shorten the value in {source} and retry",
    "REQUIRED_FIELD_MISSING": "fill the field in {source} and retry",
    "STANDARD_PRICE_NOT_DEFINED": "the standard price book entry must exist first; retry",
}


PROPERTY = re.compile(r"property '([^']+)'")
"""How the Service Layer names the offending field in its error text."""


def fields_of(error: RecordError) -> list[str]:
    """The rejected fields: Salesforce lists them, the Service Layer names them in text."""
    return list(error.fields) or list(dict.fromkeys(PROPERTY.findall(error.message)))


def _hint(error: RecordError) -> str:
    if error.code in FIX_HINTS:
        return FIX_HINTS[error.code]
    if "too long" in error.message.lower():
        return FIX_HINTS["STRING_TOO_LONG"]
    return "correct the data in {source} and retry"


def describe(label: str, name: str | None, side: str, key: str) -> str:
    """``Account 'Acme' (SAP C000123)``."""
    shown = f" '{name}'" if name else ""
    return f"{label}{shown} ({side} {key})"


def rejected(record: str, target: str, source: str, error: RecordError) -> str:
    """``...: Salesforce rejected Email__c: invalid email address: foo@ (CODE) — fix...``."""
    fields = ", ".join(fields_of(error))
    where = f" {fields}" if fields else ""
    hint = _hint(error).format(source=source)
    return f"{record}: {target} rejected{where}: {error.message} ({error.code}) — {hint}"


def unmapped(record: str, source: str, errors: list[FieldError]) -> str:
    parts = "; ".join(f"{e.field}: {e.reason} (value {e.value!r})" for e in errors)
    return f"{record}: cannot map {parts} — fix the data in {source} and retry"
