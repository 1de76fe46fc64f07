"""`b1hub schedule` and `b1hub sync --queue` as a user types them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from b1hub.cli import app
from b1hub.hub import Hub
from b1hub.objects.registry import dependency_order

runner = CliRunner()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_schedules_are_set_listed_and_shown_in_company_time(hub: Hub) -> None:
    with hub.repos() as repos:
        repos.settings.set("time_zone", "Europe/Berlin")
    line = ok("schedule", "account", "--daily", "09:30")
    assert line.startswith("account: every day at 09:30 (Europe/Berlin); next run ")
    ok("schedule", "products", "--every", "15m", "--between", "08:00-18:00", "--days", "mon-fri")
    listed = json.loads(ok("schedule", "list", "--json"))
    assert [(s["object"], s["schedule"]) for s in listed] == [
        ("account", "every day at 09:30 (Europe/Berlin)"),
        ("product", "every 15 min between 08:00-18:00, mon,tue,wed,thu,fri (Europe/Berlin)"),
    ]
    account = listed[0]
    assert account["next_run_local"][11:16] == "09:30"
    assert account["next_run_local"][-6:] in ("+01:00", "+02:00")
    utc_hour = {"+01:00": "08:30", "+02:00": "07:30"}[account["next_run_local"][-6:]]
    assert account["next_run_utc"][11:16] == utc_hour
    table = ok("schedule", "list")
    assert "account" in table and "09:30" in table and "UTC" in table
    assert json.loads(ok("schedule", "account", "--never", "--json"))["next_run_utc"] is None


def test_weekly_schedule(hub: Hub) -> None:
    shown = json.loads(ok("schedule", "account", "--weekly", "mon,thu@06:15", "--json"))
    assert shown["schedule"] == "mon,thu at 06:15 (UTC)"
    assert shown["next_run_utc"][11:16] == "06:15"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--daily", "25:99"], "invalid time '25:99'; use HH:MM (24-hour)"),
        (["--every", "15x"], "invalid interval '15x'; use e.g. 15m or 2h"),
        (["--daily", "09:00", "--every", "15m"], "choose exactly one of --daily, --weekly"),
        ([], "choose exactly one of --daily, --weekly"),
        (["--daily", "09:00", "--days", "mon"], "--between and --days go with --every"),
        (["--every", "15m", "--between", "18:00-08:00"], "the window must start before it ends"),
        (["--weekly", "mon,funday@09:00"], "unknown weekday"),
        (["--weekly", "mon"], "invalid weekly schedule 'mon'; use e.g. mon,thu@09:30"),
    ],
)
def test_invalid_schedules_exit_2_with_one_clear_line(
    hub: Hub, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["schedule", "account", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    with hub.repos() as repos:
        assert repos.schedules.get("account") is None  # nothing stored


def test_unknown_object_is_refused(hub: Hub) -> None:
    result = runner.invoke(app, ["schedule", "widgets", "--daily", "09:00"])
    assert result.exit_code == 2
    assert "unknown object 'widgets'" in result.stderr


def test_sync_queue_enqueues_once_and_joins_after(hub: Hub) -> None:
    first = json.loads(ok("sync", "account", "--queue", "--json"))
    again = json.loads(ok("sync", "accounts", "--queue", "--json"))
    assert first == [{"object": "account", "run_id": first[0]["run_id"], "joined": False,
                      "status": "queued"}]
    assert again == [{**first[0], "joined": True}]
    assert ok("sync", "account", "--queue").startswith(
        f"account: joined run {first[0]['run_id']} (queued)"
    )
    everything = json.loads(ok("sync", "all", "--queue", "--json"))
    in_order = [spec.name for spec in dependency_order()]
    assert [(r["object"], r["joined"]) for r in everything] == [
        (name, name == "account") for name in in_order
    ]
    with hub.repos() as repos:
        assert [r.object for r in repos.runs.active()] == in_order
