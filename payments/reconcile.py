"""Reconciliation (a periodic RQ job, cron_config.py): orders that waited past a threshold without
a callback are queried at the provider and settled or closed; expired orders are closed; refunds
still processing are queried, and refunds never accepted are sent again (same out_refund_no);
paid orders of cases that were rejected, denied or withdrawn get their refund."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.cases import payment_settlement
from app.extensions import db
from payments import closing, joint, refunds, settlement
from payments.models import FeeOrder, JointOrder, OrderStatus, Refund, RefundStatus, utcnow
from payments.orders import lock_order
from payments.providers.base import GatewayError

log = logging.getLogger(__name__)
BATCH = 200


def run() -> dict:
    """One pass; returns counts by outcome. Safe to run twice at once (row locks, re-checks)."""
    now = utcnow()
    after = timedelta(seconds=int(current_app.config["PAYMENT_RECONCILE_AFTER"]))
    counts: dict[str, int] = {}

    def count(outcome: str) -> None:
        counts[outcome] = counts.get(outcome, 0) + 1

    waiting = db.session.scalars(
        sa.select(FeeOrder.id)
        .where(
            FeeOrder.status == OrderStatus.PENDING,
            FeeOrder.joint_id.is_(None),  # lines are settled and closed with their joint order
            sa.or_(FeeOrder.created_at <= now - after, FeeOrder.expires_at <= now),
            sa.or_(FeeOrder.queried_at.is_(None), FeeOrder.queried_at <= now - after, FeeOrder.expires_at <= now),
        )
        .order_by(FeeOrder.id)
        .limit(BATCH)
    ).all()
    db.session.commit()
    for order_id in waiting:
        try:
            outcome = settlement.settle_by_query(order_id)
            if outcome == "pending":
                outcome = _close_if_expired(order_id, now)
        except GatewayError as exc:
            db.session.rollback()
            log.warning("payments: reconcile order %s: %s", order_id, exc)
            outcome = "error"
        count(outcome)
    _joint_orders(now, after, count)

    stale_refunds = db.session.scalars(
        sa.select(Refund.id)
        .where(Refund.status.in_((RefundStatus.PENDING, RefundStatus.PROCESSING)), Refund.updated_at <= now - after)
        .order_by(Refund.id)
        .limit(BATCH)
    ).all()
    db.session.commit()
    for refund_id in stale_refunds:
        try:
            count("refund_" + str(refunds.query(refund_id)))
        except GatewayError as exc:
            db.session.rollback()
            log.warning("payments: reconcile refund %s: %s", refund_id, exc)
            count("refund_error")

    ended = payment_settlement.ended_cases()
    unrefunded = db.session.execute(
        sa.select(FeeOrder.id, ended.c.event_type)
        .join(ended, ended.c.case_id == FeeOrder.case_id)
        .where(FeeOrder.status == OrderStatus.PAID)
        .limit(BATCH)
    ).all()
    db.session.commit()
    for order_id, event_type in unrefunded:
        order = lock_order(order_id=order_id)
        if order.status != OrderStatus.PAID:
            db.session.commit()
            continue
        refunds.record_refund(order, reason=refunds.REASONS.get(event_type, "退还已缴费用"))
        db.session.commit()
        try:
            count("refund_" + str(refunds.send(order_id)))
        except GatewayError:
            db.session.rollback()
            count("refund_error")
    return counts


def _joint_orders(now, after, count) -> None:
    """Joint orders that waited past the threshold: queried and settled, or closed once expired."""
    waiting = db.session.scalars(
        sa.select(JointOrder.id)
        .where(
            JointOrder.status == OrderStatus.PENDING,
            sa.or_(JointOrder.created_at <= now - after, JointOrder.expires_at <= now),
            sa.or_(JointOrder.queried_at.is_(None), JointOrder.queried_at <= now - after, JointOrder.expires_at <= now),
        )
        .order_by(JointOrder.id)
        .limit(BATCH)
    ).all()
    db.session.commit()
    for joint_id in waiting:
        try:
            outcome = joint.settle_by_query(joint_id)
            if outcome == "pending" and db.session.get(JointOrder, joint_id).expires_at <= now:
                outcome = joint.close(joint_id)
        except GatewayError as exc:
            db.session.rollback()
            log.warning("payments: reconcile joint order %s: %s", joint_id, exc)
            outcome = "error"
        count("joint_" + outcome)


def _close_if_expired(order_id: int, now) -> str:
    order = db.session.get(FeeOrder, order_id)
    if order.status != OrderStatus.PENDING or order.expires_at > now:
        return "pending"
    closing.close_open(order_id)
    db.session.expire_all()
    order = db.session.get(FeeOrder, order_id)
    return "closed" if order.status == OrderStatus.CLOSED else str(order.status)
