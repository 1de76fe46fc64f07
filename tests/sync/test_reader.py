"""Where a read starts: inside the overlap window after a recent read, strictly after the
last finished record once that window has passed (a quiet run is one empty request)."""

from __future__ import annotations

import datetime as dt

from b1hub.connectors.base import Checkpoint
from b1hub.sync.checkpoint import Position
from b1hub.sync.reader import cursor_after, read_start, salesforce_clock, sap_clock

MINUTE = dt.timedelta(seconds=60)


def test_no_cursor_reads_everything() -> None:
    assert read_start(None, MINUTE, salesforce_clock()) is None


def test_overlap_passed_since_the_last_read_continues_strictly_after_the_position() -> None:
    cursor = {"timestamp": "2026-03-01T10:00:00.000+0000", "key": "001A",
              "read_at": "2026-03-01T10:05:00+00:00"}
    assert read_start(cursor, MINUTE, salesforce_clock()) == Checkpoint(
        "2026-03-01T10:00:00.000+0000", "001A")


def test_read_within_the_overlap_rereads_from_read_time_minus_overlap() -> None:
    cursor = {"timestamp": "2026-03-01T10:00:00.000+0000", "key": "001A",
              "read_at": "2026-03-01T10:00:30+00:00"}
    assert read_start(cursor, MINUTE, salesforce_clock()) == Checkpoint(
        "2026-03-01T09:59:30.000+0000", "")


def test_without_read_time_the_overlap_counts_back_from_the_position() -> None:
    cursor = {"timestamp": "2026-03-01T10:00:00.000+0000", "key": "001A"}
    assert read_start(cursor, MINUTE, salesforce_clock()) == Checkpoint(
        "2026-03-01T09:59:00.000+0000", "")


def test_sap_positions_are_company_time_and_the_floor_is_formatted_back_into_it() -> None:
    clock = sap_clock("Europe/Berlin")  # UTC+1 in March
    recent = {"timestamp": "2026-03-01T11:00:00", "key": "C1",
              "read_at": "2026-03-01T10:00:20+00:00"}
    assert read_start(recent, MINUTE, clock) == Checkpoint("2026-03-01T10:59:20", "")
    later = {**recent, "read_at": "2026-03-01T10:01:00+00:00"}
    assert read_start(later, MINUTE, clock) == Checkpoint("2026-03-01T11:00:00", "C1")


def test_cursor_after_keeps_the_previous_cursor_when_nothing_finished() -> None:
    previous = {"timestamp": "t", "key": "k", "read_at": "r"}
    assert cursor_after(None, None, previous) is previous


def test_cursor_after_records_read_time_only_for_a_completed_read() -> None:
    position = Position("2026-03-01T10:00:00.000+0000", "001B")
    previous = {"timestamp": "x", "key": "y", "read_at": "2026-03-01T09:00:00+00:00"}
    mid_read = cursor_after(position, None, previous)
    assert mid_read == {"timestamp": position.timestamp, "key": "001B",
                        "read_at": "2026-03-01T09:00:00+00:00"}
    read_at = dt.datetime(2026, 3, 1, 10, 1, tzinfo=dt.UTC)
    assert cursor_after(position, read_at, previous)["read_at"] == read_at.isoformat()  # type: ignore[index]
