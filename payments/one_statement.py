"""PostgreSQL: a paid notification settled in one statement, for the common cases. The case's
part — the `pay` move with its timeline entry and `case.pay` event — comes from the core
(`app.cases.payment_settlement.pay_in_one_statement`, derived from the same transition table as
the ordinary way); this module adds the order and the raw notification around it.

- `ord`: our order named by the trade, at this channel, unsettled and matching the trade in
  amount and ids (the checks of `settlement.mismatches`), locked (FOR UPDATE, materialised once);
- `moved`, `timeline`, `event`: its case moves payment_pending → submitted, unless the item has
  instant-approval rules;
- `paid`: the order is marked paid — only if the case moved;
- `raw`: the raw notification, outcome "paid", or "duplicate" when the order was settled already
  and the trade matches it (no lock is taken for a duplicate).

An outcome of NULL means nothing was written: the order is unknown, mismatched (settled or not),
at the other channel, or its case no longer awaits payment or has instant rules — the ordinary
way (settlement.py) then decides, with alarms and refunds. Being one statement, it is atomic
even when autocommitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.cases import payment_settlement
from payments.models import FeeOrder, OrderStatus, RawNotification
from payments.orders import ACTORS, SETTLED
from payments.providers.base import Notice

_ORDERS = FeeOrder.__table__
_RAW = RawNotification.__table__


@dataclass(frozen=True)
class OneStatementSettlement:
    outcome: str  # "paid" or "duplicate"
    event_id: int | None  # the case.pay event written, to dispatch after the statement


def _statement(channel: str) -> sa.Select:
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
    order = (
        sa.select(_ORDERS.c.id, _ORDERS.c.case_id)
        .where(*same_trade, unsettled)
        .with_for_update(of=_ORDERS)
        .cte("ord")
        .prefix_with("MATERIALIZED")
    )
    trade_no = sa.bindparam("p_out_trade_no", type_=sa.String)
    pay = payment_settlement.pay_in_one_statement(
        sa.select(order.c.case_id),
        channel=channel,
        out_trade_no=trade_no,
        amount_fen=sa.bindparam("p_amount_fen", type_=sa.Integer),
    )
    paid = (
        sa.update(_ORDERS)
        .where(_ORDERS.c.id.in_(sa.select(order.c.id)), sa.exists(sa.select(pay.moved.c.case_id)))
        .values(
            status=OrderStatus.PAID.value,
            provider_trade_no=sa.bindparam("p_provider_trade_no", type_=sa.String),
            paid_at=pay.now,
            updated_at=pay.now,
            settled_by="notify",
        )
        .returning(_ORDERS.c.id)
        .cte("paid")
    )
    was_paid = sa.exists(sa.select(paid.c.id))
    # A duplicate only when it matches the settled order too: a mismatch after settlement is
    # left to the ordinary way, which raises the alarm.
    settled_before = sa.exists(sa.select(_ORDERS.c.id).where(*same_trade, sa.not_(unsettled)))
    raw = (
        sa.insert(_RAW)
        .from_select(
            ["channel", "received_at", "headers", "body", "verified", "outcome", "event_id", "out_trade_no"],
            sa.select(
                sa.literal(channel),
                pay.now,
                sa.bindparam("p_headers", type_=_RAW.c.headers.type),
                sa.bindparam("p_body", type_=sa.Text),
                sa.true(),
                sa.case((was_paid, "paid"), else_="duplicate"),
                sa.bindparam("p_event_id", type_=sa.String),
                trade_no,
            ).where(sa.or_(was_paid, settled_before)),
        )
        .returning(_RAW.c.outcome)
        .cte("raw")
    )
    return sa.select(
        sa.select(pay.event.c.id).scalar_subquery().label("event_id"),
        sa.select(raw.c.outcome).scalar_subquery().label("outcome"),
    ).add_cte(pay.timeline)


_STATEMENTS: dict[str, sa.Select] = {}


def settle(conn: sa.Connection, notice: Notice, headers: dict, body: str) -> OneStatementSettlement | None:
    """Run the one-statement settlement of a paid notification on `conn` (PostgreSQL; the caller
    commits or autocommits). None when nothing was written and the ordinary way must decide."""
    channel = notice.channel
    trade = notice.trade
    if trade.amount_fen is None or trade.app_id is None or (channel == "wechat" and trade.merchant_id is None):
        return None
    statement = _STATEMENTS.get(channel)
    if statement is None:
        statement = _STATEMENTS[channel] = _statement(channel)
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
            **payment_settlement.OneStatementPay.params(actor=ACTORS[channel]),
        },
    ).first()
    if row is None or row.outcome is None:
        return None
    return OneStatementSettlement(row.outcome, row.event_id)
