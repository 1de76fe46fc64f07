"""Three-way merge of one linked record, the heart of two-way sync.

Each link keeps the *base*: the canonical values both systems agreed on at the last
sync. Comparing each side with the base tells who changed what, field by field:

- a field changed on one side only takes that side's value (no edit is lost);
- a field changed on both sides to the same value is simply agreed;
- a field changed on both sides to different values is a conflict, settled by the
  field's owner if it has one, else by the object's policy (``review`` holds the
  whole record for a person to decide).

The result says what to write to each side; nothing is written where a side already
holds the merged value, which is what keeps a quiet sync quiet.

>>> r = merge({"a": 1, "b": 1}, sap={"a": 2, "b": 1}, salesforce={"a": 1, "b": 3},
...           policy=ConflictPolicy.SAP_WINS)
>>> r.values, r.to_sap, r.to_salesforce, r.conflicts
({'a': 2, 'b': 3}, {'b': 3}, {'a': 2}, [])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from b1hub.store.types import ConflictPolicy
from b1hub.sync.hashing import record_hash

_SCALARS = (str, int, float, bool, type(None))


class Side(StrEnum):
    SAP = "sap"
    SALESFORCE = "salesforce"


@dataclass(frozen=True)
class FieldConflict:
    """A field both sides changed to different values, and who won (None: held)."""

    field: str
    base: Any
    sap: Any
    salesforce: Any
    winner: Side | None


@dataclass
class MergeResult:
    values: dict[str, Any]
    to_sap: dict[str, Any] = field(default_factory=dict)
    to_salesforce: dict[str, Any] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)
    held: bool = False
    """True under the ``review`` policy when a real conflict needs a person."""


def _same(a: Any, b: Any) -> bool:
    """Equal as :func:`record_hash` sees them; plain values are compared directly, since
    hashing every field of every record dominated the CPU of a large initial load."""
    if type(a) is type(b) and isinstance(a, _SCALARS):
        if isinstance(a, str):
            return bool(a.strip() == b.strip())
        if a == b:
            return True
    return record_hash({"v": a}) == record_hash({"v": b})


def merge(
    base: Mapping[str, Any] | None,
    sap: Mapping[str, Any],
    salesforce: Mapping[str, Any],
    *,
    policy: ConflictPolicy,
    owners: Mapping[str, Side] | None = None,
    sap_modified: dt.datetime | None = None,
    salesforce_modified: dt.datetime | None = None,
) -> MergeResult:
    """Merge the current canonical values of both sides against the last agreed ``base``.

    ``owners`` names fields that only one side may write; the other side always
    receives the owner's value. With no base (the record was never synced together,
    e.g. linked by initialization) every differing field counts as changed on both sides.
    """
    owners = owners or {}
    base = base or {}
    result = MergeResult(values={})
    pending: list[FieldConflict] = []
    for name in sorted(set(sap) | set(salesforce)):
        s, f, b = sap.get(name), salesforce.get(name), base.get(name, _MISSING)
        owner = owners.get(name)
        if owner is Side.SAP:
            result.values[name] = s
        elif owner is Side.SALESFORCE:
            result.values[name] = f
        elif _same(s, f):
            result.values[name] = s
        elif b is not _MISSING and _same(s, b):
            result.values[name] = f
        elif b is not _MISSING and _same(f, b):
            result.values[name] = s
        else:
            winner = _winner(policy, sap_modified, salesforce_modified)
            conflict = FieldConflict(name, None if b is _MISSING else b, s, f, winner)
            pending.append(conflict)
            result.values[name] = s if winner is Side.SAP else f
    result.conflicts = pending
    if policy is ConflictPolicy.REVIEW and pending:
        result.held = True
        result.values = {}
        return result
    for name, value in result.values.items():
        if name in sap and not _same(sap.get(name), value):
            result.to_sap[name] = value
        if name in salesforce and not _same(salesforce.get(name), value):
            result.to_salesforce[name] = value
    return result


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _winner(
    policy: ConflictPolicy, sap_modified: dt.datetime | None, sf_modified: dt.datetime | None
) -> Side | None:
    if policy is ConflictPolicy.SAP_WINS:
        return Side.SAP
    if policy is ConflictPolicy.SALESFORCE_WINS:
        return Side.SALESFORCE
    if policy is ConflictPolicy.NEWEST_WINS:
        if sap_modified is None or sf_modified is None:
            raise ValueError("newest_wins needs both modification times")
        # a tie goes to SAP, the system of record, so the outcome is deterministic
        return Side.SALESFORCE if sf_modified > sap_modified else Side.SAP
    return None
