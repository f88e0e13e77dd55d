"""A query parameter holding an ISO 8601 time, and only that.

Pydantic also reads a bare number as seconds since 1970, so ``?until=0.5`` meant 1970 instead of being refused;
the OpenAPI document promises ``date-time``, so numbers answer 400 like any other malformed time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("use an ISO 8601 time such as 2026-11-18T09:30:00Z, not a number")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_not_a_number)]
