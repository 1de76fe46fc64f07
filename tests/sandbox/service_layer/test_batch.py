"""$batch: changesets, Content-ID references and the rollback rule."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

BOUNDARY = "batch_X"


def part(method: str, path: str, body: dict[str, object] | None = None,
         content_id: int | None = None) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"{method} {path} HTTP/1.1"]
    if body is not None:
        lines += ["Content-Type: application/json", "", json.dumps(body)]
    else:
        lines += [""]
    return "\r\n".join(lines) + "\r\n"


def batch(*parts: str | list[str]) -> str:
    out = []
    for p in parts:
        out.append(f"--{BOUNDARY}\r\n")
        if isinstance(p, list):
            out.append("Content-Type: multipart/mixed; boundary=changeset_Y\r\n\r\n")
            out += [f"--changeset_Y\r\n{sub}" for sub in p]
            out.append("--changeset_Y--\r\n")
        else:
            out.append(p)
    out.append(f"--{BOUNDARY}--\r\n")
    return "".join(out)


def post(client: httpx.Client, body: str) -> httpx.Response:
    return client.post("$batch", content=body,
                       headers={"Content-Type": f"multipart/mixed;boundary={BOUNDARY}"})


def statuses(text: str) -> list[int]:
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith("HTTP/1.1")]


def test_get_changeset_get(v2: httpx.Client, new_code: Callable[[str], str]) -> None:
    code = new_code("B")
    r = post(v2, batch(
        part("GET", "/b1s/v2/BusinessPartners('C000001')?$select=CardCode"),
        [part("POST", "https://host:50000/b1s/v2/BusinessPartners",
              {"CardCode": code, "CardName": "n"}, 1),
         part("PATCH", "$1", {"CardName": "patched"}, 2)],
        part("GET", f"/b1s/v2/BusinessPartners('{code}')?$select=CardName"),
    ))
    assert r.status_code == 200 and r.headers["content-type"].startswith("multipart/mixed")
    assert statuses(r.text) == [200, 201, 204, 200]
    assert "Content-ID: 1" in r.text and '"CardName":"patched"}' in r.text


def test_failing_changeset_rolls_back_and_answers_once(
        v1: httpx.Client, new_code: Callable[[str], str]) -> None:
    code = new_code("B")
    r = post(v1, batch([
        part("POST", "/b1s/v1/BusinessPartners", {"CardCode": code, "CardName": "n"}, 1),
        part("POST", "/b1s/v1/BusinessPartners", {"CardCode": "C000001", "CardName": "d"}, 2),
        part("POST", "/b1s/v1/BusinessPartners", {"CardCode": code + "Z", "CardName": "n"}, 3),
    ]))
    assert r.status_code == 200
    assert statuses(r.text) == [400]
    assert '"code":-10' in r.text
    assert v1.get(f"BusinessPartners('{code}')").status_code == 404
    assert v1.get(f"BusinessPartners('{code}Z')").status_code == 404


def test_non_ascii_text_in_a_batch_is_stored_as_sent(
        v2: httpx.Client, new_code: Callable[[str], str]) -> None:
    code = new_code("U")
    name = "Müller Lübeck Ærø Straße — 東京"
    body = batch([part("POST", "/b1s/v2/BusinessPartners",
                       {"CardCode": code, "CardName": name}, 1)])
    r = v2.post("$batch", content=body.encode("utf-8"),
                headers={"Content-Type": f"multipart/mixed;boundary={BOUNDARY}"})
    assert statuses(r.text) == [201]
    assert v2.get(f"BusinessPartners('{code}')").json()["CardName"] == name
