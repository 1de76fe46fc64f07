"""Initialization over HTTP: existing pairs linked not duplicated, ambiguous ones held."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_world import ACCOUNT_TYPE, World

from b1hub.store.types import Direction, InitStatus, OutcomeStatus
from b1hub.sync import api, sap_pass


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _unmatched(world: World, count: int) -> list[dict[str, Any]]:
    """Marked customers with no account of the same name in Salesforce yet."""
    found = []
    for code in world.customers:
        [partner] = world.sap_rows("BusinessPartners", f"CardCode eq '{code}'",
                                   ["CardCode", "CardName", "Phone1"])
        if partner["Phone1"] and not world.soql(
                f"SELECT Id FROM Account WHERE Name = '{_quote(partner['CardName'])}'"):
            found.append(partner)
        if len(found) == count:
            return found
    raise AssertionError("the seed has too few unmatched marked customers")


def _partners(world: World) -> dict[str, dict[str, Any]]:
    rows = world.sap_rows("BusinessPartners", "CardType eq 'cCustomer'",
                          ["CardCode", "CardName", "EmailAddress", "FederalTaxID", "Phone1",
                           "BPAddresses"])
    return {r["CardCode"]: {k: v for k, v in r.items() if k != "BPAddresses"}
            | {"streets": sorted(a["Street"] or "" for a in r["BPAddresses"])} for r in rows}


@pytest.fixture(scope="module")
def prepared(world: World) -> Iterator[dict[str, Any]]:
    """Two twins of one customer (ambiguous) and one lone copy of another, then init.

    The first load handles SAP records a few at a time, so records it writes back to
    (their UpdateTime moves) come round again in the same read, as in a large load.
    """
    twin_of, copy_of = _unmatched(world, 2)
    twins = [world.create_account({"Name": twin_of["CardName"], "Phone": twin_of["Phone1"],
                                   "Type": ACCOUNT_TYPE, "BillingCity": city})
             for city in ("Twin Falls", "Twinsburg")]
    copy = world.create_account({"Name": copy_of["CardName"], "Phone": copy_of["Phone1"],
                                 "Type": ACCOUNT_TYPE})
    before = {r["Id"] for r in world.soql("SELECT Id FROM Account")}
    partners_before = len(world.sap_rows("BusinessPartners", "CardType eq 'cCustomer'",
                                         ["CardCode"]))
    sap_before = _partners(world)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sap_pass, "CHUNK", 7)
        summary = api.initialize(world.hub, "account")
    yield {"summary": summary, "twin_of": twin_of["CardCode"], "twins": twins,
           "copy_of": copy_of["CardCode"], "copy": copy, "before": before,
           "partners_before": partners_before, "sap_before": sap_before}


def test_ambiguous_match_is_held_and_listed_not_linked_or_duplicated(
    world: World, prepared: dict[str, Any],
) -> None:
    summary = prepared["summary"]
    code, twins = prepared["twin_of"], prepared["twins"]
    assert summary.status is InitStatus.DONE and summary.held == 1, summary
    with world.hub.repos() as repos:
        assert repos.links.by_sap_key("account", code) is None
        assert [repos.links.by_sf_id("account", t) for t in twins] == [None, None]
        held = [o for o in repos.outcomes.open_errors("account")
                if o.status is OutcomeStatus.HELD]
        row = repos.objects.get("account")
        assert row is not None and row.init_held == 1
    mine = [o for o in held if o.direction is Direction.SAP_TO_SALESFORCE]
    assert [(o.sap_key, o.error_code) for o in mine] == [(code, "AMBIGUOUS_MATCH")]
    message = mine[0].error_message or ""
    assert all(t in message for t in twins) and "held, not guessed" in message
    assert sorted(o.sf_id or "" for o in held
                  if o.direction is Direction.SALESFORCE_TO_SAP) == sorted(twins)
    assert world.soql(f"SELECT Id FROM Account WHERE SAP_CardCode__c = '{code}'") == []
    assert [world.partners_of(t) for t in twins] == [[], []]  # typed, yet not created

    later = api.run_object(world.hub, "account")
    assert (later.created, later.failed) == (0, 0)
    assert world.soql(f"SELECT Id FROM Account WHERE SAP_CardCode__c = '{code}'") == []
    assert [world.partners_of(t) for t in twins] == [[], []]


def test_existing_pairs_are_linked_not_duplicated(
    world: World, prepared: dict[str, Any],
) -> None:
    summary = prepared["summary"]
    code, copy = prepared["copy_of"], prepared["copy"]
    with world.hub.repos() as repos:
        link = repos.links.by_sap_key("account", code)
        links = {c: repos.links.by_sap_key("account", c) for c in world.customers}
    assert link is not None and link.sf_id == copy
    [account] = world.soql(f"SELECT SAP_CardCode__c FROM Account WHERE Id = '{copy}'")
    assert account["SAP_CardCode__c"] == code
    [partner] = world.partners_of(copy)
    assert partner["CardCode"] == code

    accounts = world.soql("SELECT Id, SAP_CardCode__c FROM Account")
    new = {r["Id"] for r in accounts} - prepared["before"]
    linked_ids = {lk.sf_id for c, lk in links.items() if lk is not None}
    assert new == linked_ids - prepared["before"]  # only marked customers without a match
    assert len(new) == summary.created - _created_in_sap(world)
    matched = [c for c, lk in links.items() if lk is not None and lk.sf_id in prepared["before"]]
    assert len(matched) + len(new) + 1 == len(world.customers)  # + 1: the held one
    assert summary.linked >= len(matched)
    codes = Counter(r["SAP_CardCode__c"] for r in accounts if r["SAP_CardCode__c"])
    assert [c for c, n in codes.items() if n > 1] == []
    partners = world.sap_rows("BusinessPartners", "CardType eq 'cCustomer'",
                              ["CardCode", "U_B1H_SFID"])
    assert len(partners) == prepared["partners_before"] + _created_in_sap(world)
    ids = Counter(p["U_B1H_SFID"] for p in partners if p["U_B1H_SFID"])
    assert [i for i, n in ids.items() if n > 1] == []


def _created_in_sap(world: World) -> int:
    """Partners the first load made from typed Salesforce accounts nobody matched."""
    return len(world.sap_rows("BusinessPartners", "startswith(CardCode,'SF')", ["CardCode"]))


def test_the_first_load_keeps_sap_values_of_existing_pairs(
    world: World, prepared: dict[str, Any],
) -> None:
    """SAP is the reference at the first sync: Salesforce gets its values, and a record
    read twice in one run is never overwritten with the Salesforce values read before."""
    after = _partners(world)
    with world.hub.repos() as repos:
        links = repos.links.by_sap_keys("account", world.customers)
    assert len(links) == len(world.customers) - 1
    for code, link in links.items():
        assert after[code] == prepared["sap_before"][code], code
        [account] = world.soql(f"SELECT Email__c, Tax_ID__c FROM Account WHERE Id = '{link.sf_id}'")
        assert (account["Email__c"], account["Tax_ID__c"]) == (
            after[code]["EmailAddress"], after[code]["FederalTaxID"]), code
