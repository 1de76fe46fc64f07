"""Seed the store from the shared :class:`~b1hub.sandbox.universe.World`.

Documents are stored sparse (only meaningful values); defaults are merged on output.
Timestamps are derived from the record index so a given ``(seed, size)`` always yields
the same database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from b1hub.sandbox import universe
from b1hub.sandbox.service_layer.store import Doc, Store

SEED_EPOCH = dt.date(2025, 1, 1)
ADDITIONAL_EXPENSES = {1: "Freight", 2: "Tax"}
"""Freight codes (OEXD) documents may carry: shipping charges and item tax."""


def _stamp(index: int) -> tuple[str, str]:
    day = SEED_EPOCH + dt.timedelta(days=(index * 7919) % 540)
    seconds = (index * 104729) % 86400
    return day.isoformat(), f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def seed(store: Store, seed_value: int, size: universe.Size) -> None:
    world = universe.World(seed=seed_value, size=size)
    with store.atomic():
        store.wipe()
        store.insert_many("BusinessPartnerGroups", (
            (code, {"Code": code, "Name": name, "Type": "bbpgt_CustomerGroup"})
            for code, name in universe.CUSTOMER_GROUPS.items()))
        store.insert_many("ItemGroups", (
            (num, {"Number": num, "GroupName": name})
            for num, name in universe.ITEM_GROUPS.items()))
        store.insert_many("PriceLists", (
            (num, {"PriceListNo": num, "PriceListName": name, "BasePriceList": num,
                   "DefaultPrimeCurrency": cur})
            for num, (name, cur) in universe.PRICE_LISTS.items()))
        store.insert_many("SalesPersons", (
            (code, {"SalesEmployeeCode": code, "SalesEmployeeName": name})
            for code, name in universe.SALES_PERSONS.items()))
        store.insert_many("SalesStages", (
            (num, {"SequenceNo": num, "Name": name, "Stageno": num, "ClosingPercentage": pct})
            for num, name, pct in universe.SALES_STAGES))
        store.insert_many("AdditionalExpenses", (
            (code, {"ExpensCode": code, "Name": name})
            for code, name in ADDITIONAL_EXPENSES.items()))
        contact_code = iter(range(1, 10**9))
        store.insert_many("BusinessPartners", _partners(world, contact_code))
        store.insert_many("Items", _items(world))
        store.set_meta("seq:ContactEmployees", next(contact_code))
        for name, last in (("BusinessPartnerGroups", max(universe.CUSTOMER_GROUPS)),
                           ("ItemGroups", max(universe.ITEM_GROUPS)),
                           ("PriceLists", max(universe.PRICE_LISTS)),
                           ("SalesPersons", max(universe.SALES_PERSONS)),
                           ("SalesStages", len(universe.SALES_STAGES)),
                           ("AdditionalExpenses", max(ADDITIONAL_EXPENSES))):
            store.set_meta(f"seq:{name}", last + 1)
        store.set_meta("seed", seed_value)
        store.set_meta("size", size)


def _address(p: universe.Partner, a: universe.Address, kind: str, row: int,
             date: str, time: str) -> Doc:
    return {"AddressName": "Bill To" if kind == "bo_BillTo" else "Ship To",
            "Street": a.street, "StreetNo": a.street_no, "City": a.city, "ZipCode": a.zip_code,
            "Country": a.country, "State": a.state or None, "AddressType": kind,
            "BPCode": p.card_code, "RowNum": row, "CreateDate": date, "CreateTime": time}


def _partners(world: universe.World, codes: Iterator[int]) -> Iterator[tuple[str, Doc]]:
    for p in world.partners:
        date, time = _stamp(p.index)
        contacts: list[Doc] = []
        for person in p.contacts:
            contacts.append({
                "InternalCode": next(codes), "CardCode": p.card_code,
                "Name": f"{person.first_name} {person.last_name}"[:50],
                "FirstName": person.first_name, "LastName": person.last_name,
                "Title": person.title or None, "Position": person.position,
                "Phone1": person.phone, "MobilePhone": person.mobile, "E_Mail": person.email,
                "CreateDate": date, "CreateTime": time, "UpdateDate": date, "UpdateTime": time,
            })
        doc: dict[str, Any] = {
            "CardCode": p.card_code, "CardName": p.name, "CardType": p.card_type,
            "GroupCode": p.group_code, "Phone1": p.phone, "EmailAddress": p.email,
            "Website": p.website, "Currency": p.currency, "FederalTaxID": p.tax_id,
            "Notes": p.notes, "SalesPersonCode": p.sales_person,
            "Address": f"{p.bill_to.street} {p.bill_to.street_no}", "City": p.bill_to.city,
            "ZipCode": p.bill_to.zip_code, "Country": p.bill_to.country,
            "ContactPerson": contacts[0]["Name"] if contacts else None,
            "BilltoDefault": "Bill To", "ShipToDefault": "Ship To",
            "BPAddresses": [_address(p, p.bill_to, "bo_BillTo", 0, date, time),
                            _address(p, p.ship_to, "bo_ShipTo", 1, date, time)],
            "ContactEmployees": contacts,
            "CreateDate": date, "CreateTime": time, "UpdateDate": date, "UpdateTime": time,
        }
        yield p.card_code, doc


def _items(world: universe.World) -> Iterator[tuple[str, Doc]]:
    for item in world.products:
        date, time = _stamp(item.index + 7)
        prices: list[Doc] = [
            {"PriceList": num, "Price": price, "Currency": cur, "BasePriceList": num,
                   "Factor": 1.0, "AdditionalPrice1": 0.0, "AdditionalCurrency1": None,
                   "AdditionalPrice2": 0.0, "AdditionalCurrency2": None, "UoMPrices": []}
                  for num, price, cur in item.prices]
        yield item.item_code, {
            "ItemCode": item.item_code, "ItemName": item.name,
            "ItemsGroupCode": item.group_code, "Valid": "tYES" if item.valid else "tNO",
            "ItemPrices": prices, "CreateDate": date, "CreateTime": time,
            "UpdateDate": date, "UpdateTime": time,
        }
