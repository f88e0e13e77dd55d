"""The error responses API operations declare: one map of statuses and the body the app really sends.

Every error is ``{"detail": "<one sentence>"}`` (under ``/api/dashboard/`` the envelope's ``success``, ``data``
and ``message`` come along). Invalid parameters answer 400, never FastAPI's 422, so the 422 FastAPI would list
for every operation with parameters is taken out of the generated schema.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

Responses = dict[int | str, dict[str, Any]]


class ErrorBody(BaseModel):
    """The body of every deskpulse error."""

    detail: str = Field(description="What was wrong, as one sentence")


DESCRIPTIONS: dict[int, str] = {
    400: "A parameter or body field is missing or has the wrong type or value; the sentence says which",
    401: "Not signed in, or an unknown or revoked API key",
    403: "The caller's role lacks the permission this needs (the sentence names it)",
    404: "Nothing by that name or id within the caller's scope",
    409: "The change conflicts with the current state (the sentence says how)",
    413: "The request body is larger than the server accepts",
    429: "Too many requests from this API key (or address) this minute; Retry-After says when to try again",
    502: "A server deskpulse relies on (the mail server, a vendor) refused or failed; the sentence has its answer",
    503: "The service is not available right now (the sentence says why)",
}
# What any signed-in API call can answer: a bad parameter, no or the wrong caller, the per-key rate limit.
CALLER = (400, 401, 403, 429)


def error_responses(*statuses: int, described: dict[int, str] | None = None) -> Responses:
    """``responses=`` for a router or operation: each status with its description and the error body schema;
    ``described`` replaces the general description of a status with what it means for this operation."""
    texts = {**DESCRIPTIONS, **(described or {})}
    return {status: {"model": ErrorBody, "description": texts[status]} for status in (*statuses, *(described or {}))}


def api_errors(*statuses: int, described: dict[int, str] | None = None) -> Responses:
    """The caller errors every API operation shares (400, 401, 403, 429) plus ``statuses``."""
    return error_responses(*CALLER, *statuses, described=described)


def drop_unused_422(app: FastAPI) -> None:
    """Serve the OpenAPI document without the 422 FastAPI adds to every operation with parameters: the app
    answers invalid input with 400 (see its validation handler), which the operations declare instead."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict):
                    operation.get("responses", {}).pop("422", None)
        if '"#/components/schemas/HTTPValidationError"' not in json.dumps(schema.get("paths", {})):
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
