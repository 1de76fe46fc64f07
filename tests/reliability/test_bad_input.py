"""A catalogue of bad records on both sides, synced in the same batches as good ones.

Each case makes one bad record, the sync runs once over all of them, and each must leave
an open per-record error naming the record, the field and the reason, while the good
records of the same batches sync. Then each case fixes its data, the errors are retried,
and every record syncs. One table of cases, one parametrized test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rel_world import ACCOUNT_TYPE, World, open_world
from report import Figures

from b1hub.connectors.outcomes import Success
from b1hub.mapping.store import MappingRequest, set_mapping
from b1hub.objects.account import ACCOUNT_MAP
from b1hub.store.models import RecordOutcome
from b1hub.store.repositories import SelectionEntry
from b1hub.store.types import InitStatus, OutcomeStatus, RunStatus
from b1hub.sync import api

LONG = "L" * 120


@dataclass(frozen=True)
class Case:
    id: str
    side: str  # "sap" (bad in SAP, refused on the way to Salesforce) or "salesforce"
    field: str  # as named in the error (either system's name, or the hub's)
    reason: str  # words of the reason, case-insensitive
    bad: dict[str, Any]
    fix: dict[str, Any]
    object: str = "account"
    account_type: str = ACCOUNT_TYPE
    update: tuple[str, Any] | None = None
    """An edit of a linked pair (not a new record): the other side's field and the value
    it must hold once the fixed record synced."""
    deleted: bool = False
    """With ``update``: the other side's record was deleted there first; the fix restores
    it (Salesforce: the Recycle Bin; SAP: the partner created again under its code)."""


def bill(**values: Any) -> dict[str, Any]:
    return {"BPAddresses": [{"AddressName": "Bill To", "AddressType": "bo_BillTo",
                             "City": "Kiel", "Country": "DE", **values}]}


def ship(**values: Any) -> dict[str, Any]:
    return {"BPAddresses": [{"AddressName": "Ship To", "AddressType": "bo_ShipTo",
                             "City": "Kiel", "Country": "DE", **values}]}


CASES = [
    # SAP → Salesforce: SAP holds it, Salesforce (or the mapping) refuses it.
    Case("sap-invalid-email", "sap", "Email__c", "invalid email",
         {"EmailAddress": "not-an-email"}, {"EmailAddress": "ok1@example.com"}),
    Case("sap-email-with-space", "sap", "Email__c", "invalid email",
         {"EmailAddress": "first last@example.com"}, {"EmailAddress": "ok2@example.com"}),
    Case("sap-email-two-ats", "sap", "Email__c", "invalid email",
         {"EmailAddress": "a@b@example.com"}, {"EmailAddress": "ok3@example.com"}),
    Case("sap-unmapped-billing-country", "sap", "Country", "XX",
         bill(Country="XX"), bill(Country="DE")),
    Case("sap-unmapped-shipping-country", "sap", "Country", "QQ",
         ship(Country="QQ"), ship(Country="FR")),
    Case("sap-restricted-picklist-type", "sap", "Type", "restricted picklist", {}, {},
         account_type="Galactic Partner"),
    Case("sap-wrong-currency", "sap", "CurrencyIsoCode", "restricted picklist",
         {"Currency": "XYZ"}, {"Currency": "EUR"}),
    Case("sap-validation-rule-description", "sap", "Description", "no forbidden words",
         {"Notes": "FORBIDDEN terms"}, {"Notes": "fine terms"}),
    Case("sap-validation-rule-website", "sap", "Website", "blocked site",
         {"Website": "https://blocked.example.com"}, {"Website": "https://ok.example.com"}),
    Case("sap-validation-rule-fax", "sap", "Fax", "fax 000",
         {"Fax": "000"}, {"Fax": "+49 431 1"}),
    # A duplicate rule names the matching records, not a field (as Salesforce does).
    Case("sap-duplicate-rule-name", "sap", "", "duplicates_detected",
         {"CardName": "Duplicate Target Holdings"}, {"CardName": "Unique Holdings 1"}),
    Case("sap-missing-required-name", "sap", "name", "required",
         {"CardName": ""}, {"CardName": "Named At Last Ltd"}),
    Case("sap-blank-name-spaces", "sap", "name", "required",
         {"CardName": "   "}, {"CardName": "Named Again Ltd"}),
    Case("sap-item-missing-name", "sap", "name", "required",
         {"ItemName": ""}, {"ItemName": "Named Item"}, object="product"),
    Case("sap-item-price-out-of-range", "sap", "UnitPrice", "range",
         {"price": 1e20}, {"price": 12.5}, object="product"),
    # Salesforce → SAP: Salesforce holds it, SAP (or the mapping) refuses it.
    Case("sf-name-too-long", "salesforce", "CardName", "too long",
         {"Name": "N" * 150}, {"Name": "Short Name One"}),
    Case("sf-phone-too-long", "salesforce", "Phone1", "too long",
         {"Phone": "+49 431 1234567890123456"}, {"Phone": "+49 431 1"}),
    Case("sf-fax-too-long", "salesforce", "Fax", "too long",
         {"Fax": "+49 431 9876543210987654"}, {"Fax": "+49 431 2"}),
    Case("sf-website-too-long", "salesforce", "Website", "too long",
         {"Website": "https://example.com/" + "w" * 100}, {"Website": "https://e.com"}),
    Case("sf-description-too-long", "salesforce", "Notes", "too long",
         {"Description": "D" * 150}, {"Description": "short"}),
    Case("sf-street-too-long", "salesforce", "Street", "too long",
         {"BillingStreet": "S" * 150}, {"BillingStreet": "Hauptstr. 1"}),
    Case("sf-state-too-long", "salesforce", "State", "too long",
         {"BillingState": "Schleswig-Holstein"}, {"BillingState": "SH"}),
    Case("sf-unmapped-billing-country", "salesforce", "BillingCountry", "Atlantis",
         {"BillingCountry": "Atlantis"}, {"BillingCountry": "Germany"}),
    Case("sf-unmapped-shipping-country", "salesforce", "ShippingCountry", "Lemuria",
         {"ShippingCountry": "Lemuria"}, {"ShippingCountry": "France"}),
    # Edits of linked pairs: the update paths, not the creates.
    Case("sap-update-invalid-email", "sap", "Email__c", "invalid email",
         {"EmailAddress": "broken@"}, {"EmailAddress": "fixed@example.com"},
         update=("Email__c", "fixed@example.com")),
    Case("sap-update-validation-rule", "sap", "Description", "no forbidden words",
         {"Notes": "now FORBIDDEN"}, {"Notes": "allowed now"},
         update=("Description", "allowed now")),
    Case("sap-update-wrong-currency", "sap", "CurrencyIsoCode", "restricted picklist",
         {"Currency": "QQQ"}, {"Currency": "USD"}, update=("CurrencyIsoCode", "USD")),
    Case("sf-update-name-too-long", "salesforce", "CardName", "too long",
         {"Name": "U" * 140}, {"Name": "Updated Short Name"},
         update=("CardName", "Updated Short Name")),
    Case("sf-update-phone-too-long", "salesforce", "Phone1", "too long",
         {"Phone": "+1 555 0100 0200 0300 0400"}, {"Phone": "+1 555 0100"},
         update=("Phone1", "+1 555 0100")),
    Case("sf-update-unmapped-country", "salesforce", "BillingCountry", "Mu",
         {"BillingCountry": "Mu"}, {"BillingCountry": "Germany"},
         update=("Country", "DE")),
    Case("sf-update-website-too-long", "salesforce", "Website", "too long",
         {"Website": "https://example.org/" + "u" * 100}, {"Website": "https://u.org"},
         update=("Website", "https://u.org")),
    # Control characters (neither side refuses them; XML-based tools on both sides break).
    Case("sap-nul-in-name", "sap", "CardName", "control character U+0000",
         {"CardName": "Nul\x00 Holdings"}, {"CardName": "Nul Holdings"}),
    Case("sap-escape-in-phone", "sap", "Phone1", "control character U+001B",
         {"Phone1": "+49 431\x1b1"}, {"Phone1": "+49 431 1"}),
    Case("sap-bell-in-billing-city", "sap", "City", "control character U+0007",
         bill(City="Ki\x07el"), bill(City="Kiel")),
    Case("sap-item-escape-in-name", "sap", "ItemName", "control character U+001B",
         {"ItemName": "Widget \x1b[1m"}, {"ItemName": "Widget Plain"}, object="product"),
    Case("sf-nul-in-name", "salesforce", "Name", "control character U+0000",
         {"Name": "SF Nul\x00 Name"}, {"Name": "SF Nul Name"}),
    Case("sf-escape-in-description", "salesforce", "Description", "control character U+001B",
         {"Description": "red \x1b[31m text"}, {"Description": "plain text"}),
    Case("sf-update-escape-in-name", "salesforce", "Name", "control character U+001B",
         {"Name": "Dirty\x1bName"}, {"Name": "Clean Name Co"},
         update=("CardName", "Clean Name Co")),
    # A date Salesforce cannot hold (ERPs' "open-ended" 31.12.9999), in a mapped date UDF.
    Case("sap-date-outside-salesforce-range", "sap", "U_ValidTo",
         "outside the dates Salesforce accepts", {"U_ValidTo": "9999-12-31"},
         {"U_ValidTo": "2030-12-31"}),
    # Deleted in the target: never re-created behind the user's back; restored, it syncs.
    Case("sap-update-of-account-deleted-in-salesforce", "sap", "", "deleted",
         {"Phone1": "+49 431 777"}, {}, update=("Phone", "+49 431 777"), deleted=True),
    Case("sf-update-of-partner-deleted-in-sap", "salesforce", "", "no longer exists",
         {"Phone": "+1 555 0199"}, {}, update=("Phone1", "+1 555 0199"), deleted=True),
]


@dataclass
class Made:
    case: Case
    key: str  # SAP code, or Salesforce Id
    outcome: RecordOutcome | None = None
    gone: str = ""  # the record a deleted-target case deleted (Salesforce Id or CardCode)


def _sap_body(case: Case, code: str) -> dict[str, Any]:
    bad = dict(case.bad)
    if case.object == "product":
        price = bad.pop("price", 10.0)
        return {"ItemCode": code, "ItemName": bad.pop("ItemName", f"Item {code}"),
                "__prices": [{"PriceList": 1, "Price": price}], **bad}
    addresses = bill()["BPAddresses"]
    if "BPAddresses" in bad:
        kinds = {a["AddressType"] for a in bad["BPAddresses"]}
        addresses = [a for a in addresses if a["AddressType"] not in kinds] + bad.pop(
            "BPAddresses")
    return {"CardCode": code, "CardName": bad.pop("CardName", f"Bad Input {code}"),
            "CardType": "cCustomer", "GroupCode": 100, "Currency": "EUR",
            "BPAddresses": addresses, **bad}


def _make(world: World, case: Case, n: int, code: str) -> Made:
    """``code``: the linked customer an edit case changes (each case its own)."""
    if case.update is not None:
        [row] = world.soql(f"SELECT Id FROM Account WHERE SAP_CardCode__c = '{code}'")
        gone = _delete_other_side(world, case, code, row["Id"]) if case.deleted else ""
        if case.side == "sap":
            with world.hub.service_layer() as sl:
                assert isinstance(sl.update("BusinessPartners", code, case.bad), Success)
            return Made(case, code, gone=gone)
        world.edit_account(row["Id"], case.bad)
        return Made(case, row["Id"], gone=gone)
    if case.side == "sap":
        code = f"BAD{n:03d}" if case.object == "account" else f"BADI{n:03d}"
        entity = "BusinessPartners" if case.object == "account" else "Items"
        body = _sap_body(case, code)
        prices = body.pop("__prices", None)
        with world.hub.service_layer() as sl:
            created = sl.create(entity, body, code)
            assert isinstance(created, Success), (case.id, created)
            if prices:  # an item gets every price list on creation; then its prices
                assert isinstance(sl.update(entity, code, {"ItemPrices": prices}), Success)
        with world.hub.repos() as repos:
            repos.selections.mark(case.object, [SelectionEntry(
                code, case.account_type if case.object == "account" else None)])
        return Made(case, code)
    values = {"Name": f"Bad Input SF {n:03d}", "Type": ACCOUNT_TYPE, "BillingCity": "Bonn",
              **case.bad}
    return Made(case, world.create_account(values))


def _delete_other_side(world: World, case: Case, code: str, sf_id: str) -> str:
    """Delete, as a person would, the record the edit is going to; returns its key."""
    if case.side == "sap":
        with world.salesforce_user() as sf:
            gone = sf.transport.send("DELETE", f"{sf.conn.data_path}/sobjects/Account/{sf_id}",
                                     kind="delete", idempotent=True)
    else:
        with world.hub.service_layer() as sl:
            gone = sl.transport.send("DELETE", f"BusinessPartners('{code}')", kind="delete",
                                     idempotent=True)
    assert gone.status_code == 204, gone.text
    return sf_id if case.side == "sap" else code


def _restore(world: World, made: Made) -> None:
    """Undo the deletion: Salesforce's Recycle Bin, or the partner made again in SAP."""
    if made.case.side == "sap":
        restored = world.sf_admin.post("/_sandbox/undelete", json={"id": made.gone}).json()
        assert restored.get("restored"), restored
        return
    [row] = world.soql(f"SELECT Name FROM Account WHERE Id = '{made.key}'")
    with world.hub.service_layer() as sl:
        assert isinstance(sl.create("BusinessPartners", _sap_body(Case("", "sap", "", "", {
            "CardName": row["Name"]}, {}), made.gone), made.gone), Success)


def _fix(world: World, made: Made) -> None:
    case = made.case
    if case.deleted:
        _restore(world, made)
        return
    if case.side == "salesforce":
        world.edit_account(made.key, case.fix)
        return
    if case.account_type != ACCOUNT_TYPE:
        with world.hub.repos() as repos:
            repos.selections.mark("account", [SelectionEntry(made.key, ACCOUNT_TYPE)])
    fix = dict(case.fix)
    with world.hub.service_layer() as sl:
        if case.object == "product" and "price" in fix:
            fix = {"ItemPrices": [{"PriceList": 1, "Price": fix.pop("price")}]}
        if "BPAddresses" in fix:
            fix["BPAddresses"] = _address_fix(sl, made.key, fix["BPAddresses"])
        if fix:
            entity = "BusinessPartners" if case.object == "account" else "Items"
            assert isinstance(sl.update(entity, made.key, fix), Success), case.id
        elif case.object == "account":  # nothing to change in SAP: touch the record
            assert isinstance(sl.update("BusinessPartners", made.key, {"Fax": "+49 431 3"}),
                              Success)


def _address_fix(sl: Any, code: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored address lines (with their keys) the fix applies to."""
    current = sl.get("BusinessPartners", code, ["BPAddresses"])
    assert isinstance(current, Success) and current.data, current
    stored = {a["AddressType"]: a for a in current.data["BPAddresses"]}
    return [{**{k: stored[line["AddressType"]][k] for k in ("BPCode", "AddressName",
                                                             "AddressType", "RowNum")},
             **line} for line in lines]


def _rules(world: World) -> None:
    sfa = world.sf_admin
    for field, condition, value, message in (
        ("Description", "contains", "FORBIDDEN", "Description: no forbidden words please"),
        ("Website", "contains", "blocked.example", "Website: that is a blocked site"),
        ("Fax", "equals", "000", "Fax: fax 000 is not a number"),
    ):
        assert sfa.post("/_sandbox/validation-rules", json={
            "sobject": "Account", "field": field, "condition": condition, "value": value,
            "message": message}).status_code == 201
    assert sfa.post("/_sandbox/duplicate-rules", json={
        "sobject": "Account", "fields": ["Name"]}).status_code == 201
    world.create_account({"Name": "Duplicate Target Holdings", "Type": "Prospect"})


def _date_mapping(world: World) -> None:
    """A date UDF on partners mapped to a Salesforce date field, as an admin would."""
    with world.hub.service_layer() as sl:
        assert isinstance(sl.create("UserFieldsMD", {"Name": "ValidTo", "Type": "db_Date",
                                                     "TableName": "OCRD"}, "ValidTo"), Success)
    assert world.sf_admin.post("/_sandbox/fields", json={
        "sobject": "Account", "name": "Valid_To__c", "type": "date"}).status_code == 201
    set_mapping(world.hub, MappingRequest("account", "U_ValidTo", "Valid_To__c"), "tests")


def _open_errors(world: World) -> dict[str, RecordOutcome]:
    found: dict[str, RecordOutcome] = {}
    with world.hub.repos() as repos:
        for name in ("account", "product"):
            for o in repos.outcomes.open_errors(name, limit=100_000):
                if o.status is OutcomeStatus.FAILED:
                    for key in (o.sap_key, o.sf_id):
                        if key:
                            found.setdefault(key.split(":")[0], o)
    return found


def _synced(world: World, made: Made) -> bool:
    case = made.case
    if case.update is not None:
        field, value = case.update
        if case.side == "sap":
            rows = world.soql(f"SELECT {field} FROM Account WHERE SAP_CardCode__c = "
                              f"'{made.key}'")
            return [r[field] for r in rows] == [value]
        [partner] = world.sap_rows("BusinessPartners", f"U_B1H_SFID eq '{made.key}'",
                                   ["CardCode", "BPAddresses", field])
        if field == "Country":
            return value in [a.get("Country") for a in partner["BPAddresses"]]
        return bool(partner.get(field) == value)
    if case.side == "salesforce":
        return bool(world.partners_of(made.key))
    sobject, field = ("Account", "SAP_CardCode__c") if case.object == "account" else (
        "Product2", "SAP_ItemCode__c")
    return bool(world.soql(f"SELECT Id FROM {sobject} WHERE {field} = '{made.key}'"))


@dataclass
class Results:
    made: dict[str, Made]
    good: list[bool]
    after_fix: dict[str, bool]
    errors_after_fix: dict[str, RecordOutcome]
    world: World


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    tmp = tmp_path_factory.mktemp("bad-input")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        with open_world(tmp / "sandbox", "default", customers=20, items=10) as world:
            _date_mapping(world)
            for name in ("account", "product"):
                assert api.initialize(world.hub, name).status is InitStatus.DONE
            _rules(world)
            good = [Made(Case(f"good-sap-{n}", "sap", "", "", {}, {}), "") for n in range(3)]
            linked = iter(world.customers)
            made = {c.id: _make(world, c, n, next(linked) if c.update else "")
                    for n, c in enumerate(CASES)}
            good = [_make(world, g.case, 900 + n, "") for n, g in enumerate(good)]
            good += [Made(Case(f"good-sf-{n}", "salesforce", "", "", {}, {}),
                          world.create_account({"Name": f"Good Neighbour {n} KG",
                                                "Type": ACCOUNT_TYPE}))
                     for n in range(3)]
            for name in ("account", "product"):
                run = api.run_object(world.hub, name)
                assert run.status is RunStatus.SUCCEEDED, run
            errors = _open_errors(world)
            for m in made.values():
                m.outcome = errors.get(m.key)
            synced_good = [_synced(world, g) for g in good]
            for m in made.values():
                _fix(world, m)
            for summary in api.retry_errors(world.hub):
                assert summary.status is RunStatus.SUCCEEDED, summary
            yield Results(made, synced_good, {k: _synced(world, m) for k, m in made.items()},
                          _open_errors(world), world)


def test_the_catalogue_is_broad(results: Results, figures: Figures) -> None:
    sides = {c.side for c in CASES}
    figures.record("Bad input", kinds_tried=len(CASES),
                   kinds_by_side={s: sum(c.side == s for c in CASES) for s in sorted(sides)},
                   kinds_by_object={o: sum(c.object == o for c in CASES)
                                    for o in ("account", "product")},
                   reported_per_record=sum(m.outcome is not None for m in results.made.values()),
                   synced_after_fix=sum(results.after_fix.values()),
                   good_records_in_the_same_batches_synced=sum(results.good))
    assert len(CASES) >= 40 and sides == {"sap", "salesforce"}
    assert results.good == [True] * 6  # bad records never stop the rest of their batch


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_record_is_reported_then_syncs_once_fixed(results: Results, case: Case) -> None:
    made = results.made[case.id]
    outcome = made.outcome
    assert outcome is not None, f"{case.id}: no error recorded for {made.key}"
    message = outcome.error_message or ""
    assert made.key in message or made.key in (outcome.sap_key or "", outcome.sf_id or "")
    named = " ".join(outcome.error_fields or []) + " " + message
    assert case.field.lower() in named.lower(), (case.field, named)
    assert case.reason.lower() in message.lower(), (case.reason, message)
    assert results.after_fix[case.id], f"{case.id}: not synced after the fix and retry"
    assert made.key not in results.errors_after_fix, results.errors_after_fix.get(made.key)


LONE = "Lone \udc00 Ltd"
"""Half of a UTF-16 surrogate pair: a Python (or Java) string, but not UTF-8 text."""


def test_text_that_is_not_utf8_is_a_field_error_and_no_api_stores_it(
    results: Results, figures: Figures,
) -> None:
    """Neither API stores such a value (each refuses the request that carries it, as both
    real JSON parsers do), so no record can hold one; should one reach the hub anyway,
    it is an error of that record's field, never a batch that cannot be encoded."""
    world = results.world
    escaped = b'{"Name": "Lone \\udc00 Ltd", "CardCode": "LONE1", "CardName": "Lone"}'
    with world.salesforce_user() as sf:
        refused_sf = sf.transport.send(
            "POST", f"{sf.conn.data_path}/sobjects/Account", kind="create", idempotent=False,
            content=lambda: iter([escaped]), headers={"Content-Type": "application/json"})
    with world.hub.service_layer() as sl:
        refused_sl = sl.transport.send("POST", "BusinessPartners", kind="create",
                                       idempotent=False, content=escaped,
                                       headers={"Content-Type": "application/json"})
    from_sf = ACCOUNT_MAP.from_salesforce({"Name": LONE})
    from_sap = ACCOUNT_MAP.from_sap({"CardName": LONE})
    figures.record("Bad input", non_utf8_text=(
        f"refused by Salesforce ({refused_sf.status_code}) and the Service Layer "
        f"({refused_sl.status_code}); a field error if read: {from_sf.errors[0].reason}"))
    assert (refused_sf.status_code, refused_sl.status_code) == (400, 400)
    for mapped, field in ((from_sf, "Name"), (from_sap, "CardName")):
        assert [(e.field, e.reason) for e in mapped.errors] == [
            (field, "contains a lone surrogate (not valid UTF-8) U+DC00 at position 6; "
                    "remove it")]
