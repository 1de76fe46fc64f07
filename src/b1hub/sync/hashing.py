"""Stable hashes of mapped records, the basis of "nothing changed" and echo suppression.

Two records that mean the same thing must hash the same whatever the key order, the
float representation (``1`` vs ``1.0``) or surrounding whitespace the remote system
returns; anything else that differs must change the hash.

>>> record_hash({"b": 1.0, "a": " x "}) == record_hash({"a": "x", "b": 1})
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

INT64 = 2**63
"""orjson writes integers up to 64 bits; larger whole numbers are hashed as floats."""
EXACT = 2**53
"""Below this, a whole float is exactly its integer."""


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -INT64 < value < INT64 else float(value)
    if isinstance(value, float) and not value.is_integer():
        return value
    if isinstance(value, float) and abs(value) < EXACT:
        return int(value)
    if isinstance(value, float | Decimal):
        number = Decimal(str(value))  # the shortest repr: 6.3e16, not its binary neighbour
        if number == number.to_integral_value() and abs(number) < INT64:
            return int(number)
        return float(number)  # a huge whole number (a bad price of 1e20) hashes too
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return str(value)


def record_hash(values: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``values``."""
    canonical = orjson.dumps(_normalise(values), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()
