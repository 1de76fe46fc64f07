"""An independent client, b1sl-python 0.16.0, works against the sandbox unchanged.

b1sl's ``B1Config`` takes ``ssl_verify: bool`` and no CA path, so the sandbox CA is
supplied through ``SSL_CERT_FILE`` (honoured by httpx) instead of disabling verification.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from b1sl.b1sl.client import B1Client
from b1sl.b1sl.config import B1Config
from b1sl.b1sl.models._generated.entities.businesspartners import BusinessPartner
from b1sl.b1sl.resources.base import ODataQuery


@pytest.fixture
def b1(sandbox_info: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[B1Client]:
    sl = sandbox_info["service_layer"]
    monkeypatch.setenv("SSL_CERT_FILE", sl["ca_cert"])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sl["ca_cert"])
    config = B1Config(base_url=sl["url"], username=sl["username"], password=sl["password"],
                      company_db=sl["company_db"], ssl_verify=True)
    with B1Client(config) as client:
        yield client


def test_login_and_filtered_paged_read(b1: B1Client) -> None:
    query = ODataQuery(filter="CardType eq 'cLid'", select=["CardCode", "CardName"])
    leads = list(b1.business_partners.stream(query, page_size=7))
    assert len(leads) > 7  # several pages were followed
    codes = [bp.card_code for bp in leads]
    # other tests on this shared sandbox add leads of their own, so check order and the seed
    assert codes == sorted(codes) and {"L000001", "L000002"} <= set(codes)
    assert b1.session_id  # logged in lazily, B1SESSION kept by httpx's cookie jar


def test_create_and_update(b1: B1Client) -> None:
    code = f"B{uuid.uuid4().hex[:10].upper()}"
    created = b1.business_partners.create(
        BusinessPartner(card_code=code, card_name="Via b1sl", card_type="cLid"))
    assert created.card_code == code
    b1.business_partners.update(code, {"CardName": "Renamed", "CardType": "cCustomer"})
    got = b1.business_partners.get(code)
    assert (got.card_name, got.card_type) == ("Renamed", "cCustomer")


def test_batch_changeset(b1: B1Client) -> None:
    code = f"B{uuid.uuid4().hex[:10].upper()}"
    with b1.batch() as batch:
        with batch.changeset():
            batch.business_partners.create(BusinessPartner(card_code=code, card_name="One"))
            batch.business_partners.create(
                BusinessPartner(card_code=code + "2", card_name="Two"))
        results = batch.execute()
    assert results.all_ok, results
    assert [r.status for r in results] == [201, 201]
    assert b1.business_partners.get(code + "2").card_name == "Two"
