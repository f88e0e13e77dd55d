"""The ``GET /tickets/filter?query="..."`` language of Freshservice, compiled to a Python predicate.

Grammar (see shared/vendor-api/freshservice.md, "GET /tickets/filter"):

    query     := '"' expr '"'                      (the whole value is wrapped in double quotes) [D]
    expr      := term ('OR' term)*
    term      := factor ('AND' factor)*             (AND binds tighter than OR) [I]
    factor    := '(' expr ')' | condition
    condition := field (':' | ':>' | ':<') value    (':>' is >=, ':<' is <=) [D]
    value     := integer | 'single quoted' | null   ('yyyy-mm-dd' UTC dates) [D]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = ["MAX_QUERY_LENGTH", "Predicate", "QueryError", "compile_query"]

MAX_QUERY_LENGTH = 512  # [D] "maximum 512 characters"

Ticket = dict[str, Any]
Predicate = Callable[[Ticket], bool]

# Query field -> ticket key. agent_id is the documented name for the assignee (responder_id). [D]
NUMBER_FIELDS: dict[str, str] = {
    "status": "status", "priority": "priority", "urgency": "urgency", "impact": "impact",
    "agent_id": "responder_id", "group_id": "group_id", "requester_id": "requester_id",
    "workspace_id": "workspace_id",
    # [C] department_id is not in the documented list; accepted because clients use it in practice.
    "department_id": "department_id",
}  # fmt: skip
# [D] created_at, due_by, fr_due_by; [C] updated_at works in practice (integodash).
DATE_FIELDS: frozenset[str] = frozenset({"created_at", "updated_at", "due_by", "fr_due_by"})
STRING_FIELDS: frozenset[str] = frozenset({"type", "tag", "email"})

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\()|(?P<rparen>\))|
        (?P<cond>(?P<field>[a-z_][a-z0-9_]*)(?P<op>:>|:<|:)(?P<value>'(?:[^'\\]|\\.)*'|-?\d+|null))|
        (?P<word>[A-Za-z]+)
    )""",
    re.VERBOSE,
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueryError(ValueError):
    """The query is malformed; the API answers 400 with an ``invalid_value`` error on ``query``."""


def compile_query(raw: str, email_to_requester: Callable[[str], int | None] | None = None) -> Predicate:
    """Parse ``raw`` (including its surrounding double quotes) into a ticket predicate."""
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError(f"Query must not exceed {MAX_QUERY_LENGTH} characters")
    if len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
        # [D] the query must be wrapped in double quotes; forgetting them is a classic client bug.
        raise QueryError("Query must be enclosed in double quotes")
    tokens = _tokenize(raw[1:-1])
    parser = _Parser(tokens, email_to_requester or (lambda _email: None))
    predicate = parser.expr()
    if parser.pos != len(tokens):
        raise QueryError(f"Unexpected token {tokens[parser.pos][1]!r}")
    return predicate


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise QueryError(f"Invalid query near {text[pos : pos + 20]!r}")
        pos = match.end()
        if match.group("lparen"):
            tokens.append(("(", "("))
        elif match.group("rparen"):
            tokens.append((")", ")"))
        elif match.group("cond"):
            tokens.append(("cond", (match.group("field"), match.group("op"), match.group("value"))))
        else:
            word = match.group("word")
            # [I] only upper-case AND / OR are operators, as in every documented example.
            if word not in ("AND", "OR"):
                raise QueryError(f"Invalid query near {word!r}")
            tokens.append((word, word))
    if not tokens:
        raise QueryError("Query must not be empty")
    return tokens


class _Parser:
    """Recursive-descent parser over the token list; each rule returns a predicate."""

    def __init__(self, tokens: list[tuple[str, Any]], email_lookup: Callable[[str], int | None]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.email_lookup = email_lookup

    def _peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def expr(self) -> Predicate:
        parts = [self.term()]
        while self._peek() == "OR":
            self.pos += 1
            parts.append(self.term())
        if len(parts) == 1:
            return parts[0]
        return lambda ticket: any(part(ticket) for part in parts)

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self._peek() == "AND":
            self.pos += 1
            parts.append(self.factor())
        if len(parts) == 1:
            return parts[0]
        return lambda ticket: all(part(ticket) for part in parts)

    def factor(self) -> Predicate:
        kind = self._peek()
        if kind == "(":
            self.pos += 1
            inner = self.expr()
            if self._peek() != ")":
                raise QueryError("Unbalanced parentheses")
            self.pos += 1
            return inner
        if kind == "cond":
            field, op, value = self.tokens[self.pos][1]
            self.pos += 1
            return self._condition(field, op, value)
        raise QueryError("Expected a condition" if kind is None else f"Unexpected token {kind!r}")

    def _condition(self, field: str, op: str, raw: str) -> Predicate:
        if raw == "null":
            if op != ":":
                raise QueryError(f"null can only be compared with ':' ({field})")
            key = NUMBER_FIELDS.get(field, field)
            if field not in NUMBER_FIELDS and field not in DATE_FIELDS:
                raise QueryError(f"Invalid field for null: {field}")
            return lambda ticket: ticket.get(key) is None
        if field in NUMBER_FIELDS:
            return _number_condition(NUMBER_FIELDS[field], op, raw)
        if field in DATE_FIELDS:
            return _date_condition(field, op, raw)
        if field in STRING_FIELDS:
            return self._string_condition(field, op, raw)
        raise QueryError(f"Invalid field: {field}")

    def _string_condition(self, field: str, op: str, raw: str) -> Predicate:
        if op != ":" or not raw.startswith("'"):
            raise QueryError(f"{field} takes a quoted string compared with ':'")
        text = raw[1:-1].replace("\\'", "'")
        wanted = text.lower()  # [I] string comparison is case-insensitive
        if field == "type":
            return lambda ticket: str(ticket.get("type", "")).lower() == wanted
        if field == "tag":
            return lambda ticket: any(str(tag).lower() == wanted for tag in ticket.get("tags") or ())
        requester = self.email_lookup(wanted)
        return lambda ticket: requester is not None and ticket.get("requester_id") == requester


def _number_condition(key: str, op: str, raw: str) -> Predicate:
    if raw.startswith("'"):
        raise QueryError(f"{key} takes a number, not a string")
    number = int(raw)
    if op == ":":
        return lambda ticket: ticket.get(key) == number
    if op == ":>":
        return lambda ticket: ticket.get(key) is not None and ticket[key] >= number
    return lambda ticket: ticket.get(key) is not None and ticket[key] <= number


def _date_condition(key: str, op: str, raw: str) -> Predicate:
    day = raw[1:-1] if raw.startswith("'") else ""
    if not _DATE.match(day):
        raise QueryError(f"{key} takes a date as 'yyyy-mm-dd'")
    try:
        datetime.strptime(day, "%Y-%m-%d")  # noqa: DTZ007  (only validating the calendar date)
    except ValueError as exc:
        raise QueryError(f"Invalid date {day!r}") from exc
    # ISO 'YYYY-MM-DDTHH:MM:SSZ' strings: the first 10 characters are the UTC date, so comparing the
    # date part gives day granularity, with both bounds inclusive [D ":>" is >=, ":<" is <=].
    if op == ":":
        return lambda ticket: ticket.get(key) is not None and ticket[key][:10] == day
    if op == ":>":
        return lambda ticket: ticket.get(key) is not None and ticket[key][:10] >= day
    return lambda ticket: ticket.get(key) is not None and ticket[key][:10] <= day
