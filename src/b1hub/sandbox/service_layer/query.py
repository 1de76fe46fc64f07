"""OData query options ($filter, $select, $orderby) translated to SQLite over JSON documents.

``$filter`` is parsed with a lark grammar (``odata_filter.lark``) and compiled to a
parameterised ``WHERE`` clause on ``json_extract`` so that filtering and ordering run
inside SQLite, using the expression indexes on the frequently filtered fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from b1hub.sandbox.service_layer.schema import Entity, Field
from b1hub.sandbox.service_layer.wire import query_error

MSG_BAD_FILTER = "Query string error - Invalid filter condition"

SQL_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


@cache
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("odata_filter.lark").read_text()
    return Lark(grammar, parser="lalr")


@dataclass(frozen=True)
class Sql:
    text: str
    params: tuple[Any, ...] = ()
    field: Field | None = None


def property_invalid(name: str) -> Exception:
    return query_error(f"Property '{name}' is invalid")


def column(entity: Entity, udfs: dict[str, Field], name: str) -> Sql:
    """SQL expression of a header property (defaults applied for sparse documents)."""
    spec = entity.fields.get(name) or udfs.get(name)
    if spec is None or spec.type == "list":
        raise property_invalid(name)
    if name == entity.key and not entity.key_fields:
        return Sql("key", (), spec)
    if name in entity.indexed:
        return Sql(indexed_column(name), (), spec)
    expr = f"json_extract(doc, '$.{name}')"
    if spec.default is not None:
        return Sql(f"coalesce({expr}, ?)", (spec.default,), spec)
    return Sql(expr, (), spec)


def indexed_column(name: str) -> str:
    """The store's virtual column holding an indexed field's value."""
    return f"x_{name}"


class FilterCompiler:
    def __init__(self, entity: Entity, udfs: dict[str, Field]) -> None:
        self.entity = entity
        self.udfs = udfs

    def compile(self, text: str) -> Sql:
        try:
            tree = _parser().parse(text)
        except LarkError as exc:
            raise query_error(MSG_BAD_FILTER) from exc
        return self._bool(tree)

    def _bool(self, node: Tree[Token] | Token) -> Sql:
        if isinstance(node, Token):
            raise query_error(MSG_BAD_FILTER)
        kind = node.data
        if kind == "or_":
            keyset = self._keyset(node)
            if keyset is not None and len(keyset[0]) > 1:
                return _row_value(*keyset)
        if kind in ("or_", "and_"):
            left, right = (self._bool(child) for child in node.children)
            op = "OR" if kind == "or_" else "AND"
            return Sql(f"({left.text} {op} {right.text})", left.params + right.params)
        if kind == "not_":
            inner = self._bool(node.children[0])
            return Sql(f"(NOT {inner.text})", inner.params)
        if kind == "comparison":
            return self._comparison(node)
        if kind == "call":
            return self._call(node, boolean=True)
        raise query_error(MSG_BAD_FILTER)

    def _keyset(self, node: Tree[Token] | Token) -> tuple[list[Sql], list[Sql], str] | None:
        """``a gt x or (a eq x and (b gt y or ...))``: the columns, values and final operator.

        A keyset page's filter, the same rows as the row value ``(a, b, ...) > (x, y, ...)``
        (SQLite compares row values lexicographically), which SQLite can seek in an index.
        """
        if isinstance(node, Token):
            return None
        if node.data == "comparison":
            found = self._simple(node)
            if found is None or found[1] not in ("gt", "ge"):
                return None
            return [found[0]], [found[2]], found[1]
        if node.data != "or_":
            return None
        first, rest = node.children
        head = self._simple(first) if isinstance(first, Tree) else None
        if (head is None or head[1] != "gt" or isinstance(rest, Token) or rest.data != "and_"):
            return None
        same, tail = rest.children
        equal = self._simple(same) if isinstance(same, Tree) else None
        if equal is None or equal[1] != "eq" or (equal[0], equal[2]) != (head[0], head[2]):
            return None
        inner = self._keyset(tail)
        if inner is None:
            return None
        return [head[0], *inner[0]], [head[2], *inner[1]], inner[2]

    def _simple(self, node: Tree[Token]) -> tuple[Sql, str, Sql] | None:
        """``property op literal`` as (column, op, coerced value), else None."""
        if node.data != "comparison":
            return None
        left_node, op_token, right_node = node.children
        if not isinstance(left_node, Tree) or left_node.data != "prop":
            return None
        if not isinstance(right_node, Tree) or right_node.data not in ("string", "number", "date"):
            return None
        left = self._operand(left_node)
        return left, str(op_token), self._coerce(left.field, self._operand(right_node))

    def _comparison(self, node: Tree[Token]) -> Sql:
        left_node, op_token, right_node = node.children
        op = str(op_token)
        left, right = self._operand(left_node), self._operand(right_node)
        if left.field is None and right.field is not None:
            left, right = right, left
            op = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}.get(op, op)
        right = self._coerce(left.field, right)
        if right.text == "NULL":
            is_null = "IS NULL" if op == "eq" else "IS NOT NULL"
            if op not in ("eq", "ne"):
                raise query_error(MSG_BAD_FILTER)
            return Sql(f"({left.text} {is_null})", left.params)
        return Sql(f"({left.text} {SQL_OPS[op]} {right.text})", left.params + right.params)

    def _coerce(self, spec: Field | None, value: Sql) -> Sql:
        """Literals follow the property's type: quoted dates, enum names, numbers."""
        if spec is None or value.field is not None or not value.params:
            return value
        raw = value.params[0]
        if spec.type == "date" and isinstance(raw, str):
            return Sql("?", (raw[:10],))
        if spec.type in ("int", "float") and isinstance(raw, str):
            try:
                return Sql("?", (float(raw) if spec.type == "float" else int(raw),))
            except ValueError as exc:
                raise query_error(MSG_BAD_FILTER) from exc
        return value

    def _operand(self, node: Tree[Token] | Token) -> Sql:
        if isinstance(node, Token):
            raise query_error(MSG_BAD_FILTER)
        kind = node.data
        if kind == "prop":
            return column(self.entity, self.udfs, str(node.children[0]))
        if kind == "call":
            return self._call(node, boolean=False)
        token = str(node.children[0]) if node.children else ""
        if kind == "string":
            return Sql("?", (token[1:-1].replace("''", "'"),))
        if kind == "number":
            number = float(token) if any(c in token for c in ".eE") else int(token)
            return Sql("?", (number,))
        if kind == "date":
            return Sql("?", (token[:10],))
        if kind == "null":
            return Sql("NULL")
        if kind in ("true", "false"):
            return Sql("?", (1 if kind == "true" else 0,))
        raise query_error(MSG_BAD_FILTER)

    def _call(self, node: Tree[Token], boolean: bool) -> Sql:
        name = str(node.children[0])
        args = [self._operand(child) for child in node.children[1:]]
        if name in ("tolower", "toupper"):
            if boolean or len(args) != 1:
                raise query_error(MSG_BAD_FILTER)
            fn = "lower" if name == "tolower" else "upper"
            return Sql(f"{fn}({args[0].text})", args[0].params, args[0].field)
        if len(args) != 2:
            raise query_error(MSG_BAD_FILTER)
        haystack, needle = args
        if name == "substringof":
            haystack, needle = needle, haystack
        params = haystack.params + needle.params
        if name == "startswith":
            text = f"(substr({haystack.text}, 1, length({needle.text})) = {needle.text})"
            params = haystack.params + needle.params + needle.params
        elif name == "endswith":
            text = (f"(length({haystack.text}) >= length({needle.text}) AND "
                    f"substr({haystack.text}, -length({needle.text})) = {needle.text})")
            params = (haystack.params + needle.params + haystack.params + needle.params
                      + needle.params)
        else:
            text = f"(instr({haystack.text}, {needle.text}) > 0)"
        return Sql(text, params)


def _row_value(columns: list[Sql], values: list[Sql], op: str) -> Sql:
    cols = ", ".join(c.text for c in columns)
    marks = ", ".join(v.text for v in values)
    params = tuple(p for sql in [*columns, *values] for p in sql.params)
    return Sql(f"(({cols}) {SQL_OPS[op]} ({marks}))", params)


def parse_select(entity: Entity, udfs: dict[str, Field], raw: str | None) -> list[str] | None:
    if not raw:
        return None
    names = [part.strip() for part in raw.split(",") if part.strip()]
    for name in names:
        if name not in entity.fields and name not in udfs and name not in entity.collections \
                and name not in entity.template:
            raise property_invalid(name)
    return names


def parse_orderby(entity: Entity, udfs: dict[str, Field], raw: str | None) -> Sql:
    """``ORDER BY`` clause; the key is always the final tie-breaker (stable paging)."""
    parts: list[str] = []
    params: tuple[Any, ...] = ()
    for item in (raw or "").split(","):
        words = item.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise query_error("Query string error - Invalid order by clause")
        col = column(entity, udfs, words[0])
        parts.append(f"{col.text} {'DESC' if words[1:] == ['desc'] else 'ASC'}")
        params += col.params
    if not any(part.startswith("key ") for part in parts):
        parts.append("key ASC")
    return Sql(", ".join(parts), params)
