"""`b1hub select`: the seed's Set Customers / Set Items for Synchronization, against the
Service Layer sandbox (compared with a direct OData query) and Salesforce's picklist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commands.cli_helpers import ServiceLayer, ok, ok_json, run

CUSTOMER_RANGE = ["--code-from", "C000003", "--code-to", "C000040",
                  "--group-from", "101", "--group-to", "103"]


def direct_customers(sl: ServiceLayer) -> list[tuple[str, str]]:
    rows = sl.all("BusinessPartners", **{
        "$select": "CardCode,CardName",
        "$filter": "CardType eq 'cCustomer' and CardCode ge 'C000003' and CardCode le "
                   "'C000040' and GroupCode ge 101 and GroupCode le 103",
        "$orderby": "CardCode"})
    return [(r["CardCode"], r["CardName"]) for r in rows]


def listed(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(row["code"], row["name"]) for row in payload["matching"]]


def test_customers_lists_exactly_the_partners_in_code_and_group_range(
    connected: Path, service_layer: ServiceLayer
) -> None:
    payload = ok_json("select", "customers", *CUSTOMER_RANGE)
    expected = direct_customers(service_layer)
    assert len(expected) >= 10
    assert listed(payload) == expected
    assert all(101 <= row["group"] <= 103 for row in payload["matching"])
    assert payload["marked"] == 0 and not any(r["marked"] for r in payload["matching"])
    assert ok_json("select", "show", "customers") == []
    everyone = sorted(r["CardCode"] for r in service_layer.all(
        "BusinessPartners", **{"$select": "CardCode", "$filter": "CardType eq 'cCustomer'"}))
    assert [r["code"] for r in ok_json("select", "customers")["matching"]] == everyone


def test_customers_marks_chosen_codes_with_the_account_type(connected: Path) -> None:
    codes = [code for code, _ in listed(ok_json("select", "customers", *CUSTOMER_RANGE))][:3]
    payload = ok_json("select", "customers", *CUSTOMER_RANGE, "--codes",
                      f"{codes[0]},{codes[2].lower()}", "--account-type", "customer - channel")
    assert payload["marked"] == 2 and payload["account_type"] == "Customer - Channel"
    shown = ok_json("select", "show", "customers")
    assert [(r["code"], r["account_type"]) for r in shown] == [
        (codes[0], "Customer - Channel"), (codes[2], "Customer - Channel")]
    assert shown[0]["name"]
    ok("select", "customers", *CUSTOMER_RANGE, "--codes", codes[0], "--account-type", "Partner")
    assert [(r["code"], r["account_type"]) for r in ok_json("select", "show", "customers")] == [
        (codes[0], "Partner"), (codes[2], "Customer - Channel")]
    removed = ok("select", "remove", "customers", "--codes", codes[0])
    assert removed.stdout.strip() == "unmarked 1 of 1 customers"
    assert [r["code"] for r in ok_json("select", "show", "customers")] == [codes[2]]


def test_customers_all_matching_marks_every_listed_partner(
    connected: Path, service_layer: ServiceLayer
) -> None:
    payload = ok_json("select", "customers", *CUSTOMER_RANGE, "--all-matching",
                      "--account-type", "Customer - Direct")
    expected = direct_customers(service_layer)
    assert payload["marked"] == len(expected)
    assert [r["code"] for r in ok_json("select", "show", "customers")] == [c for c, _ in expected]


def test_customers_refuses_missing_invalid_or_out_of_range_choices(connected: Path) -> None:
    missing = run("select", "customers", *CUSTOMER_RANGE, "--all-matching")
    assert missing.exit_code == 1
    assert "an Account Type is mandatory when marking customers" in missing.stderr
    assert "Customer - Direct" in missing.stderr
    invalid = run("select", "customers", *CUSTOMER_RANGE, "--all-matching",
                  "--account-type", "Best Friend")
    assert invalid.exit_code == 1
    assert "'Best Friend' is not a Salesforce Account Type" in invalid.stderr
    outside = run("select", "customers", *CUSTOMER_RANGE, "--codes", "C000001,ZZZ",
                  "--account-type", "Partner")
    assert outside.exit_code == 1
    assert "not among the records matching the criteria: C000001, ZZZ" in outside.stderr
    both = run("select", "customers", "--codes", "C000001", "--all-matching")
    assert both.exit_code == 1 and "either --codes or --all-matching" in both.stderr
    empty = run("select", "customers", "--code-from", "C9", "--code-to", "C1")
    assert empty.exit_code == 1 and "code range is empty" in empty.stderr
    assert ok_json("select", "show", "customers") == []


def test_items_list_and_mark_by_code_and_item_group(
    connected: Path, service_layer: ServiceLayer
) -> None:
    criteria = ["--code-from", "A00002", "--code-to", "A00030",
                "--group-from", "100", "--group-to", "101"]
    payload = ok_json("select", "items", *criteria)
    rows = service_layer.all("Items", **{
        "$select": "ItemCode,ItemName",
        "$filter": "ItemCode ge 'A00002' and ItemCode le 'A00030' and ItemsGroupCode ge 100 "
                   "and ItemsGroupCode le 101", "$orderby": "ItemCode"})
    assert listed(payload) == [(r["ItemCode"], r["ItemName"]) for r in rows]
    assert len(rows) >= 3
    marked = ok_json("select", "items", *criteria, "--codes", rows[1]["ItemCode"])
    assert marked["marked"] == 1
    assert [r["code"] for r in ok_json("select", "show", "items")] == [rows[1]["ItemCode"]]
    assert ok_json("select", "show", "items")[0]["account_type"] is None
    ok_json("select", "items", *criteria, "--all-matching")
    assert len(ok_json("select", "show", "items")) == len(rows)
    ok("select", "remove", "items", "--codes", ",".join(r["ItemCode"] for r in rows[:2]))
    assert len(ok_json("select", "show", "items")) == len(rows) - 2


def test_selections_are_per_integration(sandbox_file: Path) -> None:
    for name in ("acme", "globex"):
        ok("connect", "--from-sandbox", str(sandbox_file), "--integration", name)
    ok("select", "customers", "--code-from", "C000001", "--code-to", "C000002",
       "--all-matching", "--account-type", "Partner", "--integration", "acme")
    assert [r["code"] for r in ok_json("select", "show", "customers", "--integration",
                                       "acme")] == ["C000001", "C000002"]
    assert ok_json("select", "show", "customers", "--integration", "globex") == []


def test_select_without_connection_says_connect_first() -> None:
    result = run("select", "customers", "--code-from", "C1", "--code-to", "C2")
    assert result.exit_code == 1
    assert "no sap connection for integration 'default'; run `b1hub connect` first" in (
        result.stderr)
