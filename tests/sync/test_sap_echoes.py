"""The read after a run's own write-back passes over records only our stamp changed.

It must never pass over a record someone else changed meanwhile: the fingerprint covers
every field read. It lives in the link's base, so the overlap re-read of the next run is
passed over as well: the record still holds exactly what was synced.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from b1hub.connectors.base import WriteRecord
from b1hub.objects import udfs
from b1hub.store.models import Link
from b1hub.sync.records import sync_stamp
from b1hub.sync.sap_pass import ECHO, Planned, _expect_echoes, _own_echo
from b1hub.sync.writer import Written

SF_ID = "001000000000001AAA"


def _read(**changes: Any) -> dict[str, Any]:
    return {"CardCode": "C1", "CardName": "Acme", "Phone1": "555", udfs.SFID: None,
            "UpdateDate": "2026-11-25T00:00:00Z", "UpdateTime": "10:00:00", **changes}


def _after_write_back(stamp: dict[str, Any] | None = None) -> Link:
    """The link as the pass saves it: its base carries the plan's fingerprint, if any."""
    raw = _read()
    plan = Planned("C1", cast(Any, None), {}, None, raw=raw)
    raw["__sf_id"] = SF_ID  # set by the pass on the record it read
    body = stamp if stamp is not None else sync_stamp(SF_ID)
    _expect_echoes([plan], [WriteRecord("C1", body, "C1")], {"C1": Written("C1")})
    base = {"name": "Acme", **({ECHO: plan.echo} if plan.echo else {})}
    return cast(Link, SimpleNamespace(base_values=base))


def test_a_record_changed_only_by_our_stamp_is_passed_over() -> None:
    link = _after_write_back()
    echo = _read(**{udfs.SFID: SF_ID, "UpdateTime": "10:00:05"})
    assert _own_echo(link, echo) is True
    assert _own_echo(link, echo) is True  # the next run's overlap re-read, unchanged
    assert _own_echo(link, {**echo, "CardName": "Acme Ltd"}) is False  # a later change


def test_a_record_someone_changed_after_our_write_is_processed() -> None:
    link = _after_write_back()
    assert _own_echo(link, _read(**{udfs.SFID: SF_ID, "Phone1": "556"})) is False


def test_a_write_back_carrying_mapped_values_is_not_taken_for_an_echo() -> None:
    link = _after_write_back({**sync_stamp(SF_ID), "Phone1": "556"})
    assert _own_echo(link, _read(**{udfs.SFID: SF_ID, "Phone1": "556"})) is False


def test_without_a_link_nothing_is_an_echo() -> None:
    assert _own_echo(None, _read(**{udfs.SFID: SF_ID})) is False
