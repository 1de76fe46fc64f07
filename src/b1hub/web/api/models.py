"""The API's request and response bodies (published in /api/v1/openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from b1hub.store.types import (
    Direction,
    InitStatus,
    OutcomeAction,
    OutcomeStatus,
    Role,
    RunStatus,
    RunTrigger,
    ScheduleKind,
)

MAX_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A stored row's id in a path: larger numbers cannot name a row (and overflow the DB's
integer), so they are refused as invalid input instead of failing the query."""


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Message(Out):
    message: str


class Me(Out):
    username: str
    role: Role
    via: Literal["session", "token"]


class ObjectStatus(Out):
    name: str
    enabled: bool
    direction: str
    init_status: InitStatus
    initialized: bool
    last_run_id: int | None
    last_run_at: dt.datetime | None
    last_run_status: RunStatus | None
    created: int
    updated: int
    failed: int
    next_run_at: dt.datetime | None
    schedule: str
    open_errors: int
    selected: int


class OrgApiUsageOut(Out):
    used: int
    limit: int
    percent: float
    seen_at: dt.datetime


class SalesforceApiUsageOut(Out):
    org: OrgApiUsageOut | None = Field(
        description="The org's daily API usage (all its users) from the last "
                    "Sforce-Limit-Info a run saw; null until a run has talked to Salesforce")
    b1hub_calls_today: int = Field(
        description="Salesforce API calls b1hub's runs spent since 00:00 UTC")


class JobOut(Out):
    kind: str
    object: str
    started_at: dt.datetime
    stage: str
    done: int
    total: int | None
    finished: bool
    error: str | None
    result: str | None


class RunOut(Out):
    id: int
    object: str
    trigger: RunTrigger
    status: RunStatus
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    created: int
    updated: int
    skipped: int
    failed: int
    held: int
    sap_api_calls: int
    sf_api_calls: int
    message: str | None


class OutcomeOut(Out):
    id: int
    run_id: int
    object: str
    direction: Direction
    action: OutcomeAction
    status: OutcomeStatus
    sap_key: str | None
    sf_id: str | None
    error_code: str | None
    error_message: str | None
    error_fields: list[Any]
    payload: dict[str, Any] | None
    attempt: int
    resolved: bool
    created_at: dt.datetime


class RetryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object: str | None = None
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(default=None,
                                                                     max_length=1000)


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ScheduleKind
    time: dt.time | None = None
    weekdays: list[int] = Field(default_factory=list, max_length=7)
    every_minutes: int | None = Field(default=None, ge=1, le=1440)
    window_start: dt.time | None = None
    window_end: dt.time | None = None


class ScheduleOut(Out):
    object: str
    kind: ScheduleKind
    time: dt.time | None
    weekdays: list[int]
    every_minutes: int | None
    window_start: dt.time | None
    window_end: dt.time | None
    timezone: str
    description: str
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None


class ConnectionOut(Out):
    system: Literal["sap", "salesforce"]
    configured: bool
    settings: dict[str, Any]
    secrets_set: list[str] = Field(description="names of the stored secrets, never values")
    last_tested_at: dt.datetime | None
    last_test_ok: bool | None
    last_test_message: str | None


class SapConnectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = None
    company_db: str | None = None
    username: str | None = None
    password: str | None = Field(default=None, description="write-only; omit to keep")
    ca_cert: str | None = None
    verify_tls: bool | None = None


class SalesforceConnectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instance_url: str | None = None
    login_url: str | None = None
    auth_flow: Literal["client_credentials", "jwt_bearer", "password"] | None = None
    client_id: str | None = None
    username: str | None = None
    client_secret: str | None = Field(default=None, description="write-only; omit to keep")
    password: str | None = Field(default=None, description="write-only; omit to keep")
    security_token: str | None = Field(default=None, description="write-only; omit to keep")
    ca_cert: str | None = None
    verify_tls: bool | None = None


class FeatureOut(Out):
    salesforce_connector: bool


class CandidateOut(Out):
    code: str
    name: str
    group: int | None
    marked: bool
    account_type: str | None


class CandidatePageOut(Out):
    candidates: list[CandidateOut]
    total: int
    page: int
    pages: int


class SelectionOut(Out):
    sap_key: str
    account_type: str | None
    label: str | None
    selected_at: dt.datetime
    selected_by: str | None


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code_from: str | None = None
    code_to: str | None = None
    group_from: int | None = None
    group_to: int | None = None
    codes: dict[str, str | None] = Field(
        description="ticked code -> Account Type (mandatory for customers)", max_length=5000)


class UnmarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[str] = Field(min_length=1, max_length=5000)


class MarkedOut(Out):
    count: int


class PriceTargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pricebook: str = Field(min_length=1, max_length=255)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")


class PriceBookOut(Out):
    id: str
    name: str
    standard: bool
    active: bool


class UserOut(Out):
    id: int
    username: str
    role: Role
    disabled: bool
    locked: bool
    last_login_at: dt.datetime | None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=128)
    role: Role
    password: str | None = Field(default=None, description="generated when omitted")


class UserCreated(Out):
    user: UserOut
    generated_password: str | None = Field(description="shown once when it was generated")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    disabled: bool | None = None
    unlock: bool = False


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128)


class TokenOut(Out):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked: bool


class TokenIssued(Out):
    token: TokenOut
    secret: str = Field(description="the bearer token; shown once, stored only as a hash")


class AuditOut(Out):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


class ConflictOut(Out):
    id: int
    object: str
    sap_key: str
    sf_id: str
    sap_version: dict[str, Any]
    sf_version: dict[str, Any]
    created_at: dt.datetime
