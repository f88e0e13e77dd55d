"""Pydantic models of the LibreNMS v0 rows deskpulse reads (only the fields used), tolerant of type drift.

The same field arrives as ``1``, ``"1"``, ``true`` or ``"true"`` depending on release and endpoint [D][C],
so every scalar goes through a lenient coercion. Reference: https://docs.librenms.org/API/
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

_TRUE = frozenset({"1", "true", "yes", "on", "up"})
_FALSE = frozenset({"0", "false", "no", "off", "down", ""})


def to_int(value: Any) -> int | None:
    """``5``, ``"5"``, ``5.0``, ``true`` -> int; null, ``""`` and ``"NULL"`` -> None; anything else is an error."""
    if value is None or isinstance(value, int):
        return None if value is None else int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "NULL"):
            return None
        if text.lstrip("-").isdigit():
            return int(text)
        if text.replace(".", "", 1).isdigit() and float(text).is_integer():
            return int(float(text))
    raise ValueError(f"not an integer: {value!r}")


def to_bool(value: Any) -> bool | None:
    """``1``/``0``, ``true``/``false`` and their string forms -> bool; null -> None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"not a boolean: {value!r}")


def to_str(value: Any) -> str | None:
    """Numbers -> their text; null -> None (so an IP or a hostname that looks numeric still reads as text)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise ValueError(f"not text: {value!r}")


LooseInt = Annotated[int | None, BeforeValidator(to_int)]
LooseBool = Annotated[bool | None, BeforeValidator(to_bool)]
LooseStr = Annotated[str | None, BeforeValidator(to_str)]
Stamp = Annotated[str | int | None, BeforeValidator(lambda v: v if v is None or isinstance(v, str | int) else str(v))]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LnDevice(_Loose):
    """A row of ``GET /devices`` (raw SQL) or ``GET /devices/:h`` (Eloquent)."""

    device_id: LooseInt
    hostname: LooseStr
    sysName: LooseStr = None
    display: LooseStr = None
    ip: LooseStr = None
    os: LooseStr = None
    hardware: LooseStr = None
    type: LooseStr = None
    location: LooseStr = None
    status: LooseBool = None
    status_reason: LooseStr = None
    ignore: LooseBool = None
    disabled: LooseBool = None
    uptime: LooseInt = None
    last_polled: Stamp = None
    last_ping: Stamp = None
    inserted: Stamp = None
    dependency_parent_hostname: LooseStr = None


class LnOutage(_Loose):
    """One row of ``GET /devices/:h/outages``: epoch seconds, ``up_again`` null while still down [D][S]."""

    going_down: Stamp
    up_again: Stamp = None


class LnEvent(_Loose):
    """One event log row (every value may be a string [D])."""

    event_id: LooseInt
    hostname: LooseStr = None
    device_id: LooseInt = None
    datetime: Stamp = None
    message: LooseStr = None
    type: LooseStr = None
    severity: LooseInt = None
    reference: LooseStr = None


class LnAlert(_Loose):
    """One row of ``GET /alerts`` [C]."""

    id: LooseInt
    hostname: LooseStr = None
    device_id: LooseInt = None
    rule_id: LooseInt = None
    name: LooseStr = None
    severity: LooseStr = None
    state: LooseInt = None
    timestamp: Stamp = None
    note: LooseStr = None


class LnLink(_Loose):
    """One LLDP/CDP neighbour row [D]; ``remote_device_id`` 0 or null = not a monitored device [I]."""

    id: LooseInt = None
    local_device_id: LooseInt
    local_port_id: LooseInt = None
    remote_device_id: LooseInt = None
    remote_hostname: LooseStr = None
    remote_port: LooseStr = None
    protocol: LooseStr = None
    active: LooseBool = None


class LnPort(_Loose):
    """A port row restricted to the columns asked for [D]."""

    port_id: LooseInt
    device_id: LooseInt = None
    ifName: LooseStr = None
    ifAlias: LooseStr = None
    ifOperStatus: LooseStr = None
    ifAdminStatus: LooseStr = None
    ifSpeed: LooseInt = None


class LnGroup(_Loose):
    """A device group row (Eloquent model fields) [S][D]."""

    id: LooseInt
    name: LooseStr
    desc: LooseStr = None
    type: LooseStr = None


class LnService(_Loose):
    """A service check row [C]; ``service_changed`` is epoch seconds."""

    service_id: LooseInt
    device_id: LooseInt = None
    service_name: LooseStr = None
    service_type: LooseStr = None
    service_status: LooseInt = None
    service_message: LooseStr = None
    service_changed: Stamp = None
    service_ignore: LooseBool = None
    service_disabled: LooseBool = None
