"""Sub-object collections on write: key assignment, PATCH merge and replace.

By default a collection in a PATCH body is merged: a member carrying its key updates
that member, one without is appended, the rest are kept. Under
``B1S-ReplaceCollectionsOnPatch: true`` members left out are deleted.
"""

from __future__ import annotations

from collections.abc import Callable

from b1hub.sandbox.service_layer.schema import Collection
from b1hub.sandbox.service_layer.validate import Doc
from b1hub.sandbox.service_layer.wire import SLError

ADDRESS_IDS = ("BPCode", "AddressName", "AddressType", "RowNum")


def merge(
    name: str,
    coll: Collection,
    stored: list[Doc],
    sent: list[Doc],
    replace: bool,
    new_key: Callable[[list[Doc]], int],
    stamp: dict[str, str],
) -> list[Doc]:
    if coll.key is None:
        return [dict(line) for line in sent]
    result = [] if replace else [dict(line) for line in stored]
    by_key = {line.get(coll.key): line for line in stored}
    for line in sent:
        key = line.get(coll.key)
        if name == "BPAddresses" and not all(line.get(k) is not None for k in ADDRESS_IDS):
            key = None
        current = by_key.get(key) if key is not None else None
        if current is not None:
            merged = {**current, **line}
            if "UpdateDate" in coll.fields:
                merged.update(stamp)
            if replace:
                result.append(merged)
            else:
                result[[r.get(coll.key) for r in result].index(key)] = merged
            continue
        if key is not None and name in ("DocumentLines", "SalesOpportunitiesLines",
                                         "DocumentAdditionalExpenses"):
            raise SLError(400, -2028, f"Entity with value('{key}') does not exist")
        line = dict(line)
        if name == "ItemPrices":
            raise SLError(400, -1000, f"Price list '{key}' does not exist")
        line[coll.key] = new_key(result)
        for field in ("CreateDate", "CreateTime", "UpdateDate", "UpdateTime"):
            if field in coll.fields:
                line[field] = stamp["UpdateDate" if field.endswith("Date") else "UpdateTime"]
        if name == "BPAddresses":
            _check_unique_address(result, line)
        result.append(line)
    return result


def _check_unique_address(existing: list[Doc], line: Doc) -> None:
    for other in existing:
        if other.get("AddressName") == line.get("AddressName") and \
                other.get("AddressType", "bo_BillTo") == line.get("AddressType", "bo_BillTo"):
            raise SLError(400, -2035, "This entry already exists in the following tables "
                                      "'Business Partners - Addresses' (CRD1) (ODBC -2035)")


def next_line_number(lines: list[Doc], key: str, start: int = 0) -> int:
    numbers = [int(line[key]) for line in lines if line.get(key) is not None]
    return max(numbers, default=start - 1) + 1
