"""The ``[tv]`` section: wall-display playlists (``[[tv.playlists]]``), their slides, thresholds and filters.

Each board shows a few big numbers ("widgets"). A widget's colour comes from two thresholds, ``[amber, red]``:
for a number where more is worse (tickets at risk) amber starts at the first and red at the second; for a
number where less is worse (uptime in %) the thresholds fall instead (``[99.9, 99.5]``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MIN_SECONDS = 5


def N_(message: str) -> str:
    """Mark a label for the gettext catalog (``make i18n`` extracts ``N_``); the TV page translates it when shown.
    Kept here rather than imported from the web layer so that reading the configuration stays light."""
    return message


@dataclass(frozen=True, slots=True)
class WidgetSpec:
    """One big number of a board: its label (English, a catalog id), whether more is worse, and its default
    ``(amber, red)``."""

    label: str
    more_is_worse: bool = True
    default: tuple[float, float] | None = None


# board -> widget key -> spec. The keys are what ``thresholds = {key = [amber, red]}`` may name.
WIDGETS: dict[str, dict[str, WidgetSpec]] = {
    "summary": {
        "open": WidgetSpec(N_("Open tickets")),
        "unassigned": WidgetSpec(N_("Unassigned"), default=(5, 15)),
        "assigned": WidgetSpec(N_("Assigned")),
        "new_today": WidgetSpec(N_("New today")),
        "closed_today": WidgetSpec(N_("Closed today"), more_is_worse=False),
    },
    "sla-at-risk": {
        "at_risk": WidgetSpec(N_("At risk"), default=(1, 5)),
        "breached": WidgetSpec(N_("Breached"), default=(1, 3)),
    },
    "uptime": {
        "uptime": WidgetSpec(N_("Uptime this month (%)"), more_is_worse=False, default=(99.9, 99.5)),
        "incidents": WidgetSpec(N_("Incidents"), default=(1, 5)),
        "over_budget": WidgetSpec(N_("Services over budget"), default=(1, 2)),
    },
    "workload": {
        "open": WidgetSpec(N_("Open tickets")),
        "at_risk": WidgetSpec(N_("At risk"), default=(1, 5)),
        "breached": WidgetSpec(N_("Breached"), default=(1, 3)),
        "oldest_hours": WidgetSpec(N_("Oldest ticket (hours)"), default=(24, 72)),
    },
    "alerts": {
        "firing": WidgetSpec(N_("Firing"), default=(1, 3)),
        "acknowledged": WidgetSpec(N_("Acknowledged")),
    },
    "board": {
        "active": WidgetSpec(N_("Active tickets")),
        "waiting_on_agent": WidgetSpec(N_("Waiting on agent"), default=(3, 10)),
        "update_overdue": WidgetSpec(N_("Update overdue"), default=(1, 5)),
    },
}
BOARDS = tuple(WIDGETS)
# A slide's heading when it has no title of its own.
BOARD_NAMES = {"summary": N_("Tickets"), "sla-at-risk": N_("SLA at risk"), "uptime": N_("Uptime"),
               "workload": N_("Workload"), "alerts": N_("Alerts"), "board": N_("Work board")}  # fmt: skip
# Boards that name technicians, queues or ticket subjects: staff (and kiosk TVs) only, never customers.
INTERNAL_BOARDS = frozenset({"sla-at-risk", "workload", "alerts", "board"})
TEAM_BOARDS = frozenset({"sla-at-risk", "workload", "board"})
_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class TvSlide(BaseModel):
    """One slide of a playlist: a board, how long it shows, and optional filters and thresholds."""

    model_config = ConfigDict(extra="forbid")

    board: str
    seconds: int = 30
    title: str = Field(default="", max_length=80)
    # A client id from [[clients]]: the slide shows that client only (within the screen's own scope).
    client: str | None = None
    # A team / queue / group, by vendor id or name (boards sla-at-risk, workload and board).
    team: str | None = None
    # A named view from [board] (board "board" only).
    view: str | None = None
    # A source name: only that source's tickets (every ticket source when omitted).
    source: str | None = None
    thresholds: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @field_validator("board")
    @classmethod
    def _known_board(cls, value: str) -> str:
        if value not in WIDGETS:
            raise ValueError(f"unknown board {value!r}; boards are {', '.join(BOARDS)}")
        return value

    @field_validator("seconds")
    @classmethod
    def _long_enough(cls, value: int) -> int:
        if value < MIN_SECONDS:
            raise ValueError(f"a slide shows for at least {MIN_SECONDS} seconds (got {value})")
        return value

    @model_validator(mode="after")
    def _check(self) -> TvSlide:
        if self.view is not None and self.board != "board":
            raise ValueError(f"view applies to the board 'board' only, not {self.board!r}")
        if self.team is not None and self.board not in TEAM_BOARDS:
            raise ValueError(f"team applies to the boards {', '.join(sorted(TEAM_BOARDS))}, not {self.board!r}")
        widgets = WIDGETS[self.board]
        for key, (amber, red) in self.thresholds.items():
            spec = widgets.get(key)
            if spec is None:
                raise ValueError(f"board {self.board!r} has no widget {key!r}; widgets are {', '.join(widgets)}")
            if spec.more_is_worse and amber > red:
                raise ValueError(f"thresholds.{key}: more is worse, so amber ({amber:g}) may not exceed red ({red:g})")
            if not spec.more_is_worse and amber < red:
                raise ValueError(
                    f"thresholds.{key}: less is worse, so amber ({amber:g}) may not be below red ({red:g})"
                )
        return self

    @property
    def label(self) -> str:
        """The title, or a name made from the board and its filters (in English)."""
        return self.label_in(lambda text: text)

    def label_in(self, translate: Callable[[str], str]) -> str:
        """``label`` with the board's name passed through ``translate`` (a configured title is shown as written)."""
        if self.title:
            return self.title
        base = translate(BOARD_NAMES[self.board])
        return base + (f" · {self.team}" if self.team else "") + (f" · {self.view}" if self.view else "")

    def threshold(self, widget: str) -> tuple[float, float] | None:
        """The configured ``(amber, red)`` of a widget, else its default (None: the number has no colour)."""
        return self.thresholds.get(widget) or WIDGETS[self.board][widget].default


class TvPlaylist(BaseModel):
    """A named rotation of slides for one or more wall displays (``/tv/{name}``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME)
    title: str = Field(default="", max_length=80)
    slides: list[TvSlide] = Field(min_length=1)
    # Reception screens: customer and requester names (and ticket subjects) never leave the server.
    privacy_mask: bool = False
    # The staleness badge shows when the slide's data is older than this.
    stale_minutes: int = Field(default=10, ge=1, le=1440)
    # The screen's language; unset, the browser's (Accept-Language) or the signed-in user's choice.
    language: Literal["nl", "en"] | None = None

    @property
    def label(self) -> str:
        """The title, or the name."""
        return self.title or self.name


class TvConfig(BaseModel):
    """Every TV playlist."""

    model_config = ConfigDict(extra="forbid")

    playlists: list[TvPlaylist] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> TvConfig:
        names = [p.name for p in self.playlists]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"tv.playlists names must be unique (repeated: {', '.join(repeated)})")
        return self

    def playlist(self, name: str) -> TvPlaylist | None:
        """The playlist called ``name``, if configured."""
        return next((p for p in self.playlists if p.name == name), None)

    def unknown_references(self, clients: list[str], sources: list[str], views: list[str]) -> list[str]:
        """Sentences about slides that name a client, source or board view that is not configured."""
        problems = []
        for playlist in self.playlists:
            for n, slide in enumerate(playlist.slides, start=1):
                where = f"tv playlist {playlist.name!r} slide {n}"
                if slide.client is not None and slide.client not in clients:
                    problems.append(f"{where} names client {slide.client!r}, which is not in [[clients]]")
                if slide.source is not None and slide.source not in sources:
                    problems.append(f"{where} names source {slide.source!r}, which is not configured")
                if slide.view is not None and slide.view not in views:
                    problems.append(f"{where} names board view {slide.view!r}, which is not in [board] views")
        return problems
