"""Notification tables: the citizen's subscription consents and every message, one row per
(event, channel, recipient).

The unique key (event_id, channel, recipient) is what makes delivery exactly once: a redelivered
event job finds its rows and sends nothing new, and two concurrent runs of the same event collide
in the database, the loser's transaction (with its consent consumption) rolled back.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Channel(enum.StrEnum):
    INBOX = "inbox"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    SMS = "sms"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (another) attempt
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"  # the provider accepted it (inbox rows are born sent)
    SKIPPED = "skipped"  # not sent on this channel: no consent left (the inbox copy carries it)
    FAILED = "failed"  # terminal: refused by the provider or retries exhausted (error_code says which)


class SubscriptionKind(enum.StrEnum):
    ONE_TIME = "one_time"  # each accepted request = one message
    LONG_TERM = "long_term"  # until the citizen turns it off


class Subscription(db.Model):
    """What the citizen accepted in wx.requestSubscribeMessage / my.requestSubscribeMessage for one
    template: a long-term consent, or a count of one-time authorisations left."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (sa.UniqueConstraint("account_id", "channel", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    template_id: Mapped[str] = mapped_column(sa.String(128))
    kind: Mapped[str] = mapped_column(sa.String(16), default=SubscriptionKind.ONE_TIME)
    remaining: Mapped[int] = mapped_column(default=0)  # one-time authorisations left
    active: Mapped[bool] = mapped_column(default=True)  # long-term consent still on
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Message(db.Model):
    """One message of one event on one channel to one recipient.

    recipient: the WeChat openid, the Alipay user id / open id, or `account:<id>` (inbox, SMS —
    the phone is looked up at send time and never stored here). `data` holds what is sent to the
    provider (template data), `title`/`body` the inbox text. event_id and account_id carry no
    foreign keys on purpose: outbox rows and accounts are pruned on their own schedules, and the
    message history outlives them."""

    __tablename__ = "notification_messages"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "channel", "recipient"),
        sa.Index("ix_notification_messages_account_inbox", "account_id", "channel", "id"),
        sa.Index("ix_notification_messages_enterprise_inbox", "enterprise_id", "account_id", "channel"),
        sa.Index("ix_notification_messages_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column()
    event_type: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[str] = mapped_column(sa.String(16))
    recipient: Mapped[str] = mapped_column(sa.String(128))
    account_id: Mapped[int] = mapped_column()
    # the enterprise the message is about (its case): shown in the inbox while acting for it,
    # never in the person's own inbox; null for a person's own matters
    enterprise_id: Mapped[int | None] = mapped_column()
    case_id: Mapped[int | None] = mapped_column(index=True)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    department_code: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    title: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    page: Mapped[str | None] = mapped_column(sa.String(256))
    template_id: Mapped[str | None] = mapped_column(sa.String(128))
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    lease_until: Mapped[datetime | None] = mapped_column()
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    error: Mapped[str | None] = mapped_column(sa.String(255))
    provider_ref: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    failed_at: Mapped[datetime | None] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()


# Children first (tests and tools delete in this order).
TABLES = ("notification_messages", "notification_subscriptions")
