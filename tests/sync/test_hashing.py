"""Hashes ignore representation noise and catch every real change."""

from __future__ import annotations

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
