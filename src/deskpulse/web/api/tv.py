"""TV playlists as JSON: the rotation of a playlist and the data of one slide (``/api/tv/*``).

Unlike the rest of the JSON API, the words a slide puts on screen (titles, labels, level words, the staleness
reason) come in the screen's language: the playlist's ``language``, else the request's.

Permission ``dashboard:read`` (a kiosk TV's session holds it); every slide is read within the caller's client
scope, narrowed to the slide's client. Boards naming technicians or tickets answer 403 to customers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.encoders import jsonable_encoder

from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.tv_config import INTERNAL_BOARDS, TvPlaylist
from deskpulse.web.api.errors import api_errors
from deskpulse.web.auth import Reader
from deskpulse.web.deps import DbSession
from deskpulse.web.i18n import Translator, request_language, translator, translator_for
from deskpulse.web.tv_boards import build_slide
from deskpulse.web.tv_slides import sees_internal

router = APIRouter(tags=["tv"])
ERRORS = api_errors(described={
    401: "Not signed in (open the TV's kiosk link)",
    403: "The caller may not see this board",
    404: "No such playlist or slide",
})  # fmt: skip
SlideNumber = Annotated[int, Path(ge=1, le=1000, description="The slide's position in the playlist, from 1")]


def playlist_of(request: Request, name: str) -> TvPlaylist:
    """The configured playlist called ``name``, or 404 naming the ones there are."""
    tv = request.app.state.config.tv
    found: TvPlaylist | None = tv.playlist(name)
    if found is None:
        _ = translator(request)
        known = ", ".join(p.name for p in tv.playlists) or _("none are configured")
        raise HTTPException(404, _("No TV playlist %(name)s; playlists: %(known)s.", name=repr(name), known=known))
    return found


def screen_language(request: Request, playlist: TvPlaylist) -> str:
    """The language of a TV screen: the playlist's ``language``, else the request's (a signed-in user's choice,
    else the browser's ``Accept-Language``; a kiosk TV has no user)."""
    return playlist.language or request_language(request)


def rotation(playlist: TvPlaylist, principal: Principal, _: Translator | None = None) -> dict[str, Any]:
    """The playlist as the page rotates it: the slides this caller may see, in order (titles in ``_``'s
    language, English without one)."""
    _ = _ or translator_for("en")
    internal = sees_internal(principal)
    slides = [
        {"number": n, "board": s.board, "title": s.label_in(_), "seconds": s.seconds}
        for n, s in enumerate(playlist.slides, start=1)
        if internal or s.board not in INTERNAL_BOARDS
    ]
    return {"name": playlist.name, "title": playlist.label, "privacyMask": playlist.privacy_mask,
            "staleMinutes": playlist.stale_minutes, "slides": slides}  # fmt: skip


@router.get("/api/tv/{playlist}", responses=ERRORS)
def tv_playlist(request: Request, principal: Reader, playlist: str) -> dict[str, Any]:
    """The slides of a playlist this caller may see: board, title and seconds on screen, in order."""
    chosen = playlist_of(request, playlist)
    return rotation(chosen, principal, translator_for(screen_language(request, chosen)))


@router.get("/api/tv/{playlist}/slides/{number}", responses=ERRORS)
def tv_slide(request: Request, session: DbSession, principal: Reader, playlist: str, number: SlideNumber) -> Any:
    """One slide's big numbers (with their level and its word), a short table, and the data's freshness."""
    chosen = playlist_of(request, playlist)
    language = screen_language(request, chosen)
    if number > len(chosen.slides):
        _ = translator_for(language)
        raise HTTPException(404, _("Playlist %(name)s has %(count)s slides; there is no slide %(number)s.",
                                   name=repr(playlist), count=len(chosen.slides), number=number))  # fmt: skip
    return jsonable_encoder(build_slide(request, session, principal, chosen, number - 1, utcnow(), language))
