"""Bulk API 2.0 routes: ingest jobs (``/jobs/ingest``) and query jobs (``/jobs/query``).

Wire shapes follow salesforce-api.md §0 and §3: the CSV upload answers exactly 201, job
states move Open -> UploadComplete -> InProgress -> JobComplete/Failed in a background
task, results carry ``sf__`` columns, query pages carry ``Sforce-Locator`` and
``Sforce-NumberOfRecords``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from b1hub.sandbox.salesforce.bulk_ingest import IngestProcessor, upload_files
from b1hub.sandbox.salesforce.bulk_jobs import DELIMITERS, LINE_ENDINGS, TERMINAL, Job, JobStore
from b1hub.sandbox.salesforce.bulk_query import (
    compile_for,
    decode_locator,
    read_page,
    run_query_job,
)
from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.results import NOT_FOUND_MESSAGE, CallContext
from b1hub.sandbox.salesforce.soql import SoqlError

INGEST_OPERATIONS = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})
QUERY_OPERATIONS = frozenset({"query", "queryAll"})
RESULT_FILES = {"successfulResults": "successfulResults.csv",
                "failedResults": "failedResults.csv",
                "unprocessedrecords": "unprocessedrecords.csv",
                "unprocessedRecords": "unprocessedrecords.csv"}
CSV_TYPE = "text/csv"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse([{"errorCode": code, "message": message}], status_code=status)


def _not_found() -> JSONResponse:
    return _error(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


class BulkApi:
    """The routes' shared state: the org, the job store and the running tasks."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.store = JobStore(org.settings.data_dir / "bulk")
        self.tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @staticmethod
    def _ctx(request: Request) -> CallContext:
        ctx: CallContext = request.state.call_context
        return ctx

    def _new_job(self, request: Request, kind: str, body: dict[str, Any]) -> Job | Response:
        delimiter = str(body.get("columnDelimiter") or "COMMA")
        line_ending = str(body.get("lineEnding") or "LF")
        if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            return _error(400, "INVALIDJOB",
                          f"Invalid columnDelimiter or lineEnding: {delimiter}, {line_ending}")
        if str(body.get("contentType") or "CSV") != "CSV":
            return _error(400, "INVALIDJOB", "Only contentType CSV is supported")
        job_id = self.org.ids.new("750")
        return Job(id=job_id, kind=kind, operation=str(body.get("operation")),
                   created_by_id=self._ctx(request).user_id,
                   api_version=request.path_params.get("version", "59.0"),
                   column_delimiter=delimiter, line_ending=line_ending)

    # --- ingest ---------------------------------------------------------------------

    async def create_ingest(self, request: Request) -> Response:
        body = await _json_body(request)
        if body is None:
            return _error(400, "JSON_PARSER_ERROR", "The request body is not a JSON object")
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS:
            return _error(400, "INVALIDJOB", f"Invalid operation: {operation}")
        schema = self.org.schemas.get(str(body.get("object") or ""))
        if schema is None:
            return _error(400, "INVALIDJOB", f"Unable to find object: {body.get('object')}")
        external: str | None = None
        if operation == "upsert":
            spec = schema.field(str(body.get("externalIdFieldName") or ""))
            if spec is None or not (spec.external_id or spec.name == "Id"):
                return _error(400, "INVALIDJOB",
                              "The externalIdFieldName must name an external id field of "
                              f"{schema.name}: {body.get('externalIdFieldName')}")
            external = spec.name
        job = self._new_job(request, "ingest", body)
        if isinstance(job, Response):
            return job
        job.object = schema.name
        job.external_id_field_name = external
        self.store.add(job)
        return JSONResponse(job.info(detail=False))

    async def upload(self, request: Request) -> Response:
        job = self.store.find(request.path_params["job_id"], "ingest")
        if job is None:
            return _not_found()
        if job.state != "Open":
            return _error(409, "INVALIDJOBSTATE",
                          f"Job is not in Open state: {job.state}")
        directory = self.store.directory(job)
        target = directory / f"upload-{len(upload_files(directory)) + 1}.csv"
        with target.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
        return Response(status_code=201)

    async def ingest_job(self, request: Request) -> Response:
        return await self._job(request, "ingest")

    async def query_job(self, request: Request) -> Response:
        return await self._job(request, "query")

    async def _job(self, request: Request, kind: str) -> Response:
        job = self.store.find(request.path_params["job_id"], kind)
        if job is None:
            return _not_found()
        if request.method == "GET":
            return JSONResponse(job.info(detail=True))
        if request.method == "DELETE":
            if job.state not in TERMINAL and job.state != "UploadComplete":
                return _error(400, "INVALIDJOBSTATE",
                              f"Job cannot be deleted in state {job.state}")
            self.store.remove(job)
            return Response(status_code=204)
        body = await _json_body(request) or {}
        wanted = body.get("state")
        if wanted == "Aborted" and job.state not in TERMINAL:
            job.touch("Aborted")
        elif wanted == "UploadComplete" and kind == "ingest" and job.state == "Open":
            job.touch("UploadComplete")
            processor = IngestProcessor(self.org, self.store, job, self._ctx(request))
            self._spawn(processor.run())
        else:
            return _error(400, "INVALIDJOBSTATE",
                          f"Cannot change the state of a job from {job.state} to {wanted}")
        self.store.save(job)
        return JSONResponse(job.info(detail=False))

    async def listing(self, request: Request) -> Response:
        kind = "query" if request.url.path.rstrip("/").endswith("query") else "ingest"
        records = [job.info(detail=False) for job in self.store.listing(kind)]
        return JSONResponse({"done": True, "records": records, "nextRecordsUrl": None})

    async def results(self, request: Request) -> Response:
        job = self.store.find(request.path_params["job_id"], "ingest")
        if job is None:
            return _not_found()
        name = RESULT_FILES.get(request.path_params["kind"])
        if name is None:
            return _not_found()
        path = self.store.directory(job) / name
        if job.state not in TERMINAL or not path.exists():
            return _error(400, "INVALIDJOBSTATE",
                          f"Results are not available while the job is {job.state}")
        return FileResponse(path, media_type=CSV_TYPE)

    # --- query ----------------------------------------------------------------------

    async def create_query(self, request: Request) -> Response:
        body = await _json_body(request)
        if body is None:
            return _error(400, "JSON_PARSER_ERROR", "The request body is not a JSON object")
        if body.get("operation") not in QUERY_OPERATIONS:
            return _error(400, "INVALIDJOB", f"Invalid operation: {body.get('operation')}")
        job = self._new_job(request, "query", body)
        if isinstance(job, Response):
            return job
        job.query = str(body.get("query") or "")
        try:
            compiled = compile_for(self.org, job)
        except SoqlError as exc:
            return _error(400, exc.error_code, exc.message)
        if compiled.count_only or compiled.aggregate_alias is not None:
            return _error(400, "INVALIDJOB",
                          "Aggregate queries are not supported by Bulk API 2.0 query jobs")
        job.object = compiled.sobject
        job.state = "UploadComplete"
        self.store.add(job)
        self._spawn(run_query_job(self.org, self.store, job))
        return JSONResponse(job.info(detail=False))

    async def query_results(self, request: Request) -> Response:
        job = self.store.find(request.path_params["job_id"], "query")
        if job is None:
            return _not_found()
        if job.state != "JobComplete":
            return _error(400, "INVALIDJOBSTATE",
                          f"Results are not available while the job is {job.state}")
        try:
            max_records = int(request.query_params.get("maxRecords") or 0) or 50_000_000
        except ValueError:
            return _error(400, "INVALIDJOB", "maxRecords must be a positive integer")
        locator = request.query_params.get("locator") or ""
        start = decode_locator(locator) if locator else 0
        if start is None:
            return _error(400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
        body, count, next_locator = read_page(self.store, job, start, max_records)
        headers = {"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(count)}
        return Response(body, media_type=CSV_TYPE, headers=headers)


def bulk_routes(org: Org, api_version_prefix: str = "/services/data/v{version}") -> list[Route]:
    """Routes for SF-core to mount inside its auth and API-usage middleware."""
    api = BulkApi(org)
    ingest = f"{api_version_prefix}/jobs/ingest"
    query = f"{api_version_prefix}/jobs/query"
    routes = [
        Route(ingest, api.create_ingest, methods=["POST"]),
        Route(ingest, api.listing, methods=["GET"]),
        Route(f"{ingest}/", api.listing, methods=["GET"]),
        Route(f"{ingest}/{{job_id}}", api.ingest_job, methods=["GET", "PATCH", "DELETE"]),
        Route(f"{ingest}/{{job_id}}/batches", api.upload, methods=["PUT"]),
        Route(f"{ingest}/{{job_id}}/batches/", api.upload, methods=["PUT"]),
        Route(query, api.create_query, methods=["POST"]),
        Route(query, api.listing, methods=["GET"]),
        Route(f"{query}/", api.listing, methods=["GET"]),
        Route(f"{query}/{{job_id}}", api.query_job, methods=["GET", "PATCH", "DELETE"]),
        Route(f"{query}/{{job_id}}/results", api.query_results, methods=["GET"]),
        Route(f"{query}/{{job_id}}/results/", api.query_results, methods=["GET"]),
        Route(f"{ingest}/{{job_id}}/{{kind}}", api.results, methods=["GET"]),
        Route(f"{ingest}/{{job_id}}/{{kind}}/", api.results, methods=["GET"]),
    ]
    return routes
