"""Rows → providers: `send_message(message_id)`, one attempt at one message.

Claims the row with a lease in one short statement (pending, or sending with an expired lease →
sending), calls the provider outside any transaction, records the outcome in a second statement.
A redelivered job finds the row claimed or sent and does nothing; a worker killed mid-job leaves
a lease that expires, and the sweep (notifications.dispatch) hands the row to another worker.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.identity import service as identity
from notifications import settings
from notifications.models import Channel, Message, MessageStatus, Subscription, utcnow
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


class RetryLater(Exception):
    """Raised by the send job after a retryable failure so that rq Retry schedules the next
    attempt (the message row is back to pending with next_attempt_at)."""


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
