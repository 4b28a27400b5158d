"""From domain events to delivered messages, exactly once per (event, channel, recipient).

1. `handle_event(event_id)` (the outbox subscriber's job): renders the event's texts, looks up
   where the citizen can be reached (app.identity.service.notification_contacts) and inserts one
   row per channel — the inbox copy is born `sent`; a WeChat / Alipay row consumes one consent
   or is `skipped` (NO_CONSENT). Rows and consent consumption are one transaction, guarded by the
   unique key (event_id, channel, recipient): a second run of the same event inserts nothing and
   consumes nothing.
2. `send_message(message_id)` (an RQ job per channel row, or `send_batch` for up to
   NOTIFICATIONS_SEND_BATCH rows enqueued together, so RQ's per-job cost is paid once): claims
   the row with a lease in one short transaction (pending, or sending with an expired lease → sending), calls the provider
   outside any transaction, records the outcome in a second one. A redelivered job finds the row
   claimed or sent and does nothing; a worker killed mid-job leaves a lease that expires, and the
   sweep hands the row to another worker.
3. `sweep()` (cron): events older than the grace period that have no rows (their job was lost)
   are handled; pending rows whose attempt is overdue and rows whose lease expired are enqueued
   again; rows out of attempts are failed.

The one window left: a worker killed after the provider accepted a message but before the
outcome was recorded. The provider APIs take no idempotency key, so that message is sent again
when its lease expires (at least once there, never silently lost).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from app import jobs
from app.extensions import db, redis_ext
from app.outbox import OutboxEvent
from app.queues import Queues
from notifications import settings, templating
from notifications.fanout import handle_event
from notifications.models import Message, MessageStatus, utcnow
from notifications.sending import RetryLater, send_message

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- rows → job queue


def enqueue_sends(message_ids: list[int], *, connection=None) -> bool:
    """Send jobs for the messages, with rq Retry on the configured backoff: one job
    (`notify-<id>`) for a single message, else jobs of up to NOTIFICATIONS_SEND_BATCH messages
    (`notify-<first>-<last>`, see `send_batch`). Each message is still claimed by its own lease.
    False when Redis is unreachable: the sweep enqueues them later."""
    if not message_ids:
        return True
    size = max(1, int(settings.get("NOTIFICATIONS_SEND_BATCH")))
    try:
        connection = connection or redis_ext.client
        with connection.pipeline() as pipe:
            for start in range(0, len(message_ids), size):
                chunk = message_ids[start : start + size]
                if len(chunk) == 1:
                    _enqueue_one(chunk[0], connection=connection, pipeline=pipe)
                else:
                    jobs.enqueue(
                        send_batch,
                        chunk,
                        key=f"notify-{chunk[0]}-{chunk[-1]}",
                        queue=Queues.NOTIFICATIONS,
                        retry=settings.retry_intervals(),
                        timeout=max(180, 30 * len(chunk)),
                        result_ttl=600,
                        connection=connection,
                        pipeline=pipe,
                    )
            pipe.execute()
    except Exception:  # Redis down: rows stay pending, the sweep picks them up
        log.warning("notifications: %d send(s) left for the sweep (enqueue failed)", len(message_ids), exc_info=True)
        return False
    return True


def _enqueue_one(message_id: int, *, connection=None, pipeline=None, delay: int | None = None, done: int = 0) -> None:
    """The job of one message, retried over the intervals left after `done` failed attempts."""
    jobs.enqueue(
        send_message,
        message_id,
        key=f"notify-{message_id}",
        queue=Queues.NOTIFICATIONS,
        retry=list(settings.retry_intervals())[done:],
        in_=delay,
        result_ttl=600,
        connection=connection,
        pipeline=pipeline,
    )


def send_batch(message_ids: list[int]) -> dict:
    """The batch send job: `send_message` for each message in turn (own claim, own lease, own
    record). A message that failed in a retryable way continues as its own `notify-<id>` job,
    scheduled after its interval with the retries it has left — exactly what rq Retry does for a
    single job. An unexpected error leaves that message to its lease / the sweep, the others are
    sent, and the job then fails so rq retries it (messages already done are skipped)."""
    outcomes: dict[str, int] = {}
    error: Exception | None = None
    for message_id in message_ids:
        try:
            outcome = send_message(message_id)
        except RetryLater as later:
            outcome = "retry"
            try:
                _enqueue_one(message_id, delay=later.delay, done=later.attempt)
            except Exception:  # Redis down: the row is pending with next_attempt_at, the sweep has it
                log.warning("notifications: retry of %s left for the sweep", message_id, exc_info=True)
        except Exception as exc:  # noqa: BLE001 - the rest of the batch still goes out
            log.exception("notifications: send of %s failed unexpectedly", message_id)
            outcome, error = "error", exc
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if error is not None:
        raise error
    return outcomes


# ---------------------------------------------------------------- sweep


def sweep(limit: int = 500) -> dict:
    """Repair what the normal path left behind (see the module docstring); safe to run anywhere,
    any number of times. Returns counts."""
    now = utcnow()
    grace = timedelta(seconds=int(settings.get("NOTIFICATIONS_SWEEP_GRACE")))
    window = timedelta(seconds=int(settings.get("NOTIFICATIONS_SWEEP_WINDOW")))
    config = templating.load()
    types = [t for t in config.get("events", {}) if templating.event_entry(config, t) is not None]
    orphans = list(
        db.session.scalars(
            sa.select(OutboxEvent.id)
            .where(
                OutboxEvent.event_type.in_(types),
                OutboxEvent.created_at >= now - window,
                OutboxEvent.created_at <= now - grace,
                ~sa.exists().where(Message.event_id == OutboxEvent.id),
            )
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    to_send: list[int] = []
    for event_id in orphans:
        to_send += handle_event(event_id)
    exhausted = db.session.execute(
        sa.update(Message)
        .where(
            Message.status == MessageStatus.SENDING,
            Message.lease_until < now,
            Message.attempts >= settings.max_attempts(),
        )
        .values(
            status=MessageStatus.FAILED,
            failed_at=now,
            lease_until=None,
            error_code="LEASE_EXPIRED",
            error="the worker sending it stopped and no attempts are left",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    stranded = list(
        db.session.scalars(
            sa.select(Message.id)
            .where(
                sa.or_(
                    sa.and_(Message.status == MessageStatus.PENDING, Message.next_attempt_at <= now - grace),
                    sa.and_(Message.status == MessageStatus.SENDING, Message.lease_until < now),
                )
            )
            .order_by(Message.id)
            .limit(limit)
        )
    )
    db.session.commit()
    to_send += stranded
    enqueue_sends(to_send)
    return {"events": len(orphans), "requeued": len(stranded), "exhausted": exhausted}
