"""CardCodes for partners created from Salesforce: continue after SAP's highest code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from b1hub.connectors.outcomes import Retryable
from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.store.repositories import GeneralSettings
from b1hub.sync.codes import CodeSeries


class FakeServiceLayer:
    """Answers the one query CodeSeries makes from a list of existing CardCodes."""

    def __init__(self, codes: list[str], fail: bool = False) -> None:
        self.codes = codes
        self.fail = fail
        self.calls: list[dict[str, Any]] = []

    def iter_pages(self, entity: str, **options: Any) -> Iterator[list[dict[str, Any]] | Any]:
        self.calls.append({"entity": entity, **options})
        if self.fail:
            yield Retryable("down")
            return
        prefix, low, high = options["filter"].split("'")[1::2]
        found = sorted((c for c in self.codes if c.startswith(prefix) and low <= c <= high),
                       reverse=True)
        yield [{"CardCode": c} for c in found[: options["top"]]]


def series(fake: FakeServiceLayer, **settings: Any) -> CodeSeries:
    return CodeSeries(cast(ServiceLayerClient, fake), GeneralSettings(**settings))


def test_first_codes_of_an_empty_series() -> None:
    fake = FakeServiceLayer(["C000001", "C000002"])
    assert series(fake).take(3) == ["SF000001", "SF000002", "SF000003"]
    assert fake.calls == [{"entity": "BusinessPartners", "select": ["CardCode"],
                           "filter": "startswith(CardCode,'SF') and CardCode ge 'SF000000' "
                                     "and CardCode le 'SF999999'",
                           "orderby": "CardCode desc", "top": 100, "page_size": 100}]


def test_codes_continue_after_the_highest_existing_one_and_are_read_once() -> None:
    fake = FakeServiceLayer(["SF000007", "SF000003"])
    codes = series(fake)
    assert codes.take(2) == ["SF000008", "SF000009"]
    assert codes.take(1) == ["SF000010"]
    assert len(fake.calls) == 1


def test_refresh_reads_again_after_a_collision() -> None:
    fake = FakeServiceLayer(["SF000001"])
    codes = series(fake)
    assert codes.take(1) == ["SF000002"]
    fake.codes.extend(["SF000002", "SF000003"])  # someone else took codes meanwhile
    codes.refresh()
    assert codes.take(1) == ["SF000004"]


def test_prefix_and_width_come_from_settings_and_foreign_codes_are_ignored() -> None:
    fake = FakeServiceLayer(["WEB-ABC", "WEB-99", "WEB-0041", "WEB-12X4"])
    assert series(fake, bp_code_prefix="WEB-", bp_code_digits=4).take(1) == ["WEB-0042"]
    assert series(FakeServiceLayer(["WEB-ABC"]), bp_code_prefix="WEB-",
                  bp_code_digits=4).take(1) == ["WEB-0001"]


def test_refresh_never_hands_out_a_code_again_when_sap_still_hides_the_taker() -> None:
    codes = series(FakeServiceLayer(["SF000005"]))
    assert codes.take(2) == ["SF000006", "SF000007"]
    codes.refresh()  # both collided, yet the read still says SF000005 is the highest
    assert codes.take(1) == ["SF000008"]


def test_a_failed_read_raises_instead_of_guessing_a_code() -> None:
    with pytest.raises(RuntimeError, match="CardCode series"):
        series(FakeServiceLayer([], fail=True)).take(1)
