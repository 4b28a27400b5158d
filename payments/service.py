"""The citizen pays the fee of a case: starting a payment (an order at the provider) and showing
it. Settling it is settlement.py's (by callback or by our own query); the case is read and moved
only through the core (`app.cases.payment_settlement`).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.cases import payment_settlement
from app.cases.errors import IdempotencyKeyMissing, IdempotencyKeyReused
from app.extensions import db
from app.identity import service as identity
from app.identity.tokens import Principal
from payments import joint
from payments import providers as gateways
from payments.errors import AlreadyPaid, ChannelUnavailable, NoFeeDue, PayerUnknown, PaymentNotFound, ProviderRefused
from payments.models import FeeOrder, JointOrder, OrderStatus, utcnow
from payments.orders import JOINT_PREFIX, SETTLED, notify_url, orders_of, present, refund_of
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
    case = payment_settlement.case_for_payment(
        case_id, account_id=principal.account_id, lock=True
    )  # serialises repeats
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
        if (
            existing.channel == channel
            and existing.joint_id is None
            and existing.expires_at > now + timedelta(minutes=1)
        ):
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
    if order.joint_id is not None:
        joint.close_for_replacement(order.joint_id)  # the whole joint order: its amount no longer holds
        return
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
    case = payment_settlement.case_for_payment(case_id, account_id=principal.account_id)
    items = [present(o, refund_of(o)) for o in orders_of(case_id)]
    current = next((i for i in items if i["status"] in SETTLED), items[0] if items else None)
    return {
        "case_id": case_id,
        "fee_fen": case.fee_fen,
        "case_status": case.status,
        "order": current,
        "orders": items,
    }


# ---------------------------------------------------------------- joint orders (several cases, one trade)

_JOINT_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")  # the rule of the submit's Idempotency-Key


def new_joint_no(account_id: int) -> str:
    """31 of [0-9A-Z] starting "ZSJ" (joint.py's lines add one character)."""
    return (
        f"{JOINT_PREFIX}{datetime.now().strftime('%y%m%d%H%M%S')}{account_id % 10**8:08d}{secrets.token_hex(4).upper()}"
    )


def start_joint_payment(
    principal: Principal, case_ids: list[int], channel: str, *, idempotency_key: str | None
) -> dict:
    """Pay the fees of several of the caller's cases with one provider order at `channel`.

    Every named case must be the caller's own (another person's: CaseNotFound, nothing made).
    Cases with no fee due (a free item, paid already, not awaiting payment) are skipped and
    listed as such; none left → NoFeeDue (AlreadyPaid when every one has a settled order).
    Each case due gets its own fee order, a line of the joint order, whose amount is their sum.
    The Idempotency-Key (required, unique per account) names the request: a repeat with the same
    cases returns the same joint order (the provider's create is idempotent per out_trade_no), the
    same key with other cases is refused (IdempotencyKeyReused). Open orders of the cases
    (single or joint) are closed first, unless an open joint order at this channel already pays
    exactly these cases: that one is returned."""
    if not idempotency_key or not _JOINT_KEY.match(idempotency_key):
        raise IdempotencyKeyMissing(errors={"headers": {"Idempotency-Key": ["8–64位字母、数字或 _ . : -"]}})
    wanted = sorted(set(case_ids))
    gateway = _gateway(channel)
    identity.require_level(principal, PAY_LEVEL)
    # locked in id order: concurrent requests naming the same cases queue here, never deadlock
    cases = [payment_settlement.case_for_payment(cid, account_id=principal.account_id, lock=True) for cid in wanted]
    seen = _joint_by_key(principal.account_id, idempotency_key)
    if seen is not None:
        return _repeat_joint(seen, wanted, gateway)
    due = [case for case in cases if case.fee_due]
    if not due:
        db.session.rollback()
        if all(any(o.status in SETTLED for o in orders_of(case.id)) for case in cases):
            raise AlreadyPaid()
        raise NoFeeDue(details={"case_status": {str(c.id): c.status for c in cases}})
    now = utcnow()
    reusable = _open_joint_for(due, channel, now)
    if reusable is not None:
        db.session.rollback()
        return _send_joint(reusable, gateway)
    replaced: set[int] = set()
    for case in due:
        for existing in orders_of(case.id):
            if existing.status == OrderStatus.PENDING and existing.joint_id not in replaced:
                _close_for_replacement(existing)
                if existing.joint_id is not None:
                    replaced.add(existing.joint_id)
    payer = identity.payer_id_of(
        principal.account_id, channel, gateway.appid if channel == "wechat" else gateway.app_id
    )
    if payer is None:
        raise PayerUnknown(errors={"channel": [channel]})
    number = new_joint_no(principal.account_id)
    names = "、".join(dict.fromkeys(case.service_name for case in due))
    order = JointOrder(
        out_trade_no=number,
        account_id=principal.account_id,
        idempotency_key=idempotency_key,
        case_ids=wanted,
        channel=channel,
        merchant_id=gateway.mchid if channel == "wechat" else gateway.app_id,
        app_id=gateway.appid if channel == "wechat" else gateway.app_id,
        amount_fen=sum(case.fee_fen for case in due),
        description=f"{len(due)}项办件费用：{names}"[:127],
        payer_id=payer,
        status=OrderStatus.PENDING,
        expires_at=now + timedelta(seconds=int(current_app.config["PAYMENT_ORDER_TTL"])),
    )
    db.session.add(order)
    db.session.flush()
    for index, case in enumerate(due):
        db.session.add(
            FeeOrder(
                out_trade_no=joint.line_no(number, index),
                case_id=case.id,
                account_id=case.account_id,
                channel=channel,
                merchant_id=order.merchant_id,
                app_id=order.app_id,
                amount_fen=case.fee_fen,
                description=f"{case.service_name}（{case.case_number}）"[:127],
                payer_id=payer,
                status=OrderStatus.PENDING,
                expires_at=order.expires_at,
                joint_id=order.id,
            )
        )
    try:
        db.session.commit()  # the orders exist before the provider hears of them; the case locks are released
    except IntegrityError:  # the same key won a race with other cases (the same cases queue on their locks)
        db.session.rollback()
        seen = _joint_by_key(principal.account_id, idempotency_key)
        if seen is None:
            raise
        return _repeat_joint(seen, wanted, gateway)
    return _send_joint(order, gateway)


def _joint_by_key(account_id: int, key: str) -> JointOrder | None:
    return db.session.scalar(
        sa.select(JointOrder).where(JointOrder.account_id == account_id, JointOrder.idempotency_key == key)
    )


def _repeat_joint(seen: JointOrder, wanted: list[int], gateway) -> dict:
    if list(seen.case_ids) != wanted:
        db.session.rollback()
        raise IdempotencyKeyReused()
    db.session.rollback()  # release the case locks: nothing to change
    seen = db.session.get(JointOrder, seen.id)
    if seen.status != OrderStatus.PENDING or seen.channel != gateway.channel:
        return {"joint": joint.present(seen)}
    return _send_joint(seen, gateway)


def _open_joint_for(due, channel: str, now) -> JointOrder | None:
    """An open joint order at `channel`, not about to expire, paying exactly the cases `due`."""
    ids = {case.id for case in due}
    candidates = {o.joint_id for case in due for o in orders_of(case.id) if o.status == OrderStatus.PENDING}
    if len(candidates) != 1 or None in candidates:
        return None
    order = db.session.get(JointOrder, candidates.pop())
    lines = joint.lines_of(order.id)
    if (
        order.channel != channel
        or order.status != OrderStatus.PENDING
        or order.expires_at <= now + timedelta(minutes=1)
        or {line.case_id for line in lines} != ids
        or any(line.status != OrderStatus.PENDING for line in lines)
    ):
        return None
    return order


def _send_joint(order: JointOrder, gateway) -> dict:
    """Create (or re-create: idempotent per out_trade_no) the joint order at its provider."""
    try:
        prepay = gateway.create(
            CreateOrder(
                out_trade_no=order.out_trade_no,
                amount_fen=order.amount_fen,
                description=order.description,
                payer_id=order.payer_id,
                expires_at=order.expires_at,
                notify_url=notify_url(order.channel),
            )
        )
    except OrderPaidAtProvider:
        joint.settle_by_query(order.id)
        raise AlreadyPaid() from None
    except GatewayError as exc:
        log.warning("payments: joint create %s failed: %s", order.channel, exc, extra={"joint_id": order.id})
        raise ProviderRefused() from exc
    if order.prepay_ref != prepay.provider_ref:
        db.session.execute(
            sa.update(JointOrder)
            .where(JointOrder.id == order.id)
            .values(prepay_ref=prepay.provider_ref, updated_at=utcnow())
        )
        db.session.commit()
    return {"joint": joint.present(db.session.get(JointOrder, order.id)), order.channel: prepay.client_params}


def get_joint_payment(principal: Principal, out_trade_no: str) -> dict:
    """One of the caller's joint orders with its lines; another person's is not found."""
    order = db.session.scalar(sa.select(JointOrder).where(JointOrder.out_trade_no == out_trade_no))
    if order is None or order.account_id != principal.account_id:
        raise PaymentNotFound()
    for case_id in order.case_ids:  # the ownership rule of the cases themselves still holds
        payment_settlement.case_for_payment(case_id, account_id=principal.account_id)
    return {"joint": joint.present(order)}
