"""Traktor smart-list queries as SQL over `tracks`, so a smart list shows the tracks Traktor would show.

Traktor stores a smart list as a search expression (research/nml-format.md §5), e.g.
`$GENRE % "FUNK" | $LABEL % "FUNK"`, `$RATING == 5`, `$PLAYED == TRUE`, `$IMPORTDATE >= MONTHS_AGO(1)`:
`$FIELD op value` comparisons joined by `|` (or) and `&` (and), with `!` (not) and parentheses. `%` means
"contains" (case-insensitive), the others compare. An expression using a field or form this module does not
know raises SmartListError naming it: the list is then reported as not evaluable, never silently wrong.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# $FIELD -> (column, kind); kind says how values compare: text, number, date (ISO text), played (boolean)
FIELDS: dict[str, tuple[str, str]] = {
    "ARTIST": ("artist", "text"),
    "TITLE": ("title", "text"),
    "ALBUM": ("album", "text"),
    "GENRE": ("genre", "text"),
    "LABEL": ("label", "text"),
    "COMMENT": ("comment", "text"),
    "COMMENT2": ("comment2", "text"),
    "REMIXER": ("remixer", "text"),
    "PRODUCER": ("producer", "text"),
    "MIX": ("mix", "text"),
    "CATALOGNO": ("catalog_no", "text"),
    "CATALOG_NO": ("catalog_no", "text"),
    "KEY": ("key_text", "text"),
    "KEYTEXT": ("key_text", "text"),
    "LYRICS": ("key_lyrics", "text"),
    "FILENAME": ("file", "text"),
    "FILEPATH": ("path", "text"),
    "BPM": ("bpm", "number"),
    "RATING": ("rating", "number"),
    "PLAYCOUNT": ("play_count", "number"),
    "BITRATE": ("bitrate", "number"),
    "LENGTH": ("duration", "number"),
    "DURATION": ("duration", "number"),
    "TRACK": ("track_number", "number"),
    "TRACKNUMBER": ("track_number", "number"),
    "COLOR": ("color", "number"),
    "IMPORTDATE": ("import_date", "date"),
    "LASTPLAYED": ("last_played", "date"),
    "RELEASEDATE": ("release_date", "date"),
    "PLAYED": ("play_count", "played"),
}
_OPS = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_TOKEN = re.compile(
    r'\s*(?:(?P<field>\$[A-Za-z_0-9]+)|(?P<string>"(?:[^"\\]|\\.)*")|(?P<func>[A-Z_]+_AGO)\s*\(\s*(?P<arg>\d+)\s*\)'
    r"|(?P<number>-?\d+(?:\.\d+)?)|(?P<word>[A-Za-z]+)|(?P<op>==|!=|<=|>=|<|>|%|\||&|!|\(|\)))"
)
_UNITS = {"DAYS_AGO": 1, "WEEKS_AGO": 7, "MONTHS_AGO": 30, "YEARS_AGO": 365}
MAX_DEPTH = 64  # nested ( and ! : real lists use a handful; thousands would exhaust Python's stack
INT64 = (-(2**63), 2**63 - 1)  # what SQLite can bind


class SmartListError(ValueError):
    """The query uses something this module cannot evaluate; the message says what."""


@dataclass
class _Tok:
    kind: str
    text: str
    arg: str | None = None


def _tokens(query: str) -> list[_Tok]:
    out, pos, q = [], 0, query.strip()
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if m is None or m.end() == pos:
            raise SmartListError(f"cannot read the query at {q[pos:pos + 20]!r}")
        kind = m.lastgroup if m.lastgroup != "arg" else "func"
        out.append(_Tok(kind or "", m.group(kind or 0), m.group("arg")))
        pos = m.end()
        while pos < len(q) and q[pos].isspace():
            pos += 1
    return out


class _Parser:
    """expr := and ('|' and)* ; and := unary ('&' unary)* ; unary := '!' unary | '(' expr ')' | comparison"""

    def __init__(self, tokens: list[_Tok], today: dt.date):
        self.t, self.i, self.today = tokens, 0, today
        self.params: list[Any] = []
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise SmartListError("the query ends too early")
        self.i += 1
        return tok

    def _joined(self, operand: Callable[[], str], symbol: str, sql: str) -> str:
        """operand (symbol operand)*, as SQL joined by `sql`."""
        parts = [operand()]
        while (tok := self.peek()) is not None and tok.text == symbol:
            self.i += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else "(" + f" {sql} ".join(parts) + ")"

    def expr(self) -> str:
        return self._joined(self.conj, "|", "OR")

    def conj(self) -> str:
        return self._joined(self.unary, "&", "AND")

    def unary(self) -> str:
        tok = self.take()
        if tok.text in ("!", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise SmartListError(f"the query is nested more than {MAX_DEPTH} levels deep")
            try:
                if tok.text == "!":
                    return f"NOT {self.unary()}"
                inner = self.expr()
                if self.take().text != ")":
                    raise SmartListError("a parenthesis is not closed")
                return f"({inner})"
            finally:
                self.depth -= 1
        if tok.kind != "field":
            raise SmartListError(f"expected a $FIELD, found {tok.text!r}")
        return self.comparison(tok.text[1:].upper())

    def value(self, kind: str) -> Any:
        tok = self.take()
        if tok.kind == "string":
            return re.sub(r"\\(.)", r"\1", tok.text[1:-1])
        if tok.kind == "number":
            return _number(tok.text)
        if tok.kind == "func":
            days = _UNITS.get(tok.text)
            if days is None:
                raise SmartListError(f"unknown function {tok.text}")
            return _days_ago(self.today, tok.text, days, tok.arg or "0")
        if tok.kind == "word" and tok.text.upper() in ("TRUE", "FALSE"):
            return tok.text.upper() == "TRUE"
        raise SmartListError(f"expected a value, found {tok.text!r}")

    def comparison(self, field: str) -> str:
        if field not in FIELDS:
            raise SmartListError(f"unknown field ${field}")
        column, kind = FIELDS[field]
        op = self.take().text
        if op not in _OPS and op != "%":
            raise SmartListError(f"unknown operator {op!r} after ${field}")
        value = self.value(kind)
        if kind == "played":
            if not isinstance(value, bool) or op not in ("==", "!="):
                raise SmartListError(f"${field} compares with == or != to TRUE or FALSE")
            played = value == (op == "==")
            return "coalesce(play_count, 0) > 0" if played else "coalesce(play_count, 0) = 0"
        if op == "%":
            text = str(value)
            self.params.append("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
            return f"{column} LIKE ? ESCAPE '\\'"
        if kind == "text":
            self.params.append(str(value))
            return f"{column} {_OPS[op]} ? COLLATE NOCASE"
        if kind == "number" and not isinstance(value, int | float):
            raise SmartListError(f"${field} compares with a number")
        self.params.append(value)
        return f"{column} {_OPS[op]} ?"


def _number(text: str) -> int | float:
    """A literal SQLite can bind: integers within int64, finite floats."""
    if "." in text:
        value = float(text)
        if not math.isfinite(value):
            raise SmartListError(f"the number {text[:20]}… is out of range")
        return value
    if len(text.lstrip("-")) > 19:  # longer than any int64 (and int() refuses > 4300 digits)
        raise SmartListError(f"the number {text[:20]}… is out of range")
    number = int(text)
    if not INT64[0] <= number <= INT64[1]:
        raise SmartListError(f"the number {text} is out of range")
    return number


def _days_ago(today: dt.date, func: str, unit: int, arg: str) -> str:
    try:
        return (today - dt.timedelta(days=unit * int(arg[:9]) if len(arg) <= 9 else 10**9)).isoformat()
    except (OverflowError, ValueError):
        raise SmartListError(f"{func}({arg[:20]}) reaches too far back for a date") from None


def to_sql(query: str, today: dt.date | None = None) -> tuple[str, list[Any]]:
    """(WHERE clause over `tracks`, its parameters) for a Traktor smart-list query. Raises SmartListError."""
    if not query or not query.strip():
        raise SmartListError("the smart list has no query")
    p = _Parser(_tokens(query), today or dt.date.today())
    clause = p.expr()
    if p.peek() is not None:
        raise SmartListError(f"unexpected {p.peek().text!r} in the query")  # type: ignore[union-attr]
    return clause, p.params
