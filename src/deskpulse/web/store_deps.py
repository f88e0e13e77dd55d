"""The request's database session and config, shared by the access check and the route (one transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from deskpulse.config import Config
from deskpulse.store.db import Database


def get_config(request: Request) -> Config:
    """The app's configuration."""
    config: Config = request.app.state.config
    return config


def get_db(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.db
    return db


def get_session(db: Annotated[Database, Depends(get_db)]) -> Iterator[Session]:
    """One session (one transaction) per request, reused by every dependency that asks for it."""
    with db.session() as session:
        yield session


AppConfig = Annotated[Config, Depends(get_config)]
DbSession = Annotated[Session, Depends(get_session)]
