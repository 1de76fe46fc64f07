"""`b1hub settings`: validated round-trip, per integration."""

from __future__ import annotations

from commands.cli_helpers import ok, ok_json, run


def test_set_then_show_round_trips_in_text_and_json() -> None:
    assert ok("settings", "set", "account_types", "Customer - Direct, Partner").stdout == (
        "account_types = ['Customer - Direct', 'Partner']\n")
    ok("settings", "set", "default_customer_group", "101")
    ok("settings", "set", "conflict_policy", "sap_wins")
    ok("settings", "set", "multi_currency", "true")
    shown = ok_json("settings", "show")
    assert shown["account_types"] == ["Customer - Direct", "Partner"]
    assert shown["default_customer_group"] == 101
    assert shown["conflict_policy"] == "sap_wins"
    assert shown["multi_currency"] is True
    assert shown["time_zone"] == "UTC"
    table = ok("settings", "show").stdout
    row = next(line for line in table.splitlines() if "default_customer_group" in line)
    assert "101" in row and "set" in row
    ok("settings", "set", "default_customer_group", "none")
    assert ok_json("settings", "show")["default_customer_group"] is None


def test_invalid_values_are_refused_and_nothing_is_stored() -> None:
    bad_zone = run("settings", "set", "time_zone", "Mars/Olympus_Mons")
    assert bad_zone.exit_code == 1
    assert bad_zone.stderr.startswith("error: invalid value 'Mars/Olympus_Mons' for time_zone")
    assert "unknown time zone" in bad_zone.stderr
    assert "Traceback" not in bad_zone.output
    bad_int = run("settings", "set", "default_customer_group", "retail")
    assert bad_int.exit_code == 1
    assert "for default_customer_group" in bad_int.stderr and "integer" in bad_int.stderr
    unknown = run("settings", "set", "colour", "blue")
    assert unknown.exit_code == 1
    assert "unknown setting 'colour'" in unknown.stderr and "time_zone" in unknown.stderr
    shown = ok_json("settings", "show")
    assert shown["time_zone"] == "UTC" and shown["default_customer_group"] is None


def test_integrations_keep_their_own_settings() -> None:
    ok("settings", "set", "time_zone", "Europe/Berlin", "--integration", "acme")
    ok("settings", "set", "time_zone", "America/Toronto", "--integration", "globex")
    assert ok_json("settings", "show", "--integration", "acme")["time_zone"] == "Europe/Berlin"
    assert ok_json("settings", "show", "--integration", "globex")["time_zone"] == (
        "America/Toronto")
    assert ok_json("settings", "show")["time_zone"] == "UTC"
    via_env = ok_json("settings", "show", env={"B1HUB_INTEGRATION": "acme"})
    assert via_env["time_zone"] == "Europe/Berlin"
