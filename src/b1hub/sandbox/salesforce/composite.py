"""Composite (``POST /composite``): up to 25 subrequests with ``@{ref.field}`` references,
run in order as one API call; ``allOrNone`` rolls all of them back on the first failure."""

from __future__ import annotations

import re
from typing import Any

import orjson

from b1hub.sandbox.salesforce.api import (
    ApiFailure,
    ApiRequest,
    ApiResponse,
    RestApi,
    split_url,
)
from b1hub.sandbox.salesforce.org import Org, Rollback

MAX_SUBREQUESTS = 25
REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")
HALTED = [{"errorCode": "PROCESSING_HALTED",
           "message": "The transaction was rolled back since another operation in the same "
                      "transaction failed."}]


class UnresolvedReference(Exception):
    pass


def _lookup(results: dict[str, Any], ref: str, path: str) -> Any:
    if ref not in results:
        raise UnresolvedReference(f"{ref}.{path}")
    value = results[ref]
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise UnresolvedReference(f"{ref}.{path}")
    return value


def _resolve(item: Any, results: dict[str, Any]) -> Any:
    if isinstance(item, str):
        whole = REFERENCE.fullmatch(item)
        if whole:
            return _lookup(results, whole.group(1), whole.group(2))
        return REFERENCE.sub(lambda m: str(_lookup(results, m.group(1), m.group(2))), item)
    if isinstance(item, dict):
        return {k: _resolve(v, results) for k, v in item.items()}
    if isinstance(item, list):
        return [_resolve(v, results) for v in item]
    return item


def register(api: RestApi, org: Org) -> None:
    @api.route("POST", r"composite")
    async def composite(request: ApiRequest) -> ApiResponse:
        body = request.json_object()
        subrequests = body.get("compositeRequest")
        if not isinstance(subrequests, list) or not subrequests:
            raise ApiFailure(400, "INVALID_INPUT", "compositeRequest: at least one "
                             "subrequest is required")
        if len(subrequests) > MAX_SUBREQUESTS:
            raise ApiFailure(400, "LIMIT_EXCEEDED", f"Composite request may not contain more "
                             f"than {MAX_SUBREQUESTS} subrequests")
        all_or_none = bool(body.get("allOrNone", False))
        responses: list[dict[str, Any]] = []
        try:
            with org.transaction():
                failed = await _run(api, request, subrequests, all_or_none, responses)
                if failed:
                    raise Rollback
        except Rollback:
            for entry in responses:
                if entry["httpStatusCode"] < 400:
                    entry.update(body=HALTED, httpHeaders={}, httpStatusCode=400)
        return ApiResponse(200, {"compositeResponse": responses})


async def _run(
    api: RestApi,
    parent: ApiRequest,
    subrequests: list[Any],
    all_or_none: bool,
    responses: list[dict[str, Any]],
) -> bool:
    """Run the subrequests in order; True when allOrNone must roll everything back."""
    results: dict[str, Any] = {}
    halted = False
    for sub in subrequests:
        ref = str(sub.get("referenceId", ""))
        if halted:
            responses.append({"body": HALTED, "httpHeaders": {}, "httpStatusCode": 400,
                              "referenceId": ref})
            continue
        try:
            url = _resolve(str(sub.get("url", "")), results)
            payload = _resolve(sub.get("body"), results)
        except UnresolvedReference as exc:
            responses.append({"body": [{"errorCode": "PROCESSING_HALTED",
                                        "message": f"Invalid reference specified. No value for "
                                                   f"{exc} found."}],
                              "httpHeaders": {}, "httpStatusCode": 400, "referenceId": ref})
            halted = all_or_none
            continue
        parts = split_url(url)
        if parts is None:
            response = ApiFailure(400, "INVALID_INPUT", f"invalid url: {url}").response()
        else:
            version, path, query = parts
            response = await api.dispatch(ApiRequest(
                method=str(sub.get("method", "GET")).upper(), path=path, query=query,
                body=orjson.dumps(payload) if payload is not None else b"",
                ctx=parent.ctx, version=version,
                headers={k.lower(): str(v) for k, v in (sub.get("httpHeaders") or {}).items()},
            ))
        responses.append({"body": response.body, "httpHeaders": response.headers,
                          "httpStatusCode": response.status, "referenceId": ref})
        if response.status < 400:
            results[ref] = response.body
        elif all_or_none:
            halted = True
    return halted
