"""``[[tv.playlists]]``: what a valid playlist looks like, and the sentence each mistake gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deskpulse.config import ConfigError, load_config
from deskpulse.tv_config import BOARDS, WIDGETS

HEAD = """
[[sources]]
name = "desk"
kind = "trengo"
token = "t"

[[clients]]
id = "acme"
name = "Acme"

[board]
views = [{ name = "first", groups = ["1"] }]
"""


def load(tmp_path: Path, tv: str) -> Any:
    path = tmp_path / "deskpulse.toml"
    path.write_text(HEAD + tv, encoding="utf-8")
    return load_config(path, env_file=None)


def refused(tmp_path: Path, tv: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, tv)
    return str(caught.value)


def test_a_playlist_with_filters_and_thresholds_loads(tmp_path: Path) -> None:
    config = load(tmp_path, """
[[tv.playlists]]
name = "lobby"
title = "Reception"
privacy_mask = true
stale_minutes = 15
slides = [
  { board = "summary", seconds = 30 },
  { board = "sla-at-risk", seconds = 20, client = "acme", team = "Service Desk", thresholds = { at_risk = [1, 5] } },
  { board = "uptime", thresholds = { uptime = [99.9, 99.5] } },
  { board = "board", view = "first", source = "desk" },
]
""")  # fmt: skip
    playlist = config.tv.playlist("lobby")
    assert playlist is not None and playlist.privacy_mask and playlist.stale_minutes == 15
    assert [s.board for s in playlist.slides] == ["summary", "sla-at-risk", "uptime", "board"]
    assert playlist.slides[2].seconds == 30  # the default
    assert playlist.slides[1].threshold("at_risk") == (1, 5)
    assert playlist.slides[1].threshold("breached") == WIDGETS["sla-at-risk"]["breached"].default
    assert playlist.slides[1].label == "SLA at risk · Service Desk"


def test_no_tv_section_means_no_playlists(tmp_path: Path) -> None:
    assert load(tmp_path, "").tv.playlists == []


def test_an_unknown_board_is_named_with_the_boards_there_are(tmp_path: Path) -> None:
    message = refused(tmp_path, '[[tv.playlists]]\nname = "x"\nslides = [{ board = "weather" }]\n')
    assert "unknown board 'weather'" in message
    assert all(board in message for board in BOARDS)
    assert "tv.playlists.0.slides.0.board" in message


def test_a_slide_shorter_than_five_seconds_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, '[[tv.playlists]]\nname = "x"\nslides = [{ board = "summary", seconds = 4 }]\n')
    assert "at least 5 seconds (got 4)" in message


def test_playlist_names_must_be_unique(tmp_path: Path) -> None:
    one = '[[tv.playlists]]\nname = "wall"\nslides = [{ board = "summary" }]\n'
    assert "names must be unique (repeated: wall)" in refused(tmp_path, one + one)


def test_a_playlist_needs_a_slide_and_a_url_safe_name(tmp_path: Path) -> None:
    assert "slides" in refused(tmp_path, '[[tv.playlists]]\nname = "x"\nslides = []\n')
    assert "name" in refused(tmp_path, '[[tv.playlists]]\nname = "Main Hall"\nslides = [{ board = "summary" }]\n')


@pytest.mark.parametrize(
    ("slide", "sentence"),
    [
        ('{ board = "summary", thresholds = { at_risk = [1, 5] } }', "board 'summary' has no widget 'at_risk'"),
        ('{ board = "sla-at-risk", thresholds = { at_risk = [5, 1] } }', "amber (5) may not exceed red (1)"),
        ('{ board = "uptime", thresholds = { uptime = [99.5, 99.9] } }', "amber (99.5) may not be below red (99.9)"),
        ('{ board = "summary", view = "first" }', "view applies to the board 'board' only"),
        ('{ board = "alerts", team = "x" }', "team applies to the boards"),
        ('{ board = "summary", client = "globex" }', "names client 'globex', which is not in [[clients]]"),
        ('{ board = "summary", source = "other" }', "names source 'other', which is not configured"),
        ('{ board = "board", view = "second" }', "names board view 'second', which is not in [board] views"),
        ('{ board = "summary", colour = "red" }', "colour"),
    ],
)
def test_each_slide_mistake_gets_a_sentence(tmp_path: Path, slide: str, sentence: str) -> None:
    assert sentence in refused(tmp_path, f'[[tv.playlists]]\nname = "x"\nslides = [{slide}]\n')


def test_stale_minutes_must_be_positive(tmp_path: Path) -> None:
    text = '[[tv.playlists]]\nname = "x"\nstale_minutes = 0\nslides = [{ board = "summary" }]\n'
    assert "stale_minutes" in refused(tmp_path, text)


def test_a_playlist_may_name_its_screen_s_language_and_only_one_deskpulse_speaks(tmp_path: Path) -> None:
    loaded = load(tmp_path, '[[tv.playlists]]\nname = "lobby"\nlanguage = "nl"\nslides = [{ board = "summary" }]\n')
    assert loaded.tv.playlist("lobby").language == "nl"
    message = refused(tmp_path, '[[tv.playlists]]\nname = "lobby"\nlanguage = "fr"\nslides = [{ board = "summary" }]\n')
    assert "tv.playlists.0.language: Input should be 'en' or 'nl'" in message
