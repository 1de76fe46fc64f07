"""Initialization matching: which existing Salesforce record is which SAP record.

Rules, in order, each tried only when the previous found nothing: the external id, the
natural key (CardCode = AccountNumber, ItemCode = ProductCode), then for accounts the
exact name plus the same e-mail or phone. Two candidates at the deciding rule is
ambiguous and held for a person; a match is never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from b1hub.mapping.transforms import text


@dataclass
class MatchResult:
    pairs: dict[str, str] = field(default_factory=dict)
    """SAP key -> Salesforce Id."""
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    """SAP key -> every Salesforce candidate."""


def _norm(value: Any) -> str | None:
    out = text(value)
    return out.casefold() if out else None


def _digits(value: Any) -> str | None:
    out = "".join(ch for ch in str(value or "") if ch.isdigit())
    return out or None


def match(
    sap: list[dict[str, Any]], salesforce: list[dict[str, Any]], *, key: str, external_id: str,
    natural: str, name_sap: str, contact_rules: list[tuple[str, str]],
) -> MatchResult:
    """Match SAP rows to Salesforce rows; each Salesforce row is used at most once."""
    by_external: dict[str, list[str]] = defaultdict(list)
    by_natural: dict[str, list[str]] = defaultdict(list)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in salesforce:
        if row.get(external_id):
            by_external[str(row[external_id])].append(str(row["Id"]))
        if row.get(natural):
            by_natural[str(row[natural]).strip()].append(str(row["Id"]))
        name = _norm(row.get("Name"))
        if name:
            by_name[name].append(row)
    result = MatchResult()
    used: set[str] = set()
    for record in sap:
        code = str(record[key])
        candidates = by_external.get(code) or by_natural.get(code)
        if not candidates and contact_rules:
            name = _norm(record.get(name_sap))
            candidates = [
                str(row["Id"]) for row in by_name.get(name or "", [])
                if any(_same(record.get(s), row.get(f), phone=i > 0)
                       for i, (s, f) in enumerate(contact_rules))
            ]
        candidates = [c for c in dict.fromkeys(candidates or []) if c not in used]
        if len(candidates) == 1:
            result.pairs[code] = candidates[0]
            used.add(candidates[0])
        elif len(candidates) > 1:
            result.ambiguous[code] = candidates
    return result


def _same(a: Any, b: Any, *, phone: bool) -> bool:
    left, right = (_digits(a), _digits(b)) if phone else (_norm(a), _norm(b))
    return left is not None and left == right
