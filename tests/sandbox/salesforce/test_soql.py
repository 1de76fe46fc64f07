"""The SOQL compiler against a small ``records`` table (no HTTP): semantics and shapes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from b1hub.sandbox.salesforce import store
from b1hub.sandbox.salesforce.objects import standard_registry
from b1hub.sandbox.salesforce.schema import SchemaRegistry
from b1hub.sandbox.salesforce.soql import CompiledQuery, SoqlError, compile_query

REGISTRY: SchemaRegistry = standard_registry()
TODAY = date(2026, 3, 15)

ADA = "005000000000001AAA"
BOB = "005000000000002AAA"
ACME = "001000000000001AAA"
GLOBEX = "001000000000002AAA"
INITECH = "001000000000003AAA"
GONE = "001000000000004AAA"
C_ANNA = "003000000000001AAA"
C_BERT = "003000000000002AAA"
C_CARL = "003000000000003AAA"
OPP_1 = "006000000000001AAA"
OPP_2 = "006000000000002AAA"
OPP_3 = "006000000000003AAA"

ROWS: list[tuple[str, str, dict[str, Any], int]] = [
    (ADA, "User", {"Name": "Ada Admin", "Alias": "ada", "IsActive": True}, 0),
    (BOB, "User", {"Name": "Bob Builder", "Alias": "bob", "IsActive": False}, 0),
    (ACME, "Account", {"Name": "Acme Corp", "Industry": "Retail", "OwnerId": ADA,
                       "AnnualRevenue": 5_000_000, "SAP_CardCode__c": "C000001",
                       "CreatedDate": "2026-03-15T08:00:00.000+0000"}, 0),
    (GLOBEX, "Account", {"Name": "Globex 50% Ltd", "Industry": None, "OwnerId": BOB,
                         "AnnualRevenue": 750_000.5,
                         "CreatedDate": "2026-03-10T23:30:00.000+0000"}, 0),
    (INITECH, "Account", {"Name": "initech", "Industry": "Banking", "OwnerId": ADA,
                          "CreatedDate": "2026-01-31T10:00:00.000+0000"}, 0),
    (GONE, "Account", {"Name": "Gone Inc", "OwnerId": ADA, "IsDeleted": True,
                       "CreatedDate": "2025-12-01T00:00:00.000+0000"}, 1),
    (C_ANNA, "Contact", {"LastName": "Anna", "AccountId": ACME, "Email": "anna@acme.test"}, 0),
    (C_BERT, "Contact", {"LastName": "Bert", "AccountId": GLOBEX, "Email": None}, 0),
    (C_CARL, "Contact", {"LastName": "Carl", "Email": "carl_x@free.test"}, 0),
    (OPP_1, "Opportunity", {"Name": "Big deal", "AccountId": ACME, "OwnerId": BOB,
                            "StageName": "Prospecting", "CloseDate": "2026-01-31",
                            "Amount": 1000.0, "IsWon": False}, 0),
    (OPP_2, "Opportunity", {"Name": "Won deal", "AccountId": GLOBEX, "OwnerId": ADA,
                            "StageName": "Closed Won", "CloseDate": "2026-02-28",
                            "Amount": 250.5, "IsWon": True}, 0),
    (OPP_3, "Opportunity", {"Name": "Lonely deal", "OwnerId": ADA, "StageName": "Closed Lost",
                            "CloseDate": "2026-03-16", "IsWon": False}, 0),
]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    db = store.connect(Path(tmp_path_factory.mktemp("soql")))
    for record_id, sobject, data, deleted in ROWS:
        document = {"Id": record_id, "SystemModstamp": "2026-03-01T00:00:00.000+0000", **data}
        db.execute(
            "INSERT INTO records(id, sobject, data, is_deleted, system_modstamp) "
            "VALUES (?, ?, ?, ?, ?)",
            (record_id, sobject, orjson.dumps(document).decode(), deleted,
             document["SystemModstamp"]),
        )
    yield db
    db.close()


def query(conn: sqlite3.Connection, soql: str, **kw: Any) -> list[dict[str, Any]]:
    compiled = compile_query(soql, REGISTRY, today=TODAY, **kw)
    return [compiled.shape(row) for row in conn.execute(compiled.sql, compiled.params)]


def ids(conn: sqlite3.Connection, soql: str, **kw: Any) -> list[str]:
    return [str(r["Id"]) for r in query(conn, soql, **kw)]


def error_of(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as info:
        compile_query(soql, REGISTRY, today=TODAY)
    return info.value


# --- shapes -------------------------------------------------------------------------------


def test_records_carry_attributes_and_selected_fields_in_order_with_canonical_names(
    conn: sqlite3.Connection,
) -> None:
    records = query(conn, "select name, id, industry from ACCOUNT where id = '001000000000001'")
    assert records == [{
        "attributes": {"type": "Account",
                       "url": f"/services/data/v59.0/sobjects/Account/{ACME}"},
        "Name": "Acme Corp", "Id": ACME, "Industry": "Retail",
    }]
    assert list(records[0]) == ["attributes", "Name", "Id", "Industry"]


def test_id_is_returned_only_when_selected_and_url_follows_api_version(
    conn: sqlite3.Connection,
) -> None:
    records = query(conn, f"SELECT Name FROM Account WHERE Id = '{GLOBEX}'", api_version="62.0")
    assert records == [{"attributes": {"type": "Account",
                                       "url": f"/services/data/v62.0/sobjects/Account/{GLOBEX}"},
                        "Name": "Globex 50% Ltd"}]


def test_booleans_are_json_booleans_and_missing_values_are_null(
    conn: sqlite3.Connection,
) -> None:
    records = query(conn, "SELECT Alias, IsActive, Title FROM User ORDER BY Alias")
    assert [(r["Alias"], r["IsActive"], r["Title"]) for r in records] == [
        ("ada", True, None), ("bob", False, None)]


def test_parent_fields_nest_under_the_relationship_and_missing_parent_is_null(
    conn: sqlite3.Connection,
) -> None:
    records = query(conn, "SELECT Id, Account.Name, LastName, account.industry FROM Contact "
                          "ORDER BY LastName")
    assert records[0] == {
        "attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{C_ANNA}"},
        "Id": C_ANNA,
        "Account": {"attributes": {"type": "Account",
                                   "url": f"/services/data/v59.0/sobjects/Account/{ACME}"},
                    "Name": "Acme Corp", "Industry": "Retail"},
        "LastName": "Anna",
    }
    assert list(records[0]) == ["attributes", "Id", "Account", "LastName"]
    assert records[2]["Account"] is None


def test_owner_resolves_to_user_and_two_level_paths_join_twice(conn: sqlite3.Connection) -> None:
    records = query(conn, "SELECT Name, Owner.Alias, Account.Owner.Name, Account.Name "
                          "FROM Opportunity ORDER BY Name")
    assert [(r["Name"], r["Owner"]["Alias"], r["Account"] and r["Account"]["Owner"]["Name"])
            for r in records] == [
        ("Big deal", "bob", "Ada Admin"), ("Lonely deal", "ada", None),
        ("Won deal", "ada", "Bob Builder")]
    assert list(records[0]["Account"]) == ["attributes", "Owner", "Name"]


def test_flat_gives_dotted_columns_for_csv(conn: sqlite3.Connection) -> None:
    compiled = compile_query("SELECT Id, Account.Name, Account.Owner.Alias FROM Contact "
                             "ORDER BY LastName", REGISTRY)
    rows = [compiled.flat(r) for r in conn.execute(compiled.sql, compiled.params)]
    assert compiled.columns == ["Id", "Account.Name", "Account.Owner.Alias"]
    assert rows == [[C_ANNA, "Acme Corp", "ada"], [C_BERT, "Globex 50% Ltd", "bob"],
                    [C_CARL, None, None]]


# --- WHERE --------------------------------------------------------------------------------


def test_string_equality_is_case_insensitive(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account WHERE Name = 'ACME corp'") == [ACME]
    assert ids(conn, "SELECT Id FROM Account WHERE SAP_CardCode__c = 'c000001'") == [ACME]
    assert ids(conn, "SELECT Id FROM Account WHERE SAP_CardCode__c IN ('x', 'C000001')") == [ACME]


def test_not_equal_and_not_in_include_nulls_like_soql(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account WHERE Industry != 'Retail' ORDER BY Id") == [
        GLOBEX, INITECH]
    assert ids(conn, "SELECT Id FROM Account WHERE Industry <> 'Retail' ORDER BY Id") == [
        GLOBEX, INITECH]
    assert ids(conn, "SELECT Id FROM Account WHERE Industry NOT IN ('retail', 'Banking')") == [
        GLOBEX]
    assert ids(conn, "SELECT Id FROM Account WHERE NOT Industry = 'Retail' ORDER BY Id") == [
        GLOBEX, INITECH]


def test_null_comparisons(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account WHERE Industry = null") == [GLOBEX]
    assert ids(conn, "SELECT Id FROM Contact WHERE Email != NULL ORDER BY Id") == [C_ANNA, C_CARL]
    assert ids(conn, "SELECT Id FROM Contact WHERE AccountId = null") == [C_CARL]


def test_in_comparisons_and_numbers(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account WHERE Industry IN ('banking', 'Retail') "
                     "ORDER BY Id") == [ACME, INITECH]
    assert ids(conn, "SELECT Id FROM Account WHERE AnnualRevenue > 750000") == [ACME, GLOBEX]
    assert ids(conn, "SELECT Id FROM Account WHERE AnnualRevenue >= 750000.5 "
                     "AND AnnualRevenue < 5000000") == [GLOBEX]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE Amount <= 250.5") == [OPP_2]


def test_like_is_case_insensitive_with_wildcards_and_escapes(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account WHERE Name LIKE 'acme%'") == [ACME]
    assert ids(conn, "SELECT Id FROM Account WHERE Name LIKE '_nitech'") == [INITECH]
    assert ids(conn, "SELECT Id FROM Account WHERE Name LIKE '%50\\% L%'") == [GLOBEX]
    assert ids(conn, "SELECT Id FROM Contact WHERE Email LIKE 'carl\\_%'") == [C_CARL]
    assert ids(conn, "SELECT Id FROM Contact WHERE Email LIKE 'carlx%'") == []


def test_boolean_and_or_not_with_parentheses(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Opportunity WHERE IsWon = true") == [OPP_2]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE IsWon = FALSE ORDER BY Id") == [
        OPP_1, OPP_3]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE (IsWon = true OR Amount > 500) "
                     "AND NOT Name LIKE 'Won%'") == [OPP_1]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE NOT (Amount > 500 OR Amount < 300) "
                     "ORDER BY Id") == [OPP_3]


def test_parent_fields_filter(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Contact WHERE Account.Owner.Alias = 'ADA'") == [C_ANNA]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE Account.Name = null") == [OPP_3]


def test_date_and_datetime_literals_with_offsets(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Opportunity WHERE CloseDate = 2026-01-31") == [OPP_1]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-31 "
                     "ORDER BY Id") == [OPP_2, OPP_3]
    assert ids(conn, "SELECT Id FROM Account WHERE CreatedDate = 2026-01-31T10:00:00Z") == [
        INITECH]
    assert ids(conn, "SELECT Id FROM Account WHERE CreatedDate = "
                     "2026-01-31T12:00:00+02:00") == [INITECH]
    assert ids(conn, "SELECT Id FROM Account WHERE CreatedDate > 2026-03-11T00:00:00+01:00 "
                     "ORDER BY Id") == [ACME, GLOBEX]


def test_relative_date_literals(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account WHERE CreatedDate = TODAY") == [ACME]
    assert ids(conn, "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:5 "
                     "ORDER BY Id") == [ACME, GLOBEX]
    assert ids(conn, "SELECT Id FROM Account WHERE CreatedDate < LAST_N_DAYS:5") == [INITECH]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE CloseDate = TOMORROW") == [OPP_3]
    assert ids(conn, "SELECT Id FROM Opportunity WHERE CloseDate < YESTERDAY "
                     "ORDER BY Id") == [OPP_1, OPP_2]


def test_fifteen_character_ids_match(conn: sqlite3.Connection) -> None:
    assert ids(conn, f"SELECT Id FROM Contact WHERE AccountId = '{GLOBEX[:15]}'") == [C_BERT]
    assert ids(conn, f"SELECT Id FROM Contact WHERE Id IN ('{C_ANNA[:15]}', '{C_CARL}') "
                     "ORDER BY Id") == [C_ANNA, C_CARL]


def test_string_escapes(conn: sqlite3.Connection) -> None:
    compiled = compile_query("SELECT Id FROM Account WHERE Name = 'O\\'Brien \\\\ \\n'", REGISTRY)
    assert compiled.params == ["O'Brien \\ \n"]


# --- ORDER BY, LIMIT, OFFSET, COUNT, deleted rows -----------------------------------------


def test_order_by_directions_nulls_and_parent_fields(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account ORDER BY Name") == [ACME, GLOBEX, INITECH]
    assert ids(conn, "SELECT Id FROM Account ORDER BY Name DESC") == [INITECH, GLOBEX, ACME]
    assert ids(conn, "SELECT Id FROM Account ORDER BY Industry") == [GLOBEX, INITECH, ACME]
    assert ids(conn, "SELECT Id FROM Account ORDER BY Industry ASC NULLS LAST") == [
        INITECH, ACME, GLOBEX]
    assert ids(conn, "SELECT Id FROM Account ORDER BY Industry DESC NULLS FIRST") == [
        GLOBEX, ACME, INITECH]
    assert ids(conn, "SELECT Id FROM Opportunity ORDER BY Owner.Alias, Amount DESC") == [
        OPP_2, OPP_3, OPP_1]
    assert ids(conn, "SELECT Id FROM Opportunity ORDER BY Account.Name DESC") == [
        OPP_2, OPP_1, OPP_3]


def test_limit_and_offset(conn: sqlite3.Connection) -> None:
    assert ids(conn, "SELECT Id FROM Account ORDER BY Name LIMIT 2") == [ACME, GLOBEX]
    assert ids(conn, "SELECT Id FROM Account ORDER BY Name LIMIT 1 OFFSET 1") == [GLOBEX]
    assert ids(conn, "SELECT Id FROM Account ORDER BY Name OFFSET 2") == [INITECH]


def test_count_rows_and_count_field(conn: sqlite3.Connection) -> None:
    compiled = compile_query("SELECT COUNT() FROM Account WHERE Industry != null", REGISTRY)
    assert compiled.count_only
    (total,) = conn.execute(f"SELECT COUNT(*) FROM ({compiled.sql})", compiled.params).fetchone()
    assert total == 2
    aggregate = compile_query("SELECT COUNT(Id) FROM Contact", REGISTRY)
    assert not aggregate.count_only
    assert [aggregate.shape(r) for r in conn.execute(aggregate.sql, aggregate.params)] == [
        {"attributes": {"type": "AggregateResult"}, "expr0": 3}]
    aliased = compile_query("SELECT COUNT(Email) n FROM Contact", REGISTRY)
    assert [aliased.shape(r) for r in conn.execute(aliased.sql, aliased.params)] == [
        {"attributes": {"type": "AggregateResult"}, "n": 2}]


def test_deleted_rows_only_with_include_deleted(conn: sqlite3.Connection) -> None:
    assert GONE not in ids(conn, "SELECT Id FROM Account")
    records = query(conn, "SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true",
                    include_deleted=True)
    assert records == [{"attributes": {"type": "Account",
                                       "url": f"/services/data/v59.0/sobjects/Account/{GONE}"},
                        "Id": GONE, "IsDeleted": True}]


def test_keywords_are_valid_object_and_field_names() -> None:
    compiled = compile_query("SELECT Id, OrderNumber FROM Order ORDER BY OrderNumber", REGISTRY)
    assert compiled.sobject == "Order"
    assert compiled.columns == ["Id", "OrderNumber"]


def test_query_result_is_compiled_query() -> None:
    assert isinstance(compile_query("SELECT Id FROM Lead", REGISTRY), CompiledQuery)


# --- errors -------------------------------------------------------------------------------


def test_unknown_object_is_invalid_type() -> None:
    error = error_of("SELECT Id FROM Foo")
    assert error.error_code == "INVALID_TYPE"
    assert error.message.startswith(
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\n"
        "sObject type 'Foo' is not supported.")


def test_unknown_field_is_invalid_field_with_excerpt() -> None:
    error = error_of("SELECT Foo FROM Account")
    assert error.error_code == "INVALID_FIELD"
    assert error.message.startswith(
        "\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\n"
        "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom field")


def test_unknown_field_in_where_and_on_parent() -> None:
    error = error_of("SELECT Id FROM Contact WHERE Account.Nope = 'x'")
    assert error.error_code == "INVALID_FIELD"
    assert "No such column 'Nope' on entity 'Account'" in error.message
    error = error_of("SELECT Id, Boss.Name FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert "Didn't understand relationship 'Boss' in field path" in error.message


@pytest.mark.parametrize("soql, fragment", [
    ("SELECT Id FROM", "unexpected token: <EOF>"),
    ("SELECT Id FROMX Account", "unexpected token: 'FROMX'"),
    ("SELECT FROM Account", "unexpected token: 'Account'"),
    ("SELECT Id FROM Account WHERE Name = 'open", "ERROR at Row:1:Column:37"),
    ("SELECT Id FROM Account LIMIT x", "unexpected token: 'x'"),
    ("SELECT Id FROM Account WHERE CreatedDate > 2026-02-30T00:00:00Z", "2026-02-30"),
    ("SELECT Id, Name, Name FROM Account", "duplicate field selected: Name"),
    ("SELECT COUNT(), Name FROM Account", "Field must be grouped or aggregated: Name"),
])
def test_malformed_queries(soql: str, fragment: str) -> None:
    error = error_of(soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert fragment in error.message


@pytest.mark.parametrize("soql, message", [
    ("SELECT Id FROM Account WHERE Name = 5",
     "value of filter criterion for field 'Name' must be of type string and should be "
     "enclosed in quotes"),
    ("SELECT Id FROM Account WHERE AnnualRevenue = '5'",
     "value of filter criterion for field 'AnnualRevenue' must be of type double and should "
     "not be enclosed in quotes"),
    ("SELECT Id FROM Account WHERE CreatedDate > 2026-01-01",
     "value of filter criterion for field 'CreatedDate' must be of type dateTime and should "
     "not be enclosed in quotes"),
    ("SELECT Id FROM Opportunity WHERE IsWon = 'true'",
     "value of filter criterion for field 'IsWon' must be of type boolean and should not be "
     "enclosed in quotes"),
])
def test_literal_of_the_wrong_type_is_invalid_field(soql: str, message: str) -> None:
    error = error_of(soql)
    assert error.error_code == "INVALID_FIELD"
    assert error.message.endswith(message)
