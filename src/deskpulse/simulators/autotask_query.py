"""The Autotask REST query body, compiled to a record predicate (see shared/vendor-api/autotask.md, "Query").

    {"filter": [condition, ...], "MaxRecords": 1..500, "IncludeFields": ["id", ...]}
    condition := {"op": "eq"|"noteq"|"gt"|"gte"|"lt"|"lte"|"beginsWith"|"endsWith"|"contains"
                        |"exist"|"notExist"|"in"|"notIn", "field": name, "value": v, "udf": bool}
               | {"op": "and"|"or", "items": [condition, ...]}

Top-level conditions are ANDed [C]. Field names and body keys are case-insensitive [C/I]. Text comparisons are
case-insensitive, as on Autotask's SQL Server [I]. A null field never matches a comparison, not even ``noteq``
or ``notIn`` (SQL semantics) [I]: ask for ``notExist`` explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from deskpulse.simulators.autotask_schema import BOOLEAN, DATETIME, DOUBLE, INTEGER, LONG, STRING, Entity, parse_time

__all__ = ["MAX_OR_CONDITIONS", "MAX_RECORDS", "Query", "QueryError", "parse_query"]

MAX_RECORDS = 500  # [C] MaxRecords must be 1-500
MAX_OR_CONDITIONS = 500  # [D] for SOAP; assumed for REST [I]
COMPARISONS = ("eq", "noteq", "gt", "gte", "lt", "lte")
TEXT_OPS = ("beginswith", "endswith", "contains")
Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


class QueryError(ValueError):
    """The query cannot be run; the API answers 400 with ``{"errors": [message]}``."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the predicate, the page size and the fields to return (None = all)."""

    predicate: Predicate
    max_records: int
    include: list[str] | None


def _key(body: Mapping[str, Any], name: str) -> Any:
    """``body[name]`` with the key matched case-insensitively (``filter`` / ``Filter``)."""
    for key, value in body.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return None


def parse_query(body: Any, entity: Entity, *, require_filter: bool = True) -> Query:
    """Validate and compile a query body; raises QueryError with the message the API would send."""
    if not isinstance(body, Mapping):
        raise QueryError("The request body must be a JSON object with a 'filter' array.")
    raw_filter = _key(body, "filter")
    if raw_filter is None and require_filter:
        raise QueryError("A query must contain at least one filter condition.")  # [I] wording
    if raw_filter is not None and not isinstance(raw_filter, list):
        raise QueryError("'filter' must be an array of conditions.")
    conditions = list(raw_filter or [])
    if require_filter and not conditions:
        raise QueryError("A query must contain at least one filter condition.")
    compiler = _Compiler(entity)
    parts = [compiler.compile(item, inside_or=False) for item in conditions]
    max_records = _max_records(_key(body, "MaxRecords"))
    return Query(lambda r: all(p(r) for p in parts), max_records, _include(_key(body, "IncludeFields"), entity))


def _max_records(raw: Any) -> int:
    if raw is None:
        return MAX_RECORDS
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_RECORDS:
        raise QueryError(f"MaxRecords must be an integer between 1 and {MAX_RECORDS}.")
    return raw


def _include(raw: Any, entity: Entity) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise QueryError("IncludeFields must be a non-empty array of field names.")
    names: list[str] = []
    for item in raw:
        name = entity.canonical(item)
        if name is None:
            raise QueryError(f"Unable to find {item} in the {entity.singular} entity.")
        if name not in names:
            names.append(name)
    return names


class _Compiler:
    """Turns condition objects into predicates, counting OR conditions against the limit."""

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self.or_conditions = 0

    def compile(self, node: Any, *, inside_or: bool) -> Predicate:
        if not isinstance(node, Mapping):
            raise QueryError("Each filter condition must be an object.")
        op = _key(node, "op")
        if not isinstance(op, str):
            raise QueryError("Each filter condition needs an 'op'.")
        op = op.lower()
        if op in ("and", "or"):
            items = _key(node, "items")
            if not isinstance(items, list) or not items:
                raise QueryError(f"A '{op}' condition needs a non-empty 'items' array.")
            parts = [self.compile(item, inside_or=inside_or or op == "or") for item in items]
            if op == "and":
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        if inside_or:
            self.or_conditions += 1
            if self.or_conditions > MAX_OR_CONDITIONS:
                raise QueryError(f"A query can hold at most {MAX_OR_CONDITIONS} OR conditions.")
        if _key(node, "udf") is True:
            return self._udf(op, _key(node, "field"), _key(node, "value"))
        field = self.entity.canonical(_key(node, "field"))
        if field is None:
            raise QueryError(f"Unable to find {_key(node, 'field')} in the {self.entity.singular} entity.")
        if field in self.entity.not_queryable:
            raise QueryError(f"The field {field} cannot be queried.")  # [D] creatorType, lastActivityPersonType
        kind = self.entity.fields[field]
        return _condition(op, kind, field, lambda r: r.get(field), _key(node, "value"))

    def _udf(self, op: str, name: Any, value: Any) -> Predicate:
        if not isinstance(name, str):
            raise QueryError("A UDF condition needs a 'field' name.")
        wanted = name.lower()

        def get(record: Record) -> Any:
            for item in record.get("userDefinedFields") or ():
                if str(item.get("name", "")).lower() == wanted:
                    return item.get("value")
            return None

        return _condition(op, STRING, name, get, value)


def _condition(op: str, kind: str, field: str, get: Callable[[Record], Any], raw: Any) -> Predicate:
    if op == "exist":
        return lambda r: get(r) is not None
    if op == "notexist":
        return lambda r: get(r) is None
    if op in ("in", "notin"):
        if not isinstance(raw, list) or not raw:
            raise QueryError(f"The '{op}' operator on {field} needs a non-empty array value.")
        wanted = {_normal(_coerce(kind, field, item)) for item in raw}
        if op == "in":
            return lambda r: get(r) is not None and _normal(get(r)) in wanted
        return lambda r: get(r) is not None and _normal(get(r)) not in wanted
    if op in TEXT_OPS:
        if kind != STRING:
            raise QueryError(f"The '{op}' operator only applies to text fields ({field}).")
        text = str(_coerce(kind, field, raw)).lower()
        test: Callable[[str], bool] = {
            "beginswith": lambda s: s.startswith(text),
            "endswith": lambda s: s.endswith(text),
            "contains": lambda s: text in s,
        }[op]
        return lambda r: get(r) is not None and test(str(get(r)).lower())
    if op not in COMPARISONS:
        raise QueryError(f"Unknown filter operator '{op}'.")
    if raw is None:
        # [I] eq null reads as "has no value"; other comparisons with null are refused.
        if op == "eq":
            return lambda r: get(r) is None
        if op == "noteq":
            return lambda r: get(r) is not None
        raise QueryError(f"The '{op}' operator on {field} needs a value.")
    value = _normal(_coerce(kind, field, raw))
    compare: Callable[[Any], bool] = {
        "eq": lambda v: v == value,
        "noteq": lambda v: v != value,
        "gt": lambda v: v > value,
        "gte": lambda v: v >= value,
        "lt": lambda v: v < value,
        "lte": lambda v: v <= value,
    }[op]
    return lambda r: get(r) is not None and compare(_normal(get(r)))


def _normal(value: Any) -> Any:
    """Values as compared: text case-folded, numbers as floats (so 5 == 5.0 == "5")."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def _coerce(kind: str, field: str, raw: Any) -> Any:
    """The filter value converted to the field's type; QueryError when it does not fit."""
    if kind in (INTEGER, LONG, DOUBLE):
        if isinstance(raw, bool):
            raise QueryError(f"{field} takes a number, not {raw!r}.")
        try:
            number = float(raw)
        except (TypeError, ValueError) as exc:
            raise QueryError(f"{field} takes a number, not {raw!r}.") from exc
        if kind != DOUBLE and not number.is_integer():
            raise QueryError(f"{field} takes a whole number, not {raw!r}.")
        return number
    if kind == BOOLEAN:
        # [D] booleans must be literally true or false.
        if raw is True or raw == "true":
            return True
        if raw is False or raw == "false":
            return False
        raise QueryError(f"{field} takes true or false, not {raw!r}.")
    if kind == DATETIME:
        moment = parse_time(raw)
        if moment is None:
            raise QueryError(f"{field} takes a date-time as yyyy-mm-ddThh:mm:ss.ms, not {raw!r}.")
        return moment
    if isinstance(raw, dict | list):
        raise QueryError(f"{field} takes a single value.")
    return str(raw)
