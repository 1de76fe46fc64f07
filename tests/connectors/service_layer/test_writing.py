"""Single and $batch writes: one outcome per record, in input order, with remote codes."""

from __future__ import annotations

import httpx

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import RecordError, Success
from b1hub.connectors.service_layer import ServiceLayerClient, ServiceLayerConnection


def bp(code: str, name: str = "Batch BP") -> dict[str, object]:
    return {"CardCode": code, "CardName": name, "CardType": "cCustomer"}


def test_batch_gives_one_outcome_per_record_and_a_bad_one_rolls_back_nothing_else(
    sl_client: ServiceLayerClient, sl_admin: httpx.Client, prefix: str
) -> None:
    records = [
        WriteRecord("a", bp(f"{prefix}A")),
        WriteRecord("no-code", {"CardName": "No code"}),
        WriteRecord("b", bp(f"{prefix}B")),
        WriteRecord("dup", bp("C000001")),
        WriteRecord("bad-prop", {**bp(f"{prefix}C"), "NoSuchField": 1}),
        WriteRecord("d", bp(f"{prefix}D")),
    ]
    sl_admin.delete("/_sandbox/counters")
    outcomes = sl_client.write_batch("BusinessPartners", "create", records)
    assert [o.key for o in outcomes] == [r.key for r in records]
    assert [type(o).__name__ for o in outcomes] == [
        "Success", "RecordError", "Success", "RecordError", "RecordError", "Success"]
    errors = {o.key: (o.code, o.status) for o in outcomes if isinstance(o, RecordError)}
    assert errors == {"no-code": ("-5002", 400), "dup": ("-10", 400),
                      "bad-prop": ("-1000", 400)}
    assert [o.remote_id for o in outcomes if isinstance(o, Success)] == [
        f"{prefix}A", f"{prefix}B", f"{prefix}D"]
    # 1 call if the server continues after a failed changeset; the sandbox stops at the
    # first failure, so each error costs one more call for the records after it.
    batches = sl_admin.get("/_sandbox/counters").json()["routes"]["POST $batch"]
    assert batches in (1, 1 + len(errors))
    found = sl_client.get("BusinessPartners", f"{prefix}B", select=["CardName"])
    assert isinstance(found, Success) and found.data and found.data["CardName"] == "Batch BP"


def test_upsert_updates_existing_and_creates_missing(
    sl_client: ServiceLayerClient, prefix: str
) -> None:
    assert isinstance(sl_client.create("BusinessPartners", bp(f"{prefix}E"), "e"), Success)
    outcomes = sl_client.write_batch("BusinessPartners", "upsert", [
        WriteRecord("e", {"CardCode": f"{prefix}E", "CardName": "Updated"}),
        WriteRecord("f", bp(f"{prefix}F", "Created")),
    ])
    assert outcomes == [Success("e", f"{prefix}E", False, None),
                        Success("f", f"{prefix}F", True, None)]
    names = {code: sl_client.get("BusinessPartners", code, ["CardName"])
             for code in (f"{prefix}E", f"{prefix}F")}
    assert {c: o.data["CardName"] for c, o in names.items()
            if isinstance(o, Success) and o.data} == {f"{prefix}E": "Updated",
                                                      f"{prefix}F": "Created"}


def test_single_writes_and_their_errors(sl_client: ServiceLayerClient, prefix: str) -> None:
    created = sl_client.create("BusinessPartners", bp(f"{prefix}G"), "g", return_content=True)
    assert isinstance(created, Success) and created.created is True
    assert created.data is not None and created.data["CardName"] == "Batch BP"
    assert sl_client.update("BusinessPartners", f"{prefix}G", {"CardName": "G2"}) == Success(
        f"{prefix}G", f"{prefix}G", False, None)
    too_long = sl_client.update("BusinessPartners", f"{prefix}G", {"CardName": "x" * 101})
    assert isinstance(too_long, RecordError) and too_long.status == 400
    assert "Value too long" in too_long.message
    assert isinstance(sl_client.delete("BusinessPartners", f"{prefix}G"), Success)
    gone = sl_client.delete("BusinessPartners", f"{prefix}G")
    assert isinstance(gone, RecordError) and (gone.code, gone.status) == ("-2028", 404)


def test_replace_collections_on_patch(sl_client: ServiceLayerClient, prefix: str) -> None:
    code = f"{prefix}H"
    body = {**bp(code), "ContactEmployees": [{"Name": "A"}, {"Name": "B"}]}
    assert isinstance(sl_client.create("BusinessPartners", body, "h"), Success)
    replaced = sl_client.update("BusinessPartners", code, {"ContactEmployees": [{"Name": "C"}]},
                                replace_collections=True)
    assert isinstance(replaced, Success)
    got = sl_client.get("BusinessPartners", code, ["ContactEmployees"])
    assert isinstance(got, Success) and got.data is not None
    assert [c["Name"] for c in got.data["ContactEmployees"]] == ["C"]


def test_v1_errors_are_parsed(sl_conn: ServiceLayerConnection) -> None:
    conn = sl_conn.model_copy(update={"url": sl_conn.url.replace("/v2", "/v1")})
    with ServiceLayerClient(conn) as client:
        missing = client.get("BusinessPartners", "NOPE-NOT-HERE")
    assert isinstance(missing, RecordError)
    assert (missing.code, missing.status) == ("-2028", 404)
    assert missing.message.startswith("No matching records found")
