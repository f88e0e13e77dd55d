"""The ``[board]`` section: section rules, SLA badge thresholds, named views and name-override files."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from deskpulse.domain.sla_badge import SlaRules
from deskpulse.domain.ticket_board import BoardRules, UpdateLimits


class UpdateLimitMinutes(BaseModel):
    """Longest allowed silence since the last agent activity, in minutes, per priority."""

    model_config = ConfigDict(extra="forbid")

    urgent: int = Field(default=30, ge=1)
    high: int = Field(default=2 * 24 * 60, ge=1)
    medium: int = Field(default=3 * 24 * 60, ge=1)
    low: int = Field(default=4 * 24 * 60, ge=1)


class BoardView(BaseModel):
    """A named slice of the board (``/board?view=<name>``): tickets of some groups and/or agents.

    Groups and agents match by vendor id or by name (case-insensitive); an empty list means "any".
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    title: str = Field(default="", max_length=100)
    groups: list[str] = Field(default_factory=list)
    agents: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """The title, or the name when no title is set."""
        return self.title or self.name


class BoardConfig(BaseModel):
    """How the agents' board sorts tickets into sections and badges them."""

    model_config = ConfigDict(extra="forbid")

    # A status with one of these names means the customer replied: "Waiting on agent".
    reply_statuses: list[str] = Field(default_factory=lambda: ["Customer Replied"])
    # Extra statuses that are the agent's move (besides new/open/assigned), e.g. "In Progress".
    agent_move_statuses: list[str] = Field(default_factory=list)
    update_limit_minutes: UpdateLimitMinutes = Field(default_factory=UpdateLimitMinutes)
    sla_critical_hours: float = Field(default=4, gt=0)
    sla_warning_hours: float = Field(default=12, gt=0)
    # After the first response, count down to the resolution target instead of showing "responded".
    sla_resolution_after_response: bool = False
    views: list[BoardView] = Field(default_factory=list)
    # Files in the `id:Name` per line format; a name there wins over the synced one (and fills gaps).
    agent_names_file: str | None = None
    requester_names_file: str | None = None
    refresh_seconds: int = Field(default=60, ge=10, le=3600)

    @model_validator(mode="after")
    def _check(self) -> BoardConfig:
        if self.sla_critical_hours > self.sla_warning_hours:
            raise ValueError("board.sla_critical_hours must not exceed board.sla_warning_hours")
        names = [v.name for v in self.views]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"board.views names must be unique (repeated: {', '.join(duplicates)})")
        return self

    def rules(self) -> BoardRules:
        """The pure-domain rules these settings describe."""
        limits = self.update_limit_minutes
        return BoardRules(
            reply_statuses=frozenset(self.reply_statuses),
            agent_move_statuses=frozenset(self.agent_move_statuses),
            update_limits=UpdateLimits(
                urgent=timedelta(minutes=limits.urgent),
                high=timedelta(minutes=limits.high),
                medium=timedelta(minutes=limits.medium),
                low=timedelta(minutes=limits.low),
            ),
            sla=SlaRules(
                critical_below=timedelta(hours=self.sla_critical_hours),
                warning_below=timedelta(hours=self.sla_warning_hours),
                resolution_after_response=self.sla_resolution_after_response,
            ),
        )

    def view(self, name: str) -> BoardView | None:
        """The view called ``name``, if configured."""
        return next((v for v in self.views if v.name == name), None)
