"""What the source and business-hours forms of the wizard and /settings ask for, and how their answers are read.

Shared by the wizard (``setup_wizard``), the settings pages (``settings_pages``) and the JSON twin
(``settings_api``). The forms never carry a saved secret back to the browser: a secret field is always empty,
and submitting it empty keeps what was saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from deskpulse.auth.principal import Principal
from deskpulse.config import TRENGO_DEFAULT_BASE_URL, Config
from deskpulse.secret_box import SecretBox
from deskpulse.settings_store import KIND_LABELS, SECRET_FIELDS, DeskSettings, SettingsOverlay
from deskpulse.sla_config import DEFAULT_HOURS
from deskpulse.web.i18n import N_

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The wizard offers these; the files source is for desks that export tickets from another tool.
WIZARD_KINDS = ("freshservice", "trengo", "autotask", "librenms", "files")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input of a source form."""

    name: str
    label: str
    input: str = "text"  # text | url | password | number | select
    required: bool = False
    hint: str = ""
    default: str = ""
    choices: tuple[str, ...] = ()

    @property
    def secret(self) -> bool:
        """True for a field whose value is never shown again."""
        return self.input == "password"


FORM_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "freshservice": (
        FieldSpec("base_url", N_("API base URL"), "url", True,
                  N_("Like https://your-company.freshservice.com/api/v2")),
        FieldSpec("api_key", N_("API key"), "password", True,
                  N_("In Freshservice: your profile picture → Profile settings.")),
        FieldSpec("plan", N_("Plan (sets the request budget)"), "select", default="starter",
                  choices=("starter", "growth", "pro", "enterprise")),
        FieldSpec("workspace_id", N_("Workspace id (optional; 0 = all workspaces)"), "number"),
    ),
    "trengo": (
        FieldSpec("base_url", N_("API base URL"), "url", True, default=TRENGO_DEFAULT_BASE_URL),
        FieldSpec("token", N_("Personal access token"), "password", True,
                  N_("In Trengo: Settings → Apps & integrations.")),
    ),
    "autotask": (
        FieldSpec("username", N_("API user name (an e-mail address)"), "text", True),
        FieldSpec("secret", N_("API user secret"), "password", True),
        FieldSpec("integration_code", N_("API tracking identifier (integration code)"), "password", True),
        FieldSpec("base_url", N_("API base URL (optional: found from the user name)"), "url"),
    ),
    "librenms": (
        FieldSpec("base_url", N_("API base URL"), "url", True, N_("Like https://nms.example.net/api/v0")),
        FieldSpec("token", N_("API token"), "password", True, N_("In LibreNMS: API access (/api-access/).")),
    ),
    "files": (
        FieldSpec("path", N_("Folder that holds the ticket files"), "text", True,
                  N_("As seen by the deskpulse server.")),
        FieldSpec("web_url_template", N_("Ticket link (optional), e.g. https://helpdesk.example/tickets/{id}"),
                  "url"),
    ),
}  # fmt: skip
assert all(f.secret == (f.name in SECRET_FIELDS[k]) for k, fs in FORM_FIELDS.items() for f in fs)


def known_kind(kind: str) -> str:
    """``kind`` when it is a source kind the forms offer; a 400 with the choices otherwise."""
    if kind not in FORM_FIELDS:
        raise HTTPException(400, f"Unknown source kind {kind[:40]!r}; choose one of {', '.join(FORM_FIELDS)}.")
    return kind


def form_values(kind: str, form: FormData | dict[str, Any]) -> dict[str, str]:
    """The submitted fields of a ``kind`` source form, trimmed (secrets too: pasted keys carry stray spaces)."""
    values = {}
    for spec in FORM_FIELDS[kind]:
        raw = form.get(spec.name)
        values[spec.name] = raw.strip() if isinstance(raw, str) else ""
    return values


def parse_hours(form: FormData | dict[str, Any]) -> dict[str, list[str]]:
    """Opening hours per weekday from fields ``hours_mon`` … ``hours_sun`` ("09:00-12:00, 13:00-17:00"; empty:
    closed)."""
    hours: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        raw = form.get(f"hours_{day}")
        ranges = [r.strip() for r in raw.split(",") if r.strip()] if isinstance(raw, str) else []
        if ranges:
            hours[day] = ranges
    if not hours:
        raise HTTPException(400, "Give opening hours for at least one day, e.g. 09:00-17:00 on Monday.")
    return hours


def hours_fields(hours: dict[str, list[str]] | None) -> dict[str, str]:
    """The text of each weekday's field for ``hours`` (the default week when none are set)."""
    week = hours if hours is not None else DEFAULT_HOURS
    return {day: ", ".join(week.get(day, [])) for day in WEEKDAYS}


def zones() -> list[str]:
    """Every IANA time zone name, sorted, for the time zone picker."""
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


def overlay_of(request: Request) -> SettingsOverlay:
    """This app's settings overlay (file config, store, secret box)."""
    overlay: SettingsOverlay = request.app.state.settings
    return overlay


def box_of(request: Request) -> SecretBox | None:
    """The secret box (None while ``DESKPULSE_SECRET_KEY`` is unset)."""
    return overlay_of(request).box


def file_config_of(request: Request) -> Config:
    """The configuration as the file (and environment) gives it, before the browser's settings."""
    return overlay_of(request).file_config


def desk_view(file_config: Config, saved: DeskSettings) -> dict[str, Any]:
    """Time zone and hours as the forms show them, and whether the file fixes them (then read-only)."""
    zone_fixed = "timezone" in file_config.model_fields_set
    hours_fixed = "hours" in file_config.sla.model_fields_set
    return {
        "timezone": file_config.timezone if zone_fixed or not saved.timezone else saved.timezone,
        "timezone_fixed": zone_fixed,
        "hours": hours_fields(file_config.sla.hours if hours_fixed else saved.hours),
        "hours_fixed": hours_fixed,
        "holiday_country": (file_config.sla.holiday_country if hours_fixed else saved.holiday_country) or "",
    }


def actor_of(principal: Principal) -> str:
    """Who saved a setting, for the settings rows and the audit log."""
    return principal.actor


def kind_choices() -> list[tuple[str, str]]:
    """(kind, label) pairs offered by the wizard, in its order."""
    return [(k, KIND_LABELS[k]) for k in WIZARD_KINDS]
