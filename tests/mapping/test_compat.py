"""Compatibility of a SAP field with a Salesforce field: the transform, or the refusal."""

from __future__ import annotations

import pytest

from b1hub.mapping.catalog import SapField, SfField
from b1hub.mapping.compat import Decimals, Incompatible, check
from b1hub.mapping.values import ValueMap
from b1hub.store.types import ObjectDirection

BOTH = ObjectDirection.BOTH
COMPANY = Decimals()
TIERS = (("G", "Gold"), ("S", "Silver"))


def sap(kind: str, size: int | None = None, subtype: str = "st_None",
        values: tuple[tuple[str, str], ...] = ()) -> SapField:
    return SapField("U_X", kind, size, subtype, values, udf=True)


def sf(kind: str, **kw: object) -> SfField:
    return SfField("X__c", kind, **kw)  # type: ignore[arg-type]


def refusal(s: SapField, f: SfField, direction: ObjectDirection = BOTH,
            value_map: ValueMap | None = None, decimals: Decimals = COMPANY) -> str:
    with pytest.raises(Incompatible) as info:
        check(s, f, direction, value_map=value_map, decimals=decimals)
    return str(info.value)


def ok(s: SapField, f: SfField, direction: ObjectDirection = BOTH,
       value_map: ValueMap | None = None, decimals: Decimals = COMPANY) -> str:
    return check(s, f, direction, value_map=value_map, decimals=decimals)


def test_text_longer_in_sap_than_in_salesforce_is_refused() -> None:
    assert "text 50 to text 10" in refusal(sap("db_Alpha", 50), sf("string", length=10))
    assert ok(sap("db_Alpha", 10), sf("string", length=50)) == "text"
    # Only SAP -> Salesforce flows can cut a value Salesforce would then hold shorter.
    assert ok(sap("db_Alpha", 50), sf("string", length=10),
              ObjectDirection.SALESFORCE_TO_SAP) == "text"


def test_memo_needs_a_long_text_area() -> None:
    assert "a SAP memo needs a Salesforce long text area" in refusal(
        sap("db_Memo"), sf("string", length=255))
    assert ok(sap("db_Memo"), sf("textarea", length=32768)) == "text"


def test_float_decimals_come_from_the_company_settings_per_subtype() -> None:
    rate = sap("db_Float", subtype="st_Rate")
    assert "decimals 4 to decimals 2" in refusal(rate, sf("double", precision=18, scale=2))
    assert ok(rate, sf("double", precision=18, scale=4)) == "number"
    assert ok(sap("db_Float", subtype="st_Sum"), sf("currency", precision=18, scale=2)) == (
        "number")
    assert ok(sap("db_Float", subtype="st_Quantity"), sf("double", scale=3)) == "number"
    assert "decimals 6 to decimals 4" in refusal(rate, sf("double", scale=4),
                                                 decimals=Decimals(rate=6))


def test_whole_numbers_check_digits_and_refuse_decimals_flowing_into_sap() -> None:
    assert ok(sap("db_Numeric", 9), sf("int", precision=9)) == "integer"
    assert "numeric 11 digits to 9 digits" in refusal(sap("db_Numeric", 11),
                                                      sf("int", precision=9))
    assert "decimals 2 to decimals 0" in refusal(sap("db_Numeric", 6),
                                                 sf("double", precision=18, scale=2))
    assert ok(sap("db_Numeric", 6), sf("double", precision=18, scale=2),
              ObjectDirection.SAP_TO_SALESFORCE) == "integer"


def test_dates_map_to_date_and_datetime_only() -> None:
    assert ok(sap("db_Date"), sf("date")) == "date"
    assert ok(sap("db_Date"), sf("datetime")) == "date_datetime"
    assert "needs a SAP date" in refusal(sap("db_Date", subtype="st_Time"), sf("date"))
    assert "a Salesforce text field needs SAP text" in refusal(sap("db_Date"),
                                                               sf("string", length=20))


def test_checkbox_needs_yes_no_values() -> None:
    yn = (("Y", "Yes"), ("N", "No"))
    assert ok(sap("db_Alpha", 1, values=yn), sf("boolean")) == "y_n"
    assert ok(sap("db_Alpha", 1, subtype="st_Checkbox"), sf("boolean")) == "y_n"
    assert ok(sap("db_Alpha", 4, values=(("tYES", ""), ("tNO", ""))), sf("boolean")) == (
        "yes_no")
    assert ok(SapField("Valid", "yes_no"), sf("boolean")) == "yes_no"
    assert "a checkbox needs tYES/tNO or valid values Y/N" in refusal(
        sap("db_Alpha", 1, values=(("A", ""), ("B", ""))), sf("boolean"))


def test_picklist_needs_every_sap_valid_value_mapped() -> None:
    tier = sap("db_Alpha", 1, values=(("G", "Gold"), ("S", "Silver"), ("B", "Bronze")))
    field = sf("picklist", picklist=("Gold", "Silver", "Bronze"))
    assert "SAP valid values 'G', 'S', 'B' have no picklist value" in refusal(tier, field)
    partial = ValueMap("tiers", TIERS)
    assert "SAP valid values 'B' have no picklist value in X__c; extend value map 'tiers'" in (
        refusal(tier, field, value_map=partial))
    assert ok(tier, field, value_map=partial.extended([("B", "Bronze")])) == "text"
    assert "a picklist needs SAP valid values" in refusal(sap("db_Alpha", 10), field)


def test_read_only_salesforce_fields_cannot_receive_sap_values() -> None:
    formula = sf("string", length=50, updateable=False, createable=False)
    assert "is read-only" in refusal(sap("db_Alpha", 10), formula)
    assert ok(sap("db_Alpha", 10), formula, ObjectDirection.SALESFORCE_TO_SAP) == "text"
