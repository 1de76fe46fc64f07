"""The in-process org: every write, from any API, goes through :class:`Org`.

It validates like a real org (types, lengths, picklists, references, required and unique
fields, validation and duplicate rules, injected row locks), maintains system fields and
records who wrote and with which ``Sforce-Call-Options`` client. Each write commits on
its own unless the caller groups writes with ``with org.transaction():``. Never await
inside a transaction: the connection is shared by every request of the event loop.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from b1hub.sandbox.config import SalesforceSettings
from b1hub.sandbox.salesforce import ids, logic
from b1hub.sandbox.salesforce.objects import standard_registry
from b1hub.sandbox.salesforce.results import (
    NOT_FOUND_MESSAGE,
    ApiError,
    CallContext,
    SaveResult,
    WriteFailed,
    fail,
)
from b1hub.sandbox.salesforce.rules import RuleBook
from b1hub.sandbox.salesforce.runtime import RuntimeConfig
from b1hub.sandbox.salesforce.schema import (
    FieldSchema,
    FieldSpecInput,
    SchemaRegistry,
    SObjectSchema,
)
from b1hub.sandbox.salesforce.store import KeyValue, connect, ensure_ext_index, ext_expr
from b1hub.sandbox.salesforce.values import coerce, is_blank, now_stamp

__all__ = ["ApiError", "CallContext", "Org", "QueryResult", "SaveResult", "StoredRecord"]

READ_ONLY_HINT = (
    "Please check the security settings of this field and verify that it is read/write "
    "for your profile or permission set."
)
LOOKUP_INDEXES = (
    ("Contact", "AccountId"), ("Opportunity", "AccountId"), ("Quote", "OpportunityId"),
    ("QuoteLineItem", "QuoteId"), ("OrderItem", "OrderId"), ("PricebookEntry", "Product2Id"),
    ("OpportunityLineItem", "OpportunityId"),
)


@dataclass
class QueryResult:
    total_size: int
    records: list[dict[str, Any]] = field(default_factory=list)
    done: bool = True


@dataclass
class StoredRecord:
    id: str
    sobject: str
    data: dict[str, Any]
    is_deleted: bool


class Rollback(Exception):
    """Raised inside ``org.transaction()`` to undo it without an error escaping."""


class Org:
    def __init__(self, settings: SalesforceSettings) -> None:
        self.settings = settings
        self.conn: sqlite3.Connection = connect(settings.data_dir)
        self.kv = KeyValue(self.conn)
        self.runtime = RuntimeConfig(self.kv, settings)
        self.schemas: SchemaRegistry = standard_registry()
        self.rules = RuleBook(self.conn)
        self.ids = ids.IdAllocator(self.conn)
        self._rng = random.Random(settings.seed)
        self.on_fault: Callable[[str], None] | None = None
        """Told the kind of each fault the org injects (the app counts it in /_sandbox)."""
        self._depth = 0
        self._load_custom_fields()
        self._ensure_indexes()

    # -- plumbing -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A transaction (outermost) or savepoint (nested) around several writes."""
        depth = self._depth
        self.conn.execute("BEGIN" if depth == 0 else f"SAVEPOINT sp{depth}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth = depth
            if depth == 0:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.execute(f"ROLLBACK TO sp{depth}")
                self.conn.execute(f"RELEASE sp{depth}")
            raise
        self._depth = depth
        self.conn.execute("COMMIT" if depth == 0 else f"RELEASE sp{depth}")

    def _ensure_indexes(self) -> None:
        for schema in self.schemas.all():
            for spec in schema.fields.values():
                if spec.external_id or spec.unique:
                    ensure_ext_index(self.conn, schema.name, spec.name)
        for sobject, name in LOOKUP_INDEXES:
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS ix_{sobject}_{name}_lookup ".lower()
                + f"ON records(json_extract(data, '$.{name}')) WHERE sobject = '{sobject}'"
            )

    def _load_custom_fields(self) -> None:
        for sobject, spec in self.conn.execute("SELECT sobject, spec FROM custom_fields"):
            schema = self.schemas.get(sobject)
            if schema is not None:
                schema.add_field(FieldSpecInput(sobject=sobject, **orjson.loads(spec)).to_field())

    def add_custom_field(self, spec: FieldSpecInput) -> FieldSchema:
        schema = self.schemas.get(spec.sobject)
        if schema is None:
            raise ValueError(f"unknown sobject {spec.sobject!r}")
        if schema.field(spec.name) is not None:
            raise ValueError(f"{schema.name}.{spec.name} already exists")
        if spec.reference_to and self.schemas.get(spec.reference_to) is None:
            raise ValueError(f"unknown sobject {spec.reference_to!r}")
        made = spec.to_field()
        stored = {k: v for k, v in vars(spec).items() if k != "sobject"}
        self.conn.execute(
            "INSERT INTO custom_fields(sobject, name, spec) VALUES (?, ?, ?)",
            (schema.name, made.name, orjson.dumps(stored).decode()),
        )
        schema.add_field(made)
        if made.external_id or made.unique:
            ensure_ext_index(self.conn, schema.name, made.name)
        return made

    def remove_custom_field(self, sobject: str, name: str) -> None:
        """Delete a custom field, as an administrator can in Setup; records keep their
        stored values, but no API call sees the field any more (until the sandbox restarts
        or the field is created again)."""
        schema = self.schemas.get(sobject)
        spec = schema.field(name) if schema is not None else None
        if schema is None or spec is None:
            raise ValueError(f"{sobject}.{name} does not exist")
        if not spec.custom:
            raise ValueError(f"{schema.name}.{spec.name} is a standard field")
        self.conn.execute("DELETE FROM custom_fields WHERE sobject = ? AND name = ?",
                          (schema.name, spec.name))
        schema.remove_field(spec.name)

    # -- reads ----------------------------------------------------------------------

    def fetch(self, record_id: str) -> StoredRecord | None:
        row = self.conn.execute(
            "SELECT id, sobject, data, is_deleted FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if row is None:
            return None
        return StoredRecord(row[0], row[1], orjson.loads(row[2]), bool(row[3]))

    def find_by_external(self, sobject: str, field_name: str, value: object) -> list[str]:
        """Ids of live records whose ``field_name`` equals ``value`` case-insensitively."""
        schema = self.schemas.get(sobject)
        spec = schema.field(field_name) if schema else None
        if schema is None or spec is None:
            return []
        rows = self.conn.execute(
            f"SELECT id FROM records WHERE sobject = '{schema.name}' AND is_deleted = 0 "
            f"AND {ext_expr(spec.name)} = lower(?) ORDER BY id",
            (_key_text(value),),
        ).fetchall()
        return [r[0] for r in rows]

    def children(self, sobject: str, field_name: str, parent_id: str) -> list[StoredRecord]:
        rows = self.conn.execute(
            "SELECT id, sobject, data, is_deleted FROM records "
            f"WHERE sobject = '{sobject}' AND is_deleted = 0 "
            f"AND json_extract(data, '$.{field_name}') = ?",
            (parent_id,),
        ).fetchall()
        return [StoredRecord(r[0], r[1], orjson.loads(r[2]), bool(r[3])) for r in rows]

    def run_query(self, soql: str, include_deleted: bool = False) -> QueryResult:
        """Every row of a SOQL query (no paging), shaped as the REST API returns them."""
        from b1hub.sandbox.salesforce.soql import compile_query

        compiled = compile_query(
            soql, self.schemas, include_deleted=include_deleted,
            api_version=self.settings.api_version,
        )
        if compiled.count_only:
            (total,) = self.conn.execute(
                f"SELECT COUNT(*) FROM ({compiled.sql})", compiled.params
            ).fetchone()
            return QueryResult(int(total))
        rows = self.conn.execute(compiled.sql, compiled.params).fetchall()
        return QueryResult(len(rows), [compiled.shape(r) for r in rows])

    # -- writes ---------------------------------------------------------------------

    def insert(self, sobject: str, values: dict[str, object], ctx: CallContext) -> SaveResult:
        schema = self.schemas.get(sobject)
        if schema is None:
            return SaveResult.fail(_invalid_type(sobject))
        return self._guarded(lambda: self._save(schema, values, ctx, None), None)

    def update(
        self, sobject: str, record_id: str, values: dict[str, object], ctx: CallContext
    ) -> SaveResult:
        schema = self.schemas.get(sobject)
        if schema is None:
            return SaveResult.fail(_invalid_type(sobject))

        def work() -> SaveResult:
            old = self._existing(schema, record_id)
            return self._save(schema, values, ctx, old)

        return self._guarded(work, ids.normalize(record_id) or record_id)

    def upsert(
        self, sobject: str, external_field: str, values: dict[str, object], ctx: CallContext
    ) -> SaveResult:
        schema = self.schemas.get(sobject)
        if schema is None:
            return SaveResult.fail(_invalid_type(sobject))
        spec = schema.field(external_field)
        if spec is None or not (spec.external_id or spec.name == "Id"):
            return SaveResult.fail(ApiError(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: "
                f"{external_field}",
            ))
        key = next((v for k, v in values.items() if k.lower() == spec.name.lower()), None)
        if spec.name == "Id":
            rest = {k: v for k, v in values.items() if k.lower() != "id"}
            if is_blank(key):
                result = self.insert(schema.name, rest, ctx)
                result.created = True
                return result
            result = self.update(schema.name, str(key), rest, ctx)
            result.created = False if result.success else None
            return result
        if is_blank(key):
            return SaveResult.fail(ApiError(
                "MISSING_ARGUMENT", f"{spec.name} not specified", [spec.name]))
        matches = self.find_by_external(schema.name, spec.name, key)
        if len(matches) > 1:
            return SaveResult.fail(ApiError(
                "DUPLICATE_EXTERNAL_ID",
                f"{spec.name}: more than one record found for external id field: "
                f"[{', '.join(matches)}]",
                [spec.name],
            ))
        if matches:
            result = self.update(schema.name, matches[0], values, ctx)
            result.created = False if result.success else None
            return result
        result = self.insert(schema.name, values, ctx)
        result.created = True if result.success else None
        return result

    def delete(self, record_id: str, ctx: CallContext) -> SaveResult:
        def work() -> SaveResult:
            rid = ids.normalize(record_id)
            schema = self.schemas.by_prefix(rid[:3]) if rid else None
            if rid is None or schema is None:
                raise fail("MALFORMED_ID", f"bad id {record_id}")
            self._existing(schema, rid, missing="NOT_FOUND")
            self._maybe_lock(rid)
            with self.transaction():
                self._soft_delete(schema, rid, ctx, now_stamp())
            return SaveResult(rid, True, [])

        return self._guarded(work, ids.normalize(record_id) or record_id)

    def undelete(self, record_id: str) -> int:
        """Restore a deleted record and the children deleted with it, as a person does
        from the Recycle Bin (stamped as that person's change); returns how many."""
        rid = ids.normalize(record_id)
        record = self.fetch(rid) if rid else None
        if record is None or not record.is_deleted:
            raise ValueError(f"{record_id} is not in the Recycle Bin")
        ctx = CallContext(str(record.data.get("LastModifiedById")),
                          record.data.get("LastModifiedByClient"))
        with self.transaction():
            return self._restore(record, ctx, now_stamp())

    def _restore(self, record: StoredRecord, ctx: CallContext, now: str) -> int:
        deleted_at = record.data.get("SystemModstamp")
        self._write(record.data | {"IsDeleted": False}, ctx, now, record.sobject)
        restored = 1
        for child_type, fk in logic.CASCADE.get(record.sobject, ()):
            rows = self.conn.execute(
                "SELECT id, sobject, data, is_deleted FROM records WHERE sobject = ? AND "
                f"is_deleted = 1 AND json_extract(data, '$.{fk}') = ?", (child_type, record.id),
            ).fetchall()
            for row in rows:
                child = StoredRecord(row[0], row[1], orjson.loads(row[2]), True)
                if child.data.get("SystemModstamp") == deleted_at:
                    restored += self._restore(child, ctx, now)
        return restored

    def system_update(
        self, record_id: str, changes: dict[str, Any], ctx: CallContext
    ) -> None:
        """Set read-only fields directly (lead conversion), maintaining system fields."""
        record = self.fetch(record_id)
        if record is None:
            raise KeyError(record_id)
        data = record.data | changes
        with self.transaction():
            self._write(data, ctx, now_stamp(), record.sobject)

    # -- internals --------------------------------------------------------------------

    def _guarded(self, work: Any, record_id: str | None) -> SaveResult:
        try:
            result: SaveResult = work()
            return result
        except WriteFailed as exc:
            return SaveResult.fail(exc.error, record_id)

    def _maybe_lock(self, record_id: str) -> None:
        rate = self.runtime.lock_error_rate
        if rate > 0 and self._rng.random() < rate:
            if self.on_fault is not None:
                self.on_fault("UNABLE_TO_LOCK_ROW")
            raise fail(
                "UNABLE_TO_LOCK_ROW",
                f"unable to obtain exclusive access to this record or 1 records: {record_id}",
            )

    def _existing(
        self, schema: SObjectSchema, record_id: str, missing: str = "INVALID_CROSS_REFERENCE_KEY"
    ) -> dict[str, Any]:
        rid = ids.normalize(record_id)
        if rid is None or rid[:3] != schema.key_prefix:
            raise fail("MALFORMED_ID", f"{schema.label} ID: id value of incorrect type: "
                       f"{record_id}", ["Id"])
        record = self.fetch(rid)
        if record is None:
            if missing == "NOT_FOUND":
                raise fail("NOT_FOUND", NOT_FOUND_MESSAGE)
            raise fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if record.is_deleted:
            raise fail("ENTITY_IS_DELETED", "entity is deleted")
        return record.data

    def _save(
        self,
        schema: SObjectSchema,
        values: dict[str, object],
        ctx: CallContext,
        old: dict[str, Any] | None,
    ) -> SaveResult:
        self._maybe_lock(old["Id"] if old else "")
        if old is not None:
            logic.check_updatable(schema, old)
        changes = self._changes(schema, values, old is None)
        record = dict(old or {}) | changes
        if old is None:
            self._apply_defaults(schema, record, ctx)
        self._check_references(schema, changes)
        logic.before_write(self, schema, record, old, changes)
        missing = [f.name for f in schema.fields.values() if f.required
                   and is_blank(record.get(f.name))]
        if missing:
            raise fail("REQUIRED_FIELD_MISSING",
                       f"Required fields are missing: [{', '.join(missing)}]", missing)
        self._check_unique(schema, record, changes, old)
        self._check_validation_rules(schema, record)
        if not ctx.allow_duplicates:
            self._check_duplicate_rules(schema, record)
        now = now_stamp()
        with self.transaction():
            if old is None:
                record["Id"] = self.ids.new(schema.key_prefix)
                record["CreatedDate"] = now
                record["CreatedById"] = ctx.user_id
                logic.assign_auto_numbers(self, schema, record)
            self._write(record, ctx, now, schema.name)
            logic.after_write(self, schema, record, old)
        return SaveResult(record["Id"], True, [], created=old is None)

    def _write(self, record: dict[str, Any], ctx: CallContext, now: str, sobject: str) -> None:
        record["IsDeleted"] = bool(record.get("IsDeleted", False))
        record["LastModifiedDate"] = now
        record["LastModifiedById"] = ctx.user_id
        record["SystemModstamp"] = now
        record["LastModifiedByClient"] = ctx.client
        data = {k: v for k, v in record.items() if v is not None}
        self.conn.execute(
            "INSERT INTO records(id, sobject, data, is_deleted, system_modstamp) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, "
            "is_deleted = excluded.is_deleted, system_modstamp = excluded.system_modstamp",
            (record["Id"], sobject, orjson.dumps(data).decode(), int(record["IsDeleted"]), now),
        )

    def _soft_delete(self, schema: SObjectSchema, rid: str, ctx: CallContext, now: str) -> None:
        for child_type, fk in logic.CASCADE.get(schema.name, ()):
            child_schema = self.schemas.get(child_type)
            assert child_schema is not None
            for child in self.children(child_type, fk, rid):
                self._soft_delete(child_schema, child.id, ctx, now)
        record = self.fetch(rid)
        assert record is not None
        data = record.data | {"IsDeleted": True}
        self._write(data, ctx, now, schema.name)
        logic.after_delete(self, schema, data)

    def _changes(
        self, schema: SObjectSchema, values: dict[str, object], inserting: bool
    ) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        read_only: list[str] = []
        for key, value in values.items():
            if key == "attributes":
                continue
            spec = schema.field(key)
            if spec is None and isinstance(value, dict):
                spec, value = self._resolve_foreign_key(schema, key, value)
            if spec is None:
                raise fail("INVALID_FIELD",
                           f"No such column '{key}' on sobject of type {schema.name}")
            if spec.name == "Id":
                if inserting:
                    raise fail("INVALID_FIELD_FOR_INSERT_UPDATE",
                               "Record ID: cannot specify Id in an insert call", ["Id"])
                continue
            if not (spec.createable if inserting else spec.updateable):
                read_only.append(spec.name)
                continue
            changes[spec.name] = coerce(spec, value)
        if read_only:
            raise fail(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(read_only)}. {READ_ONLY_HINT}",
                read_only,
            )
        return changes

    def _resolve_foreign_key(
        self, schema: SObjectSchema, relationship: str, value: dict[str, Any]
    ) -> tuple[FieldSchema | None, object]:
        """``"Account": {"SAP_CardCode__c": "C1"}`` -> (AccountId field, the account's Id)."""
        found = self.schemas.by_relationship(schema.name, relationship)
        if found is None:
            return None, value
        fk, parent = found
        keys = [k for k in value if k != "attributes"]
        spec = parent.field(keys[0]) if len(keys) == 1 else None
        if spec is None or not spec.external_id:
            raise fail("INVALID_FIELD",
                       f"Invalid foreign key relationship name {relationship}", [fk.name])
        matches = self.find_by_external(parent.name, spec.name, value[keys[0]])
        if not matches:
            raise fail("INVALID_FIELD",
                       f"Foreign key external ID: {value[keys[0]]} not found for field "
                       f"{spec.name} in entity {parent.name}", [])
        if len(matches) > 1:
            raise fail("DUPLICATE_EXTERNAL_ID",
                       f"Foreign key external ID: {value[keys[0]]} matches several "
                       f"{parent.name} records: [{', '.join(matches)}]", [])
        return fk, matches[0]

    def _apply_defaults(
        self, schema: SObjectSchema, record: dict[str, Any], ctx: CallContext
    ) -> None:
        for spec in schema.fields.values():
            if record.get(spec.name) is not None:
                continue
            if spec.default == "$user":
                record[spec.name] = ctx.user_id
            elif spec.default is not None:
                record[spec.name] = spec.default
            elif spec.type == "boolean":
                record[spec.name] = False

    def _check_references(self, schema: SObjectSchema, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            spec = schema.fields[name]
            if spec.type != "reference" or value is None:
                continue
            rid = ids.normalize(str(value))
            targets = [self.schemas.get(t) for t in spec.reference_to]
            prefixes = {t.key_prefix for t in targets if t is not None}
            if rid is None or rid[:3] not in prefixes:
                raise fail("MALFORMED_ID",
                           f"{spec.label}: id value of incorrect type: {value}", [name])
            target = self.fetch(rid)
            if target is None:
                raise fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
            if target.is_deleted:
                raise fail("ENTITY_IS_DELETED", "entity is deleted", [name])
            changes[name] = rid

    def _check_unique(
        self,
        schema: SObjectSchema,
        record: dict[str, Any],
        changes: dict[str, Any],
        old: dict[str, Any] | None,
    ) -> None:
        for spec in schema.unique_fields():
            value = record.get(spec.name)
            if value is None or (old is not None and spec.name not in changes):
                continue
            others = [i for i in self.find_by_external(schema.name, spec.name, value)
                      if old is None or i != old["Id"]]
            if others:
                raise fail(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {spec.name} duplicates value on record with id: "
                    f"{others[0][:15]}",
                )

    def _check_validation_rules(self, schema: SObjectSchema, record: dict[str, Any]) -> None:
        for rule in self.rules.validation_for(schema.name):
            spec = schema.field(rule.field)
            if spec is not None and rule.violated_by(record.get(spec.name)):
                raise fail("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.error_message(),
                           [spec.name])

    def _check_duplicate_rules(self, schema: SObjectSchema, record: dict[str, Any]) -> None:
        for rule in self.rules.duplicate_for(schema.name):
            specs = [schema.field(f) for f in rule.fields]
            if any(s is None or is_blank(record.get(s.name)) for s in specs):
                continue
            where = " AND ".join(
                f"lower(json_extract(data, '$.{s.name}')) = lower(?)" for s in specs if s
            )
            params = [str(record[s.name]) for s in specs if s]
            rows = self.conn.execute(
                f"SELECT id FROM records WHERE sobject = ? AND is_deleted = 0 AND {where} "
                "AND id != ? LIMIT 5",
                [schema.name, *params, record.get("Id") or ""],
            ).fetchall()
            if rows:
                raise WriteFailed(ApiError("DUPLICATES_DETECTED", rule.message, [], {
                    "duplicateResult": _duplicate_result(schema, rule.name, rule.message,
                                                         [r[0] for r in rows]),
                }))


def _duplicate_result(
    schema: SObjectSchema, rule_name: str, message: str, matches: list[str]
) -> dict[str, Any]:
    return {
        "allowSave": True,
        "duplicateRule": rule_name,
        "duplicateRuleEntityType": schema.name,
        "errorMessage": message,
        "matchResults": [{
            "entityType": schema.name,
            "matchRecords": [
                {"matchConfidence": 100.0,
                 "record": {"attributes": {"type": schema.name}, "Id": rid}}
                for rid in matches
            ],
        }],
    }


def _invalid_type(sobject: str) -> ApiError:
    return ApiError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")


def _key_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
