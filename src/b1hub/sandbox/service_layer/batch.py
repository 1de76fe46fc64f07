"""``$batch``: multipart/mixed requests with changesets.

Failure rule of the real server: the first failing request of a changeset rolls the
changeset back and is its only response part; processing stops at the first failure.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from b1hub.sandbox.service_layer.wire import Reply, SLError, Version

Execute = Callable[[str, str, str, dict[str, str], bytes, Version], Reply]
"""``(method, path, query, headers, body, version) -> Reply`` for one sub-request."""


@dataclass
class SubRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    version: Version | None
    content_id: str | None


BOUNDARY = re.compile(r'boundary="?([^";\s]+)"?', re.IGNORECASE)
BLANK_LINE = re.compile(rb"\r?\n\r?\n")


class BatchError(Exception):
    pass


def parse(content_type: str, body: bytes) -> list[list[SubRequest] | SubRequest]:
    """Top-level parts: a single request, or a changeset (a list of requests)."""
    out: list[list[SubRequest] | SubRequest] = []
    for headers, content in _parts(content_type, body):
        part_type = headers.get("content-type", "")
        if part_type.lower().startswith("multipart/"):
            out.append([_request(h, c) for h, c in _parts(part_type, content)])
        else:
            out.append(_request(headers, content))
    return out


def _parts(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """The MIME parts of a multipart body, split on its boundary.

    Split by hand: the stdlib email parser compiles a regular expression per multipart and
    was a tenth of the sandbox's time under a bulk write-back.
    """
    match = BOUNDARY.search(content_type)
    if not content_type.lower().startswith("multipart/") or match is None:
        raise BatchError("Batch body is not multipart/mixed")
    parts = []
    for chunk in body.split(b"--" + match.group(1).encode())[1:]:  # [0]: the preamble
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        found = None if chunk.startswith((b"\r\n", b"\n")) else BLANK_LINE.search(chunk)
        head, content = (chunk[:found.start()], chunk[found.end():]) if found else (b"", chunk)
        content = content.removesuffix(b"\n").removesuffix(b"\r")
        parts.append((_headers(head.decode("utf-8", "replace").splitlines()), content))
    return parts


def _headers(lines: list[str]) -> dict[str, str]:
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def _request(part_headers: dict[str, str], payload: bytes) -> SubRequest:
    text = payload.decode("utf-8")  # the embedded HTTP request is UTF-8 like every SL body
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = [line for line in head.split("\n") if line.strip()]
    if not lines:
        raise BatchError("Empty batch part")
    words = lines[0].split()
    if len(words) < 2:
        raise BatchError(f"Invalid request line '{lines[0]}'")
    target = urlsplit(words[1])
    path = target.path
    version: Version | None = None
    for candidate in ("v1", "v2"):
        prefix = f"/b1s/{candidate}/"
        if path.startswith(prefix):
            path, version = path[len(prefix):], candidate
    return SubRequest(words[0].upper(), path.lstrip("/"), target.query, _headers(lines[1:]),
                      body.strip().encode(), version, part_headers.get("content-id"))


def _http_part(reply: Reply, content_id: str | None) -> list[str]:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}"]
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    lines += ["", reply.body.decode()]
    return lines


def run(parts: list[list[SubRequest] | SubRequest], version: Version, execute: Execute,
        changeset: Callable[[Callable[[], list[tuple[Reply, str | None]]]],
                            list[tuple[Reply, str | None]]]) -> tuple[str, bytes]:
    """Execute the parts; ``changeset`` runs a callable atomically (rolls back on SLError)."""
    boundary = f"batchresponse_{secrets.token_hex(8)}"
    out: list[str] = []
    for part in parts:
        if isinstance(part, SubRequest):
            reply = _one(part, version, execute, {})
            out += [f"--{boundary}", *_http_part(reply, None)]
            if reply.status >= 400:
                break
            continue
        replies = changeset(functools.partial(_changeset, part, version, execute))
        failed = len(replies) == 1 and replies[0][0].status >= 400
        if failed:
            out += [f"--{boundary}", *_http_part(*replies[0])]
            break
        inner = f"changesetresponse_{secrets.token_hex(8)}"
        out += [f"--{boundary}", f"Content-Type: multipart/mixed; boundary={inner}", ""]
        for reply, cid in replies:
            out += [f"--{inner}", *_http_part(reply, cid)]
        out.append(f"--{inner}--")
    out += [f"--{boundary}--", ""]
    return f"multipart/mixed; boundary={boundary}", "\r\n".join(out).encode()


class ChangesetFailed(Exception):
    def __init__(self, reply: Reply, content_id: str | None) -> None:
        super().__init__("changeset failed")
        self.reply = reply
        self.content_id = content_id


def _changeset(requests: list[SubRequest], version: Version,
               execute: Execute) -> list[tuple[Reply, str | None]]:
    locations: dict[str, str] = {}
    replies: list[tuple[Reply, str | None]] = []
    for req in requests:
        if req.method == "GET":
            reply = Reply(400, b"GET is not allowed in a changeset")
        else:
            reply = _one(req, version, execute, locations)
        if reply.status >= 400:
            raise ChangesetFailed(reply, req.content_id)
        if req.content_id and "Location" in reply.headers:
            locations[req.content_id] = reply.headers["Location"].split("/b1s/", 1)[1][3:]
        replies.append((reply, req.content_id))
    return replies


def _one(req: SubRequest, version: Version, execute: Execute,
         locations: dict[str, str]) -> Reply:
    path = req.path
    if path.startswith("$"):
        ref, _, rest = path[1:].partition("/")
        if ref not in locations:
            return Reply(400, b"Invalid Content-ID reference")
        path = locations[ref] + (f"/{rest}" if rest else "")
    try:
        return execute(req.method, path, req.query, req.headers, req.body,
                       req.version or version)
    except SLError as err:
        return Reply(err.status, err.message.encode())
