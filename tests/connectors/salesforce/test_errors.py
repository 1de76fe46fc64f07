"""Wire shapes of Salesforce errors and usage headers, from the documented examples."""

from __future__ import annotations

from b1hub.connectors.salesforce.budget import ApiBudget
from b1hub.connectors.salesforce.errors import parse_bulk_error, parse_errors


def test_bulk_error_cells() -> None:
    missing = parse_bulk_error("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --")
    assert (missing.code, missing.message, missing.fields) == (
        "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ("Name",))
    cross = parse_bulk_error("INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--")
    assert (cross.code, cross.message, cross.fields) == (
        "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ())
    locked = parse_bulk_error("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this "
                              "record or 200 records: 001000000000001AAA:--")
    assert locked.code == "UNABLE_TO_LOCK_ROW"
    assert locked.message.endswith("200 records: 001000000000001AAA")


def test_rest_error_arrays_and_oauth_errors() -> None:
    [rest] = parse_errors(b'[{"message":"Session expired or invalid",'
                          b'"errorCode":"INVALID_SESSION_ID"}]')
    assert (rest.code, rest.fields) == ("INVALID_SESSION_ID", ())
    [oauth] = parse_errors(b'{"error":"invalid_grant","error_description":"authentication '
                           b'failure"}')
    assert (oauth.code, oauth.message) == ("invalid_grant", "authentication failure")


def test_budget_ceiling_keeps_the_reserve() -> None:
    budget = ApiBudget(reserve=0.2)
    assert budget.check() is None
    budget.observe("api-usage=79/100; per-app-api-usage=3/50(appName=b1hub)")
    assert budget.check() is None
    budget.observe("api-usage=80/100")
    stop = budget.check()
    assert stop is not None and (stop.used, stop.limit) == (80, 100)
    assert budget.check(calls=0) is None
