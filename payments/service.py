"""Fee orders: starting a payment for a case, showing it, and settling it when the provider says
it is paid (by callback or by our own query). The case moves on only through
`app.cases.service.mark_paid`, committed together with the order under the order's row lock.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import outbox
from app.cases import service as cases
from app.cases import transitions
from app.cases.states import CaseStatus
from app.extensions import db
from app.identity import service as identity
from app.identity.tokens import Principal
from payments import gateways
from payments.errors import AlreadyPaid, ChannelUnavailable, NoFeeDue, PayerUnknown, ProviderRefused
from payments.gateways.base import CreateOrder, GatewayError, OrderPaidAtProvider, TradeState
from payments.models import FeeOrder, OrderStatus, PaymentAlarm, Refund, utcnow

log = logging.getLogger(__name__)
ACTORS = {"wechat": "system:wechatpay", "alipay": "system:alipay"}
SETTLED = frozenset({OrderStatus.PAID, OrderStatus.REFUNDING, OrderStatus.REFUNDED})
PAY_LEVEL = 4  # paying is a level-4 action (app/config.py STEP_UP_MAX_AGE); the face check need not be fresh


def new_out_trade_no(case_id: int) -> str:
    """31 of [0-9A-Z]: valid for WeChat Pay (6–32) and Alipay (≤64), unique by construction
    (time, case, randomness) and by the database."""
    return f"ZSB{datetime.now().strftime('%y%m%d%H%M%S')}{case_id % 10**8:08d}{secrets.token_hex(4).upper()}"


def notify_url(channel: str) -> str:
    base = current_app.config.get("PAYMENTS_NOTIFY_BASE_URL") or ""
    if not base:
        from flask import has_request_context, request

        base = request.host_url if has_request_context() else "http://127.0.0.1:8000/"
    return base.rstrip("/") + f"/payments/notify/{channel}"


def _gateway(channel: str):
    gateway = gateways.gateway(channel)
    if gateway is None:
        raise ChannelUnavailable(errors={"channel": [f"{channel} 未配置"]})
    return gateway


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


def _orders_of(case_id: int) -> list[FeeOrder]:
    return list(db.session.scalars(sa.select(FeeOrder).where(FeeOrder.case_id == case_id).order_by(FeeOrder.id.desc())))


def _refund_of(order: FeeOrder) -> Refund | None:
    return db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))


# ---------------------------------------------------------------- the citizen


def start_payment(principal: Principal, case_id: int, channel: str) -> dict:
    """Pay the fee of one of the caller's cases at `channel`. A repeat returns the same open
    order (the provider's create is idempotent per out_trade_no), never a second charge; an open
    order at the other channel is closed first."""
    gateway = _gateway(channel)
    identity.require_level(principal, PAY_LEVEL)
    case = transitions.lock_case(case_id, account_id=principal.account_id)  # serialises repeats
    if case.status != CaseStatus.PAYMENT_PENDING or case.fee_fen <= 0:
        db.session.rollback()
        if any(o.status in SETTLED for o in _orders_of(case_id)):
            raise AlreadyPaid()
        raise NoFeeDue(errors={"status": {"current": case.status}})
    now = utcnow()
    order = None
    for existing in _orders_of(case_id):
        if existing.status != OrderStatus.PENDING:
            continue
        if existing.channel == channel and existing.expires_at > now + timedelta(minutes=1):
            order = existing
            continue
        _close_for_replacement(existing)
    if order is None:
        payer = identity.payer_id_of(
            principal.account_id, channel, gateway.appid if channel == "wechat" else gateway.app_id
        )
        if payer is None:
            raise PayerUnknown(errors={"channel": [channel]})
        order = FeeOrder(
            out_trade_no=new_out_trade_no(case.id),
            case_id=case.id,
            account_id=case.account_id,
            channel=channel,
            merchant_id=gateway.mchid if channel == "wechat" else gateway.app_id,
            app_id=gateway.appid if channel == "wechat" else gateway.app_id,
            amount_fen=case.fee_fen,
            description=f"{case.service_name}（{case.case_number}）"[:127],
            payer_id=payer,
            status=OrderStatus.PENDING,
            expires_at=now + timedelta(seconds=int(current_app.config["PAYMENT_ORDER_TTL"])),
        )
        db.session.add(order)
    db.session.commit()  # the order exists before the provider hears of it; the case lock is released
    try:
        prepay = gateway.create(
            CreateOrder(
                out_trade_no=order.out_trade_no,
                amount_fen=order.amount_fen,
                description=order.description,
                payer_id=order.payer_id,
                expires_at=order.expires_at,
                notify_url=notify_url(channel),
            )
        )
    except OrderPaidAtProvider:
        settle_by_query(order.id)
        raise AlreadyPaid() from None
    except GatewayError as exc:
        log.warning("payments: create %s failed: %s", channel, exc, extra={"order_id": order.id})
        raise ProviderRefused() from exc
    if order.prepay_ref != prepay.provider_ref:
        db.session.execute(
            sa.update(FeeOrder)
            .where(FeeOrder.id == order.id)
            .values(prepay_ref=prepay.provider_ref, updated_at=utcnow())
        )
        db.session.commit()
    return {"order": present(order), channel: prepay.client_params}


def _close_for_replacement(order: FeeOrder) -> None:
    """Close an open order before another replaces it; one already paid stops the new one."""
    gateway = gateways.gateway(order.channel)
    try:
        if gateway is not None:
            gateway.close(order.out_trade_no)
    except OrderPaidAtProvider:
        db.session.commit()
        settle_by_query(order.id)
        raise AlreadyPaid() from None
    except GatewayError as exc:
        db.session.rollback()
        raise ProviderRefused("原订单暂时无法关闭，请稍后再试") from exc
    order.status = OrderStatus.CLOSED
    order.closed_at = order.updated_at = utcnow()


def get_payment(principal: Principal, case_id: int) -> dict:
    """The fee of one of the caller's cases, its orders (newest first) and any refund."""
    facts = cases.case_facts(case_id)
    if facts["account_id"] != principal.account_id:
        from app.cases.errors import CaseNotFound

        raise CaseNotFound()
    orders = _orders_of(case_id)
    items = [present(o, _refund_of(o)) for o in orders]
    current = next((i for i in items if i["status"] in SETTLED), items[0] if items else None)
    return {
        "case_id": case_id,
        "fee_fen": facts["fee_fen"],
        "case_status": facts["status"],
        "order": current,
        "orders": items,
    }


# ---------------------------------------------------------------- settlement


def lock_order(*, out_trade_no: str | None = None, order_id: int | None = None) -> FeeOrder | None:
    query = sa.select(FeeOrder).with_for_update()
    query = (
        query.where(FeeOrder.id == order_id)
        if order_id is not None
        else query.where(FeeOrder.out_trade_no == out_trade_no)
    )
    return db.session.scalar(query)


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


def raise_alarm(
    kind: str, *, channel: str | None, order: FeeOrder | None, detail: dict, notification_id=None
) -> PaymentAlarm:
    """Record an alarm and emit `payment.alarm` (in the caller's transaction). Alarms raised
    before their notification row exists are listed for the callback handler to link
    (session.info["zsb_payment_alarms"], when it asked for them)."""
    alarm = PaymentAlarm(
        kind=kind,
        channel=channel,
        order_id=order.id if order else None,
        notification_id=notification_id,
        detail=detail,
    )
    db.session.add(alarm)
    if notification_id is None and "zsb_payment_alarms" in db.session.info:
        db.session.info["zsb_payment_alarms"].append(alarm)
    payload = {"kind": kind, "channel": channel, "detail": detail}
    if order is not None:
        facts = cases.case_facts(order.case_id)
        payload.update(
            account_id=facts["account_id"],
            case_id=facts["id"],
            case_number=facts["case_number"],
            service_name=facts["service_name"],
            out_trade_no=order.out_trade_no,
        )
    outbox.emit("payment.alarm", aggregate_type="fee_order", aggregate_id=order.id if order else 0, payload=payload)
    log.warning("payments: alarm %s", kind, extra={"order_id": order.id if order else None})
    return alarm


def apply_paid(order: FeeOrder, trade: TradeState, *, source: str) -> str:
    """The provider says `order` (locked) is paid. Returns the outcome: "duplicate" (settled
    before), "alarm" (it does not match our order: nothing marked paid), "paid" (the case moved
    on), "paid_late" (paid, but the case no longer awaited it: a refund is recorded)."""
    if order.status in SETTLED:
        return "duplicate"
    problems = mismatches(order, trade)
    if problems:
        raise_alarm("mismatch", channel=order.channel, order=order, detail=problems)
        return "alarm"
    now = utcnow()
    moved = cases.mark_paid(
        order.case_id,
        actor=ACTORS[order.channel],
        payload={"channel": order.channel, "out_trade_no": order.out_trade_no, "amount_fen": order.amount_fen},
    )
    # Set after the case moved (the order is locked either way): the order's UPDATE then goes out
    # with the caller's next flush instead of costing a flush of its own before the case lock.
    order.status = OrderStatus.PAID
    order.provider_trade_no = trade.provider_trade_no
    order.paid_at = order.updated_at = now
    order.settled_by = source
    if moved:
        return "paid"
    from payments import refunds

    refunds.record_refund(order, reason="案件已不再待缴费（重复或迟到的支付）")
    raise_alarm("paid_late", channel=order.channel, order=order, detail={"source": source})
    return "paid_late"


def settle_by_query(order_id: int) -> str:
    """Ask the provider about one order and settle or close it accordingly (commits)."""
    order = db.session.get(FeeOrder, order_id)
    if order is None or order.status != OrderStatus.PENDING:
        return "skipped"
    gateway = gateways.gateway(order.channel)
    if gateway is None:
        return "skipped"
    trade = gateway.query(order.out_trade_no)
    order = lock_order(order_id=order_id)
    if order.status != OrderStatus.PENDING:
        db.session.rollback()
        return "skipped"
    order.queried_at = utcnow()
    outcome = "pending"
    if trade.state in ("paid", "refunded"):
        outcome = apply_paid(order, trade, source="query")
    elif trade.state in ("closed",):
        order.status, order.closed_at = OrderStatus.CLOSED, utcnow()
        outcome = "closed"
    db.session.commit()
    if outcome == "paid_late":
        from payments import refunds

        refunds.enqueue_send(order.id)
    return outcome
