"""Connection checks at pool checkout — only for connections that sat idle in the pool.

`pool_pre_ping` costs a round trip on every checkout, and a request checks out several times
(the session, autocommitted statements, the outbox hook). A connection that was in use a moment
ago is as alive as a ping would show, so the ping is made only when the connection has been idle
for `DB_PING_AFTER_IDLE_SECONDS` (10 by default; 0 pings at every checkout, like pool_pre_ping).
A dead connection found by the ping is replaced transparently (the pool retries the checkout).

What the window leaves: a connection the server dropped less than that many seconds after its
last use (a database restart) fails the one statement that meets it; SQLAlchemy then invalidates
every pooled connection older than the failure, so each process sees at most one such error.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy import event

_IDLE_SINCE = "zsb_idle_since"


def install(engine: sa.Engine, idle_seconds: float) -> None:
    """Attach the checkin/checkout listeners to `engine`'s pool (once per engine)."""
    if getattr(engine, "_zsb_ping_installed", False):
        return
    engine._zsb_ping_installed = True  # type: ignore[attr-defined]
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, proxy) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            # the pool disposes of this connection and checks out (or opens) another
            raise sa.exc.DisconnectionError(f"idle connection failed its ping: {exc}") from exc
