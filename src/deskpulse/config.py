"""Configuration: a TOML file (``--config`` or ``DESKPULSE_CONFIG``) with ``${VAR}`` expansion.

Values of the form ``${NAME}`` are read from the environment (a ``.env`` file in the working directory is
loaded first, without overriding real environment variables). ``NAME_FILE`` pointing at a file is accepted
as well, for secrets kept in files. With no config file and ``TRENGO_API_TOKEN`` set, one Trengo source is
configured automatically. ``DESKPULSE_DATABASE_URL`` overrides ``database_url``, ``DESKPULSE_REDIS_URL``
overrides ``redis_url``.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from deskpulse.alerts.settings import AlertsConfig
from deskpulse.board_config import BoardConfig
from deskpulse.connectors.autotask.settings import AutotaskSettings
from deskpulse.connectors.files.settings import FilesSettings
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.connectors.librenms.settings import LibreNmsSettings
from deskpulse.connectors.webhook_support import secret_list
from deskpulse.domain.clients import account_problems, parse_account
from deskpulse.domain.sla import SlaPolicySet
from deskpulse.reports.settings import ReportsConfig
from deskpulse.sla_config import SlaConfig
from deskpulse.tv_config import TvConfig
from deskpulse.uptime_config import UptimeConfig

DEFAULT_DATABASE_URL = "sqlite:///data/deskpulse.db"
TRENGO_DEFAULT_BASE_URL = "https://app.trengo.com/api/v2"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """The configuration cannot be used; the message is one sentence per problem."""


class SourceConfig(BaseModel):
    """One vendor source to sync."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: Literal["trengo"]
    base_url: str = TRENGO_DEFAULT_BASE_URL
    token: str = Field(min_length=1, repr=False)
    poll_seconds: float = Field(default=60, ge=5, le=3600)
    # Teams and users change rarely: refresh them on a slower cadence.
    directory_refresh_seconds: float = Field(default=900, ge=60)
    # How often the recently-closed sweep runs, and how far back the first one reaches.
    closed_sweep_seconds: float = Field(default=300, ge=30)
    closed_backfill_days: int = Field(default=90, ge=1, le=730)
    # Trengo publishes 120 requests/minute per token; keep headroom for other tools using the same token.
    requests_per_minute: int = Field(default=120, ge=1)
    budget_share: float = Field(default=0.8, gt=0, le=1)
    naive_timezone: str = "UTC"
    timeout_seconds: float = Field(default=20, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    # The signing_secret of every Trengo webhook aimed at /hooks/trengo/<name> (each webhook has its own);
    # None: that endpoint answers 404.
    webhook_secret: list[str] | None = Field(default=None, repr=False)

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secrets(cls, value: Any) -> Any:
        return secret_list(value)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("naive_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)


TicketSource = SourceConfig | FreshserviceSettings | FilesSettings | AutotaskSettings
AnySource = TicketSource | LibreNmsSettings


class ClientConfig(BaseModel):
    """A customer of the service desk; tickets are attributed to it by the requester's e-mail domain."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    name: str = Field(min_length=1, max_length=200)
    email_domains: list[str] = Field(default_factory=list)
    # Vendor accounts whose tickets are this client's, "<source>:<kind>:<id>" (e.g. "autotask-x:company:29683");
    # they win over the e-mail domain. `deskpulse clients discover` lists the accounts no client claims yet.
    accounts: list[str] = Field(default_factory=list)

    @field_validator("email_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in value if d.strip()]

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, value: list[str]) -> list[str]:
        for ref in value:
            parse_account(ref)  # raises ValueError with the sentence
        return [ref.strip() for ref in value]


class AuthConfig(BaseModel):
    """Sign-in, sessions, API keys and request limits."""

    model_config = ConfigDict(extra="forbid")

    session_idle_minutes: int = Field(default=480, ge=5)
    session_absolute_hours: int = Field(default=168, ge=1)
    lockout_attempts: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    require_totp_for_admins: bool = False
    password_min_length: int = Field(default=10, ge=8)
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    api_requests_per_minute: int = Field(default=600, ge=1)
    # Absolute URL of this installation, for links in e-mails (password reset, first admin).
    public_url: str = "http://127.0.0.1:8000"


class SmtpConfig(BaseModel):
    """Outgoing e-mail (password resets now; reports later)."""

    model_config = ConfigDict(extra="forbid")

    host: str = ""
    port: int = Field(default=587, ge=1, le=65535)
    username: str = ""
    password: str = Field(default="", repr=False)
    security: Literal["starttls", "tls", "none"] = "starttls"
    from_address: str = "deskpulse@localhost"
    timeout_seconds: float = Field(default=20, gt=0)

    @property
    def enabled(self) -> bool:
        """True when a host is configured."""
        return bool(self.host)


class Config(BaseModel):
    """The whole deskpulse configuration."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Europe/Amsterdam"
    database_url: str = DEFAULT_DATABASE_URL
    # Live events across processes (several web processes and workers); empty: events stay in one process.
    redis_url: str = Field(default="", repr=False)
    sources: list[Annotated[AnySource, Field(discriminator="kind")]] = Field(default_factory=list)
    clients: list[ClientConfig] = Field(default_factory=list)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    board: BoardConfig = Field(default_factory=BoardConfig)
    sla: SlaConfig = Field(default_factory=SlaConfig)
    uptime: UptimeConfig = Field(default_factory=UptimeConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    tv: TvConfig = Field(default_factory=TvConfig)
    _sla_policy: SlaPolicySet | None = PrivateAttr(default=None)
    history_raw_days: int = Field(default=35, ge=1)
    history_rollup_days: int = Field(default=730, ge=1)
    # Shortest lease on a source's cycle; a dead worker's lease runs out after max(this, 5 × poll_seconds).
    lease_seconds: float = Field(default=300, ge=10, le=86_400)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        groups = (("source names", [s.name for s in self.sources]), ("client ids", [c.id for c in self.clients]))
        for what, names in groups:
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{what} must be unique; repeated: {', '.join(dupes)}")
        problems = self.alerts.unknown_references([c.id for c in self.clients], [s.name for s in self.sources])
        problems += self.reports.unknown_clients([c.id for c in self.clients])
        problems += account_problems({c.id: c.accounts for c in self.clients}, [s.name for s in self.sources])
        problems += self.tv.unknown_references(
            [c.id for c in self.clients], [s.name for s in self.sources], [v.name for v in self.board.views]
        )
        if problems:
            raise ValueError("; ".join(problems))
        unknown = sorted({c.client for c in self.sla.clients} - {c.id for c in self.clients})
        if unknown:
            raise ValueError(f"sla.clients names clients that are not in [[clients]]: {', '.join(unknown)}")
        try:
            self._sla_policy = self.sla.policy(self.timezone)
        except ValueError as exc:
            raise ValueError(f"sla: {exc}") from exc
        return self

    @property
    def sla_policy(self) -> SlaPolicySet:
        """The SLA policy built from ``[sla]`` (validated when the config was loaded)."""
        if self._sla_policy is None:
            self._sla_policy = self.sla.policy(self.timezone)
        return self._sla_policy

    @property
    def tz(self) -> ZoneInfo:
        """The configured local time zone."""
        return ZoneInfo(self.timezone)

    @property
    def ticket_sources(self) -> list[TicketSource]:
        """The sources that hold tickets (every kind except monitoring sources such as LibreNMS)."""
        return [s for s in self.sources if not isinstance(s, LibreNmsSettings)]

    def source(self, name: str) -> AnySource:
        """The source called ``name``; KeyError when there is none."""
        for src in self.sources:
            if src.name == name:
                return src
        raise KeyError(name)


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


def _environment(env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def _lookup(name: str, env: dict[str, str]) -> str | None:
    if name in env:
        return env[name]
    file_ref = env.get(f"{name}_FILE")
    if file_ref:
        return Path(file_ref).read_text(encoding="utf-8").strip()
    return None


def _expand(value: Any, env: dict[str, str], missing: list[str]) -> Any:
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            found = _lookup(match.group(1), env)
            if found is None:
                missing.append(match.group(1))
                return ""
            return found

        return _VAR.sub(repl, value)
    if isinstance(value, list):
        return [_expand(v, env, missing) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, env, missing) for k, v in value.items()}
    return value


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "config"
        lines.append(f"{where}: {err['msg']}")
    return "\n".join(lines)


def load_config(path: str | Path | None = None, *, env_file: Path | None = Path(".env")) -> Config:
    """Load and validate the configuration; raise ConfigError with readable sentences on any problem."""
    env = _environment(env_file)
    path = path or env.get("DESKPULSE_CONFIG") or None
    raw: dict[str, Any] = {}
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"Config file {file} does not exist.")
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {file} is not valid TOML: {exc}.") from exc
    elif _lookup("TRENGO_API_TOKEN", env):
        raw = {"sources": [{"name": "trengo", "kind": "trengo", "token": "${TRENGO_API_TOKEN}"}]}
        if env.get("TRENGO_BASE_URL"):
            raw["sources"][0]["base_url"] = env["TRENGO_BASE_URL"]
    missing: list[str] = []
    raw = _expand(raw, env, missing)
    if missing:
        names = ", ".join(sorted(set(missing)))
        raise ConfigError(f"The config refers to environment variables that are not set: {names}.")
    if env.get("DESKPULSE_DATABASE_URL"):
        raw["database_url"] = env["DESKPULSE_DATABASE_URL"]
    if env.get("DESKPULSE_REDIS_URL"):
        raw["redis_url"] = env["DESKPULSE_REDIS_URL"]
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc)) from exc
