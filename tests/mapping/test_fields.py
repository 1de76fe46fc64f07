"""Field maps convert both ways, round-trip stably, and report bad values per field."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from b1hub.mapping.fields import Direction, FieldMap, ObjectMap
from b1hub.mapping.paths import get_path, set_path
from b1hub.mapping.values import COUNTRIES
from b1hub.objects.account import ACCOUNT_MAP
from b1hub.objects.product import PRODUCT_MAP, prepare_item
from b1hub.sync.merge import Side

BP: dict[str, Any] = {
    "CardCode": "C000001",
    "CardName": "Acme Corp",
    "Phone1": "+1-555-0100",
    "Fax": "",
    "EmailAddress": "info@acme.example.com",
    "Website": "https://acme.example.com",
    "Currency": "USD",
    "FederalTaxID": "US12345678",
    "Notes": None,
    "BPAddresses": [
        {"AddressName": "Bill To", "AddressType": "bo_BillTo", "Street": "Main St",
         "City": "Austin", "ZipCode": "73301", "State": "TX", "Country": "US"},
        {"AddressName": "Ship To", "AddressType": "bo_ShipTo", "Street": "Dock Rd",
         "City": "Toronto", "ZipCode": "M5V", "State": "ON", "Country": "CA"},
    ],
}


def test_business_partner_maps_to_account_fields() -> None:
    canonical = ACCOUNT_MAP.from_sap(BP)
    assert canonical.ok
    account = ACCOUNT_MAP.to_salesforce(canonical.values)
    assert account.ok
    assert account.values["Name"] == "Acme Corp"
    assert account.values["AccountNumber"] == "C000001"
    assert account.values["Fax"] is None  # SAP's "" is Salesforce's null
    assert account.values["BillingCountry"] == "United States"
    assert account.values["ShippingCity"] == "Toronto"
    assert account.values["ShippingCountry"] == "Canada"


def test_account_round_trip_is_stable_so_our_writes_do_not_echo() -> None:
    canonical = ACCOUNT_MAP.from_sap(BP).values
    account = ACCOUNT_MAP.to_salesforce(canonical).values
    assert ACCOUNT_MAP.from_salesforce(account).values == canonical


def test_one_way_fields_never_flow_back() -> None:
    canonical = ACCOUNT_MAP.from_salesforce({"Name": "X", "AccountNumber": "HACK"}).values
    body = ACCOUNT_MAP.to_sap(canonical).values
    assert "CardCode" not in body and body["CardName"] == "X"
    assert ACCOUNT_MAP.owners()["account_number"] is Side.SAP


def test_salesforce_address_becomes_sap_address_members() -> None:
    canonical = ACCOUNT_MAP.from_salesforce(
        {"Name": "X", "BillingCity": "Oslo", "BillingCountry": "Norway"}
    ).values
    body = ACCOUNT_MAP.to_sap(canonical).values
    bill = get_path(body, "BPAddresses[AddressType=bo_BillTo].Country")
    assert bill == "NO"


def test_unmapped_country_is_a_field_error_naming_value_and_map() -> None:
    mapped = ACCOUNT_MAP.from_salesforce({"Name": "X", "BillingCountry": "Atlantis"})
    assert not mapped.ok
    (error,) = mapped.errors
    assert error.field == "BillingCountry" and error.value == "Atlantis"
    assert "'countries'" in error.reason and "Atlantis" in error.reason


def test_required_field_missing_is_reported() -> None:
    mapped = ACCOUNT_MAP.from_sap({"CardCode": "C1", "CardName": "  "})
    assert [(e.field, e.reason) for e in mapped.errors] == [("CardName", "a value is required")]


def test_item_active_flag_from_valid_and_frozen() -> None:
    for valid, frozen, active in [("tYES", "tNO", True), ("tNO", "tNO", False),
                                  ("tYES", "tYES", False)]:
        item = prepare_item({"ItemCode": "A1", "ItemName": "n", "Valid": valid, "Frozen": frozen})
        sf = PRODUCT_MAP.to_salesforce(PRODUCT_MAP.from_sap(item).values).values
        assert sf["IsActive"] is active


def test_sap_select_lists_top_level_properties_once() -> None:
    assert ACCOUNT_MAP.sap_select().count("BPAddresses") == 1
    assert "CardName" in ACCOUNT_MAP.sap_select()


def test_set_path_updates_the_selected_member_only() -> None:
    record: dict[str, Any] = {"BPAddresses": [{"AddressType": "bo_BillTo", "City": "A"}]}
    set_path(record, "BPAddresses[AddressType=bo_BillTo].City", "B")
    assert record == {"BPAddresses": [{"AddressType": "bo_BillTo", "City": "B"}]}


text_values = st.one_of(st.none(), st.text(max_size=20))


@given(st.fixed_dictionaries({"a": text_values, "b": st.sampled_from([None, "tYES", "tNO"]),
                              "c": st.sampled_from([None, *{s for s, _ in COUNTRIES.pairs}])}))
def test_any_sap_record_round_trips_through_salesforce(sap: dict[str, Any]) -> None:
    omap = ObjectMap(fields=(
        FieldMap("a", "A", "A__c"),
        FieldMap("b", "B", "B__c", Direction.BOTH, transform="yes_no"),
        FieldMap("c", "C", "C__c", value_map="countries"),
    ))
    canonical = omap.from_sap(sap).values
    back = omap.from_salesforce(omap.to_salesforce(canonical).values).values
    assert back == canonical
