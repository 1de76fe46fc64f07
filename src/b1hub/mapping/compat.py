"""Can a SAP field and a Salesforce field be mapped, and with which conversion?

A mapping that would lose or mangle data is refused up front, with the reason in the
terms an administrator sees in both systems ("text 50 to text 10", "decimals 4 to
decimals 2"), instead of failing record by record later.
"""

from __future__ import annotations

from dataclasses import dataclass

from b1hub.mapping.catalog import (
    ALPHA,
    DATE,
    ENUM,
    FLOAT,
    MEMO,
    NUMERIC,
    YES_NO,
    SapField,
    SfField,
)
from b1hub.mapping.values import UnmappedValue, ValueMap
from b1hub.store.types import ObjectDirection

TEXT_TYPES = frozenset({"string", "email", "phone", "url"})
DECIMAL_TYPES = frozenset({"double", "currency", "percent"})
PICKLIST_TYPES = frozenset({"picklist", "multipicklist"})
CHECKBOX_VALUES = ({"Y", "N"}, {"tYES", "tNO"})


class Incompatible(ValueError):
    """The two fields cannot be mapped; the message says why."""


@dataclass(frozen=True)
class Decimals:
    """The SAP company's decimal places per float subtype (General Settings > Display)."""

    sum: int = 2
    price: int = 2
    rate: int = 4
    quantity: int = 3
    percent: int = 2
    measure: int = 3

    def of(self, subtype: str) -> int:
        return {"st_Sum": self.sum, "st_Price": self.price, "st_Rate": self.rate,
                "st_Quantity": self.quantity, "st_Percentage": self.percent,
                "st_Measurement": self.measure}.get(subtype, self.sum)


def check(
    sap: SapField, sf: SfField, direction: ObjectDirection, *, value_map: ValueMap | None,
    decimals: Decimals,
) -> str:
    """The transform that carries values between ``sap`` and ``sf``; raises Incompatible."""
    to_sf = direction in (ObjectDirection.BOTH, ObjectDirection.SAP_TO_SALESFORCE)
    to_sap = direction in (ObjectDirection.BOTH, ObjectDirection.SALESFORCE_TO_SAP)
    if to_sf and not (sf.updateable and sf.createable):
        raise Incompatible(f"Salesforce field {sf.name} is read-only; map it "
                           "salesforce_to_sap or choose a writable field")
    what = f"SAP {sap.path} ({sap.describe()}) to Salesforce {sf.name} ({sf.describe()})"
    if sf.type == "boolean":
        return _checkbox(sap, what)
    if sf.type in PICKLIST_TYPES:
        _picklist(sap, sf, value_map, what)
        return "text"
    if sf.type in ("date", "datetime"):
        if sap.type != DATE or sap.subtype == "st_Time":
            raise Incompatible(f"{what}: a Salesforce {sf.type} needs a SAP date")
        return "date" if sf.type == "date" else "date_datetime"
    if sf.type == "int":
        return _integer(sap, sf, what)
    if sf.type in DECIMAL_TYPES:
        return _decimal(sap, sf, to_sap, decimals, what)
    if sf.type in TEXT_TYPES or sf.type == "textarea":
        return _text(sap, sf, to_sf, what)
    raise Incompatible(f"{what}: Salesforce {sf.type} fields cannot be mapped")


def _checkbox(sap: SapField, what: str) -> str:
    if sap.type == YES_NO:
        return "yes_no"
    values = {v for v, _ in sap.valid_values}
    if sap.type == ALPHA and (values in CHECKBOX_VALUES or
                              (sap.subtype == "st_Checkbox" and not values)):
        return "yes_no" if values == {"tYES", "tNO"} else "y_n"
    raise Incompatible(f"{what}: a checkbox needs tYES/tNO or valid values Y/N")


def _picklist(sap: SapField, sf: SfField, value_map: ValueMap | None, what: str) -> None:
    if sap.type == ENUM and value_map is not None:
        return
    if not sap.valid_values:
        raise Incompatible(f"{what}: a picklist needs SAP valid values (ValidValuesMD) "
                           "to check against")
    allowed = set(sf.picklist)
    missing: list[str] = []
    for value, _ in sap.valid_values:
        try:
            target = value_map.to_salesforce(value) if value_map else value
        except UnmappedValue:
            target = None
        if target not in allowed:
            missing.append(value)
    if missing:
        listed = ", ".join(repr(v) for v in missing)
        hint = (f"extend value map {value_map.name!r}" if value_map
                else "add them to the picklist or map them with --value-map")
        raise Incompatible(f"{what}: SAP valid values {listed} have no picklist value in "
                           f"{sf.name}; {hint}")


def _integer(sap: SapField, sf: SfField, what: str) -> str:
    if sap.type != NUMERIC:
        raise Incompatible(f"{what}: a Salesforce number without decimals needs a SAP "
                           "whole number (db_Numeric)")
    digits = sf.precision - sf.scale
    if sap.size and digits and sap.size > digits:
        raise Incompatible(f"{what}: numeric {sap.size} digits to {digits} digits")
    return "integer"


def _decimal(sap: SapField, sf: SfField, to_sap: bool, decimals: Decimals, what: str) -> str:
    if sap.type == NUMERIC:
        if to_sap and sf.scale > 0:
            raise Incompatible(f"{what}: decimals {sf.scale} to decimals 0")
        digits = sf.precision - sf.scale
        if sap.size and digits and sap.size > digits:
            raise Incompatible(f"{what}: numeric {sap.size} digits to {digits} digits")
        return "integer"
    if sap.type != FLOAT:
        raise Incompatible(f"{what}: a Salesforce {sf.type} needs a SAP number")
    places = decimals.of(sap.subtype)
    if places != sf.scale:
        raise Incompatible(f"{what}: decimals {places} to decimals {sf.scale} "
                           f"(SAP {sap.subtype} has the company's {places} decimal places; "
                           "both sides must match)")
    return "number"


def _text(sap: SapField, sf: SfField, to_sf: bool, what: str) -> str:
    if sap.type == MEMO:
        if sf.type != "textarea":
            raise Incompatible(f"{what}: a SAP memo needs a Salesforce long text area")
        return "text"
    if sap.type not in (ALPHA, ENUM):
        raise Incompatible(f"{what}: a Salesforce text field needs SAP text")
    if to_sf and sap.size and sf.length and sap.size > sf.length:
        raise Incompatible(f"{what}: text {sap.size} to text {sf.length} would cut values")
    return "text"
