"""Initialization matching: the rules in order, one Salesforce record per SAP record,
ambiguity held rather than guessed."""

from __future__ import annotations

from typing import Any

from b1hub.sync.matching import MatchResult, match

RULES = [("EmailAddress", "Email__c"), ("Phone1", "Phone")]


def sap(code: str, name: str, email: str | None = None, phone: str | None = None
        ) -> dict[str, Any]:
    return {"CardCode": code, "CardName": name, "EmailAddress": email, "Phone1": phone}


def sf(sf_id: str, name: str, *, ext: str | None = None, number: str | None = None,
       email: str | None = None, phone: str | None = None) -> dict[str, Any]:
    return {"Id": sf_id, "Name": name, "SAP_CardCode__c": ext, "AccountNumber": number,
            "Email__c": email, "Phone": phone}


def run(sap_rows: list[dict[str, Any]], sf_rows: list[dict[str, Any]],
        rules: list[tuple[str, str]] = RULES) -> MatchResult:
    return match(sap_rows, sf_rows, key="CardCode", external_id="SAP_CardCode__c",
                 natural="AccountNumber", name_sap="CardName", contact_rules=rules)


def test_external_id_wins_over_natural_key_and_name() -> None:
    result = run([sap("C1", "Acme", phone="555")],
                 [sf("001A", "Acme", number="C1", phone="555"), sf("001B", "Other", ext="C1")])
    assert result.pairs == {"C1": "001B"} and result.ambiguous == {}


def test_natural_key_is_tried_when_no_external_id_matches() -> None:
    result = run([sap("C1", "Acme")], [sf("001A", "Renamed Inc", number=" C1 ")])
    assert result.pairs == {"C1": "001A"}


def test_name_needs_the_same_email_or_phone() -> None:
    sap_rows = [sap("C1", "Acme", email="Buy@Acme.test"), sap("C2", "Beta", phone="+1 (555) 010"),
                sap("C3", "Gamma", email="x@g.test", phone="1")]
    sf_rows = [sf("001A", "ACME", email="buy@acme.test"), sf("001B", "beta", phone="1-555-010"),
               sf("001C", "Gamma", email="y@g.test", phone="2")]
    result = run(sap_rows, sf_rows)
    assert result.pairs == {"C1": "001A", "C2": "001B"}  # case and punctuation ignored
    assert result.ambiguous == {}


def test_a_name_alone_never_matches() -> None:
    assert run([sap("C1", "Acme")], [sf("001A", "Acme")]).pairs == {}
    assert run([sap("C1", "Acme", phone=None)], [sf("001A", "Acme", phone=None)]).pairs == {}


def test_two_candidates_are_ambiguous_and_neither_is_paired() -> None:
    result = run([sap("C1", "Acme", phone="555-1")],
                 [sf("001A", "Acme", phone="5551"), sf("001B", "acme", phone="555 1")])
    assert result.pairs == {}
    assert result.ambiguous == {"C1": ["001A", "001B"]}


def test_two_accounts_with_the_same_external_id_are_ambiguous() -> None:
    result = run([sap("C1", "Acme")], [sf("001A", "A", ext="C1"), sf("001B", "B", ext="C1")])
    assert result.ambiguous == {"C1": ["001A", "001B"]}


def test_a_salesforce_record_is_paired_at_most_once() -> None:
    result = run([sap("C1", "Acme", phone="5"), sap("C2", "Acme", phone="5")],
                 [sf("001A", "Acme", phone="5")])
    assert result.pairs == {"C1": "001A"} and result.ambiguous == {}


def test_products_match_on_product_code_only() -> None:
    result = match([{"ItemCode": "A1", "ItemName": "Bolt"}, {"ItemCode": "A2", "ItemName": "Nut"}],
                   [{"Id": "01tA", "Name": "Bolt", "ProductCode": "A1", "SAP_ItemCode__c": None},
                    {"Id": "01tB", "Name": "Nut", "ProductCode": None, "SAP_ItemCode__c": None}],
                   key="ItemCode", external_id="SAP_ItemCode__c", natural="ProductCode",
                   name_sap="ItemName", contact_rules=[])
    assert result.pairs == {"A1": "01tA"}
