"""Hashes ignore representation noise and catch every real change."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from b1hub.sync.hashing import record_hash


def test_equal_meaning_hashes_equal() -> None:
    a = {"Name": "Acme ", "Amount": 10, "Active": True, "Lines": [{"Qty": 2.0}]}
    b = {"Lines": [{"Qty": 2}], "Active": True, "Amount": 10.0, "Name": "Acme"}
    assert record_hash(a) == record_hash(b)


def test_none_false_and_zero_differ() -> None:
    hashes = {record_hash({"x": v}) for v in (None, False, 0, "", "0")}
    assert len(hashes) == 5


@given(st.dictionaries(st.text(min_size=1), st.text()), st.text(min_size=1), st.text())
def test_changing_a_value_changes_the_hash(base: dict[str, str], key: str, new: str) -> None:
    changed = {**base, key: new}
    if base.get(key) is not None and base[key].strip() == new.strip():
        return
    assert record_hash(base) != record_hash(changed)


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_a_number_hashes_alike_whatever_its_type(number: int | float) -> None:
    as_decimal = Decimal(str(number))
    hashes = {record_hash({"x": number}), record_hash({"x": as_decimal})}
    if float(number).is_integer() and abs(number) < 2**53:
        hashes |= {record_hash({"x": int(number)}), record_hash({"x": float(number)})}
    assert len(hashes) == 1


def test_whole_numbers_beyond_64_bits_hash_as_floats() -> None:
    assert record_hash({"x": 10**20}) == record_hash({"x": 1e20}) == record_hash(
        {"x": Decimal("1E+20")})
