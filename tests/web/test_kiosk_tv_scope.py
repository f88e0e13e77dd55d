"""A kiosk link made for one TV playlist (board ``tv:<name>``) opens that playlist and its data only: another
playlist, the dashboard or any other API answers like an invalid link. Dashboard links keep working as before."""

from __future__ import annotations

from fastapi.testclient import TestClient

from deskpulse.store.db import Database
from support import api_key_for
from web import test_tv_api

desk = test_tv_api.desk  # the TV desk fixture, shared

INVALID = "This kiosk link is not valid"


def new_link(client: TestClient, db: Database, boards: list[str]) -> str:
    """A link created through the API by an admin; returns its secret."""
    made = client.post("/api/kiosk-links", json={"name": "Lobby TV", "boards": boards},
                       headers={"X-API-Key": api_key_for(db, "admin")})  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["url"]).rsplit("/kiosk/", 1)[1]


def test_a_link_for_the_lobby_playlist_opens_the_lobby_and_nothing_else(desk: TestClient, db: Database) -> None:
    secret = new_link(desk, db, ["tv:lobby"])
    desk.cookies.clear()
    other = desk.get(f"/kiosk/{secret}/tv/wall")
    assert other.status_code == 404 and INVALID in other.text and "set-cookie" not in other.headers

    opened = desk.get(f"/kiosk/{secret}/tv/lobby")
    assert opened.status_code == 303 and opened.headers["location"] == "/tv/lobby"
    assert desk.get("/tv/lobby").status_code == 200
    assert desk.get("/api/tv/lobby").status_code == 200
    assert desk.get("/api/tv/lobby/slides/1").status_code == 200

    wall = desk.get("/tv/wall")  # the same session, another playlist: the invalid-link page
    assert wall.status_code == 404 and INVALID in wall.text
    for path in ("/api/tv/wall", "/api/tv/wall/slides/1", "/api/dashboard", "/api/tickets"):
        assert desk.get(path).status_code == 404, path
    for page in ("/", "/sla", "/board"):  # the desk's pages send the TV back to its playlist
        assert desk.get(page).headers.get("location") == "/tv/lobby", page
    assert desk.get(f"/kiosk/{secret}").headers["location"] == "/tv/lobby"  # its plain address opens its playlist


def test_a_dashboard_link_still_opens_the_dashboard_and_the_playlists(desk: TestClient, db: Database) -> None:
    secret = new_link(desk, db, ["dashboard"])
    desk.cookies.clear()
    assert desk.get(f"/kiosk/{secret}").headers["location"] == "/"
    assert desk.get("/api/dashboard").status_code == 200
    assert desk.get(f"/kiosk/{secret}/tv/wall").status_code == 303
    assert desk.get("/tv/wall").status_code == 200 and desk.get("/tv/lobby").status_code == 200


def test_a_link_for_a_playlist_that_does_not_exist_is_refused_with_a_sentence(desk: TestClient, db: Database) -> None:
    made = desk.post("/api/kiosk-links", json={"boards": ["tv:weather"]}, headers={"X-API-Key": api_key_for(db)})
    assert made.status_code == 400
    assert made.json()["detail"] == "No TV playlist for tv:weather; playlists: wall, lobby, globex."
    odd = desk.post("/api/kiosk-links", json={"boards": ["tv:"]}, headers={"X-API-Key": api_key_for(db)})
    assert odd.status_code == 400 and odd.json()["detail"].startswith("No TV playlist for tv:;")
