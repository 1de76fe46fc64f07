"""SOQL parsing: the lark LALR parser and the errors a real org gives for a bad query.

Messages carry the query excerpt with a caret, as the real API does
(``\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\n...``).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken


class SoqlError(Exception):
    """A query the org refuses; ``error_code`` is MALFORMED_QUERY, INVALID_FIELD or INVALID_TYPE."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


@cache
def parser() -> Lark:
    grammar = files("b1hub.sandbox.salesforce").joinpath("soql.lark").read_text()
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


def excerpt(soql: str, line: int, column: int) -> str:
    text = soql.splitlines()[line - 1] if soql.strip() else soql
    return f"\n{text}\n{' ' * (column - 1)}^\nERROR at Row:{line}:Column:{column}\n"


def syntax_error(soql: str, exc: UnexpectedInput) -> SoqlError:
    line, column = max(exc.line, 1), max(exc.column, 1)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        lines = soql.rstrip().splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 2
        return SoqlError("MALFORMED_QUERY", excerpt(soql, line, column)
                         + "unexpected token: <EOF>")
    if isinstance(exc, UnexpectedToken):
        found = str(exc.token)
    elif isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        found = soql[pos] if pos < len(soql) else "<EOF>"
    else:
        found = "<EOF>"
    if exc.line < 1:
        return SoqlError("MALFORMED_QUERY", f"unexpected token: {found}")
    return SoqlError("MALFORMED_QUERY", excerpt(soql, line, column)
                     + f"unexpected token: '{found}'")
