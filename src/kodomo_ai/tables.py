"""Tables a feature keeps in the service database: a store on its SQLAlchemy engine, one transaction per call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def utcnow() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)


class TableStore:
    """A feature's tables (its declarative base's `metadata`, created when missing) on a shared engine."""

    metadata: ClassVar[MetaData]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata.create_all(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed at the end, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session
