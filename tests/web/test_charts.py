"""Chart specs (valid Vega-Lite that renders, right fields, empty data) and the routes that serve them."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import vl_convert
from fastapi.testclient import TestClient

from deskpulse.config import Config, SourceConfig
from deskpulse.store.db import Database
from deskpulse.web import charts
from deskpulse.web.app import create_app
from support import api_key_for

WEB_DIR = Path(charts.__file__).parent
RANGES = ["24h", "7d", "30d", "1y"]


def _points(n: int = 48) -> list[dict[str, Any]]:
    start = datetime(2025, 3, 1, 12, tzinfo=UTC)
    return [
        {
            "ts": (start + timedelta(minutes=30 * i)).isoformat(),
            "open": 10 + i % 5,
            "assigned": 20 + i % 3,
            "total": 30 + i % 7,
            "closed": i,
        }
        for i in range(n)
    ]


def _layer_encodings(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [layer["encoding"] for layer in spec["layer"]]


# ---------- history chart ----------


@pytest.mark.parametrize("range_key", RANGES)
@pytest.mark.parametrize("theme", charts.THEMES)
def test_history_spec_renders(range_key: str, theme: str) -> None:
    spec = charts.history_chart_spec(_points(), range_key=range_key, theme=theme)
    svg = vl_convert.vegalite_to_svg(spec)
    assert svg.startswith("<svg")
    # One path per series, and the legend names all three.
    for label in ("Total", "Open", "Assigned"):
        assert f">{label}<" in svg


def test_history_spec_fields_and_data() -> None:
    points = _points(3)
    spec = charts.history_chart_spec(points, range_key="24h")
    assert spec["$schema"].endswith("/v6.json")
    assert spec["width"] == "container"
    assert spec["data"]["name"] == "history"
    assert spec["data"]["values"] == [{k: p[k] for k in ("ts", "total", "open", "assigned")} for p in points]
    lines = spec["layer"][0]
    assert lines["transform"][0] == {"fold": ["total", "open", "assigned"], "as": ["series", "count"]}
    for enc in _layer_encodings(spec):
        assert enc["x"]["field"] == "ts"
        assert enc["x"]["type"] == "temporal"
        # No UTC scale or time unit: Vega-Lite shows the instants in the browser's local time.
        assert "scale" not in enc["x"]
        assert "timeUnit" not in enc["x"]
    assert lines["encoding"]["color"]["legend"] is not None
    tooltip = spec["layer"][1]["encoding"]["tooltip"]
    assert [t["field"] for t in tooltip] == ["ts", "total", "open", "assigned"]


def test_history_spec_is_json_and_compiles() -> None:
    vega = vl_convert.vegalite_to_vega(charts.history_chart_spec(_points(), range_key="7d", theme="dark"))
    names = [d["name"] for d in vega["data"]]
    assert "history" in names  # the live page swaps this data set's rows on refresh


def test_history_spec_empty_data_renders() -> None:
    spec = charts.history_chart_spec([], range_key="30d")
    assert spec["data"]["values"] == []
    assert vl_convert.vegalite_to_svg(spec).startswith("<svg")


def test_history_spec_fixed_size_for_reports() -> None:
    spec = charts.history_chart_spec(_points(), range_key="24h", width=640, height=240)
    assert "autosize" not in spec
    assert 'width="' in vl_convert.vegalite_to_svg(spec)


def test_history_spec_themes_differ() -> None:
    light = charts.history_chart_spec(_points(), range_key="24h", theme="light")
    dark = charts.history_chart_spec(_points(), range_key="24h", theme="dark")
    assert light["config"]["axis"]["labelColor"] != dark["config"]["axis"]["labelColor"]
    assert light["config"]["background"] is None  # the card colour shows through


@pytest.mark.parametrize(("kwargs", "message"), [({"range_key": "2d"}, "range_key"), ({"theme": "blue"}, "theme")])
def test_history_spec_rejects_bad_arguments(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        charts.history_chart_spec(_points(), **{"range_key": "24h", **kwargs})


# ---------- closed per day ----------


def test_closed_per_day_spec_renders() -> None:
    days = [{"date": f"2025-03-{d:02d}", "count": d % 4} for d in range(1, 31)]
    spec = charts.closed_per_day_spec(days, theme="dark")
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "date"
    assert spec["encoding"]["x"]["timeUnit"].startswith("utc")  # calendar days must not shift by time zone
    assert spec["encoding"]["y"]["field"] == "count"
    assert spec["data"] == {"name": "closed_per_day", "values": days}
    svg = vl_convert.vegalite_to_svg(spec)
    assert svg.count("<path") >= 30
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert [t for t in labels if "Mar" in t] == ["3 Mar", "10 Mar", "17 Mar", "24 Mar"]  # Mondays only


def test_closed_per_day_spec_empty_data_renders() -> None:
    spec = charts.closed_per_day_spec([])
    assert spec["data"]["values"] == []
    assert vl_convert.vegalite_to_svg(spec).startswith("<svg")


# ---------- routes ----------


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[TestClient]:
    calls: list[tuple[tuple[str, ...], str]] = []

    def fake_history_points(session: Any, sources: Any, range_key: str) -> list[dict[str, Any]]:
        calls.append((tuple(r.name for r in sources.rows), range_key))
        return _points(5)

    monkeypatch.setattr("deskpulse.web.api.history.history_points", fake_history_points)
    config = Config(
        sources=[
            SourceConfig(name="acme", kind="trengo", token="t"),
            SourceConfig(name="beta", kind="trengo", token="t"),
        ]
    )
    with TestClient(create_app(config, db=db), headers={"X-API-Key": api_key_for(db)}) as test_client:
        test_client.calls = calls  # type: ignore[attr-defined]
        yield test_client


def test_history_chart_route_inlines_points(client: TestClient) -> None:
    response = client.get("/api/charts/history", params={"source": "acme", "range": "7d", "theme": "dark"})
    assert response.status_code == 200
    spec = response.json()
    assert len(spec["data"]["values"]) == 5
    assert spec["config"] == charts.history_chart_spec([], range_key="7d", theme="dark")["config"]
    assert client.calls == [(("acme",), "7d")]  # type: ignore[attr-defined]


@pytest.mark.parametrize("params", [{"range": "2d"}, {"range": "24h", "theme": "neon"}])
def test_history_chart_route_rejects_bad_query(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/charts/history", params=params)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    assert client.calls == []  # type: ignore[attr-defined]


def test_closed_chart_route_is_a_template(client: TestClient) -> None:
    spec = client.get("/api/charts/closed-per-day", params={"theme": "dark"}).json()
    assert spec["data"] == {"name": "closed_per_day", "values": []}


def test_dashboard_page(client: TestClient) -> None:
    response = client.get("/", params={"source": "beta"})
    assert response.status_code == 200
    html = response.text
    for testid in ("summary-total", "summary-new", "summary-assigned", "summary-new-today", "data-as-of"):
        assert f'data-testid="{testid}"' in html
    assert 'data-source="beta"' in html
    assert 'data-timezone="Europe/Amsterdam"' in html
    assert '<option value="beta" selected>' in html  # more than one source: the picker is shown
    assert 'type="module"' in html and "/assets/vega-bundle.js?v=" in html
    assert "<script>" not in html  # no inline scripts: a strict CSP can come later


def test_dashboard_page_escapes_and_ignores_unknown_source(client: TestClient) -> None:
    html = client.get("/", params={"source": '"><script>alert(1)</script>'}).text
    assert "alert(1)" not in html
    assert 'data-source=""' in html


def test_vega_bundle_route(client: TestClient) -> None:
    response = client.get("/assets/vega-bundle.js", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert "max-age=31536000" in response.headers["cache-control"]
    assert "window.vegaEmbed" in response.text
    etag = response.headers["etag"]
    assert client.get("/assets/vega-bundle.js", headers={"If-None-Match": etag}).status_code == 304
    zipped = client.get("/assets/vega-bundle.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.text == response.text  # the client decodes it
    assert len(charts.vega_bundle_gzip()) < len(response.content) / 2
    assert gzip.decompress(charts.vega_bundle_gzip()).decode() == charts.vega_bundle_js()
