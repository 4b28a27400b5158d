"""Joint orders: one provider order (WeChat Pay or Alipay) paying the fees of several cases of the
same payer at once. Each case keeps its own fee order — a line of the joint order
(`FeeOrder.joint_id`), never sent to a provider itself; the joint order's amount is the sum of its
lines. Starting one is service.py's (`start_joint_payment`); this module settles, closes and
presents them.

- Settling (callback or our own query) takes the joint order's row lock, then its lines', and
  settles every line's case through the core (`app.cases.payment_settlement.settle_payment`, the
  one writer) in one transaction. A repeat is a duplicate; a notification that does not match the
  joint order (amount, mchid/appid/app_id) — settled or not — raises an alarm on each line (each
  department sees its own) and pays nothing. A line whose case no longer awaited the payment is
  refunded on its own: a partial refund of the joint trade (refunds.py, `orders.provider_trade`).
- Closing: expired (reconcile.py), replaced by another order for one of its cases, or one of its
  cases ended before paying (closing.py) — the whole joint order is closed at the provider, as its
  amount no longer holds; the citizen starts another for the cases still due.
- Refunds are per line (a denied member case refunds its own fee only).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.cases import payment_settlement
from app.extensions import db
from payments import providers as gateways
from payments import refunds
from payments.alarms import raise_alarm
from payments.errors import AlreadyPaid, ProviderRefused
from payments.models import FeeOrder, JointOrder, OrderStatus, utcnow
from payments.orders import ACTORS, SETTLED, refund_of
from payments.providers.base import GatewayError, OrderPaidAtProvider, TradeState
from payments.settlement import PAID_LATE_REASON, Settlement, mismatches

MAX_CASES = 20  # a joint order's lines are numbered with one character of [1-9A-Z] after its number


def lock_joint(*, out_trade_no: str | None = None, joint_id: int | None = None) -> JointOrder | None:
    """The joint order, locked for update until the caller's transaction ends; None when unknown."""
    query = sa.select(JointOrder).with_for_update()
    if joint_id is not None:
        query = query.where(JointOrder.id == joint_id)
    else:
        query = query.where(JointOrder.out_trade_no == out_trade_no)
    return db.session.scalar(query)


def lines_of(joint_id: int, *, lock: bool = False) -> list[FeeOrder]:
    """The fee orders a joint order pays, by case (locked in that order when asked)."""
    query = sa.select(FeeOrder).where(FeeOrder.joint_id == joint_id).order_by(FeeOrder.case_id, FeeOrder.id)
    if lock:
        query = query.with_for_update()
    return list(db.session.scalars(query))


def line_no(joint_no: str, index: int) -> str:
    """The out_trade_no of the index-th line (0-based): ours only, never sent to a provider."""
    return joint_no + "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def apply_paid(joint: JointOrder, trade: TradeState, *, source: str) -> Settlement:
    """The provider says `joint` (locked) is paid: an alarm on each line if it does not match the
    joint order (settled or not), a duplicate if it repeats a settlement, else every line is paid
    and its case moves on (a line whose case no longer awaited it is refunded on its own)."""
    lines = lines_of(joint.id, lock=True)
    problems = mismatches(joint, trade)
    if problems:
        if joint.status in SETTLED:
            problems["order_status"] = str(joint.status)
        detail = {**problems, "joint_out_trade_no": joint.out_trade_no}
        alarms = [raise_alarm("mismatch", channel=joint.channel, order=line, detail=detail) for line in lines]
        return Settlement("alarm", alarms=alarms)
    if joint.status in SETTLED:
        return Settlement("duplicate")
    now = utcnow()
    late: list[int] = []
    alarms = []
    for line in lines:
        if line.status in SETTLED:
            continue
        settled = payment_settlement.settle_payment(
            line.case_id,
            channel=joint.channel,
            out_trade_no=joint.out_trade_no,
            amount_fen=line.amount_fen,
            actor=ACTORS[joint.channel],
        )
        # the provider's trade number stays on the joint order (unique per channel)
        line.status = OrderStatus.PAID
        line.paid_at = line.updated_at = now
        line.settled_by = source
        if not settled.moved:
            refunds.record_refund(line, reason=PAID_LATE_REASON)
            detail = {"source": source, "joint_out_trade_no": joint.out_trade_no}
            alarms.append(raise_alarm("paid_late", channel=joint.channel, order=line, detail=detail))
            late.append(line.id)
    joint.status = OrderStatus.PAID
    joint.provider_trade_no = trade.provider_trade_no
    joint.paid_at = joint.updated_at = now
    joint.settled_by = source
    outcome = "paid_late" if late and len(late) == len(lines) else "paid"
    return Settlement(outcome, alarms=alarms, late_lines=late)


def settle_notice(trade: TradeState, channel: str) -> Settlement:
    """A verified payment notification naming a joint order (the caller stores it and commits)."""
    joint = lock_joint(out_trade_no=trade.out_trade_no)
    if joint is None or joint.channel != channel:
        alarm = raise_alarm("unknown_order", channel=channel, order=None, detail={"out_trade_no": trade.out_trade_no})
        return Settlement("alarm", alarms=[alarm])
    if trade.state != "paid":
        return Settlement("ignored")
    return apply_paid(joint, trade, source="notify")


def _mark_closed(joint: JointOrder) -> None:
    now = utcnow()
    joint.status, joint.closed_at, joint.updated_at = OrderStatus.CLOSED, now, now
    for line in lines_of(joint.id, lock=True):
        if line.status == OrderStatus.PENDING:
            line.status, line.closed_at, line.updated_at = OrderStatus.CLOSED, now, now


def settle_by_query(joint_id: int) -> str:
    """Ask the provider about one joint order and settle or close it (commits; refunds of late
    lines are sent after). The outcome: "skipped", "pending", "closed" or a settlement's."""
    joint = db.session.get(JointOrder, joint_id)
    if joint is None or joint.status != OrderStatus.PENDING:
        db.session.rollback()
        return "skipped"
    gateway = gateways.gateway(joint.channel)
    if gateway is None:
        return "skipped"
    trade = gateway.query(joint.out_trade_no)
    joint = lock_joint(joint_id=joint_id)
    if joint.status != OrderStatus.PENDING:
        db.session.rollback()
        return "skipped"
    joint.queried_at = utcnow()
    settled = Settlement("pending")
    if trade.state in ("paid", "refunded"):
        settled = apply_paid(joint, trade, source="query")
    elif trade.state == "closed":
        _mark_closed(joint)
        settled = Settlement("closed")
    db.session.commit()
    for order_id in settled.refunds_to_send:
        refunds.enqueue_send(order_id)
    return settled.outcome


def close(joint_id: int) -> str:
    """Close an unpaid joint order at the provider and here (commits): expired, or one of its
    cases no longer waits for it. Paid meanwhile → settled (lines no longer awaited: refunded)."""
    joint = db.session.get(JointOrder, joint_id)
    if joint is None or joint.status != OrderStatus.PENDING:
        db.session.rollback()
        return "skipped"
    gateway = gateways.gateway(joint.channel)
    try:
        if gateway is not None:
            gateway.close(joint.out_trade_no)
    except OrderPaidAtProvider:
        return settle_by_query(joint_id)
    joint = lock_joint(joint_id=joint_id)
    outcome = "skipped"
    if joint.status == OrderStatus.PENDING:
        _mark_closed(joint)
        outcome = "closed"
    db.session.commit()
    return outcome


def close_for_replacement(joint_id: int) -> None:
    """Close an open joint order before another order replaces it for one of its cases, in the
    caller's transaction; one paid already stops the new one (AlreadyPaid)."""
    joint = db.session.get(JointOrder, joint_id)
    if joint.status != OrderStatus.PENDING:
        return
    gateway = gateways.gateway(joint.channel)
    try:
        if gateway is not None:
            gateway.close(joint.out_trade_no)
    except OrderPaidAtProvider:
        db.session.commit()
        settle_by_query(joint_id)
        raise AlreadyPaid() from None
    except GatewayError as exc:
        db.session.rollback()
        raise ProviderRefused("原订单暂时无法关闭，请稍后再试") from exc
    _mark_closed(joint)


def present(joint: JointOrder, lines: list[FeeOrder] | None = None) -> dict:
    """The joint order with its lines (each case's fee order and any refund of it)."""
    lines = lines_of(joint.id) if lines is None else lines
    paid_for = {line.case_id for line in lines}
    out_lines = []
    for line in lines:
        refund = refund_of(line)
        out_lines.append(
            {
                "case_id": line.case_id,
                "out_trade_no": line.out_trade_no,
                "amount_fen": line.amount_fen,
                "status": line.status,
                "refund": None
                if refund is None
                else {
                    "status": refund.status,
                    "amount_fen": refund.amount_fen,
                    "reason": refund.reason,
                    "created_at": refund.created_at,
                    "finished_at": refund.finished_at,
                },
            }
        )
    return {
        "out_trade_no": joint.out_trade_no,
        "channel": joint.channel,
        "amount_fen": joint.amount_fen,
        "status": joint.status,
        "case_ids": list(joint.case_ids),
        "skipped_case_ids": [c for c in joint.case_ids if c not in paid_for],
        "created_at": joint.created_at,
        "expires_at": joint.expires_at,
        "paid_at": joint.paid_at,
        "lines": out_lines,
    }
