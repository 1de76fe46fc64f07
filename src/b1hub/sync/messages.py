"""Record error messages a user can act on: which record, which field, why, what to do."""

from __future__ import annotations

import re

from b1hub.connectors.outcomes import RecordError
from b1hub.mapping.fields import FieldError
from b1hub.mapping.transforms import UNSAFE

FIX_HINTS: dict[str, str] = {
    "INVALID_EMAIL_ADDRESS": "fix the e-mail in {source} and retry",
    "STRING_TOO_LONG": "shorten the value in {source} and retry",
    "REQUIRED_FIELD_MISSING": "fill the field in {source} and retry",
    "STANDARD_PRICE_NOT_DEFINED": "the standard price book entry must exist first; retry",
    "ENTITY_IS_DELETED": "the linked Salesforce record was deleted there, and b1hub never "
                         "re-creates what a person deleted (deletes are not synced): restore "
                         "it from the Salesforce Recycle Bin and retry, or stop syncing the "
                         "{source} record",
}
SAP_GONE = ("the linked SAP record no longer exists (deleted in SAP; deletes are not "
            "synced): re-create it in SAP under the same key and retry, or stop syncing the "
            "{source} record")
"""The hint of a 404 on a write by key (not a reference inside the body, which is 400)."""


PROPERTY = re.compile(r"property '([^']+)'")
"""How the Service Layer names the offending field in its error text."""


def fields_of(error: RecordError) -> list[str]:
    """The rejected fields: Salesforce lists them, the Service Layer names them in text."""
    return list(error.fields) or list(dict.fromkeys(PROPERTY.findall(error.message)))


def _hint(error: RecordError) -> str:
    if error.status == 404 and error.code == "-2028":
        return SAP_GONE
    if error.code in FIX_HINTS:
        return FIX_HINTS[error.code]
    if "too long" in error.message.lower():
        return FIX_HINTS["STRING_TOO_LONG"]
    return "correct the data in {source} and retry"


def describe(label: str, name: str | None, side: str, key: str) -> str:
    """``Account 'Acme' (SAP C000123)``; a name read raw from a record may hold the very
    characters its error is about: they are shown as escapes (a NUL cannot even be
    stored in a PostgreSQL text column)."""
    shown = f" '{printable(name)}'" if name else ""
    return f"{label}{shown} ({side} {key})"


def printable(text: str) -> str:
    """``text`` with each character no log, page or store should hold as its escape."""
    return UNSAFE.sub(lambda found: repr(found.group())[1:-1], text)


def rejected(record: str, target: str, source: str, error: RecordError) -> str:
    """``...: Salesforce rejected Email__c: invalid email address: foo@ (CODE) — fix...``."""
    fields = ", ".join(fields_of(error))
    where = f" {fields}" if fields else ""
    hint = _hint(error).format(source=source)
    return (f"{record}: {target} rejected{where}: {printable(error.message)} ({error.code}) "
            f"— {hint}")


def unmapped(record: str, source: str, errors: list[FieldError]) -> str:
    parts = "; ".join(f"{e.field}: {e.reason} (value {e.value!r})" for e in errors)
    return f"{record}: cannot map {parts} — fix the data in {source} and retry"
