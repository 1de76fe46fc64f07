"""Three-way merge: no edit lost unless the policy overrode it, and it is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b1hub.sync.merge import ConflictPolicy, Side, merge

T0 = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)


def test_one_sided_edits_flow_to_the_other_side() -> None:
    r = merge(
        {"Name": "Acme", "Phone": "1"},
        sap={"Name": "Acme Corp", "Phone": "1"},
        salesforce={"Name": "Acme", "Phone": "2"},
        policy=ConflictPolicy.REVIEW,
    )
    assert not r.held and r.conflicts == []
    assert r.to_salesforce == {"Name": "Acme Corp"}
    assert r.to_sap == {"Phone": "2"}


def test_nothing_changed_writes_nothing() -> None:
    same = {"Name": "Acme", "Phone": "1"}
    r = merge(same, sap=dict(same), salesforce=dict(same), policy=ConflictPolicy.SAP_WINS)
    assert r.to_sap == {} and r.to_salesforce == {}


@pytest.mark.parametrize(
    ("policy", "sap_time", "sf_time", "expected", "winner"),
    [
        (ConflictPolicy.SAP_WINS, T0, T0, "from-sap", Side.SAP),
        (ConflictPolicy.SALESFORCE_WINS, T0, T0, "from-sf", Side.SALESFORCE),
        (ConflictPolicy.NEWEST_WINS, T0, T0 + dt.timedelta(seconds=1), "from-sf", Side.SALESFORCE),
        (ConflictPolicy.NEWEST_WINS, T0 + dt.timedelta(seconds=1), T0, "from-sap", Side.SAP),
    ],
)
def test_policies_pick_the_documented_winner(
    policy: ConflictPolicy, sap_time: dt.datetime, sf_time: dt.datetime, expected: str,
    winner: Side,
) -> None:
    r = merge(
        {"Name": "base"},
        sap={"Name": "from-sap"},
        salesforce={"Name": "from-sf"},
        policy=policy,
        sap_modified=sap_time,
        salesforce_modified=sf_time,
    )
    assert r.values["Name"] == expected
    assert [c.winner for c in r.conflicts] == [winner]


def test_review_holds_the_record_and_writes_nothing() -> None:
    r = merge(
        {"Name": "base", "Phone": "1"},
        sap={"Name": "a", "Phone": "2"},
        salesforce={"Name": "b", "Phone": "1"},
        policy=ConflictPolicy.REVIEW,
    )
    assert r.held and r.to_sap == {} and r.to_salesforce == {}
    assert [(c.field, c.sap, c.salesforce, c.winner) for c in r.conflicts] == [
        ("Name", "a", "b", None)
    ]


def test_owned_fields_are_only_written_by_their_owner() -> None:
    r = merge(
        {"Name": "base", "CreditLimit": 10},
        sap={"Name": "base", "CreditLimit": 10},
        salesforce={"Name": "base", "CreditLimit": 99},
        policy=ConflictPolicy.SALESFORCE_WINS,
        owners={"CreditLimit": Side.SAP},
    )
    assert r.to_sap == {}
    assert r.to_salesforce == {"CreditLimit": 10}


values = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["a", "b", "c"]))
records = st.fixed_dictionaries({k: values for k in ("f1", "f2", "f3")})


@given(records, records, records, st.sampled_from(list(ConflictPolicy)[:3]))
def test_merge_converges_and_loses_only_logged_edits(
    base: dict[str, Any], sap: dict[str, Any], sf: dict[str, Any], policy: ConflictPolicy
) -> None:
    r = merge(base, sap=sap, salesforce=sf, policy=policy, sap_modified=T0,
              salesforce_modified=T0)
    new_sap = {**sap, **r.to_sap}
    new_sf = {**sf, **r.to_salesforce}
    assert new_sap == new_sf == r.values  # both sides converge
    overridden = {c.field for c in r.conflicts}
    for name in base:
        if sap[name] != base[name] and r.values[name] != sap[name]:
            assert name in overridden  # a lost SAP edit is always a logged conflict
        if sf[name] != base[name] and r.values[name] != sf[name]:
            assert name in overridden
    # a second merge against the new base is quiet
    again = merge(r.values, sap=new_sap, salesforce=new_sf, policy=policy)
    assert again.to_sap == {} and again.to_salesforce == {} and again.conflicts == []
