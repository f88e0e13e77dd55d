"""``deskpulse webhooks register``: point a vendor's webhooks at deskpulse so tickets update within seconds.

Trengo and Autotask webhooks are created through their APIs; Freshservice has no such API, so the command prints
the Workflow Automator steps instead. Each path ends by printing the ``webhook_secret`` line for the config.
Exit codes: 0 done, 2 bad input, 1 the vendor refused or could not be reached.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.console import Console

from deskpulse.config import AnySource, SourceConfig
from deskpulse.connectors.autotask import webhooks as autotask_hooks
from deskpulse.connectors.autotask.connector import AutotaskConnector
from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.freshservice import webhooks as freshservice_hooks
from deskpulse.connectors.protocol import Connector
from deskpulse.connectors.registry import build_connector
from deskpulse.connectors.trengo import webhooks as trengo_hooks
from deskpulse.connectors.trengo.connector import TrengoConnector
from deskpulse.connectors.webhook_support import new_secret

webhooks_app = typer.Typer(help="Register vendor webhooks (tickets update within seconds).", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True, highlight=False, markup=False)
out = Console(soft_wrap=True, highlight=False, markup=False)
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: $DESKPULSE_CONFIG, or env only)")
]
# Extra connector arguments per source name, as the web app's ``connector_kwargs`` (tests: an in-process
# transport to a simulator). Empty in normal use.
connector_kwargs: dict[str, dict[str, Any]] = {}


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(message)
    return typer.Exit(code)


def receiver_url(public_url: str, kind: str, source: str) -> str:
    """The receiver for ``source``: ``<public_url>/hooks/<kind>/<source>`` (a URL already ending so is kept)."""
    path = f"/hooks/{kind}/{source}"
    base = public_url.strip().rstrip("/")
    return base if base.endswith(path) else base + path


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(f"--url must be an absolute http(s) URL such as https://desk.example.com; got {url!r}.")
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        err.print("Note: vendors send webhooks over the internet; use an https:// URL outside a test setup.")


def _connector(source: AnySource) -> Connector:
    return build_connector(source, **connector_kwargs.get(source.name, {}))


@webhooks_app.command("register")
def register(
    source: Annotated[
        str, typer.Option("--source", help="Name of a configured Trengo, Autotask or Freshservice source")
    ],
    url: Annotated[str, typer.Option("--url", help="Public URL of deskpulse, e.g. https://desk.example.com")],
    event: Annotated[
        list[str] | None, typer.Option("--event", help="Trengo only: event type to subscribe (repeat); default: all")
    ] = None,
    field_id: Annotated[
        list[int] | None, typer.Option("--field-id", help="Autotask only: FieldID whose changes send a callout")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Autotask only: address for Autotask's notices")] = None,
    config: ConfigOpt = None,
) -> None:
    """Create the webhooks of SOURCE pointing at URL and print the webhook_secret to put in the config."""
    from deskpulse.cli import _load

    cfg = _load(config)
    try:
        src = cfg.source(source)
    except KeyError:
        names = ", ".join(s.name for s in cfg.sources) or "none"
        raise _fail(f"There is no source named {source!r}; configured sources: {names}.") from None
    if src.kind not in ("trengo", "autotask", "freshservice"):
        raise _fail(f"Source {source!r} is a {src.kind} source; only Trengo, Autotask and Freshservice send webhooks.")
    if event and src.kind != "trengo":
        raise _fail("--event applies to Trengo sources only.")
    if (field_id or email) and src.kind != "autotask":
        raise _fail("--field-id and --email apply to Autotask sources only.")
    target = receiver_url(url, src.kind, src.name)
    _check_url(target)
    if src.kind == "freshservice":
        _freshservice(target)
    elif src.kind == "autotask":
        if not field_id:
            raise _fail(
                "Autotask needs at least one --field-id: the FieldID of a ticket field whose changes should send a "
                "callout (create and delete events are sent regardless). See docs/cli.md."
            )
        asyncio.run(_autotask(src, target, field_id, email))
    else:
        assert isinstance(src, SourceConfig)
        events = [e.strip().upper() for e in event] if event else list(trengo_hooks.EVENT_TYPES)
        asyncio.run(_trengo(src, target, events))


async def _trengo(src: SourceConfig, target: str, events: list[str]) -> None:
    connector = _connector(src)
    assert isinstance(connector, TrengoConnector)
    try:
        made = await trengo_hooks.register(connector.http, target, events=events, name=f"deskpulse {src.name}")
    except ConnectorError as exc:
        raise _fail(f"Trengo did not create the webhooks (none were left behind): {exc.message}", 1) from None
    finally:
        await connector.aclose()
    for reg in made:
        out.print(f"Created Trengo webhook {reg.webhook_id} for {reg.event} -> {target}")
    found = [r.secret for r in made if r.secret]
    if len(found) < len(made):
        err.print("Trengo did not return a signing secret for every webhook; copy the missing ones from Settings > "
                  "Apps & Integrations > Webhooks.")  # fmt: skip
    out.print("Each Trengo webhook signs with its own secret; add all of them to this source (keep the secrets of")
    out.print("webhooks you registered before while those still exist), then restart deskpulse:")
    out.print(f"  webhook_secret = {json.dumps(found)}")
    out.print('or, to keep them out of the file, webhook_secret = "${TRENGO_WEBHOOK_SECRET}" with')
    out.print(f"  TRENGO_WEBHOOK_SECRET={','.join(found)}")


async def _autotask(src: AnySource, target: str, field_ids: list[int], email: str | None) -> None:
    connector = _connector(src)
    assert isinstance(connector, AutotaskConnector)
    secret = new_secret()
    try:
        webhook_id = await autotask_hooks.register(
            connector.at, target, secret=secret, field_ids=field_ids, name=f"deskpulse {src.name}", email=email
        )
    except ConnectorError as exc:
        raise _fail(f"Autotask did not accept the webhook: {exc.message}", 1) from None
    finally:
        await connector.aclose()
    out.print(f"Created Autotask ticket webhook {webhook_id} -> {target} (fields {', '.join(map(str, field_ids))}).")
    out.print("Put its secret in this source, then restart deskpulse:")
    out.print(f'  webhook_secret = "{secret}"')


def _freshservice(target: str) -> None:
    secret = new_secret()
    out.print("Freshservice has no API for webhooks; set one up in its Workflow Automator:")
    for number, step in enumerate(freshservice_hooks.setup_steps(target, secret), start=1):
        out.print(f"  {number}. {step}")
    out.print("The line for this source:")
    out.print(f'  webhook_secret = "{secret}"')
