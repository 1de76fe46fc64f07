"""Bodies of the mapping, UDF, value map, Master Data Mapping Tool and review routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from b1hub.store.types import ConflictPolicy, ConflictResolution, ObjectDirection


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldRowOut(Out):
    name: str
    sap: str | None
    salesforce: str | None
    direction: ObjectDirection
    value_map: str | None
    transform: str | None
    required: bool
    udf: bool
    source: Literal["default", "user"]


class FieldTableOut(Out):
    object: str
    direction: ObjectDirection
    version: int = Field(description="0: the defaults, never changed")
    by: str | None
    at: dt.datetime | None
    fields: list[FieldRowOut]


class FieldRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sap: str = Field(min_length=1, max_length=200, description="SAP field, UDF or address path")
    salesforce: str = Field(min_length=1, max_length=80)
    direction: ObjectDirection | None = Field(default=None,
                                              description="default: the object's direction")
    value_map: str | None = Field(default=None, max_length=64)
    transform: str | None = Field(default=None, max_length=64,
                                  description="default: chosen from both fields' types")
    required: bool = False


class UdfMapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    udf: str = Field(min_length=1, max_length=80, description="SAP UDF (U_ optional)")
    field: str = Field(min_length=1, max_length=80, description="Salesforce field")
    address: Literal["bill", "ship"] | None = Field(
        default=None, description="a UDF of the bill-to or ship-to address (CRD1)")
    direction: ObjectDirection | None = None
    value_map: str | None = Field(default=None, max_length=64)


class SavedRowOut(Out):
    version: int
    name: str
    sap: str | None
    salesforce: str | None
    direction: ObjectDirection
    transform: str | None
    value_map: str | None
    required: bool


class VersionOut(Out):
    version: int


class HistoryOut(Out):
    version: int
    by: str
    at: dt.datetime
    fields: list[dict[str, Any]]


class CustomFieldOut(Out):
    system: Literal["sap", "salesforce"]
    table: str
    name: str
    definition: dict[str, Any]
    mapped: list[str]
    retrieved_at: dt.datetime


class RetrieveOut(Out):
    sap: dict[str, int] = Field(description="UDFs per SAP table")
    salesforce: dict[str, int] = Field(description="custom fields per Salesforce object")
    skipped: dict[str, str] = Field(description="Salesforce objects not described, and why")


class PairOut(Out):
    sap: str
    salesforce: str


class ValueMapOut(Out):
    name: str
    pairs: list[PairOut]


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sap: str = Field(min_length=1, max_length=255)
    salesforce: str = Field(min_length=1, max_length=255)


class PairsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pairs: list[PairIn] = Field(min_length=1, max_length=1000)


class ProblemOut(Out):
    code: str
    reason: str


class UploadRowOut(Out):
    row: int
    salesforce_id: str
    sap_key: str
    status: Literal["valid", "invalid", "linked", "unchanged"]
    problems: list[ProblemOut]


class UploadOut(Out):
    object: str
    applied: bool
    linked: int
    unchanged: int
    skipped: int
    invalid: int
    valid: int
    rows: list[UploadRowOut]


class HeldMatchOut(Out):
    object: str
    sap_key: str
    candidates: list[str]
    message: str
    held_at: dt.datetime
    outcome_ids: list[int]


class HeldLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sap_key: str = Field(min_length=1, max_length=100)
    sf_id: str = Field(min_length=15, max_length=18, description="one of the candidates")


class HeldDismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sap_key: str = Field(min_length=1, max_length=100)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    take: ConflictResolution


class ObjectSettingsOut(Out):
    object: str
    enabled: bool
    direction: ObjectDirection
    conflict_policy: ConflictPolicy | None = Field(description="null: the general setting")
    directions: list[ObjectDirection]


class ObjectSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    direction: ObjectDirection | None = None
    conflict_policy: ConflictPolicy | Literal["general"] | None = Field(
        default=None, description="'general' follows the general setting; omit to keep")
