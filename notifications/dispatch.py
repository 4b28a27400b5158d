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
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.outbox import OutboxEvent
from app.queues import Queues
from notifications import settings, templating
from notifications.models import Channel, Message, MessageStatus, Subscription, SubscriptionKind, utcnow
from notifications.providers import registry
from notifications.providers.base import (
    ChannelNotConfigured,
    ConsentRefused,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
    SendError,
)

log = logging.getLogger(__name__)

PROVIDER_CHANNELS = (Channel.WECHAT, Channel.ALIPAY)


class RetryLater(Exception):
    """Raised by the send job after a retryable failure so that rq Retry schedules the next
    attempt (the message row is back to pending with next_attempt_at)."""


# ---------------------------------------------------------------- events → rows


def _facts(case_id) -> dict | None:
    if not isinstance(case_id, int):
        return None
    from app.cases import service as cases
    from app.cases.errors import CaseNotFound

    try:
        return cases.case_facts(case_id)
    except CaseNotFound:
        return None


def _consume(account_id: int, channel: str, template_id: str) -> bool:
    """Take one authorisation of the citizen's consent for `template_id`; False when none is left."""
    sub = db.session.scalar(
        sa.select(Subscription).where(
            Subscription.account_id == account_id,
            Subscription.channel == channel,
            Subscription.template_id == template_id,
        )
    )
    if sub is None:
        return False
    if sub.kind == SubscriptionKind.LONG_TERM:
        return sub.active
    taken = db.session.execute(
        sa.update(Subscription)
        .where(Subscription.id == sub.id, Subscription.remaining > 0)
        .values(remaining=Subscription.remaining - 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def handle_event(event_id: int) -> list[int]:
    """Create the messages of one outbox event (commits). Returns the ids of the provider messages
    to send now; [] when the event has no citizen message or was handled before."""
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        return []
    if db.session.scalar(sa.select(Message.id).where(Message.event_id == event_id).limit(1)) is not None:
        db.session.rollback()
        return []  # handled before; stranded sends are the sweep's
    config = templating.load()
    if templating.event_entry(config, event.event_type) is None:
        db.session.rollback()
        return []
    payload = dict(event.payload or {})
    account_id = payload.get("account_id")
    if not isinstance(account_id, int) or isinstance(account_id, bool):
        log.warning("event %s (%s) carries no account_id: no message", event.id, event.event_type)
        db.session.rollback()
        return []
    case_id = payload.get("case_id")
    facts = _facts(case_id)
    rendered = templating.render(event.event_type, payload, facts, config=config)
    if rendered is None:  # pragma: no cover - event_entry said there is one
        return []
    cfg = current_app.config
    from app.identity import service as identity

    contacts = identity.notification_contacts(
        account_id, wechat_appid=cfg.get("WECHAT_APPID", ""), alipay_app_id=cfg.get("ALIPAY_APP_ID", "")
    )
    holder = contacts["account_id"]
    now = utcnow()
    common = {
        "event_id": event.id,
        "event_type": event.event_type,
        "account_id": holder,
        "case_id": case_id if isinstance(case_id, int) else None,
        "case_number": rendered.context.get("case_number"),
        "department_code": rendered.context.get("department_code") or (facts or {}).get("department_code"),
        "title": rendered.title[:64],
        "body": rendered.body,
        "page": rendered.page,
        "created_at": now,
    }
    rows = [
        Message(channel=Channel.INBOX, recipient=f"account:{holder}", status=MessageStatus.SENT, sent_at=now, **common)
    ]
    targets = []
    if contacts["wechat_openid"] and cfg.get("WECHAT_APPID"):
        targets.append((Channel.WECHAT, contacts["wechat_openid"]))
    alipay_recipient = contacts["alipay_user_id"] or contacts["alipay_open_id"]
    if alipay_recipient and cfg.get("ALIPAY_APP_ID"):
        targets.append((Channel.ALIPAY, alipay_recipient))
    if settings.get("NOTIFICATIONS_SMS_ENABLED") and contacts["has_phone"]:
        targets.append((Channel.SMS, f"account:{holder}"))
    for channel, recipient in targets:
        template = rendered.channel_template(config, channel)
        if template is None:
            continue
        template_id, data = template
        rows.append(
            Message(
                channel=channel,
                recipient=recipient,
                template_id=template_id,
                data=data,
                status=MessageStatus.PENDING,
                next_attempt_at=now,
                **common,
            )
        )
    db.session.add_all(rows)
    try:
        db.session.flush()
    except IntegrityError:  # another run of this event got there first: it owns the sends
        db.session.rollback()
        return []
    for row in rows:
        if row.channel in PROVIDER_CHANNELS and not _consume(holder, row.channel, row.template_id):
            row.status = MessageStatus.SKIPPED
            row.error_code = "NO_CONSENT"
            row.next_attempt_at = None
    db.session.commit()
    return [row.id for row in rows if row.status == MessageStatus.PENDING]


# ---------------------------------------------------------------- rows → providers


def enqueue_sends(message_ids: list[int], *, connection=None) -> bool:
    """Send jobs for the messages, with rq Retry on the configured backoff: one job
    (`notify-<id>`) for a single message, else jobs of up to NOTIFICATIONS_SEND_BATCH messages
    (`notify-<first>-<last>`, see `send_batch`). Each message is still claimed by its own lease.
    False when Redis is unreachable: the sweep enqueues them later."""
    if not message_ids:
        return True
    from rq import Queue

    from app.extensions import redis_ext

    size = max(1, int(settings.get("NOTIFICATIONS_SEND_BATCH")))
    try:
        connection = connection or redis_ext.client
        queue = Queue(Queues.NOTIFICATIONS, connection=connection)
        with connection.pipeline() as pipe:
            for start in range(0, len(message_ids), size):
                chunk = message_ids[start : start + size]
                if len(chunk) == 1:
                    _enqueue_one(queue, chunk[0], pipeline=pipe)
                else:
                    queue.enqueue(
                        "notifications.jobs.send_batch",
                        chunk,
                        job_id=f"notify-{chunk[0]}-{chunk[-1]}",
                        retry=_retry(),
                        job_timeout=max(180, 30 * len(chunk)),
                        result_ttl=600,
                        failure_ttl=7 * 86400,
                        pipeline=pipe,
                    )
            pipe.execute()
    except Exception:  # Redis down: rows stay pending, the sweep picks them up
        log.warning("notifications: %d send(s) left for the sweep (enqueue failed)", len(message_ids), exc_info=True)
        return False
    return True


def _retry(done: int = 0):
    """rq Retry over the intervals left after `done` failed attempts (None when none are left)."""
    from rq import Retry

    intervals = list(settings.retry_intervals())[done:]
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def _enqueue_one(queue, message_id: int, *, pipeline=None, delay: int | None = None, done: int = 0) -> None:
    options = {
        "job_id": f"notify-{message_id}",
        "retry": _retry(done),
        "result_ttl": 600,
        "failure_ttl": 7 * 86400,
        "pipeline": pipeline,
    }
    if delay is None:
        queue.enqueue("notifications.jobs.send", message_id, **options)
    else:
        queue.enqueue_in(timedelta(seconds=delay), "notifications.jobs.send", message_id, **options)


def send_batch(message_ids: list[int]) -> dict:
    """The batch send job: `send_message` for each message in turn (own claim, own lease, own
    record). A message that failed in a retryable way continues as its own `notify-<id>` job,
    scheduled after its interval with the retries it has left — exactly what rq Retry does for a
    single job. An unexpected error leaves that message to its lease / the sweep, the others are
    sent, and the job then fails so rq retries it (messages already done are skipped)."""
    from rq import Queue

    from app.extensions import redis_ext

    outcomes: dict[str, int] = {}
    error: Exception | None = None
    for message_id in message_ids:
        try:
            outcome = send_message(message_id)
        except RetryLater as later:
            outcome = "retry"
            try:
                queue = Queue(Queues.NOTIFICATIONS, connection=redis_ext.client)
                _enqueue_one(queue, message_id, delay=later.delay, done=later.attempt)
            except Exception:  # Redis down: the row is pending with next_attempt_at, the sweep has it
                log.warning("notifications: retry of %s left for the sweep", message_id, exc_info=True)
        except Exception as exc:  # noqa: BLE001 - the rest of the batch still goes out
            log.exception("notifications: send of %s failed unexpectedly", message_id)
            outcome, error = "error", exc
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if error is not None:
        raise error
    return outcomes


_T = Message.__table__
_CLAIM_COLUMNS = (_T.c.channel, _T.c.recipient, _T.c.template_id, _T.c.data, _T.c.page, _T.c.attempts, _T.c.account_id)


def _send_engine() -> sa.Engine:
    """The engine of the send path: autocommit (claim and record are single statements) and no
    pre-ping — a connection found dead fails the attempt, which is retried on a fresh one and
    the lease guards the row meanwhile. One round trip per statement, two per send."""
    app = current_app._get_current_object()
    engine = app.extensions.get("notifications_send_engine")
    if engine is None:
        url = db.engine.url
        options = {"isolation_level": "AUTOCOMMIT", "pool_pre_ping": False}
        postgres = url.get_backend_name() == "postgresql"
        if postgres:
            options.update(pool_size=2, max_overflow=2)
        engine = sa.create_engine(url, **options)
        if postgres and not settings.get("NOTIFICATIONS_SYNCHRONOUS_COMMIT"):
            # Opt-in: no WAL flush wait on the send path's two commits. A crash of the database
            # server (not of a worker) may then forget the last ~0.6 s of claims and outcomes,
            # and those messages are sent again.
            sa.event.listen(engine, "connect", _asynchronous_commit)
        app.extensions["notifications_send_engine"] = engine
    return engine


def _asynchronous_commit(dbapi_connection, _record) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET synchronous_commit TO off")
    dbapi_connection.autocommit = autocommit


def _claim(conn, message_id: int, token: str):
    """One statement, committed on its own: pending (or sending with an expired lease) → sending."""
    now = utcnow()
    lease = timedelta(seconds=int(settings.get("NOTIFICATIONS_LEASE_SECONDS")))
    stmt = (
        sa.update(_T)
        .where(
            _T.c.id == message_id,
            _T.c.attempts < settings.max_attempts(),
            sa.or_(
                _T.c.status == MessageStatus.PENDING,
                sa.and_(_T.c.status == MessageStatus.SENDING, _T.c.lease_until < now),
            ),
        )
        .values(status=MessageStatus.SENDING, attempts=_T.c.attempts + 1, lease_until=now + lease, claim_token=token)
        .returning(*_CLAIM_COLUMNS)
    )
    return conn.execute(stmt).first()


def _finish(conn, message_id: int, token: str, **values) -> bool:
    """Record the outcome, only while this claim still holds the row."""
    done = conn.execute(
        sa.update(_T)
        .where(_T.c.id == message_id, _T.c.claim_token == token, _T.c.status == MessageStatus.SENDING)
        .values(lease_until=None, **values)
    )
    return done.rowcount == 1


def _outgoing(row) -> Outgoing:
    recipient = row.recipient
    if row.channel == Channel.SMS:
        from app.identity import service as identity

        recipient = identity.notification_phone(row.account_id)
        db.session.commit()  # end the read: no transaction stays open across the provider call
        if not recipient:
            raise PermanentSendError("no phone on file", code="NO_PHONE")
    return Outgoing(recipient=recipient, template_id=row.template_id or "", data=row.data or {}, page=row.page or "")


def send_message(message_id: int) -> str:
    """The send job: claim, send, record. Returns the outcome ("sent", "failed", "skipped" when
    another worker owns the row or it is done); raises RetryLater after a retryable failure that
    has attempts left (carrying `attempt`, this attempt's number, and `delay` before the next).

    Claim and record are single statements in autocommit on one pooled connection: one round
    trip each, no transaction open while the provider is called."""
    token = secrets.token_hex(8)
    with _send_engine().connect() as conn:
        row = _claim(conn, message_id, token)
        if row is None:
            return "skipped"
        try:
            provider_ref = registry.get(row.channel).send(_outgoing(row))
        except RetryableSendError as exc:
            return _retry_or_fail(conn, message_id, token, row, exc)
        except (PermanentSendError, ChannelNotConfigured) as exc:
            _fail(conn, message_id, token, row, exc)
            return "failed"
        _finish(
            conn,
            message_id,
            token,
            status=MessageStatus.SENT,
            sent_at=utcnow(),
            provider_ref=(provider_ref or None) and str(provider_ref)[:64],
            error_code=None,
            error=None,
            next_attempt_at=None,
        )
    return "sent"


def _fail(conn, message_id: int, token: str, row, exc: SendError, *, reason: str | None = None) -> None:
    _finish(
        conn,
        message_id,
        token,
        status=MessageStatus.FAILED,
        failed_at=utcnow(),
        error_code=exc.code[:32],
        error=(reason or exc.detail or exc.code)[:255],
        next_attempt_at=None,
    )
    if isinstance(exc, ConsentRefused) and row.template_id:
        # Refused or used up at the provider: stop spending this consent until the citizen renews it.
        subs = Subscription.__table__
        conn.execute(
            sa.update(subs)
            .where(
                subs.c.account_id == row.account_id,
                subs.c.channel == row.channel,
                subs.c.template_id == row.template_id,
            )
            .values(remaining=0, active=False, updated_at=utcnow())
        )
    log.info(
        "notification %s failed on %s: %s",
        message_id,
        row.channel,
        exc.code,
        extra={"message_id": message_id, "error_code": exc.code},
    )


def _retry_or_fail(conn, message_id: int, token: str, row, exc: RetryableSendError) -> str:
    intervals = settings.retry_intervals()
    attempt = row.attempts  # this attempt's number, 1-based
    if attempt > len(intervals):
        _fail(conn, message_id, token, row, exc, reason=f"retries exhausted after {attempt} attempts: {exc.detail}")
        return "failed"
    _finish(
        conn,
        message_id,
        token,
        status=MessageStatus.PENDING,
        next_attempt_at=utcnow() + timedelta(seconds=intervals[attempt - 1]),
        error_code=exc.code[:32],
        error=exc.detail[:255],
    )
    log.info("notification %s: attempt %s failed (%s), retrying", message_id, attempt, exc.code)
    later = RetryLater(f"message {message_id}: {exc.code}")
    later.attempt, later.delay = attempt, intervals[attempt - 1]
    raise later from exc


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
