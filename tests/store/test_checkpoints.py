"""Checkpoints: saved per object and direction, overwritten in place, reset on demand."""

from __future__ import annotations

from b1hub.store import Store
from b1hub.store.repositories import Repositories
from b1hub.store.types import Direction

CURSOR = {"UpdateDate": "2026-03-01", "UpdateTime": "10:15:00", "key": "C000042"}


def test_checkpoint_save_load_overwrite_and_reset(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        checkpoints = Repositories(session, default).checkpoints
        assert checkpoints.load("account", Direction.SAP_TO_SALESFORCE) is None
        checkpoints.save("account", Direction.SAP_TO_SALESFORCE, CURSOR)
        checkpoints.save(
            "account", Direction.SALESFORCE_TO_SAP, {"SystemModstamp": "2026-03-01T10:00Z"}
        )
    with store.transaction() as session:
        checkpoints = Repositories(session, default).checkpoints
        assert checkpoints.load("account", Direction.SAP_TO_SALESFORCE) == CURSOR
        checkpoints.save("account", Direction.SAP_TO_SALESFORCE, {**CURSOR, "key": "C000099"})
    with store.transaction() as session:
        checkpoints = Repositories(session, default).checkpoints
        assert checkpoints.load("account", Direction.SAP_TO_SALESFORCE) == {
            **CURSOR,
            "key": "C000099",
        }
        assert checkpoints.load("product", Direction.SAP_TO_SALESFORCE) is None
        assert checkpoints.reset("account", Direction.SAP_TO_SALESFORCE) == 1
        assert checkpoints.load("account", Direction.SAP_TO_SALESFORCE) is None
        assert checkpoints.load("account", Direction.SALESFORCE_TO_SAP) == {
            "SystemModstamp": "2026-03-01T10:00Z"
        }
        assert checkpoints.reset("account") == 1


def test_checkpoint_rolls_back_with_its_transaction(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    """The engine saves the checkpoint with the outcomes: a failure must lose both."""
    default, _ = two_integrations
    try:
        with store.transaction() as session:
            Repositories(session, default).checkpoints.save(
                "item", Direction.SAP_TO_SALESFORCE, CURSOR
            )
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    with store.transaction() as session:
        assert (
            Repositories(session, default).checkpoints.load("item", Direction.SAP_TO_SALESFORCE)
            is None
        )
