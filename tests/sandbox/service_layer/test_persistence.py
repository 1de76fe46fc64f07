"""State survives a restart; a reset with data re-seeds."""

from __future__ import annotations

from pathlib import Path

from b1hub.sandbox.process import SandboxProcess

from .conftest import admin, login, sl_client


def test_restart_keeps_state_and_reset_reseeds(tmp_path: Path) -> None:
    with SandboxProcess(tmp_path) as proc:
        with sl_client(proc.info) as c:
            login(c, proc.info)
            assert c.post("BusinessPartners", json={"CardCode": "KEEP1",
                                                    "CardName": "Kept"}).status_code == 201
            assert c.patch("BusinessPartners('C000001')", json={"CardName": "Changed"}
                           ).status_code == 204
        proc.restart()
        with sl_client(proc.info) as c:
            login(c, proc.info)
            assert c.get("BusinessPartners('KEEP1')").json()["CardName"] == "Kept"
            assert c.get("BusinessPartners('C000001')").json()["CardName"] == "Changed"
            with admin(proc.info) as a:
                assert a.post("/_sandbox/reset", json={"data": True}).json()["data"] is True
            assert c.get("BusinessPartners('KEEP1')").status_code == 404
            assert c.get("BusinessPartners/$count").text == "200"
