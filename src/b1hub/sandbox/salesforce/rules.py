"""Validation rules and duplicate rules an org admin would switch on, kept deliberately small.

A validation rule blocks a save when one field is blank, contains or equals a value, or
does not match a pattern (FIELD_CUSTOM_VALIDATION_EXCEPTION with the rule's own message).
A duplicate rule blocks a save when another live record has the same values in all the
rule's fields, compared case-insensitively (DUPLICATES_DETECTED), unless the caller sent
``Sforce-Duplicate-Rule-Header: allowSave=true``.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import orjson

Condition = Literal["blank", "contains", "equals", "not_matches"]


@dataclass
class ValidationRule:
    sobject: str
    field: str
    condition: Condition = "blank"
    value: str = ""
    message: str = ""
    name: str = "Sandbox_Validation_Rule"
    id: int = 0

    def violated_by(self, value: object) -> bool:
        text = "" if value is None else str(value)
        if self.condition == "blank":
            return text.strip() == ""
        if self.condition == "contains":
            return self.value.lower() in text.lower()
        if self.condition == "equals":
            return text.lower() == self.value.lower()
        return text != "" and re.fullmatch(self.value, text) is None

    def error_message(self) -> str:
        return self.message or f"{self.field}: value not allowed by rule {self.name}"


@dataclass
class DuplicateRule:
    sobject: str
    fields: list[str] = field(default_factory=lambda: ["Name"])
    name: str = "Sandbox_Duplicate_Rule"
    message: str = "Use one of these records?"
    id: int = 0


class RuleBook:
    """The active rules, persisted in the ``rules`` table."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.validation: list[ValidationRule] = []
        self.duplicate: list[DuplicateRule] = []
        self.load()

    def load(self) -> None:
        self.validation, self.duplicate = [], []
        for rule_id, kind, spec in self._conn.execute("SELECT id, kind, spec FROM rules"):
            data = orjson.loads(spec) | {"id": rule_id}
            if kind == "validation":
                self.validation.append(ValidationRule(**data))
            else:
                self.duplicate.append(DuplicateRule(**data))

    def add(self, kind: Literal["validation", "duplicate"], spec: dict[str, Any]) -> dict[str, Any]:
        spec = {k: v for k, v in spec.items() if k != "id"}
        rule: ValidationRule | DuplicateRule
        rule = ValidationRule(**spec) if kind == "validation" else DuplicateRule(**spec)
        stored = {k: v for k, v in asdict(rule).items() if k != "id"}
        cur = self._conn.execute(
            "INSERT INTO rules(kind, spec) VALUES (?, ?)", (kind, orjson.dumps(stored).decode())
        )
        rule.id = int(cur.lastrowid or 0)
        if isinstance(rule, ValidationRule):
            self.validation.append(rule)
        else:
            self.duplicate.append(rule)
        return asdict(rule)

    def clear(self, kind: Literal["validation", "duplicate"]) -> None:
        self._conn.execute("DELETE FROM rules WHERE kind = ?", (kind,))
        self.load()

    def listing(self, kind: Literal["validation", "duplicate"]) -> list[dict[str, Any]]:
        rules = self.validation if kind == "validation" else self.duplicate
        return [asdict(r) for r in rules]

    def validation_for(self, sobject: str) -> list[ValidationRule]:
        return [r for r in self.validation if r.sobject.lower() == sobject.lower()]

    def duplicate_for(self, sobject: str) -> list[DuplicateRule]:
        return [r for r in self.duplicate if r.sobject.lower() == sobject.lower()]
