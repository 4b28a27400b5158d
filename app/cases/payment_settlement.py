"""The core's service functions for payments/: the case a fee is paid for, its settlement and the
cases whose fee is to be refunded. payments/ owns the orders and never reads or writes a case
itself: it calls these functions and gets plain results back.

A payment moves a case payment_pending → submitted by the `pay` move of app/cases/transitions.py
(the one writer), the ordinary way (`settle_payment`) or, on PostgreSQL, inside the statement
payments/ runs to settle a paid notification in one round trip (`pay_in_one_statement`, the same
move as data-modifying CTEs). Both write the same case row, timeline entry and `case.pay` event
(tests/payments/test_one_statement_equal.py proves it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.cases import access, instant, transitions
from app.cases.errors import CaseNotFound
from app.cases.models import Case, utcnow
from app.cases.states import CaseStatus
from app.enterprises import public as enterprises
from app.extensions import db
from app.identity.tokens import Principal

# A case ended by one of these moves no longer needs its fee: a paid one is refunded.
_REFUNDED_BY = {
    CaseStatus.REJECTED: "case.reject",
    CaseStatus.DENIED: "case.deny",
    CaseStatus.WITHDRAWN: "case.withdraw",
}


@dataclass(frozen=True)
class CaseForPayment:
    """What payments/ needs to charge the fee of a case."""

    id: int
    account_id: int
    case_number: str
    service_name: str
    status: str
    fee_fen: int
    # the enterprise that pays (the case's applicant), null for a person's own case
    enterprise_id: int | None = None
    enterprise_name: str | None = None

    @property
    def fee_due(self) -> bool:
        return self.status == CaseStatus.PAYMENT_PENDING and self.fee_fen > 0


@dataclass(frozen=True)
class PaymentSettled:
    """What settling a payment did to the case: `moved` when it went on to submitted (False: it
    no longer awaited the payment — paid already, withdrawn …, nothing changed);
    `instant_approved` when its item's rules then approved it at once."""

    moved: bool
    instant_approved: bool = False


def case_for_payment(
    case_id: int, *, account_id: int | None = None, principal: Principal | None = None, lock: bool = False
) -> CaseForPayment:
    """One of the caller's cases, for its fee — the account's own, or with `principal`, the
    cases it may see (acting for an enterprise: the enterprise's, which then pays); another's
    is reported as not found. With `lock`, the case row is locked until the caller's
    transaction ends (serialises a citizen's repeated attempts to pay)."""
    owner = access.owner_clause(principal) if principal is not None else Case.account_id == account_id
    if lock:
        case = transitions.lock_case(case_id, owner=owner)
    else:
        case = db.session.scalar(sa.select(Case).where(Case.id == case_id, owner))
        if case is None:
            raise CaseNotFound()
    payer = enterprises.enterprise_facts(case.enterprise_id) if case.enterprise_id is not None else None
    return CaseForPayment(
        id=case.id,
        account_id=case.account_id,
        case_number=case.case_number,
        service_name=case.service_name,
        status=str(case.status),
        fee_fen=case.fee_fen,
        enterprise_id=case.enterprise_id,
        enterprise_name=payer["name"] if payer else None,
    )


def _pay_payload(channel: Any, out_trade_no: Any, amount_fen: Any) -> dict[str, Any]:
    """What the `case.pay` event says about the payment (values or SQL expressions)."""
    return {"channel": channel, "out_trade_no": out_trade_no, "amount_fen": amount_fen}


def settle_payment(case_id: int, *, channel: str, out_trade_no: str, amount_fen: int, actor: str) -> PaymentSettled:
    """The provider confirmed the fee of a case: it moves payment_pending → submitted in the
    caller's transaction (the caller commits together with its order), and is decided at once
    when its item has instant-approval rules that hold."""
    moved = transitions.move_by_id(case_id, "pay", actor=actor, payload=_pay_payload(channel, out_trade_no, amount_fen))
    if moved is None:
        return PaymentSettled(moved=False)
    if not moved["instant_rules"]:  # only then is the whole case needed
        return PaymentSettled(moved=True)
    return PaymentSettled(moved=True, instant_approved=instant.try_instant(transitions.lock_case(case_id)))


@dataclass(frozen=True)
class OneStatementPay:
    """The `pay` move as PostgreSQL CTEs, for a statement of payments/ that settles its order in
    the same round trip. `moved` (RETURNING case_id …) has a row for each case that moved;
    `timeline` and `event` (RETURNING id) write its timeline entry and its `case.pay` event;
    `now` is the time of the move, for the caller's own rows. Bind `params(actor)`."""

    moved: sa.CTE
    timeline: sa.CTE
    event: sa.CTE
    now: sa.BindParameter

    @staticmethod
    def params(*, actor: str) -> dict[str, Any]:
        return {"mv_now": utcnow(), "mv_actor": actor}


def pay_in_one_statement(
    case_ids: sa.Select, *, channel: str, out_trade_no: sa.ColumnElement, amount_fen: sa.ColumnElement
) -> OneStatementPay:
    """PostgreSQL: the cases `case_ids` selects move payment_pending → submitted, with the same
    timeline entry and `case.pay` event as `settle_payment`. A case whose item has
    instant-approval rules is not moved: the caller then settles the ordinary way."""
    now = sa.bindparam("mv_now", type_=sa.DateTime)
    moved, timeline, event = transitions.move_ctes(
        "pay",
        case_ids,
        payload=_pay_payload(sa.literal(channel), out_trade_no, amount_fen),
        without_instant_rules=True,
        now=now,
        actor=sa.bindparam("mv_actor", type_=sa.String),
    )
    return OneStatementPay(moved=moved, timeline=timeline, event=event, now=now)


def ended_cases() -> sa.Subquery:
    """Cases ended without a result (rejected, denied, withdrawn) — their fee is refunded — as a
    subquery of (case_id, event_type), the event type of the move that ended each."""
    return (
        sa.select(
            Case.id.label("case_id"),
            sa.case(*((Case.status == status.value, event) for status, event in _REFUNDED_BY.items())).label(
                "event_type"
            ),
        )
        .where(Case.status.in_([status.value for status in _REFUNDED_BY]))
        .subquery("ended_cases")
    )
