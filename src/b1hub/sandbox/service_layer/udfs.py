"""User-defined fields: ``UserFieldsMD`` rows turned into ``U_<Name>`` property specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from b1hub.sandbox.service_layer.schema import Field, udf_tables_sharing
from b1hub.sandbox.service_layer.wire import SLError

UDF_FIELD_TYPES = {"db_Alpha": "str", "db_Memo": "str", "db_Numeric": "int",
                   "db_Date": "date", "db_Float": "float"}
ALPHA_MAX = 254


@dataclass(frozen=True)
class Udf:
    name: str
    field: Field
    valid_values: tuple[tuple[str, str], ...]

    def check_valid(self, value: Any) -> None:
        allowed = [v for v, _ in self.valid_values]
        if not allowed or value is None or value in allowed:
            return
        listed = ", ".join(f"'{v}' - '{d}'" for v, d in self.valid_values)
        raise SLError(400, -1004, f"'{value}' is not a valid value for property "
                                  f"'{self.name}'. The valid values are: {listed}")


def udf_from_row(row: dict[str, Any]) -> Udf:
    kind = UDF_FIELD_TYPES[row.get("Type") or "db_Alpha"]
    size = int(row["Size"]) if kind == "str" and row.get("Type") != "db_Memo" else None
    default = row.get("DefaultValue")
    if default is not None and kind == "int":
        default = int(default)
    elif default is not None and kind == "float":
        default = float(default)
    values = tuple((str(v.get("Value")), str(v.get("Description") or ""))
                   for v in row.get("ValidValuesMD") or [])
    return Udf(f"U_{row['Name']}", Field(kind, size=size, default=default),  # type: ignore[arg-type]
               values)


def check_definition(row: dict[str, Any], existing: list[dict[str, Any]]) -> None:
    """The checks ``UserFieldsMD`` applies before it creates a field."""
    name, table = row.get("Name"), row.get("TableName")
    if not name:
        raise SLError(400, -5002, "Field name not specified")
    if not table:
        raise SLError(400, -5002, "Table name not specified")
    kind = row.get("Type") or "db_Alpha"
    size = row.get("Size")
    if kind == "db_Numeric" and (size is None or not 1 <= int(size) <= 11):
        raise SLError(400, -5002, "Field size deviates from legal range [1..11]")
    if kind == "db_Alpha" and size is not None and not 1 <= int(size) <= ALPHA_MAX:
        raise SLError(400, -5002, f"Field size deviates from legal range [1..{ALPHA_MAX}]")
    if row.get("Mandatory") == "tYES" and row.get("DefaultValue") in (None, ""):
        raise SLError(400, -5002, "Mandatory field must have a default value")
    for other in existing:
        if other.get("Name", "").lower() == str(name).lower() and \
                other.get("TableName") in udf_tables_sharing(str(table)):
            raise SLError(400, -2035, f"This entry already exists in the following tables "
                                      f"(ODBC -2035); field 'U_{name}' on '{table}'")
