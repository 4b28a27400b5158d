"""The citizen pays the fee of a case: starting a payment (an order at the provider) and showing
it. Settling it is settlement.py's (by callback or by our own query); the case is read and moved
only through the core (`app.cases.payment_settlement`).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.cases import payment_settlement
from app.extensions import db
from app.identity import service as identity
from app.identity.tokens import Principal
from payments import providers as gateways
from payments.errors import AlreadyPaid, ChannelUnavailable, NoFeeDue, PayerUnknown, ProviderRefused
from payments.models import FeeOrder, OrderStatus, utcnow
from payments.orders import SETTLED, notify_url, orders_of, present, refund_of
from payments.providers.base import CreateOrder, GatewayError, OrderPaidAtProvider
from payments.settlement import settle_by_query

log = logging.getLogger(__name__)
PAY_LEVEL = 4  # paying is a level-4 action (app/config.py STEP_UP_MAX_AGE); the face check need not be fresh


def new_out_trade_no(case_id: int) -> str:
    """31 of [0-9A-Z]: valid for WeChat Pay (6–32) and Alipay (≤64), unique by construction
    (time, case, randomness) and by the database."""
    return f"ZSB{datetime.now().strftime('%y%m%d%H%M%S')}{case_id % 10**8:08d}{secrets.token_hex(4).upper()}"


def _gateway(channel: str):
    gateway = gateways.gateway(channel)
    if gateway is None:
        raise ChannelUnavailable(errors={"channel": [f"{channel} 未配置"]})
    return gateway


def start_payment(principal: Principal, case_id: int, channel: str) -> dict:
    """Pay the fee of one of the caller's cases at `channel`. A repeat returns the same open
    order (the provider's create is idempotent per out_trade_no), never a second charge; an open
    order at the other channel is closed first."""
    gateway = _gateway(channel)
    identity.require_level(principal, PAY_LEVEL)
    # serialises repeats; acting for an enterprise, its case (the enterprise pays)
    case = payment_settlement.case_for_payment(case_id, principal=principal, lock=True)
    if not case.fee_due:
        db.session.rollback()
        if any(o.status in SETTLED for o in orders_of(case_id)):
            raise AlreadyPaid()
        raise NoFeeDue(errors={"status": {"current": case.status}})
    now = utcnow()
    order = None
    for existing in orders_of(case_id):
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
            description=_description(case)[:127],
            enterprise_id=case.enterprise_id,
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
    case = payment_settlement.case_for_payment(case_id, principal=principal)
    items = [present(o, refund_of(o)) for o in orders_of(case_id)]
    current = next((i for i in items if i["status"] in SETTLED), items[0] if items else None)
    return {
        "case_id": case_id,
        "fee_fen": case.fee_fen,
        "case_status": case.status,
        "order": current,
        "orders": items,
        "payer": _payer(case),
    }


def _description(case) -> str:
    """What the payer's bill says: the item and case number, and the enterprise that pays."""
    text = f"{case.service_name}（{case.case_number}）"
    return f"{case.enterprise_name}：{text}" if case.enterprise_name else text


def _payer(case) -> dict:
    """Who pays the fee: the applicant — the person, or the enterprise the case is applied for."""
    if case.enterprise_id is not None:
        return {"kind": "enterprise", "name": case.enterprise_name}
    return {"kind": "person", "name": None}
