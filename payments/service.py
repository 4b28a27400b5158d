"""Fee orders: starting a payment for a case, showing it, and settling it when the provider says
it is paid (by callback or by our own query). The case moves on only through the core's pay
move — `app.cases.service.mark_paid`, or on PostgreSQL for a callback `transitions.move_ctes`
inside `settle_in_one_statement` — committed together with the order under the order's row lock.
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
from payments import providers as gateways
from payments.errors import AlreadyPaid, ChannelUnavailable, NoFeeDue, PayerUnknown, ProviderRefused
from payments.models import FeeOrder, OrderStatus, PaymentAlarm, Refund, utcnow
from payments.providers.base import CreateOrder, GatewayError, OrderPaidAtProvider, TradeState

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
    facts = cases.case_facts(order.case_id) if order is not None else None
    alarm = PaymentAlarm(
        kind=kind,
        channel=channel,
        order_id=order.id if order else None,
        notification_id=notification_id,
        detail=detail,
        case_id=facts["id"] if facts else None,
        department_code=facts["department_code"] if facts else None,
    )
    db.session.add(alarm)
    if notification_id is None and "zsb_payment_alarms" in db.session.info:
        db.session.info["zsb_payment_alarms"].append(alarm)
    payload = {"kind": kind, "channel": channel, "detail": detail}
    if facts is not None:
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
    """The provider says `order` (locked) is paid. Returns the outcome: "alarm" (it does not
    match our order, settled or not: nothing marked paid), "duplicate" (a matching repeat of a
    settlement), "paid" (the case moved on), "paid_late" (paid, but the case no longer awaited
    it: a refund is recorded)."""
    problems = mismatches(order, trade)
    if problems:
        if order.status in SETTLED:
            problems["order_status"] = str(order.status)
        raise_alarm("mismatch", channel=order.channel, order=order, detail=problems)
        return "alarm"
    if order.status in SETTLED:
        return "duplicate"
    now = utcnow()
    moved = _move_case(order.case_id, order.channel, order.out_trade_no, order.amount_fen)
    # Set after the case moved (the order is locked either way): the order's UPDATE then goes out
    # with the caller's next flush instead of costing a flush of its own before the case lock.
    order.status = OrderStatus.PAID
    order.provider_trade_no = trade.provider_trade_no
    order.paid_at = order.updated_at = now
    order.settled_by = source
    return "paid" if moved else _paid_late(order, source)


def _move_case(case_id: int, channel: str, out_trade_no: str, amount_fen: int) -> bool:
    return cases.mark_paid(
        case_id,
        actor=ACTORS[channel],
        payload={"channel": channel, "out_trade_no": out_trade_no, "amount_fen": amount_fen},
    )


def _paid_late(order: FeeOrder, source: str) -> str:
    """Paid, but the case no longer awaited it: a refund is recorded and an alarm raised."""
    from payments import refunds

    refunds.record_refund(order, reason="案件已不再待缴费（重复或迟到的支付）")
    raise_alarm("paid_late", channel=order.channel, order=order, detail={"source": source})
    return "paid_late"


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


def pay_matching(trade: TradeState, channel: str, *, source: str) -> tuple[str, int] | None:
    """`apply_paid` for the common case, without loading the order: one conditional UPDATE marks
    the order paid (and locks it) when it is ours, at this channel, unsettled and matching; then
    the case moves. (outcome, order id), the outcome "paid" or "paid_late" as apply_paid's;
    None, and nothing written, when the
    order is settled already, unknown, at the other channel or mismatched — `lock_order` +
    `apply_paid` then decide which (in the same transaction)."""
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
    if _move_case(row.case_id, channel, trade.out_trade_no, row.amount_fen):
        return "paid", row.id
    return _paid_late(db.session.get(FeeOrder, row.id), source), row.id


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


# ---------------------------------------------------------------- one statement (PostgreSQL)


def _settle_in_one_statement(channel: str) -> sa.Select:
    """PostgreSQL: a paid notification settled in one statement, for the common cases.

    - `ord`: our order named by the trade, at this channel, unsettled and matching the trade in
      amount and ids (the checks of `mismatches`), locked (FOR UPDATE, materialised once);
    - `moved`, `timeline`, `event` (app.cases.transitions.move_ctes): its case moves
      payment_pending → submitted with its timeline entry and `case.pay` outbox event, unless
      the item has instant-approval rules;
    - `paid`: the order is marked paid — only if the case moved;
    - `raw`: the raw notification, outcome "paid", or "duplicate" when the order was settled
      already and the trade matches it (no lock is taken for a duplicate).
    Returns one row (event_id, outcome). An outcome of NULL means nothing was written: the order
    is unknown, mismatched (settled or not), at the other channel, or its case no longer awaits payment or has
    instant rules — the ORM path (`lock_order` + `apply_paid`) then decides, with alarms and
    refunds. Being one statement, it is atomic even when autocommitted."""
    from payments.models import RawNotification

    raw_table = RawNotification.__table__
    # Constant lists as plain comparisons: an IN list would be expanded at every execution.
    unsettled = sa.and_(*(_ORDERS.c.status != status.value for status in sorted(SETTLED)))
    same_trade = [
        _ORDERS.c.out_trade_no == sa.bindparam("p_out_trade_no", type_=sa.String),
        _ORDERS.c.channel == channel,
        _ORDERS.c.amount_fen == sa.bindparam("p_amount_fen", type_=sa.Integer),
        _ORDERS.c.app_id == sa.bindparam("p_app_id", type_=sa.String),
    ]
    if channel == "wechat":
        same_trade.append(_ORDERS.c.merchant_id == sa.bindparam("p_merchant_id", type_=sa.String))
    matching = [*same_trade, unsettled]
    order = (
        sa.select(_ORDERS.c.id, _ORDERS.c.case_id)
        .where(*matching)
        .with_for_update(of=_ORDERS)
        .cte("ord")
        .prefix_with("MATERIALIZED")
    )
    amount = sa.bindparam("p_amount_fen", type_=sa.Integer)
    trade_no = sa.bindparam("p_out_trade_no", type_=sa.String)
    moved, timeline, event = transitions.move_ctes(
        "pay",
        sa.select(order.c.case_id),
        payload={"channel": sa.literal(channel), "out_trade_no": trade_no, "amount_fen": amount},
        without_instant_rules=True,
    )
    now = sa.bindparam("mv_now", type_=sa.DateTime)
    paid = (
        sa.update(_ORDERS)
        .where(_ORDERS.c.id.in_(sa.select(order.c.id)), sa.exists(sa.select(moved.c.case_id)))
        .values(
            status=OrderStatus.PAID.value,
            provider_trade_no=sa.bindparam("p_provider_trade_no", type_=sa.String),
            paid_at=now,
            updated_at=now,
            settled_by="notify",
        )
        .returning(_ORDERS.c.id)
        .cte("paid")
    )
    was_paid = sa.exists(sa.select(paid.c.id))
    # A duplicate only when it matches the settled order too: a mismatch after settlement is
    # left to the ORM path, which raises the alarm.
    settled_before = sa.exists(sa.select(_ORDERS.c.id).where(*same_trade, sa.not_(unsettled)))
    raw = (
        sa.insert(raw_table)
        .from_select(
            ["channel", "received_at", "headers", "body", "verified", "outcome", "event_id", "out_trade_no"],
            sa.select(
                sa.literal(channel),
                now,
                sa.bindparam("p_headers", type_=raw_table.c.headers.type),
                sa.bindparam("p_body", type_=sa.Text),
                sa.true(),
                sa.case((was_paid, "paid"), else_="duplicate"),
                sa.bindparam("p_event_id", type_=sa.String),
                trade_no,
            ).where(sa.or_(was_paid, settled_before)),
        )
        .returning(raw_table.c.outcome)
        .cte("raw")
    )
    return sa.select(
        sa.select(event.c.id).scalar_subquery().label("event_id"),
        sa.select(raw.c.outcome).scalar_subquery().label("outcome"),
    ).add_cte(timeline)


_SETTLE_IN_ONE: dict[str, sa.Select] = {}


def settle_in_one_statement(conn: sa.Connection, notice, headers: dict, body: str) -> tuple[str, int | None] | None:
    """Run the one-statement settlement of a paid notification on `conn` (PostgreSQL; the
    caller commits or autocommits). (outcome, case.pay event id or None); None when nothing was
    written and the ORM path must decide."""
    channel = notice.channel
    trade = notice.trade
    if trade.amount_fen is None or trade.app_id is None or (channel == "wechat" and trade.merchant_id is None):
        return None
    statement = _SETTLE_IN_ONE.get(channel)
    if statement is None:
        statement = _SETTLE_IN_ONE[channel] = _settle_in_one_statement(channel)
    row = conn.execute(
        statement,
        {
            "p_out_trade_no": trade.out_trade_no,
            "p_amount_fen": trade.amount_fen,
            "p_app_id": trade.app_id,
            "p_merchant_id": trade.merchant_id,
            "p_provider_trade_no": trade.provider_trade_no,
            "p_headers": headers,
            "p_body": body,
            "p_event_id": notice.event_id,
            "mv_now": utcnow(),
            "mv_actor": ACTORS[channel],
        },
    ).first()
    if row is None or row.outcome is None:
        return None
    return row.outcome, row.event_id
