"""The conversions UDF mappings add: whole numbers, Y/N checkboxes, date <-> datetime."""

from __future__ import annotations

import pytest

from b1hub.mapping.transforms import get_transform


def test_integer_refuses_fractions_instead_of_truncating() -> None:
    t = get_transform("integer")
    assert (t.from_sap(12), t.from_salesforce(12.0), t.from_salesforce(None)) == (12, 12, None)
    with pytest.raises(ValueError, match=r"expected a whole number, got 12\.5"):
        t.from_salesforce(12.5)


def test_y_n_checkbox_round_trips() -> None:
    t = get_transform("y_n")
    assert [t.from_sap(v) for v in ("Y", "N", "", None)] == [True, False, None, None]
    assert [t.to_sap(v) for v in (True, False, None)] == ["Y", "N", None]


def test_sap_date_and_salesforce_datetime_round_trip() -> None:
    t = get_transform("date_datetime")
    canonical = t.from_sap("2024-02-29T00:00:00Z")
    assert canonical == "2024-02-29"
    assert t.to_salesforce(canonical) == "2024-02-29T00:00:00.000+0000"
    assert t.from_salesforce(t.to_salesforce(canonical)) == canonical
