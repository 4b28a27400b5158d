"""Provider callbacks: verify over the raw body first, store the raw notification, settle the
order under its row lock in the same transaction, answer in the provider's exact format.
On PostgreSQL a paid notification first tries the one-statement settlement
(`one_statement.settle`): a matching first delivery is settled — order, case move,
timeline, outbox event, raw row — and a duplicate stored, each by one autocommitted statement.
On SQLite a duplicate is stored and answered by one autocommitted INSERT … SELECT before any lock
(`_store_if_duplicate`). Only a notification that matches the settled order is a duplicate.
Anything else takes the order's row lock and decides (`_settle`, settlement.py), which returns
what it did — the alarms to link to the raw row, the refund to send after the commit.

Answers: WeChat Pay — 204 on success, 4xx/5xx with {"code":"FAIL","message":…} otherwise;
Alipay — the text `success`, anything else makes Alipay retry.

A notification naming a joint order (one trade paying several cases' fees, "ZSJ…") is settled
under the joint order's lock by joint.py, every member case in the same transaction.

An authentic notification that does not match our order (amount, mchid/appid/app_id) — before
or after the order was settled — or names no order of ours is recorded with an alarm and answered as received: a redelivery would not change
it, and the alarm is the follow-up. A forged, tampered, stale or undecryptable one is refused and
changes nothing.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app import events
from app.extensions import db
from payments import joint, one_statement, refunds, settlement
from payments import providers as gateways
from payments.alarms import raise_alarm
from payments.models import FeeOrder, RawNotification, Refund, utcnow
from payments.orders import ACTORS, SETTLED, is_joint_no, lock_order
from payments.providers.base import Notice, NotificationRejected, RefundOutcome
from payments.settlement import Settlement

log = logging.getLogger(__name__)
WECHAT_HEADERS = ("Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce")
FAIL_VERIFY = {"code": "FAIL", "message": "验签失败"}
FAIL_INTERNAL = {"code": "FAIL", "message": "系统繁忙"}


_RAW = RawNotification.__table__
_RAW_COLUMNS = (
    "channel",
    "received_at",
    "headers",
    "body",
    "verified",
    "outcome",
    "detail",
    "event_id",
    "out_trade_no",
)
# Built once: the same statement objects every time keep SQLAlchemy's compiled cache warm.
_INSERT_RAW = sa.insert(_RAW)
_INSERT_RAW_RETURNING = sa.insert(_RAW).returning(_RAW.c.id)
_ORDERS = FeeOrder.__table__
# The duplicate fast path: store the raw notification only when its order is already settled
# at this channel and the trade matches it (amount, app id, merchant — the checks of
# settlement.mismatches), one statement (INSERT … SELECT) answering both questions, no lock taken.
# A mismatch after settlement takes the locked path, which raises the alarm.


def _insert_raw_if_settled(channel: str):
    same_trade = [
        _ORDERS.c.out_trade_no == sa.bindparam("order_no", type_=_ORDERS.c.out_trade_no.type),
        _ORDERS.c.channel == channel,
        _ORDERS.c.status.in_(sorted(SETTLED)),
        _ORDERS.c.amount_fen == sa.bindparam("order_amount_fen", type_=_ORDERS.c.amount_fen.type),
        _ORDERS.c.app_id == sa.bindparam("order_app_id", type_=_ORDERS.c.app_id.type),
    ]
    if channel == "wechat":
        same_trade.append(_ORDERS.c.merchant_id == sa.bindparam("order_merchant_id", type_=_ORDERS.c.merchant_id.type))
    return (
        sa.insert(_RAW)
        .from_select(
            list(_RAW_COLUMNS),
            sa.select(*(sa.bindparam(name, type_=_RAW.c[name].type) for name in _RAW_COLUMNS)).where(
                sa.exists().where(*same_trade)
            ),
        )
        .returning(_RAW.c.id)
    )


_INSERT_RAW_IF_SETTLED = {channel: _insert_raw_if_settled(channel) for channel in ACTORS}


def _raw_row(channel: str, headers: dict, body: bytes, *, verified: bool, outcome: str, detail=None, notice=None):
    return {
        "channel": channel,
        "received_at": utcnow(),
        "headers": headers,
        "body": body.decode("utf-8", "replace"),
        "verified": verified,
        "outcome": outcome,
        "detail": detail,
        "event_id": notice.event_id if notice else None,
        "out_trade_no": (notice.trade.out_trade_no[:64] or None) if notice and notice.trade else None,
    }


def _store(
    channel: str,
    headers: dict,
    body: bytes,
    *,
    verified: bool,
    outcome: str,
    detail=None,
    notice=None,
    returning: bool = False,
) -> int | None:
    """Insert the raw notification with a Core insert (no unit of work on the hot path); its id
    only when asked for (alarms name it)."""
    row = _raw_row(channel, headers, body, verified=verified, outcome=outcome, detail=detail, notice=notice)
    if returning:
        return db.session.execute(_INSERT_RAW_RETURNING, row).scalar_one()
    db.session.execute(_INSERT_RAW, row)
    return None


def _store_if_duplicate(notice: Notice, headers: dict, body: bytes) -> bool:
    """A paid notification that matches an order already settled at its channel is a duplicate
    whatever else happens: store it (outcome "duplicate") and answer, in one autocommitted
    statement — no transaction, no row lock, so concurrent redeliveries do not queue behind each
    other. False (nothing written) when the order is not settled yet or does not match the
    trade: the locked path decides (a mismatch is an alarm, settled or not)."""
    trade = notice.trade
    row = _raw_row(notice.channel, headers, body, verified=True, outcome="duplicate", notice=notice)
    row.update(
        order_no=trade.out_trade_no,
        order_amount_fen=trade.amount_fen,
        order_app_id=trade.app_id,
        order_merchant_id=trade.merchant_id,
    )
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn.execute(_INSERT_RAW_IF_SETTLED[notice.channel], row).first() is not None


def _settle_in_one_statement(notice: Notice, headers: dict, body: bytes) -> bool:
    """PostgreSQL: a first delivery or a duplicate settled and stored by one autocommitted
    statement (one_statement.settle), the case.pay event then dispatched on the same connection.
    False, nothing written, when the ORM path must decide."""
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        settled = one_statement.settle(conn, notice, headers, body.decode("utf-8", "replace"))
        if settled is None:
            return False
        if settled.event_id is not None:
            events.dispatch_committed(conn, [(settled.event_id, "case.pay")])
    return True


def handle_wechat(headers, body: bytes) -> tuple[int, dict | None]:
    """(HTTP status, JSON body or None) for a WeChat Pay callback."""
    gateway = gateways.gateway("wechat")
    kept = {name: headers.get(name) for name in WECHAT_HEADERS}
    if gateway is None:
        return 503, {"code": "FAIL", "message": "未配置微信支付"}
    try:
        notice = gateway.verify(headers, body)
    except NotificationRejected as exc:
        return _rejected("wechat", kept, body, exc.reason, (401, FAIL_VERIFY))
    try:
        _process(notice, kept, body)
    except Exception:
        db.session.rollback()
        log.exception("payments: wechat notification not processed")
        return 500, FAIL_INTERNAL
    return 204, None


def handle_alipay(body: bytes) -> str:
    """The answer text for an Alipay async notify: `success`, or `fail` (Alipay retries)."""
    gateway = gateways.gateway("alipay")
    if gateway is None:
        return "fail"
    try:
        notice = gateway.verify(body)
    except NotificationRejected as exc:
        return _rejected("alipay", {}, body, exc.reason, "fail")
    try:
        _process(notice, {}, body)
    except Exception:
        db.session.rollback()
        log.exception("payments: alipay notification not processed")
        return "fail"
    return "success"


def _rejected(channel: str, headers: dict, body: bytes, reason: str, answer):
    log.warning("payments: %s notification rejected: %s", channel, reason)
    try:
        _store(channel, headers, body, verified=False, outcome="rejected", detail=reason)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the refusal stands even if the audit row cannot be written
        db.session.rollback()
        log.exception("payments: rejected notification not stored")
    return answer


def _process(notice: Notice, headers: dict, body: bytes) -> None:
    """One transaction: whatever the notification settles, and its raw row (written last, with
    its outcome, so the common paths cost one statement for it)."""
    if notice.kind == "payment" and notice.trade is not None:
        # a joint order (several cases' fees in one trade) always takes the locked path
        if notice.trade.state == "paid" and not is_joint_no(notice.trade.out_trade_no):
            if db.engine.dialect.name == "postgresql":
                if _settle_in_one_statement(notice, headers, body):
                    return
            elif _store_if_duplicate(notice, headers, body):
                return
        settle_with_lock(notice, headers, body)
    elif notice.kind == "refund" and notice.out_refund_no:
        _store(notice.channel, headers, body, verified=True, outcome="refund", notice=notice)
        db.session.commit()
        _apply_refund_notice(notice)
    else:
        _store(notice.channel, headers, body, verified=True, outcome="ignored", notice=notice)
        db.session.commit()


def settle_with_lock(notice: Notice, headers: dict, body: bytes) -> Settlement:
    """The ordinary way for a payment notification: settle under the order's row lock, store the
    raw row (linked to the alarms raised), commit, then send a late payment's refund."""
    settled = _settle(notice)
    raw_id = _store(
        notice.channel,
        headers,
        body,
        verified=True,
        outcome=settled.outcome,
        notice=notice,
        returning=bool(settled.alarms),
    )
    for alarm in settled.alarms:
        alarm.notification_id = raw_id
    db.session.commit()
    for order_id in settled.refunds_to_send:
        refunds.enqueue_send(order_id)
    return settled


def _settle(notice: Notice) -> Settlement:
    trade = notice.trade
    if is_joint_no(trade.out_trade_no):
        return joint.settle_notice(trade, notice.channel)
    if trade.state == "paid":
        settled = settlement.pay_matching(trade, notice.channel, source="notify")
        if settled is not None:
            return settled
    order = lock_order(out_trade_no=trade.out_trade_no)
    if order is None or order.channel != notice.channel:
        alarm = raise_alarm(
            "unknown_order", channel=notice.channel, order=None, detail={"out_trade_no": trade.out_trade_no[:64]}
        )
        return Settlement("alarm", alarms=[alarm])
    if trade.state != "paid":
        return Settlement("ignored", order.id)  # e.g. Alipay's TRADE_CLOSED after a full refund
    # "duplicate" for a matching repeat of a settlement; "alarm" for any mismatch, settled or not
    return settlement.apply_paid(order, trade, source="notify")


def _apply_refund_notice(notice: Notice) -> None:
    refund_id = db.session.scalar(sa.select(Refund.id).where(Refund.out_refund_no == notice.out_refund_no))
    if refund_id is None:
        raise_alarm(
            "unknown_refund", channel=notice.channel, order=None, detail={"out_refund_no": notice.out_refund_no[:64]}
        )
        db.session.commit()
        return
    refunds.apply_outcome(
        refund_id,
        RefundOutcome(
            out_refund_no=notice.out_refund_no,
            state=notice.refund_state or "unknown",
            provider_refund_id=notice.provider_refund_id,
        ),
    )
