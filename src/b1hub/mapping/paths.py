"""Read and write SAP fields addressed by path, including members of collections.

SAP keeps a business partner's addresses in the ``BPAddresses`` collection while
Salesforce has flat ``Billing*`` / ``Shipping*`` fields; a path names one member by a
selector so a field map stays a flat table:

>>> bp = {"CardName": "Acme", "BPAddresses": [{"AddressType": "bo_BillTo", "City": "Oslo"}]}
>>> get_path(bp, "BPAddresses[AddressType=bo_BillTo].City")
'Oslo'
>>> set_path(bp, "BPAddresses[AddressType=bo_ShipTo].City", "Bergen")
>>> [a["City"] for a in bp["BPAddresses"]]
['Oslo', 'Bergen']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<key>\w+)=(?P<value>[^\]]+)\])?$")


@dataclass(frozen=True)
class _Segment:
    name: str
    key: str | None
    value: str | None


@lru_cache(maxsize=1024)
def _parse(path: str) -> tuple[_Segment, ...]:
    """Parsed once per path: a field map reads the same few dozen paths on every record."""
    segments = []
    for part in path.split("."):
        match = _SEGMENT.match(part)
        if match is None:
            raise ValueError(f"invalid SAP field path {path!r} at {part!r}")
        segments.append(_Segment(match["name"], match["key"], match["value"]))
    return tuple(segments)


def _member(items: list[dict[str, Any]], seg: _Segment) -> dict[str, Any] | None:
    return next((m for m in items if str(m.get(seg.key or "")) == seg.value), None)


def get_path(record: dict[str, Any], path: str) -> Any:
    """The value at ``path``, or None when any step is missing."""
    node: Any = record
    for seg in _parse(path):
        if not isinstance(node, dict):
            return None
        node = node.get(seg.name)
        if seg.key is not None:
            if not isinstance(node, list):
                return None
            node = _member(node, seg)
    return node


def set_path(record: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path``, creating the selected collection member (with its selector) if absent."""
    segments = _parse(path)
    node = record
    for seg in segments[:-1]:
        if seg.key is None:
            node = node.setdefault(seg.name, {})
            continue
        items = node.setdefault(seg.name, [])
        member = _member(items, seg)
        if member is None:
            member = {seg.key: seg.value}
            items.append(member)
        node = member
    last = segments[-1]
    if last.key is not None:
        raise ValueError(f"path {path!r} must end with a field, not a collection member")
    node[last.name] = value


def top_level_fields(paths: list[str]) -> list[str]:
    """The distinct top-level properties of ``paths``: the ``$select`` list of a read."""
    seen: dict[str, None] = {}
    for path in paths:
        seen.setdefault(_parse(path)[0].name, None)
    return list(seen)
