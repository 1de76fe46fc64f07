"""SOQL -> SQLite over the ``records`` table, with records shaped as the REST API returns them.

A lark LALR grammar (``soql.lark``) parses the query; the compiler resolves names against
the org's schema (case-insensitively, answering with canonical names), turns parent paths
such as ``Opportunity.Account.Name`` into LEFT JOINs on ``records`` and applies SOQL's
two-valued comparison semantics (``Name != 'x'`` matches null names; strings compare
case-insensitively).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from b1hub.sandbox.salesforce.schema import FieldSchema, SchemaRegistry, SObjectSchema
from b1hub.sandbox.salesforce.soql_parse import SoqlError, excerpt, parser, syntax_error
from b1hub.sandbox.salesforce.soql_values import (
    STRINGY,
    Literal,
    LiteralTypeError,
    bind,
    day_bound,
    normalise_datetime,
    relative_range,
    unescape,
)

__all__ = ["CompiledQuery", "SoqlError", "compile_query"]

_NOT_FOUND_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the "
    "custom field name. Please reference your WSDL or the describe call for the appropriate names."
)
_COLUMNS = {"Id": "id", "SystemModstamp": "system_modstamp", "IsDeleted": "is_deleted"}
_SLOT_WIDTH = 3  # id, data, is_deleted per table alias


@dataclass
class _Node:
    """One table in the query (the root or a parent reached through a relationship)."""

    schema: SObjectSchema
    alias: str
    slot: int
    children: dict[str, _Node | FieldSchema] = field(default_factory=dict)


@dataclass
class CompiledQuery:
    """A compiled query: SQL over ``records`` plus what is needed to shape its rows."""

    sobject: str
    sql: str
    params: list[object]
    count_only: bool
    columns: list[str] = field(default_factory=list)
    """Dotted canonical column names, for CSV output (Bulk API 2.0 query results)."""
    aggregate_alias: str | None = None
    api_version: str = "59.0"
    _root: _Node | None = field(default=None, repr=False)

    def shape(self, row: Sequence[Any]) -> dict[str, object]:
        """One record as REST returns it: attributes, selected fields, nested parents."""
        if self.aggregate_alias is not None:
            return {"attributes": {"type": "AggregateResult"}, self.aggregate_alias: row[0]}
        assert self._root is not None
        return self._shape(self._root, row)

    def flat(self, row: Sequence[Any]) -> list[object]:
        """The selected values in ``columns`` order (a null parent gives nulls)."""
        if self.aggregate_alias is not None:
            return [row[0]]
        record = self.shape(row)
        values: list[object] = []
        for column in self.columns:
            value: object = record
            for key in column.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            values.append(value)
        return values

    def _shape(self, node: _Node | None, row: Sequence[Any]) -> dict[str, Any]:
        assert node is not None
        record_id = row[node.slot]
        data = orjson.loads(row[node.slot + 1])
        url = f"/services/data/v{self.api_version}/sobjects/{node.schema.name}/{record_id}"
        out: dict[str, Any] = {"attributes": {"type": node.schema.name, "url": url}}
        for key, child in node.children.items():
            if isinstance(child, _Node):
                out[key] = None if row[child.slot] is None else self._shape(child, row)
            elif child.name == "Id":
                out[key] = record_id
            elif child.name == "IsDeleted":
                out[key] = bool(row[node.slot + 2])
            elif child.type == "boolean":
                out[key] = bool(data.get(child.name, False))
            else:
                out[key] = data.get(child.name)
        return out


_Branch = Any
"""A lark parse-tree node: lark types children loosely as ``Token | Tree``."""


@dataclass
class _Link:
    schema_key: str
    node: _Node


def compile_query(
    soql: str,
    schemas: SchemaRegistry,
    *,
    include_deleted: bool = False,
    api_version: str = "59.0",
    today: date | None = None,
    hidden_fields: bool = True,
) -> CompiledQuery:
    """Compile ``soql``; raise SoqlError exactly where a real org would refuse the query.

    ``hidden_fields=False`` refuses the sandbox-only fields (``LastModifiedByClient``)
    as a real org does, so tests can prove a client never relies on them.
    """
    try:
        tree = parser().parse(soql)
    except UnexpectedInput as exc:
        raise syntax_error(soql, exc) from None
    compiler = _Compiler(soql, schemas, include_deleted, today or datetime.now(UTC).date(),
                         hidden_fields)
    return compiler.compile(tree, api_version)


@dataclass(frozen=True)
class _Ref:
    node: _Node
    field: FieldSchema

    @property
    def column(self) -> str:
        name: str = self.field.name
        stored = _COLUMNS.get(name)
        if stored:
            return f"{self.node.alias}.{stored}"
        return f"json_extract({self.node.alias}.data, '$.{name}')"


class _Compiler:
    def __init__(
        self, soql: str, schemas: SchemaRegistry, include_deleted: bool, today: date,
        hidden_fields: bool = True,
    ) -> None:
        self.soql = soql
        self.hidden_fields = hidden_fields
        self.schemas = schemas
        self.include_deleted = include_deleted
        self.today = today
        self.params: list[object] = []
        self.joins: list[tuple[_Node, _Node, str]] = []
        self.root: _Node

    def error(self, code: str, token: Token, message: str) -> SoqlError:
        line = token.line or 1
        column = token.column or 1
        return SoqlError(code, excerpt(self.soql, line, column) + message)

    def compile(self, tree: _Branch, api_version: str) -> CompiledQuery:
        select_list, from_token, *clauses = tree.children
        assert isinstance(select_list, Tree) and isinstance(from_token, Token)
        schema = self.schemas.get(str(from_token))
        if schema is None:
            raise self.error(
                "INVALID_TYPE", from_token,
                f"sObject type '{from_token}' is not supported. If you are attempting to use a "
                "custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        self.root = _Node(schema, "t", 0)
        query = CompiledQuery(schema.name, "", self.params, False, api_version=api_version)
        selected = self.select(select_list.children, query)
        where = [f"t.sobject = '{schema.name}'"]
        if not self.include_deleted:
            where.append("t.is_deleted = 0")
        order = ""
        tail = ""
        for clause in clauses:
            assert isinstance(clause, Tree)
            kind = clause.data
            if kind == "where":
                where.append(self.condition(clause.children[0]))
            elif kind == "order_by":
                order = self.order_by(clause.children, query)
            elif kind == "limit":
                tail += f" LIMIT {int(str(clause.children[0]))}"
            elif kind == "offset":
                if not tail:
                    tail = " LIMIT -1"
                tail += f" OFFSET {int(str(clause.children[0]))}"
        joins = "".join(
            f" LEFT JOIN records {child.alias} ON {child.alias}.id = "
            f"json_extract({parent.alias}.data, '$.{fk}')"
            + ("" if self.include_deleted else f" AND {child.alias}.is_deleted = 0")
            for parent, child, fk in self.joins
        )
        query.sql = (f"SELECT {selected} FROM records t{joins} "
                     f"WHERE {' AND '.join(where)}{order}{tail}")
        query._root = self.root
        return query

    # --- SELECT -------------------------------------------------------------------------

    def select(self, items: list[Any], query: CompiledQuery) -> str:
        counts = [item for item in items if item.data in ("count_rows", "count_field")]
        if counts:
            if len(items) > 1:
                other = next(i for i in items if i.data == "field_path")
                first: Token = other.children[0]
                raise self.error("MALFORMED_QUERY", first,
                                 f"Field must be grouped or aggregated: {first}")
            item = counts[0]
            if item.data == "count_rows":
                query.count_only = True
                return "t.id AS c0"
            ref = self.resolve(item.children[0])
            alias = str(item.children[1]) if len(item.children) > 1 else "expr0"
            query.aggregate_alias = alias
            query.columns = [alias]
            return f"COUNT({ref.column}) AS c0"
        for item in items:
            self.add_selected(item, query)
        columns = []
        for node in [self.root, *(child for _, child, _ in self.joins)]:
            base = node.slot
            columns += [f"{node.alias}.id AS c{base}", f"{node.alias}.data AS c{base + 1}",
                        f"{node.alias}.is_deleted AS c{base + 2}"]
        return ", ".join(columns)

    def add_selected(self, path: _Branch, query: CompiledQuery) -> None:
        ref = self.resolve(path)
        names = [str(t) for t in path.children]
        node = self.root
        canonical: list[str] = []
        for child in self.chain(path):
            key = child.schema_key
            node.children.setdefault(key, child.node)
            canonical.append(key)
            node = child.node
        if ref.field.name in node.children:
            raise self.error("MALFORMED_QUERY", path.children[0],
                             f"duplicate field selected: {'.'.join(names)}")
        node.children[ref.field.name] = ref.field
        query.columns.append(".".join([*canonical, ref.field.name]))

    # --- names --------------------------------------------------------------------------

    def chain(self, path: _Branch) -> list[_Link]:
        """Walk the relationship part of a dotted path, adding a LEFT JOIN per new parent."""
        links: list[_Link] = []
        node = self.root
        for token in path.children[:-1]:
            found = self.schemas.by_relationship(node.schema.name, str(token))
            if found is None:
                raise self.error(
                    "INVALID_FIELD", token,
                    f"Didn't understand relationship '{token}' in field path. If you are "
                    "attempting to use a custom relationship, be sure to append the '__r' after "
                    "the custom relationship name. Please reference your WSDL or the describe "
                    "call for the appropriate names.",
                )
            fk, parent = found
            key = str(fk.relationship_name or token)
            existing = node.children.get(key)
            if not isinstance(existing, _Node):
                existing = next((c for p, c, f in self.joins if p is node and f == fk.name), None)
            if existing is None:
                slot = _SLOT_WIDTH * (len(self.joins) + 1)
                existing = _Node(parent, f"p{len(self.joins) + 1}", slot)
                self.joins.append((node, existing, fk.name))
            links.append(_Link(key, existing))
            node = existing
        return links

    def resolve(self, path: _Branch) -> _Ref:
        links = self.chain(path)
        node = links[-1].node if links else self.root
        token = path.children[-1]
        found = node.schema.field(str(token))
        if found is None or (found.hidden and not self.hidden_fields):
            raise self.error(
                "INVALID_FIELD", path.children[0],
                f"No such column '{token}' on entity '{node.schema.name}'. {_NOT_FOUND_HINT}",
            )
        return _Ref(node, found)

    # --- WHERE --------------------------------------------------------------------------

    def condition(self, tree: _Branch) -> str:
        kind = tree.data
        if kind in ("or_", "and_"):
            parts = [self.condition(child) for child in tree.children]
            joiner = " OR " if kind == "or_" else " AND "
            return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
        if kind == "not_":
            return f"NOT IFNULL({self.condition(tree.children[0])}, 0)"
        path = tree.children[0]
        ref = self.resolve(path)
        anchor: Token = path.children[0]
        if kind == "like":
            return self.like(ref, tree.children[1], anchor)
        if kind in ("in_", "not_in"):
            values = [self.literal(v) for v in tree.children[1:]]
            return self.membership(ref, values, negate=kind == "not_in", anchor=anchor)
        op = str(tree.children[1])
        return self.compare(ref, "!=" if op == "<>" else op, self.literal(tree.children[2]), anchor)

    def literal(self, tree: _Branch) -> Literal:
        kind = tree.data
        token = tree.children[0] if tree.children else None
        raw = str(token) if token is not None else str(kind)
        if kind == "string":
            return Literal("string", unescape(raw), raw)
        if kind == "number":
            number: float | int = float(raw) if "." in raw else int(raw)
            return Literal("number", number, raw)
        if kind in ("true", "false"):
            return Literal("bool", kind == "true", raw)
        if kind == "null":
            return Literal("null", None, "null")
        try:
            if kind == "date":
                return Literal("date", date.fromisoformat(raw).isoformat(), raw)
            if kind == "datetime":
                return Literal("datetime", normalise_datetime(raw), raw)
        except ValueError:
            assert isinstance(token, Token)
            raise self.error("MALFORMED_QUERY", token, f"line {token.line}:{token.column} "
                             f"no viable alternative at character '{raw}'") from None
        return Literal("relative", raw, raw)

    def bound(self, ref: _Ref, literal: Literal, anchor: Token) -> object:
        try:
            return bind(ref.field.name, ref.field.type, literal)
        except LiteralTypeError as exc:
            raise self.error("INVALID_FIELD", anchor, str(exc)) from None

    def compare(self, ref: _Ref, op: str, literal: Literal, anchor: Token) -> str:
        column = ref.column
        if literal.kind == "null":
            if op not in ("=", "!="):
                raise self.error("MALFORMED_QUERY", anchor, f"invalid operator for null: {op}")
            return f"{column} IS NULL" if op == "=" else f"{column} IS NOT NULL"
        if literal.kind == "relative" and ref.field.type in ("date", "datetime"):
            return self.relative(ref, op, str(literal.value))
        param = self.bound(ref, literal, anchor)
        field_type = ref.field.type
        if field_type == "boolean":
            if op not in ("=", "!="):
                raise self.error("INVALID_FIELD", anchor,
                                 f"invalid operator on boolean field: {ref.field.name}")
            column = f"IFNULL({column}, 0)"
        collate = " COLLATE NOCASE" if field_type in STRINGY and ref.field.name != "Id" else ""
        self.params.append(param)
        if op == "=" and _indexed(ref):
            return f"lower({column}) = lower(?)"
        if op == "!=":
            return f"({column} IS NULL OR {column} != ?{collate})"
        return f"{column} {op} ?{collate}"

    def relative(self, ref: _Ref, op: str, name: str) -> str:
        start_day, end_day = relative_range(name, self.today)
        start = day_bound(start_day, ref.field.type)
        end = day_bound(end_day, ref.field.type)
        column = ref.column
        sql = {
            "=": f"({column} >= ? AND {column} < ?)",
            "!=": f"({column} IS NULL OR {column} < ? OR {column} >= ?)",
            "<": f"{column} < ?", "<=": f"{column} < ?",
            ">": f"{column} >= ?", ">=": f"{column} >= ?",
        }[op]
        self.params.extend({"=": [start, end], "!=": [start, end], "<": [start], "<=": [end],
                            ">": [end], ">=": [start]}[op])
        return sql

    def membership(self, ref: _Ref, values: list[Literal], *, negate: bool, anchor: Token) -> str:
        has_null = any(v.kind == "null" for v in values)
        params = [self.bound(ref, v, anchor) for v in values if v.kind != "null"]
        column = ref.column
        collate = " COLLATE NOCASE" if ref.field.type in STRINGY and ref.field.name != "Id" else ""
        self.params.extend(params)
        marks = ", ".join("?" * len(params)) or "NULL"
        if negate:
            null_part = f"{column} IS NOT NULL AND " if has_null else f"{column} IS NULL OR "
            return f"({null_part}{column}{collate} NOT IN ({marks}))"
        if has_null:
            return f"({column} IS NULL OR {column}{collate} IN ({marks}))"
        if _indexed(ref):
            lowered = ", ".join(["lower(?)"] * len(params))
            return f"lower({column}) IN ({lowered})"
        return f"{column}{collate} IN ({marks})"

    def like(self, ref: _Ref, token: Token, anchor: Token) -> str:
        if ref.field.type not in STRINGY:
            raise self.error("INVALID_FIELD", anchor,
                             f"invalid operator on field of type {ref.field.type}: LIKE")
        self.params.append(unescape(str(token), like=True))
        return f"{ref.column} LIKE ? ESCAPE '\\'"

    # --- ORDER BY -----------------------------------------------------------------------

    def order_by(self, items: list[Any], query: CompiledQuery) -> str:
        if query.aggregate_alias is not None or query.count_only:
            return ""
        terms = []
        for item in items:
            ref = self.resolve(item.children[0])
            term = ref.column
            if ref.field.type in STRINGY and ref.field.name != "Id":
                term += " COLLATE NOCASE"
            for extra in item.children[1:]:
                if isinstance(extra, Token):
                    term += f" {str(extra).upper()}"
                else:
                    term += f" NULLS {str(extra.children[0]).upper()}"
            terms.append(term)
        terms.append("t.id")
        return " ORDER BY " + ", ".join(terms)


def _indexed(ref: _Ref) -> bool:
    """Unique and external-id fields of the root have lower(json_extract) indexes (store.py)."""
    return ref.node.alias == "t" and (ref.field.external_id or ref.field.unique) \
        and ref.field.type in STRINGY
