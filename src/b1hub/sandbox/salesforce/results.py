"""What a write returns: Salesforce's SaveResult and its errors, plus who made the call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ApiError:
    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)
    extra: dict[str, Any] | None = None
    """Additional keys Salesforce adds to some errors (``duplicateResult``)."""

    def as_save_error(self) -> dict[str, Any]:
        """The error inside a SaveResult (key ``statusCode``)."""
        out: dict[str, Any] = {
            "statusCode": self.status_code, "message": self.message, "fields": self.fields,
        }
        out.update(self.extra or {})
        return out

    def as_rest_error(self) -> dict[str, Any]:
        """The error in a top-level REST error array (key ``errorCode``)."""
        out: dict[str, Any] = {
            "message": self.message, "errorCode": self.status_code, "fields": self.fields,
        }
        out.update(self.extra or {})
        return out


@dataclass
class SaveResult:
    id: str | None
    success: bool
    errors: list[ApiError]
    created: bool | None = None

    @classmethod
    def fail(cls, error: ApiError, record_id: str | None = None) -> SaveResult:
        return cls(record_id, False, [error])

    def as_json(self, with_created: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "success": self.success,
            "errors": [e.as_save_error() for e in self.errors],
        }
        if with_created:
            out["created"] = self.created
        if out["id"] is None:
            del out["id"]
        return out


@dataclass(frozen=True)
class CallContext:
    user_id: str
    """The authenticated user's 005... Id (goes to CreatedById / LastModifiedById)."""
    client: str | None = None
    """``client=`` of the Sforce-Call-Options header, stored as LastModifiedByClient."""
    allow_duplicates: bool = False
    """``Sforce-Duplicate-Rule-Header: allowSave=true``."""


class WriteFailed(Exception):
    """Raised inside a write to abort it with one error (caught by the Org)."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


def fail(code: str, message: str, fields: list[str] | None = None) -> WriteFailed:
    return WriteFailed(ApiError(code, message, fields or []))


NOT_FOUND_MESSAGE = "The requested resource does not exist"
