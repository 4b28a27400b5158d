"""Domain-event subscribers and the outbox dispatcher.

Domain packages write events into the outbox (app/outbox.py) in the same transaction as the
state change. Consumers — notifications/, payments/ (refunds), delivery/ (courier orders) —
subscribe by event type. After a commit that wrote events, each (event, subscriber) pair is
enqueued as one RQ job `app.events.deliver(event_id, subscriber)`, then the events are marked
dispatched. When Redis is down or the process dies between commit and enqueue, the events stay
pending and the periodic `sweep` job (cron_config.py) dispatches them later.

Delivery is at least once: a job can run twice (a redelivered job, a sweep racing the commit
hook). Every handler must therefore be idempotent — enforced by the database on its own side
(a unique message key, a unique refund per order, a unique courier order per case).

    from app import events
    events.subscribe("case.*", "notifications.jobs.on_event", name="notifications")
    # handler(event: app.outbox.OutboxEvent) -> None, run inside the app context
"""

from __future__ import annotations

import fnmatch
import importlib
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask import current_app, has_app_context
from flask.cli import with_appcontext
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app import jobs
from app.extensions import db, redis_ext
from app.outbox import NEW_EVENTS, OutboxEvent, _utcnow
from app.queues import Queues

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscriber:
    name: str  # unique; part of the job id
    pattern: str  # an event type or a glob: "case.*", "payment.paid", "*"
    handler: str  # dotted path of handler(event: OutboxEvent) -> None
    queue: str = Queues.DEFAULT
    # Retries of the job when the handler raises (rq Retry intervals in seconds); handlers that
    # manage their own retries (notifications) pass ().
    retry_intervals: tuple[int, ...] = (10, 60, 300)


_SUBSCRIBERS: dict[str, Subscriber] = {}


def subscribe(
    pattern: str,
    handler: str,
    *,
    name: str,
    queue: str = Queues.DEFAULT,
    retry_intervals: tuple[int, ...] = (10, 60, 300),
) -> Subscriber:
    """Register a subscriber (at app start-up; registering the same name again replaces it)."""
    sub = Subscriber(name=name, pattern=pattern, handler=handler, queue=queue, retry_intervals=retry_intervals)
    _SUBSCRIBERS[name] = sub
    return sub


def subscribers_for(event_type: str) -> list[Subscriber]:
    return [s for s in _SUBSCRIBERS.values() if fnmatch.fnmatchcase(event_type, s.pattern)]


def subscribers() -> list[Subscriber]:
    return list(_SUBSCRIBERS.values())


def _resolve(path: str) -> Callable:
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def job_id(event_id: int, subscriber: str) -> str:
    return f"event-{event_id}-{subscriber}"


# ---------------------------------------------------------------- dispatching


def _enqueue(connection, rows: list[tuple[int, str]]) -> None:
    """Enqueue one job per (event, subscriber); raises when Redis is unreachable."""
    with connection.pipeline() as pipe:
        for event_id, event_type in rows:
            for sub in subscribers_for(event_type):
                jobs.enqueue(
                    deliver,
                    event_id,
                    sub.name,
                    key=job_id(event_id, sub.name),
                    queue=sub.queue,
                    retry=sub.retry_intervals,
                    result_ttl=3600,
                    connection=connection,
                    pipeline=pipe,
                )
        pipe.execute()


def dispatch(limit: int = 500) -> int:
    """Enqueue the jobs of pending events and mark them dispatched; the number of events.
    Concurrent dispatchers skip each other's rows (SKIP LOCKED on PostgreSQL)."""
    query = (
        sa.select(OutboxEvent.id, OutboxEvent.event_type)
        .where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = [(r.id, r.event_type) for r in db.session.execute(query)]
    if not rows:
        db.session.rollback()
        return 0
    try:
        _enqueue(redis_ext.client, rows)
    except Exception:
        db.session.rollback()
        raise
    db.session.execute(
        sa.update(OutboxEvent).where(OutboxEvent.id.in_([r[0] for r in rows])).values(dispatched_at=_utcnow())
    )
    db.session.commit()
    return len(rows)


def sweep() -> int:
    """Periodic job (cron_config.py): dispatch whatever the commit hook left behind."""
    total = 0
    while True:
        count = dispatch()
        total += count
        if count < 500:
            return total


def relay(*, interval: float = 0.2, limit: int = 500, stop: threading.Event | None = None, once: bool = False) -> int:
    """The outbox relay, for EVENTS_DISPATCH_ON_COMMIT off: dispatch pending events in batches
    (one SELECT … FOR UPDATE SKIP LOCKED, one Redis pipeline, one UPDATE per batch of up to
    `limit`), waiting `interval` seconds whenever the outbox is empty, until `stop` is set (or,
    with `once`, until it is empty). Several relays share the work on PostgreSQL (each skips the
    rows another holds); on SQLite run one. Redis or the database down: logged, retried after a
    pause. Returns the number of events dispatched."""
    stop = stop or threading.Event()
    total = 0
    while not stop.is_set():
        try:
            count = dispatch(limit)
        except Exception:  # noqa: BLE001 - the relay outlives an outage; the events stay pending
            db.session.rollback()
            log.warning("outbox relay: dispatch failed, retrying", exc_info=True)
            stop.wait(max(interval, 1.0))
            continue
        total += count
        if count < limit:
            if once:
                break
            stop.wait(interval)
    return total


def deliver(event_id: int, subscriber: str) -> None:
    """The RQ job: hand one event to one subscriber's handler (inside the app context)."""
    sub = _SUBSCRIBERS.get(subscriber)
    if sub is None:
        log.warning("event %s: no subscriber %s any more", event_id, subscriber)
        return
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        log.warning("event %s not found", event_id)
        return
    _resolve(sub.handler)(event)


# ---------------------------------------------------------------- after commit


def _collect(session: Session, flush_context) -> None:
    # after_flush: the new rows have their ids; no SQL may run in after_commit to read them
    new = [(obj.id, obj.event_type) for obj in session.new if isinstance(obj, OutboxEvent)]
    if new:
        session.info.setdefault(NEW_EVENTS, []).extend(new)


_MARK_DISPATCHED = (
    sa.update(OutboxEvent.__table__)
    .where(OutboxEvent.__table__.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(dispatched_at=sa.bindparam("now"))
)


# PostgreSQL, for the autocommitted UPDATE after a commit: that one statement's own commit need
# not wait for its WAL flush (synchronous_commit off, for its transaction only). A mark lost in a
# crash only means the sweep enqueues the event again under the same job id (at least once, as
# documented), and the session's commit that wrote the events was flushed before it.
_MARK_DISPATCHED_LAZILY = _MARK_DISPATCHED.where(sa.func.set_config("synchronous_commit", "off", True).is_not(None))


def _dispatch_wanted(rows) -> bool:
    return bool(
        rows and _SUBSCRIBERS and has_app_context() and current_app.config.get("EVENTS_DISPATCH_ON_COMMIT", True)
    )


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released (SQLAlchemy fires after_commit for it): wait for the real commit
    rows = session.info.pop(NEW_EVENTS, None)
    if not _dispatch_wanted(rows):
        return
    # The session that committed is finished: one autocommitted UPDATE (a single statement needs
    # no BEGIN/COMMIT round trips).
    with db.engine.connect() as conn:
        lazily = conn.dialect.name == "postgresql"
        dispatch_committed(conn.execution_options(isolation_level="AUTOCOMMIT"), rows, _lazily=lazily)


def dispatch_committed(conn: sa.Connection, rows: list[tuple[int, str]], *, _lazily: bool = False) -> None:
    """Enqueue the jobs of events that are committed — (id, event_type) each — and mark them
    dispatched on `conn` (autocommitted, or the caller commits). For code that writes events
    outside the session (an autocommitted statement); the session's commit hook uses it too.
    If Redis is down the events stay pending; if the UPDATE fails they are enqueued again by the
    sweep under the same job ids — at least once either way."""
    if not _dispatch_wanted(rows):
        return
    try:
        _enqueue(redis_ext.client, rows)
    except Exception:  # Redis down: the sweep will dispatch them
        log.warning("outbox: %d event(s) left for the sweep (enqueue failed)", len(rows), exc_info=True)
        return
    statement = _MARK_DISPATCHED_LAZILY if _lazily else _MARK_DISPATCHED
    conn.execute(statement, {"ids": [r[0] for r in rows], "now": _utcnow()})


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint rolled back: the outer transaction's events still count
    session.info.pop(NEW_EVENTS, None)


def install_commit_hook() -> None:
    """Attach the hooks to every session (once per process)."""
    if not sa_event.contains(Session, "after_flush", _collect):
        sa_event.listen(Session, "after_flush", _collect)
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_rollback", _after_rollback)


# ---------------------------------------------------------------- CLI


@click.group("events", help="Outbox events: the relay and the sweep.")
def events_cli():
    pass


@events_cli.command("relay")
@click.option("--interval", default=0.2, show_default=True, help="Seconds to wait when the outbox is empty.")
@click.option("--limit", default=500, show_default=True, help="Events per batch.")
@click.option("--once", is_flag=True, help="Dispatch what is pending, then stop.")
@with_appcontext
def relay_command(interval: float, limit: int, once: bool) -> None:
    """Dispatch outbox events in batches until SIGTERM/SIGINT (for EVENTS_DISPATCH_ON_COMMIT=0)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    count = relay(interval=interval, limit=limit, stop=stop, once=once)
    click.echo(f"outbox relay: {count} event(s) dispatched")
