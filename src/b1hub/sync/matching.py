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


class Index:
    """The Salesforce side, reduced to what the rules compare, so SAP rows can be matched
    as they stream in: only Ids and normalised keys stay in memory."""

    def __init__(self, *, external_id: str, natural: str,
                 contact_rules: list[tuple[str, str]]) -> None:
        self.external_id, self.natural, self.contact_rules = external_id, natural, contact_rules
        self.by_external: dict[str, list[str]] = defaultdict(list)
        self.by_natural: dict[str, list[str]] = defaultdict(list)
        self.by_name: dict[str, list[tuple[str, tuple[str | None, ...]]]] = defaultdict(list)
        self.used: set[str] = set()

    def add(self, row: dict[str, Any]) -> None:
        sf_id = str(row["Id"])
        if row.get(self.external_id):
            self.by_external[str(row[self.external_id])].append(sf_id)
        if row.get(self.natural):
            self.by_natural[str(row[self.natural]).strip()].append(sf_id)
        name = _norm(row.get("Name"))
        if name and self.contact_rules:
            self.by_name[name].append((sf_id, tuple(
                _key(row.get(f), phone=i > 0) for i, (_, f) in enumerate(self.contact_rules))))

    def match(self, record: dict[str, Any], *, key: str, name_sap: str,
              result: MatchResult) -> None:
        """Decide one SAP row; each Salesforce row is used at most once."""
        code = str(record[key])
        candidates = self.by_external.get(code) or self.by_natural.get(code)
        if not candidates and self.contact_rules:
            mine = [_key(record.get(s), phone=i > 0)
                    for i, (s, _) in enumerate(self.contact_rules)]
            candidates = [sf_id for sf_id, theirs in self.by_name.get(
                _norm(record.get(name_sap)) or "", [])
                if any(m is not None and m == t for m, t in zip(mine, theirs, strict=True))]
        candidates = [c for c in dict.fromkeys(candidates or []) if c not in self.used]
        if len(candidates) == 1:
            result.pairs[code] = candidates[0]
            self.used.add(candidates[0])
        elif len(candidates) > 1:
            result.ambiguous[code] = candidates


def match(
    sap: list[dict[str, Any]], salesforce: list[dict[str, Any]], *, key: str, external_id: str,
    natural: str, name_sap: str, contact_rules: list[tuple[str, str]],
) -> MatchResult:
    """Match SAP rows to Salesforce rows; each Salesforce row is used at most once."""
    index = Index(external_id=external_id, natural=natural, contact_rules=contact_rules)
    for row in salesforce:
        index.add(row)
    result = MatchResult()
    for record in sap:
        index.match(record, key=key, name_sap=name_sap, result=result)
    return result


def _key(value: Any, *, phone: bool) -> str | None:
    return _digits(value) if phone else _norm(value)
