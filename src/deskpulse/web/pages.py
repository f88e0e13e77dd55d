"""HTML pages, the chart specs they embed, and the Vega browser bundle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from deskpulse import __version__
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role
from deskpulse.web import charts
from deskpulse.web.alerts_pages import open_counts
from deskpulse.web.api import history as history_api
from deskpulse.web.api.errors import api_errors
from deskpulse.web.auth import Public, Reader, require_page
from deskpulse.web.deps import DbSession, Sources
from deskpulse.web.i18n import request_language

router = APIRouter(tags=["pages"])

HISTORY_RANGES = ("24h", "7d", "30d", "1y")
# The page follows /api/stream; it polls only while the stream is down.
FALLBACK_POLL_SECONDS = 60
# The bundle URL carries the app and vl-convert versions, so a year-long cache is safe across upgrades.
BUNDLE_MAX_AGE = 365 * 24 * 3600

ThemeQuery = Annotated[str, Query(description="light or dark")]


def _bundle_version() -> str:
    try:
        import vl_convert

        vl = str(getattr(vl_convert, "__version__", "0"))
    except (ImportError, OSError):  # the optional charts extra is missing: the page shows tables
        vl = "0"
    return f"{__version__}-{vl}"


def _check_theme(theme: str) -> str:
    if theme not in charts.THEMES:
        raise HTTPException(400, detail=f"theme must be one of {', '.join(charts.THEMES)}; got {theme!r}.")
    return theme


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require_page("dashboard:read"))],
    source: Annotated[str | None, Query()] = None,
) -> Response:
    """The live ticket dashboard."""
    if principal.role == Role.CUSTOMER:
        # A customer's home is its own portal: its tickets, not the desk's wallboard.
        return RedirectResponse("/portal", status_code=303)
    config = request.app.state.config
    names = [s.name for s in config.ticket_sources]
    selected = source if source in names else None
    context: dict[str, Any] = {
        "principal": principal,
        "root": request.scope.get("root_path", ""),
        "sources": names,
        "selected_source": selected,
        "timezone": config.timezone,
        "version": __version__,
        "bundle_version": _bundle_version(),
        # Without the charts extra the page loads no chart library and draws its charts as tables.
        "charts_available": charts.charts_available(),
        "ranges": HISTORY_RANGES,
        "default_range": HISTORY_RANGES[0],
        "fallback_seconds": FALLBACK_POLL_SECONDS,
        # Staff see how many alerts are open (kiosk TVs do not: alerts are not theirs to read).
        "alerts": open_counts(session, principal) if principal.can("tickets:internal") else None,
    }
    return request.app.state.templates.TemplateResponse(request, "dashboard.html", context)  # type: ignore[no-any-return]


@router.api_route("/assets/vega-bundle.js", methods=["GET", "HEAD"], include_in_schema=False, dependencies=[Public])
def vega_bundle(request: Request) -> Response:
    """Vega, Vega-Lite and vega-embed as one classic script, gzipped when the client accepts it.

    Built once per process on first use (~3 s; a sync route, so the event loop does not stall meanwhile).
    503 with a sentence when the optional charts extra is not installed.
    """
    if not charts.charts_available():
        raise HTTPException(503, detail=charts.CHARTS_MISSING)
    etag = charts.vega_bundle_etag()
    headers = {
        "Cache-Control": f"public, max-age={BUNDLE_MAX_AGE}, immutable",
        "ETag": etag,
        "Vary": "Accept-Encoding",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    media_type = "application/javascript; charset=utf-8"
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(charts.vega_bundle_gzip(), media_type=media_type, headers=headers)
    return Response(charts.vega_bundle_js(), media_type=media_type, headers=headers)


@router.get(
    "/api/charts/history",
    tags=["charts"],
    responses=api_errors(described={404: "source names no configured source"}),
)
def history_chart(
    request: Request,
    session: DbSession,
    sources: Sources,
    range_key: Annotated[str, Query(alias="range", description="24h, 7d, 30d or 1y")] = "24h",
    theme: ThemeQuery = "light",
) -> dict[str, Any]:
    """Vega-Lite spec of the history timeline with its points inlined (data set ``history``); titles in the
    caller's language."""
    if range_key not in HISTORY_RANGES:
        raise HTTPException(400, detail=f"range must be one of {', '.join(HISTORY_RANGES)}; got {range_key!r}.")
    _check_theme(theme)
    points = history_api.history_points(session, sources, range_key)
    return charts.history_chart_spec(points, range_key=range_key, theme=theme, language=request_language(request))


@router.get("/api/charts/closed-per-day", tags=["charts"], responses=api_errors())
def closed_per_day_chart(request: Request, _: Reader, theme: ThemeQuery = "light") -> dict[str, Any]:
    """Vega-Lite spec of closed tickets per day, without rows: the page fills data set ``closed_per_day``
    from ``/api/closed`` on each refresh. Titles in the caller's language."""
    return charts.closed_per_day_spec([], theme=_check_theme(theme), language=request_language(request))
