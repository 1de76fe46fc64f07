"""The checkpoint never passes a record that is still in flight."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b1hub.sync.checkpoint import CheckpointTracker, Position, parse_utc, read_from


def pos(second: int, key: str) -> Position:
    return Position(f"2026-11-25T10:00:{second:02d}Z", key)


def test_checkpoint_stays_at_start_until_the_first_record_is_done() -> None:
    start = pos(0, "C0")
    tracker = CheckpointTracker(start=start)
    tracker.observe(pos(1, "C1"))
    tracker.observe(pos(2, "C2"))
    tracker.done(pos(2, "C2"))
    assert tracker.checkpoint() == start
    tracker.done(pos(1, "C1"))
    assert tracker.checkpoint() == pos(2, "C2")
    assert tracker.pending == 0


def test_ties_on_timestamp_are_ordered_by_key() -> None:
    tracker = CheckpointTracker(start=None)
    tracker.observe(pos(5, "C1"))
    tracker.observe(pos(5, "C2"))
    tracker.done(pos(5, "C1"))
    assert tracker.checkpoint() == pos(5, "C1")


def test_out_of_order_reads_are_refused() -> None:
    tracker = CheckpointTracker(start=None)
    tracker.observe(pos(5, "C2"))
    with pytest.raises(ValueError, match="ordered by"):
        tracker.observe(pos(4, "C9"))


@given(
    st.lists(st.tuples(st.integers(0, 59), st.sampled_from("ABCDE")), min_size=1, unique=True),
    st.data(),
)
def test_checkpoint_is_the_longest_finished_prefix(
    raw: list[tuple[int, str]], data: st.DataObject
) -> None:
    positions = sorted(pos(s, k) for s, k in raw)
    finished = data.draw(st.sets(st.sampled_from(positions)))
    tracker = CheckpointTracker(start=None)
    for p in positions:
        tracker.observe(p)
    for p in finished:
        tracker.done(p)
    prefix = 0
    while prefix < len(positions) and positions[prefix] in finished:
        prefix += 1
    expected = positions[prefix - 1] if prefix else None
    assert tracker.checkpoint() == expected
    # every record after the checkpoint is re-read next time: nothing unfinished is skipped
    assert all(p in finished for p in positions[:prefix])


@pytest.mark.parametrize(
    "text",
    ["2026-11-25T10:00:00Z", "2026-11-25T10:00:00.000+0000", "2026-11-25T11:00:00+01:00"],
)
def test_parse_utc_accepts_both_systems_formats(text: str) -> None:
    assert parse_utc(text) == dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)


def test_next_read_starts_one_overlap_before_the_checkpoint() -> None:
    start = read_from(pos(30, "C1"), dt.timedelta(seconds=30))
    assert start == dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=dt.UTC)
    assert read_from(None, dt.timedelta(minutes=5)) is None
