"""Value maps: the picklist and code translations between SAP and Salesforce.

The canonical value is SAP's code; Salesforce's label maps onto it. A value with no
mapping is never guessed: it becomes a record error that names the value and the map
to extend, and the record syncs once the map is extended and the record retried.

>>> COUNTRIES.to_salesforce("DE"), COUNTRIES.from_salesforce("Germany")
('Germany', 'DE')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from b1hub.mapping import value_data


class UnmappedValue(ValueError):
    """A value that the named value map does not translate."""

    def __init__(self, map_name: str, value: object, side: str) -> None:
        super().__init__(
            f"value {value!r} from {side} is not in value map {map_name!r}; "
            f"add it to the map (`b1hub mapping values {map_name} --add SAP=SALESFORCE`) "
            f"and retry the record"
        )
        self.map_name = map_name
        self.value = value
        self.side = side


@dataclass(frozen=True)
class ValueMap:
    name: str
    pairs: tuple[tuple[str, str], ...]
    """``(sap_code, salesforce_value)``; several Salesforce spellings may map to one code."""

    def to_salesforce(self, code: str | None) -> str | None:
        if code is None:
            return None
        for sap, sf in self.pairs:
            if sap == code:
                return sf
        raise UnmappedValue(self.name, code, "SAP")

    def from_salesforce(self, value: str | None) -> str | None:
        if value is None:
            return None
        folded = value.strip().casefold()
        for sap, sf in self.pairs:
            if sf.casefold() == folded or sap.casefold() == folded:
                return sap
        raise UnmappedValue(self.name, value, "Salesforce")

    def check_sap(self, code: str | None) -> str | None:
        """Canonical form of an SAP value (the code itself), refusing unknown codes."""
        if code is None:
            return None
        self.to_salesforce(code)
        return code

    def extended(self, pairs: Iterable[tuple[str, str]]) -> ValueMap:
        return ValueMap(self.name, (*self.pairs, *pairs))


DEFAULT_VALUE_MAPS: dict[str, ValueMap] = {
    name: ValueMap(name, pairs) for name, pairs in value_data.DEFAULTS.items()
}
COUNTRIES = DEFAULT_VALUE_MAPS["countries"]
