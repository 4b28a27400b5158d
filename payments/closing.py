"""The fee of a case that no longer needs it (rejected, denied, withdrawn): its open orders are
closed at the provider, its paid ones refunded (refunds.py). An order paid meanwhile is settled
first (settlement.py) — and refunded, as its case is gone."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from payments import joint, refunds, settlement
from payments import providers as gateways
from payments.models import FeeOrder, OrderStatus, utcnow
from payments.orders import lock_order
from payments.providers.base import OrderPaidAtProvider


def refund_case(case_id: int, *, reason: str) -> int:
    """A case was rejected, denied or withdrawn: refund its paid orders and close open ones.
    Idempotent; returns the number of refunds sent."""
    sent = 0
    ids = db.session.scalars(sa.select(FeeOrder.id).where(FeeOrder.case_id == case_id)).all()
    for order_id in ids:
        order = lock_order(order_id=order_id)
        if order.status == OrderStatus.PENDING:
            db.session.commit()
            close_open(order_id)
            continue
        if order.status not in (OrderStatus.PAID, OrderStatus.REFUNDING):
            db.session.commit()
            continue
        refunds.record_refund(order, reason=reason)
        db.session.commit()
        refunds.send(order_id)
        sent += 1
    return sent


def close_open(order_id: int) -> None:
    """Close an unpaid order whose case no longer waits for it; paid meanwhile → settled (and
    refunded, as its case is gone)."""
    order = db.session.get(FeeOrder, order_id)
    if order.joint_id is not None:
        # a line of a joint order: its amount no longer holds, the whole joint order is closed
        joint.close(order.joint_id)
        return
    gateway = gateways.gateway(order.channel)
    try:
        if gateway is not None:
            gateway.close(order.out_trade_no)
    except OrderPaidAtProvider:
        settlement.settle_by_query(order_id)
        return
    order = lock_order(order_id=order_id)
    if order.status == OrderStatus.PENDING:
        order.status, order.closed_at, order.updated_at = OrderStatus.CLOSED, utcnow(), utcnow()
    db.session.commit()
