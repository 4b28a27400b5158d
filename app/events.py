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
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db
from app.outbox import OutboxEvent, _utcnow
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
    from rq import Queue, Retry

    queues: dict[str, Queue] = {}
    with connection.pipeline() as pipe:
        for event_id, event_type in rows:
            for sub in subscribers_for(event_type):
                queue = queues.setdefault(sub.queue, Queue(sub.queue, connection=connection))
                retry = (
                    Retry(max=len(sub.retry_intervals), interval=list(sub.retry_intervals))
                    if sub.retry_intervals
                    else None
                )
                queue.enqueue(
                    "app.events.deliver",
                    event_id,
                    sub.name,
                    job_id=job_id(event_id, sub.name),
                    retry=retry,
                    result_ttl=3600,
                    failure_ttl=7 * 86400,
                    pipeline=pipe,
                )
        pipe.execute()


def dispatch(limit: int = 500) -> int:
    """Enqueue the jobs of pending events and mark them dispatched; the number of events.
    Concurrent dispatchers skip each other's rows (SKIP LOCKED on PostgreSQL)."""
    from app.extensions import redis_ext

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
        session.info.setdefault("zsb_new_events", []).extend(new)


_MARK_DISPATCHED = (
    sa.update(OutboxEvent.__table__)
    .where(OutboxEvent.__table__.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(dispatched_at=sa.bindparam("now"))
)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released (SQLAlchemy fires after_commit for it): wait for the real commit
    rows = session.info.pop("zsb_new_events", None)
    if not rows or not _SUBSCRIBERS:
        return
    from flask import current_app, has_app_context

    if not has_app_context() or not current_app.config.get("EVENTS_DISPATCH_ON_COMMIT", True):
        return
    from app.extensions import redis_ext

    try:
        _enqueue(redis_ext.client, rows)
    except Exception:  # Redis down: the sweep will dispatch them
        log.warning("outbox: %d event(s) left for the sweep (enqueue failed)", len(rows), exc_info=True)
        return
    # The session that committed is finished: one autocommitted UPDATE (a single statement needs
    # no BEGIN/COMMIT round trips). If it fails, the events stay pending and the sweep enqueues
    # them again under the same job ids — at least once, as before.
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(_MARK_DISPATCHED, {"ids": [r[0] for r in rows], "now": _utcnow()})


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint rolled back: the outer transaction's events still count
    session.info.pop("zsb_new_events", None)


def install_commit_hook() -> None:
    """Attach the hooks to every session (once per process)."""
    if not sa_event.contains(Session, "after_flush", _collect):
        sa_event.listen(Session, "after_flush", _collect)
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_rollback", _after_rollback)
