"""Bad configuration is refused or reported with a specific message before any data moves.

A sync is started with one thing wrong; the run must not succeed, must say what is wrong,
and neither sandbox may have counted a single data write (its route counters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rel_world import World, data_writes, open_world
from report import Figures
from typer.testing import CliRunner

from b1hub.cli import app
from b1hub.objects.udfs import create_udfs
from b1hub.sandbox.process import free_port
from b1hub.store.types import InitStatus, RunStatus, ScheduleKind
from b1hub.sync import api
from b1hub.web.services.errors import InvalidInput
from b1hub.web.services.schedules import ScheduleInput, set_schedule

QUICK = {"retry": {"attempts": 2, "total_seconds": 3.0},
         "http": {"connect_timeout": 2.0, "read_timeout": 5.0}}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("bad-config")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        with open_world(tmp / "sandbox", "default", customers=20, items=10) as opened:
            assert api.initialize(opened.hub, "account").status is InitStatus.DONE
            # Work waiting to be written: a new marked customer.
            with opened.hub.repos() as repos:
                from b1hub.store.repositories import SelectionEntry
                repos.selections.mark("account", [SelectionEntry(opened.all_customers[-1],
                                                                 "Customer - Direct")])
            yield opened


def _sap(world: World, **changes: Any) -> Callable[[], None]:
    good = world.hub.service_layer_connection()
    world.hub.save_connection(good.model_copy(update=changes))
    return lambda: world.hub.save_connection(good)


def _sf(world: World, **changes: Any) -> Callable[[], None]:
    good = world.hub.salesforce_connection()
    world.hub.save_connection(good.model_copy(update=changes))
    return lambda: world.hub.save_connection(good)


def _quick(conn: Any) -> dict[str, Any]:
    return {"retry": conn.retry.__class__(**QUICK["retry"]),
            "http": conn.http.model_copy(update=QUICK["http"])}


def _wrong_sap_password(world: World) -> Callable[[], None]:
    conn = world.hub.service_layer_connection()
    return _sap(world, password=type(conn.password)("wrong-password"), **_quick(conn))


def _wrong_sf_secret(world: World) -> Callable[[], None]:
    conn = world.hub.salesforce_connection()
    return _sf(world, password=type(conn.password)("wrong-password"), **_quick(conn))


def _unreachable_sap(world: World) -> Callable[[], None]:
    conn = world.hub.service_layer_connection()
    return _sap(world, url=f"https://127.0.0.1:{free_port()}/b1s/v2", **_quick(conn))


def _untrusted_salesforce(world: World) -> Callable[[], None]:
    conn = world.hub.salesforce_connection()
    other = Path(world.proc.data_dir).parent / "other-ca.pem"
    other.write_text(_self_signed_ca())
    return _sf(world, ca_cert=other, **_quick(conn))


def _missing_external_id(world: World) -> Callable[[], None]:
    """An administrator deleted the field b1hub finds and upserts accounts by."""
    field = {"sobject": "Account", "name": "SAP_CardCode__c"}
    assert world.sf_admin.request("DELETE", "/_sandbox/fields", json=field).status_code == 200

    def restore() -> None:
        made = world.sf_admin.post("/_sandbox/fields", json={
            **field, "type": "string", "length": 15, "label": "SAP CardCode",
            "external_id": True, "unique": True})
        assert made.status_code == 201, made.text
    return restore


def _missing_udf(name: str) -> Callable[[World], Callable[[], None]]:
    """One of the hub's UDFs on business partners removed in SAP (UserFieldsMD)."""
    def breaks(world: World) -> Callable[[], None]:
        with world.hub.service_layer() as sl:
            [row] = [r for page in sl.iter_pages("UserFieldsMD", filter="TableName eq 'OCRD'")
                     if isinstance(page, list) for r in page if r["Name"] == name]
            gone = sl.transport.send("DELETE", f"UserFieldsMD(TableName='OCRD',"
                                     f"FieldID={row['FieldID']})", kind="delete",
                                     idempotent=True)
        assert gone.status_code == 204, gone.text

        def restore() -> None:
            with world.hub.service_layer() as sl:
                assert create_udfs(sl) == [f"OCRD.U_{name}"]
        return restore
    return breaks


def _self_signed_ca() -> str:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not the sandbox CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


CASES: list[tuple[str, Callable[[World], Callable[[], None]], tuple[str, ...]]] = [
    ("wrong SAP password", _wrong_sap_password, ("SAP", "log")),
    ("wrong Salesforce password", _wrong_sf_secret, ("Salesforce",)),
    # These two pause as an outage would, the message naming the cause and the remedy.
    ("unreachable SAP host", _unreachable_sap, ("nothing listens there",)),
    ("untrusted Salesforce certificate", _untrusted_salesforce,
     ("TLS certificate not trusted",)),
    # Missing setup in either system: the run fails naming it (no pause: no later run
    # gets past it by itself), found before the first write of either side.
    ("missing external id field", _missing_external_id,
     ("Salesforce lacks Account.SAP_CardCode__c (field does not exist), the external id",)),
    ("missing UDF written with each partner", _missing_udf("B1H_STATUS"),
     ("SAP table OCRD lacks the hub's user-defined fields U_B1H_STATUS; run `b1hub "
      "activate`",)),
    ("missing UDF read with each partner", _missing_udf("B1H_SFID"),
     ("SAP table OCRD lacks the hub's user-defined fields U_B1H_SFID; run `b1hub "
      "activate`",)),
]


def _attempt(world: World) -> str:
    try:
        summary = api.run_object(world.hub, "account")
    except Exception as exc:  # refused before the run: the message is the report
        return f"{type(exc).__name__}: {exc}"
    assert summary.status is not RunStatus.SUCCEEDED, summary
    return summary.message or ""


@pytest.mark.parametrize(("name", "breaks", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_configuration_moves_no_data(world: World, figures: Figures, name: str,
                                         breaks: Callable[[World], Callable[[], None]],
                                         words: tuple[str, ...]) -> None:
    restore = breaks(world)
    try:
        world.reset_counters()
        message = _attempt(world)
        sl, sf = world.counters()
    finally:
        restore()
    figures.record("Bad configuration", **{name.replace(" ", "_"): message[:160]})
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)
    assert any(w.lower() in message.lower() for w in words), message


def test_an_unreachable_sap_host_pauses_the_run_saying_nothing_listens(world: World) -> None:
    port = free_port()
    conn = world.hub.service_layer_connection()
    world.reset_counters()
    restore = _sap(world, url=f"https://127.0.0.1:{port}/b1s/v2", **_quick(conn))
    try:
        summary = api.run_object(world.hub, "account")
    finally:
        restore()
    assert (summary.status, summary.created, summary.updated) == (RunStatus.PAUSED, 0, 0)
    assert summary.message == (
        f"paused: Service Layer login failed: connection refused at 127.0.0.1:{port}: "
        "nothing listens there — check host and port; the next run resumes from the "
        "checkpoint")
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def test_an_untrusted_salesforce_certificate_pauses_the_run_naming_the_ca(world: World) -> None:
    world.reset_counters()
    restore = _untrusted_salesforce(world)
    other = world.hub.salesforce_connection().ca_cert
    try:
        summary = api.run_object(world.hub, "account")
    finally:
        restore()
    assert (summary.status, summary.created, summary.updated) == (RunStatus.PAUSED, 0, 0)
    message = summary.message or ""
    assert message.startswith("paused: Salesforce token request failed: TLS certificate not "
                              "trusted ("), message
    assert message.endswith(
        f"the server's certificate is not signed by the CA in {other} — pass --ca-cert with "
        "the CA that signed it; the next run resumes from the checkpoint"), message
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


CLI_SCHEDULES = [
    (["--every", "0m"], "the interval must be between 1 minute and 24 hours"),
    (["--daily", "24:30"], "invalid time '24:30'; use HH:MM (24-hour)"),
    (["--every", "15m", "--between", "19:00-07:00"], "the window must start before it ends"),
    (["--weekly", "mon,xyz@09:00"], "unknown weekday in 'mon,xyz'; use mon..sun"),
]
API_SCHEDULES = [
    (ScheduleInput(ScheduleKind.INTERVAL), "the interval must be between 1 minute and 24 hours"),
    (ScheduleInput(ScheduleKind.WEEKLY, dt.time(9), [7]),
     "unknown weekday number 7; use 0 (mon) to 6 (sun)"),
    (ScheduleInput(ScheduleKind.DAILY, dt.time(9), window_start=dt.time(8),
                   window_end=dt.time(18)),
     "a time window applies to 'every N minutes' schedules only"),
    (ScheduleInput(ScheduleKind.DAILY), "a daily schedule needs a time of day (HH:MM)"),
]


@pytest.mark.parametrize(("given", "message"), [
    *[pytest.param(args, text, id="cli " + " ".join(args)) for args, text in CLI_SCHEDULES],
    *[pytest.param(given, text, id=f"api {text[:30]}") for given, text in API_SCHEDULES],
])
def test_an_invalid_schedule_is_refused_naming_why_and_nothing_runs(
    world: World, figures: Figures, given: list[str] | ScheduleInput, message: str,
) -> None:
    world.reset_counters()
    with world.hub.repos() as repos:
        runs_before = len(repos.runs.recent(limit=1000))
    if isinstance(given, list):
        done = CliRunner().invoke(app, ["schedule", "account", *given])
        assert done.exit_code == 2, done.output
        said = done.stderr.strip()
    else:
        with pytest.raises(InvalidInput) as refused:
            set_schedule(world.hub, "account", given, "tests")
        said = str(refused.value)
    figures.record("Bad configuration", **{"invalid_schedule_" + (
        "_".join(given) if isinstance(given, list) else given.kind.value): said[:160]})
    assert message in said, said
    with world.hub.repos() as repos:
        assert repos.schedules.get("account") is None  # nothing stored
        assert len(repos.runs.recent(limit=1000)) == runs_before  # nothing run
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)
