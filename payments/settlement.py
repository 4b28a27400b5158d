"""Settling an order the provider says is paid — by its callback (callbacks.py) or by our own
query (`settle_by_query`, the reconciliation) — under the order's row lock. The case moves on only
through the core (`app.cases.payment_settlement.settle_payment`), committed together with the
order. Results come back as `Settlement` values, never through the session."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.cases import payment_settlement
from app.extensions import db
from payments import providers as gateways
from payments import refunds
from payments.alarms import raise_alarm
from payments.models import FeeOrder, OrderStatus, PaymentAlarm, utcnow
from payments.orders import ACTORS, SETTLED, lock_order
from payments.providers.base import TradeState

PAID_LATE_REASON = "案件已不再待缴费（重复或迟到的支付）"


@dataclass
class Settlement:
    """What a paid trade did. `outcome`: "paid" (the case moved on), "paid_late" (paid, but the
    case no longer awaited it: a refund is recorded, to be sent after the commit — `order_id`),
    "duplicate" (a matching repeat), "alarm" (it does not match our order: nothing marked paid),
    "ignored". `alarms`: alarms raised, for the caller to link to its notification."""

    outcome: str
    order_id: int | None = None
    alarms: list[PaymentAlarm] = field(default_factory=list)
    # a joint order's lines whose case no longer awaited the payment (payments/joint.py)
    late_lines: list[int] = field(default_factory=list)

    @property
    def refund_to_send(self) -> int | None:
        return self.order_id if self.outcome == "paid_late" else None

    @property
    def refunds_to_send(self) -> list[int]:
        """The orders whose refund is to be sent after the commit."""
        if self.late_lines:
            return list(self.late_lines)
        return [self.order_id] if self.outcome == "paid_late" and self.order_id is not None else []


def mismatches(order: FeeOrder, trade: TradeState) -> dict:
    """What in an authentic notification or query answer does not match our order."""
    problems = {}
    if trade.amount_fen != order.amount_fen:
        problems["amount_fen"] = {"ours": order.amount_fen, "theirs": trade.amount_fen}
    if order.channel == "wechat":
        if trade.merchant_id != order.merchant_id:
            problems["mchid"] = {"ours": order.merchant_id, "theirs": trade.merchant_id}
        if trade.app_id != order.app_id:
            problems["appid"] = {"ours": order.app_id, "theirs": trade.app_id}
    elif trade.app_id != order.app_id:
        problems["app_id"] = {"ours": order.app_id, "theirs": trade.app_id}
    return problems


def apply_paid(order: FeeOrder, trade: TradeState, *, source: str) -> Settlement:
    """The provider says `order` (locked) is paid: an alarm if it does not match our order
    (settled or not), a duplicate if it repeats a settlement, else the order is paid and its
    case moves on (or, when the case no longer awaits it, is refunded)."""
    problems = mismatches(order, trade)
    if problems:
        if order.status in SETTLED:
            problems["order_status"] = str(order.status)
        alarm = raise_alarm("mismatch", channel=order.channel, order=order, detail=problems)
        return Settlement("alarm", order.id, [alarm])
    if order.status in SETTLED:
        return Settlement("duplicate", order.id)
    now = utcnow()
    settled = _settle_case(order.case_id, order.channel, order.out_trade_no, order.amount_fen)
    # Set after the case moved (the order is locked either way): the order's UPDATE then goes out
    # with the caller's next flush instead of costing a flush of its own before the case lock.
    order.status = OrderStatus.PAID
    order.provider_trade_no = trade.provider_trade_no
    order.paid_at = order.updated_at = now
    order.settled_by = source
    return Settlement("paid", order.id) if settled.moved else _paid_late(order, source)


def _settle_case(case_id: int, channel: str, out_trade_no: str, amount_fen: int) -> payment_settlement.PaymentSettled:
    return payment_settlement.settle_payment(
        case_id, channel=channel, out_trade_no=out_trade_no, amount_fen=amount_fen, actor=ACTORS[channel]
    )


def _paid_late(order: FeeOrder, source: str) -> Settlement:
    """Paid, but the case no longer awaited it: a refund is recorded and an alarm raised."""
    refunds.record_refund(order, reason=PAID_LATE_REASON)
    alarm = raise_alarm("paid_late", channel=order.channel, order=order, detail={"source": source})
    return Settlement("paid_late", order.id, [alarm])


_ORDERS = FeeOrder.__table__


def _pay_matching_statement(channel: str) -> sa.Update:
    """UPDATE the order named by a paid trade to paid — only if it is at this channel, not settled
    yet and matches the trade in amount and ids (the same checks as `mismatches`)."""
    conditions = [
        _ORDERS.c.out_trade_no == sa.bindparam("p_out_trade_no"),
        _ORDERS.c.channel == channel,
        _ORDERS.c.status.not_in(sorted(SETTLED)),
        _ORDERS.c.amount_fen == sa.bindparam("p_amount_fen"),
        _ORDERS.c.app_id == sa.bindparam("p_app_id"),
    ]
    if channel == "wechat":
        conditions.append(_ORDERS.c.merchant_id == sa.bindparam("p_merchant_id"))
    return (
        sa.update(_ORDERS)
        .where(*conditions)
        .values(
            status=OrderStatus.PAID.value,
            provider_trade_no=sa.bindparam("p_provider_trade_no"),
            paid_at=sa.bindparam("p_now"),
            updated_at=sa.bindparam("p_now"),
            settled_by=sa.bindparam("p_source"),
        )
        .returning(_ORDERS.c.id, _ORDERS.c.case_id, _ORDERS.c.amount_fen)
    )


_PAY_MATCHING = {channel: _pay_matching_statement(channel) for channel in ACTORS}


def pay_matching(trade: TradeState, channel: str, *, source: str) -> Settlement | None:
    """`apply_paid` for the common case, without loading the order: one conditional UPDATE marks
    the order paid (and locks it) when it is ours, at this channel, unsettled and matching; then
    the case moves. The outcome "paid" or "paid_late" as apply_paid's; None, and nothing
    written, when the order is settled already, unknown, at the other channel or mismatched —
    `lock_order` + `apply_paid` then decide which (in the same transaction)."""
    if trade.amount_fen is None or trade.app_id is None or (channel == "wechat" and trade.merchant_id is None):
        return None
    row = db.session.execute(
        _PAY_MATCHING[channel],
        {
            "p_out_trade_no": trade.out_trade_no,
            "p_amount_fen": trade.amount_fen,
            "p_app_id": trade.app_id,
            "p_merchant_id": trade.merchant_id,
            "p_provider_trade_no": trade.provider_trade_no,
            "p_now": utcnow(),
            "p_source": source,
        },
    ).first()
    if row is None:
        return None
    held = db.session.identity_map.get(db.session.identity_key(FeeOrder, row.id))
    if held is not None:
        db.session.expire(held)
    if _settle_case(row.case_id, channel, trade.out_trade_no, row.amount_fen).moved:
        return Settlement("paid", row.id)
    return _paid_late(db.session.get(FeeOrder, row.id), source)


def settle_by_query(order_id: int) -> str:
    """Ask the provider about one order and settle or close it accordingly (commits). Returns
    the outcome: "skipped", "pending", "closed" or a `Settlement` outcome."""
    order = db.session.get(FeeOrder, order_id)
    if order is None or order.status != OrderStatus.PENDING or order.joint_id is not None:
        return "skipped"  # a joint order's line is settled with its joint order (joint.py)
    gateway = gateways.gateway(order.channel)
    if gateway is None:
        return "skipped"
    trade = gateway.query(order.out_trade_no)
    order = lock_order(order_id=order_id)
    if order.status != OrderStatus.PENDING:
        db.session.rollback()
        return "skipped"
    order.queried_at = utcnow()
    settlement = Settlement("pending")
    if trade.state in ("paid", "refunded"):
        settlement = apply_paid(order, trade, source="query")
    elif trade.state in ("closed",):
        order.status, order.closed_at = OrderStatus.CLOSED, utcnow()
        settlement = Settlement("closed")
    db.session.commit()
    if settlement.refund_to_send is not None:
        refunds.enqueue_send(settlement.refund_to_send)
    return settlement.outcome
