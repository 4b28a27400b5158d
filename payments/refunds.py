"""Refunds of paid fees when a case is rejected, denied or withdrawn (closing.py decides which)
and of a payment that came after its case stopped waiting for it (settlement.py). One refund per
order, recorded before the provider is called, so every retry — a redelivered job, the
reconciliation — sends the same out_refund_no (WeChat) / out_request_no (Alipay) and the
provider refunds once."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app import jobs
from app.cases import service as cases
from app.extensions import db
from app.queues import Queues
from payments import providers
from payments.alarms import raise_alarm
from payments.models import FeeOrder, OrderStatus, Refund, RefundStatus, utcnow
from payments.orders import lock_order, notify_url, provider_trade
from payments.providers.base import GatewayError, ProviderUnavailable, RefundCall, RefundOutcome

log = logging.getLogger(__name__)
ACTOR = "system:payments"
REASONS = {
    "case.reject": "申请不予受理，退还已缴费用",
    "case.deny": "申请不予许可，退还已缴费用",
    "case.withdraw": "申请已撤回，退还已缴费用",
}
CHANNEL_NAMES = {"wechat": "微信支付", "alipay": "支付宝"}


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def record_refund(order: FeeOrder, *, reason: str) -> Refund:
    """The refund of a paid order (locked by the caller), created once; in the caller's transaction."""
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    if refund is None:
        refund = Refund(
            order_id=order.id,
            case_id=order.case_id,
            out_refund_no="R" + order.out_trade_no[1:],
            amount_fen=order.amount_fen,
            reason=reason[:80],
            status=RefundStatus.PENDING,
        )
        db.session.add(refund)
        order.status = OrderStatus.REFUNDING
        order.updated_at = utcnow()
        db.session.flush()
    return refund


def send(order_id: int) -> str:
    """Send (or re-send) the refund of an order to its provider and record the outcome. Raises
    GatewayError when retryable so the job is retried; a final refusal fails the refund."""
    order = lock_order(order_id=order_id)
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order_id))
    if refund is None or refund.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
        db.session.commit()
        return "skipped" if refund is None else refund.status
    refund.attempts += 1
    refund.updated_at = utcnow()
    db.session.commit()
    gateway = providers.gateway(order.channel)
    if gateway is None:  # the channel's keys are missing here: retry (the reconciliation also does)
        raise ProviderUnavailable(f"refund: {order.channel} is not configured in this process")
    trade_no, total_fen = provider_trade(order)  # a joint order's line: part of the joint trade
    call = RefundCall(
        out_trade_no=trade_no,
        out_refund_no=refund.out_refund_no,
        amount_fen=refund.amount_fen,
        total_fen=total_fen,
        reason=refund.reason,
        notify_url=notify_url(order.channel),
    )
    try:
        outcome = gateway.refund(call)
    except GatewayError as exc:
        _note_error(refund.id, str(exc))
        if exc.retryable:
            raise
        fail(refund.id, str(exc))
        return RefundStatus.FAILED
    return apply_outcome(refund.id, outcome)


def query(refund_id: int) -> str:
    """Ask the provider how a refund stands (reconciliation)."""
    refund = db.session.get(Refund, refund_id)
    order = db.session.get(FeeOrder, refund.order_id)
    gateway = providers.gateway(order.channel)
    if order.channel == "alipay":
        outcome = gateway.query_refund(refund.out_refund_no, out_trade_no=provider_trade(order)[0])
    else:
        outcome = gateway.query_refund(refund.out_refund_no)
    if outcome.state == "unknown" and refund.status == RefundStatus.PENDING:
        return send(order.id)  # the provider never got it: send it (same out_refund_no)
    return apply_outcome(refund.id, outcome)


def _note_error(refund_id: int, error: str) -> None:
    db.session.rollback()
    db.session.execute(
        sa.update(Refund).where(Refund.id == refund_id).values(last_error=error[:255], updated_at=utcnow())
    )
    db.session.commit()


def apply_outcome(refund_id: int, outcome: RefundOutcome) -> str:
    """Record what the provider said about a refund (answer, callback or query); commits."""
    refund = db.session.get(Refund, refund_id)
    order = lock_order(order_id=refund.order_id)
    db.session.refresh(refund)
    if refund.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
        db.session.commit()
        return refund.status
    if outcome.provider_refund_id:
        refund.provider_refund_id = outcome.provider_refund_id
    refund.updated_at = utcnow()
    if outcome.state == "succeeded":
        refund.status = RefundStatus.SUCCEEDED
        refund.finished_at = utcnow()
        order.status, order.updated_at = OrderStatus.REFUNDED, utcnow()
        _timeline(
            order,
            refund,
            "payment.refunded",
            f"已退款{_yuan(refund.amount_fen)}元，原路退回{CHANNEL_NAMES[order.channel]}",
        )
    elif outcome.state == "failed":
        db.session.commit()
        fail(refund.id, "provider reported the refund closed or abnormal")
        return RefundStatus.FAILED
    elif outcome.state == "processing":
        refund.status = RefundStatus.PROCESSING
    db.session.commit()
    return refund.status


def fail(refund_id: int, error: str) -> None:
    """Terminal: the provider refused the refund. A person must act (alarm); the citizen sees it."""
    refund = db.session.get(Refund, refund_id)
    order = lock_order(order_id=refund.order_id)
    db.session.refresh(refund)
    if refund.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
        db.session.commit()
        return
    refund.status, refund.last_error, refund.updated_at = RefundStatus.FAILED, error[:255], utcnow()
    _timeline(order, refund, "payment.refund_failed", "退款未成功，工作人员将与您联系")
    raise_alarm("refund_failed", channel=order.channel, order=order, detail={"error": error[:255]})
    db.session.commit()


def _timeline(order: FeeOrder, refund: Refund, event_type: str, note: str) -> None:
    facts = cases.case_facts(order.case_id)
    cases.record_step(
        order.case_id,
        "refund",
        actor=ACTOR,
        note=note,
        event_type=event_type,
        payload={
            "service_name": facts["service_name"],
            "channel": order.channel,
            "out_trade_no": order.out_trade_no,
            "out_refund_no": refund.out_refund_no,
            "amount_fen": refund.amount_fen,
        },
    )


def enqueue_send(order_id: int) -> None:
    """Send a refund from a worker soon (after the caller committed); the reconciliation retries
    it if Redis is down."""
    try:
        jobs.enqueue(send, order_id, key=f"payments-refund-{order_id}", queue=Queues.HIGH)
    except Exception:  # noqa: BLE001 - Redis down: the reconciliation sends pending refunds
        log.warning("payments: refund of order %s left for the reconciliation", order_id, exc_info=True)
