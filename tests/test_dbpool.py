"""Connection checks at checkout only after idling (app/dbpool.py): a connection in use a moment
ago is not pinged; one idle past the threshold is, and replaced when the server dropped it."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app import dbpool
from app.extensions import db


@pytest.fixture
def make_engine(ctx):
    engines = []

    def make(idle_seconds: float) -> tuple[sa.Engine, list[int]]:
        engine = sa.create_engine(db.engine.url, pool_size=1, max_overflow=0)
        dbpool.install(engine, idle_seconds)
        pings = []
        real_ping = engine.dialect.do_ping

        def counted(dbapi_connection):
            pings.append(1)
            return real_ping(dbapi_connection)

        engine.dialect.do_ping = counted
        engines.append(engine)
        return engine, pings

    yield make
    for engine in engines:
        engine.dispose()


def _select_one(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT 1")).scalar_one()


def test_only_idle_connections_are_pinged(make_engine):
    engine, pings = make_engine(0.3)
    for _ in range(5):
        assert _select_one(engine) == 1
    assert pings == []  # the same connection, back in use at once
    time.sleep(0.4)
    assert _select_one(engine) == 1
    assert len(pings) == 1


def _postgres_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server-side disconnect needs PostgreSQL")


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        conn.commit()
    time.sleep(0.2)


def test_an_idle_connection_the_server_dropped_is_replaced(make_engine):
    _postgres_only()
    engine, pings = make_engine(0)
    first = _backend_pid(engine)
    _terminate(first)
    assert _backend_pid(engine) != first  # the ping failed, the pool opened another connection
    assert pings


def test_within_the_window_one_statement_meets_the_dropped_connection(make_engine):
    """The documented price of skipping the ping: one error, then the pool is fresh."""
    _postgres_only()
    engine, pings = make_engine(3600)
    first = _backend_pid(engine)
    _terminate(first)
    with pytest.raises(sa.exc.OperationalError) as caught:
        _backend_pid(engine)
    assert caught.value.connection_invalidated
    assert _backend_pid(engine) != first
    assert pings == []
