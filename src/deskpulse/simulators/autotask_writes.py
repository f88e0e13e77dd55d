"""Writes in the Autotask simulator: ``PATCH /Tickets``, ticket notes, and faults that only writes suffer.

Write faults are separate from the shared FaultPlan because they are about outcomes, not transport:

* ``ignore``     - answers 200 with ``{"itemId": ...}`` but keeps the old value (a workflow rule reverted it, or the
                   write was dropped): only reading back shows it.
* ``reject``     - answers ``status`` (4xx) with ``{"errors": [message]}``.
* ``permission`` - answers **500** "The logged in Resource does not have the adequate permissions..." [C], the
                   quirk that makes a permission problem look like a server error.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from deskpulse.simulators.autotask_http import NO_MATCH, PERMISSION_DENIED, errors
from deskpulse.simulators.autotask_scenario import AutotaskScenario
from deskpulse.simulators.autotask_schema import TICKET_NOTES, TICKETS
from deskpulse.simulators.faults import json_error

WRITE_FAULT_MODES = frozenset({"none", "ignore", "reject", "permission"})


@dataclass
class WriteFault:
    """What the next writes suffer; ``remaining=None`` means until cleared."""

    mode: str = "none"
    status: int = 400
    message: str = "The request was rejected by a business rule."
    remaining: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in WRITE_FAULT_MODES:
            raise ValueError(f"unknown write fault mode {self.mode!r}; expected one of {sorted(WRITE_FAULT_MODES)}")
        if self.mode == "reject" and not 400 <= self.status < 500:
            raise ValueError("reject needs a 4xx status")
        if self.remaining is not None and self.remaining < 0:
            raise ValueError("remaining must be >= 0 or None")


class WriteFaults:
    """Holds the active WriteFault and counts it down, one write at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fault = WriteFault()

    @property
    def fault(self) -> WriteFault:
        """A copy of the active fault."""
        with self._lock:
            return dataclasses.replace(self._fault)

    def set(self, fault: WriteFault) -> None:
        """Activate ``fault``."""
        with self._lock:
            self._fault = dataclasses.replace(fault)

    def clear(self) -> None:
        """No write faults."""
        self.set(WriteFault())

    def take(self) -> WriteFault | None:
        """The fault for this write (counted), or None."""
        with self._lock:
            fault = self._fault
            if fault.mode == "none":
                return None
            if fault.remaining is not None and fault.remaining <= 0:
                self._fault = WriteFault()
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._fault = WriteFault()
            return dataclasses.replace(fault)


def _failure(fault: WriteFault | None) -> Response | None:
    if fault is None or fault.mode == "ignore":
        return None
    if fault.mode == "permission":
        return errors(500, PERMISSION_DENIED)
    return errors(fault.status, fault.message)


async def _json_object(request: Request) -> dict[str, Any] | Response:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return errors(400, "The request body is not valid JSON.")
    if not isinstance(body, dict):
        return errors(400, "The request body must be a JSON object.")
    return body


async def patch_ticket(request: Request, scenario: AutotaskScenario, faults: WriteFaults) -> Response:
    """``PATCH /Tickets`` with ``{"id": .., <fields>}``: only the listed fields change -> ``{"itemId": id}`` [C]."""
    body = await _json_object(request)
    if isinstance(body, Response):
        return body
    ticket_id: Any = None
    fields: dict[str, Any] = {}
    for key, value in body.items():
        name = TICKETS.canonical(key)
        if name is None:
            return errors(400, f"Unable to find {key} in the Ticket entity.")
        if name == "id":
            ticket_id = value
        elif name in TICKETS.read_only:
            return errors(400, f"The field {name} is read-only.")
        else:
            fields[name] = value
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
        return errors(400, "An id is required to update a Ticket.")
    if ticket_id not in scenario.tickets:
        return errors(500, NO_MATCH)  # [C] the quirk for a missing record
    fault = faults.take()
    failure = _failure(fault)
    if failure is not None:
        return failure
    try:
        scenario.validate(dict(fields))
    except ValueError as exc:
        return errors(400, str(exc))
    if fault is None:  # an "ignore" fault answers as if it worked
        scenario.update_ticket(ticket_id, **fields)
    return JSONResponse({"itemId": ticket_id})


async def create_note(
    request: Request, scenario: AutotaskScenario, faults: WriteFaults, parent_id: int | None = None
) -> Response:
    """``POST /TicketNotes`` or the child path ``POST /Tickets/{id}/Notes`` [C] -> ``{"itemId": id}``."""
    body = await _json_object(request)
    if isinstance(body, Response):
        return body
    values: dict[str, Any] = {}
    for key, value in body.items():
        name = TICKET_NOTES.canonical(key)
        if name is None:
            return errors(400, f"Unable to find {key} in the TicketNote entity.")
        values[name] = value
    if parent_id is not None:
        values["ticketID"] = parent_id
    for name in ("ticketID", "title", "description", "noteType", "publish"):  # [I] required fields
        if values.get(name) in (None, ""):
            return errors(400, f"{name} is required.")
    ticket_id = values["ticketID"]
    if not isinstance(ticket_id, int) or ticket_id not in scenario.tickets:
        return errors(500, NO_MATCH)
    failure = _failure(fault := faults.take())
    if failure is not None:
        return failure
    if fault is not None:  # "ignore": an id is handed out, nothing is stored
        return JSONResponse({"itemId": scenario.next_id(TICKET_NOTES.name)})
    note = scenario.add_note(
        ticket_id, str(values["title"]), str(values["description"]), note_type=int(values["noteType"]),
        publish=int(values["publish"]), resource_id=next(iter(scenario.resources), None),
    )  # fmt: skip
    return JSONResponse({"itemId": note["id"]})


def write_fault_routes(faults: WriteFaults) -> list[BaseRoute]:
    """``/_sim/write_faults`` (POST / GET / DELETE) for demos and tests."""

    async def set_fault(request: Request) -> Response:
        try:
            data = await request.json()
            fault = WriteFault(**data)
        except (ValueError, TypeError) as exc:
            return json_error(400, str(exc))
        faults.set(fault)
        return JSONResponse(dataclasses.asdict(fault))

    async def get_fault(request: Request) -> Response:
        return JSONResponse(dataclasses.asdict(faults.fault))

    async def clear_fault(request: Request) -> Response:
        faults.clear()
        return Response(status_code=204)

    return [
        Route("/_sim/write_faults", set_fault, methods=["POST"]),
        Route("/_sim/write_faults", get_fault, methods=["GET"]),
        Route("/_sim/write_faults", clear_fault, methods=["DELETE"]),
    ]
