"""Fee orders as records: the channels' actors, which statuses count as settled, finding and
locking an order, presenting it. The flows live beside it: service.py (the citizen pays),
settlement.py (the provider says paid), refunds.py, closing.py (a case that ended)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from app.extensions import db
from payments.models import FeeOrder, JointOrder, OrderStatus, Refund

ACTORS = {"wechat": "system:wechatpay", "alipay": "system:alipay"}
SETTLED = frozenset({OrderStatus.PAID, OrderStatus.REFUNDING, OrderStatus.REFUNDED})


def notify_url(channel: str) -> str:
    base = current_app.config.get("PAYMENTS_NOTIFY_BASE_URL") or ""
    if not base:
        base = request.host_url if has_request_context() else "http://127.0.0.1:8000/"
    return base.rstrip("/") + f"/payments/notify/{channel}"


def lock_order(*, out_trade_no: str | None = None, order_id: int | None = None) -> FeeOrder | None:
    """The order, locked for update until the caller's transaction ends; None when unknown."""
    query = sa.select(FeeOrder).with_for_update()
    query = (
        query.where(FeeOrder.id == order_id)
        if order_id is not None
        else query.where(FeeOrder.out_trade_no == out_trade_no)
    )
    return db.session.scalar(query)


def orders_of(case_id: int) -> list[FeeOrder]:
    """The orders of a case, newest first."""
    return list(db.session.scalars(sa.select(FeeOrder).where(FeeOrder.case_id == case_id).order_by(FeeOrder.id.desc())))


JOINT_PREFIX = "ZSJ"  # a joint order's out_trade_no (payments/joint.py); a single case's is "ZSB…"


def is_joint_no(out_trade_no: str | None) -> bool:
    return bool(out_trade_no) and out_trade_no.startswith(JOINT_PREFIX)


def provider_trade(order: FeeOrder) -> tuple[str, int]:
    """The provider's trade an order was paid in and its total: the order itself, or for a line
    of a joint order the joint order (a line's refund is a partial refund of it)."""
    if order.joint_id is None:
        return order.out_trade_no, order.amount_fen
    joint = db.session.get(JointOrder, order.joint_id)
    return joint.out_trade_no, joint.amount_fen


def refund_of(order: FeeOrder) -> Refund | None:
    return db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))


def present(order: FeeOrder, refund: Refund | None = None) -> dict:
    out = {
        "out_trade_no": order.out_trade_no,
        "channel": order.channel,
        "amount_fen": order.amount_fen,
        "status": order.status,
        "created_at": order.created_at,
        "expires_at": order.expires_at,
        "paid_at": order.paid_at,
        "refund": None,
    }
    if refund is not None:
        out["refund"] = {
            "status": refund.status,
            "amount_fen": refund.amount_fen,
            "reason": refund.reason,
            "created_at": refund.created_at,
            "finished_at": refund.finished_at,
        }
    return out
