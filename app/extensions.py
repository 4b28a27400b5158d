"""Extension objects, created unbound here and initialised by the factory."""

from __future__ import annotations

import redis
from flask import current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.web.api import PlatformApi

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = PlatformApi()


class RedisExtension:
    """Holds one Redis client per app; the URL is resolved lazily (embedded server on demand)."""

    def init_app(self, app) -> None:
        app.extensions["redis"] = {"client": None, "url": None}

    @staticmethod
    def _state():
        return current_app.extensions["redis"]

    @property
    def url(self) -> str:
        from app.redis_client import resolve_url

        state = self._state()
        if state["url"] is None:
            state["url"] = resolve_url(current_app.config)
        return state["url"]

    @property
    def client(self) -> redis.Redis:
        from app.redis_client import connect

        state = self._state()
        if state["client"] is None:
            state["client"] = connect(self.url)
        return state["client"]


redis_ext = RedisExtension()
