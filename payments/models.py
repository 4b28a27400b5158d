"""Payment tables: fee orders (one per case and channel attempt), joint orders (one provider order
paying the fee orders of several cases at once), every raw provider notification, refunds (at
most one per order) and alarms for people to look at."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the citizen to pay
    PAID = "paid"
    CLOSED = "closed"  # expired or replaced, closed at the provider
    REFUNDING = "refunding"
    REFUNDED = "refunded"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"  # recorded, not yet accepted by the provider
    PROCESSING = "processing"  # accepted, the outcome comes by callback or query
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # terminal: a person must act (alarm raised)


class FeeOrder(db.Model):
    """A fee order for a case at one provider. `out_trade_no` is ours and unique (32 of
    [0-9A-Z], valid for both WeChat Pay and Alipay); `provider_trade_no` is theirs."""

    __tablename__ = "fee_orders"
    __table_args__ = (
        sa.UniqueConstraint("channel", "provider_trade_no", name="uq_fee_orders_provider_trade_no"),
        sa.Index("ix_fee_orders_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # wechat | alipay
    merchant_id: Mapped[str] = mapped_column(sa.String(32))  # mchid / app_id the order was made with
    app_id: Mapped[str] = mapped_column(sa.String(32))
    amount_fen: Mapped[int] = mapped_column(sa.Integer)
    description: Mapped[str] = mapped_column(sa.String(127))
    payer_id: Mapped[str] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(16), default=OrderStatus.PENDING)
    prepay_ref: Mapped[str | None] = mapped_column(sa.String(64))  # prepay_id / Alipay trade_no
    provider_trade_no: Mapped[str | None] = mapped_column(sa.String(64))
    settled_by: Mapped[str | None] = mapped_column(sa.String(16))  # notify | query
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    queried_at: Mapped[datetime | None] = mapped_column()
    # A line of a joint order: never sent to a provider itself (its out_trade_no is ours only);
    # the joint order is, and its settlement settles this line (payments/joint.py).
    joint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fee_joint_orders.id"), index=True)


class JointOrder(db.Model):
    """One provider order paying the fees of several cases of one payer: its amount is the sum of
    its lines (`FeeOrder.joint_id`), each case keeping its own fee order. `out_trade_no` starts
    with "ZSJ" (a single case's with "ZSB"); `case_ids` is the sorted list the citizen named (the
    Idempotency-Key's request), the lines are the cases that had a fee due."""

    __tablename__ = "fee_joint_orders"
    __table_args__ = (
        sa.UniqueConstraint("channel", "provider_trade_no", name="uq_fee_joint_orders_provider_trade_no"),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_fee_joint_orders_idempotency_key"),
        sa.Index("ix_fee_joint_orders_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    account_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    case_ids: Mapped[list] = mapped_column(sa.JSON)
    channel: Mapped[str] = mapped_column(sa.String(16))
    merchant_id: Mapped[str] = mapped_column(sa.String(32))
    app_id: Mapped[str] = mapped_column(sa.String(32))
    amount_fen: Mapped[int] = mapped_column(sa.Integer)
    description: Mapped[str] = mapped_column(sa.String(127))
    payer_id: Mapped[str] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(16), default=OrderStatus.PENDING)  # pending | paid | closed
    prepay_ref: Mapped[str | None] = mapped_column(sa.String(64))
    provider_trade_no: Mapped[str | None] = mapped_column(sa.String(64))
    settled_by: Mapped[str | None] = mapped_column(sa.String(16))
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    queried_at: Mapped[datetime | None] = mapped_column()


class RawNotification(db.Model):
    """Every callback as received, verified or not: the audit trail and the replay detector's
    evidence. The body is stored as received (WeChat's resource stays encrypted)."""

    __tablename__ = "payment_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # retention purge
    headers: Mapped[dict] = mapped_column(sa.JSON)
    body: Mapped[str] = mapped_column(sa.Text)
    verified: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(sa.String(24))  # paid duplicate rejected alarm refund ...
    detail: Mapped[str | None] = mapped_column(sa.String(255))
    event_id: Mapped[str | None] = mapped_column(sa.String(64))  # WeChat id / Alipay notify_id
    out_trade_no: Mapped[str | None] = mapped_column(sa.String(64), index=True)


class Refund(db.Model):
    """The refund of an order. One per order (unique), so a retried or duplicated refund job
    reuses the same out_refund_no / out_request_no and the provider refunds once."""

    __tablename__ = "fee_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("fee_orders.id"), unique=True)
    case_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    out_refund_no: Mapped[str] = mapped_column(sa.String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(16), default=RefundStatus.PENDING)
    provider_refund_id: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class PaymentAlarm(db.Model):
    """Something a person must look at: an authentic notification that does not match our order
    (amount, merchant ids), a payment for a case no longer awaiting it, a refund that failed."""

    __tablename__ = "payment_alarms"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    channel: Mapped[str | None] = mapped_column(sa.String(16))
    order_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    notification_id: Mapped[int | None] = mapped_column(sa.Integer)
    detail: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The department of the order's case (whose staff see the alarm); none for an unknown order.
    department_code: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.Integer)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by: Mapped[int | None] = mapped_column(sa.Integer)  # staff id
    resolution: Mapped[str | None] = mapped_column(sa.String(500))


TABLES = ("payment_alarms", "fee_refunds", "payment_notifications", "fee_orders", "fee_joint_orders")
