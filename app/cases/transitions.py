"""One function per move of a case. Each locks the case row, checks the guard and hands over to
`_move`, the one place that writes the status, the timeline entry and the outbox event — all in
the caller's transaction. The staff API (app/cases/staff.py) makes the staff moves, payments/
makes `pay` through `app.cases.service.mark_paid`.
"""

from __future__ import annotations

import sqlalchemy as sa

from app import outbox
from app.cases.errors import CaseNotFound, IllegalTransition
from app.cases.models import Case, CaseEvent, utcnow
from app.cases.states import TRANSITIONS, CaseStatus
from app.extensions import db


def lock_case(case_id: int, *, account_id: int | None = None) -> Case:
    """The case row, locked for update (SELECT … FOR UPDATE on PostgreSQL). With `account_id`,
    another person's case is reported as not found. The row is re-read even when the session
    already holds the case, so the guard sees the status another transaction committed."""
    query = sa.select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
    if account_id is not None:
        query = query.where(Case.account_id == account_id)
    case = db.session.scalar(query)
    if case is None:
        raise CaseNotFound()
    return case


def guard(case: Case, action: str) -> CaseStatus:
    """The state `action` leads to from the case's state, or IllegalTransition."""
    sources, target = TRANSITIONS[action]
    if case.status not in sources:
        raise IllegalTransition(errors={"status": {"current": case.status, "action": action}})
    return target


def _move(case: Case, action: str, *, actor: str, note: str | None = None, payload: dict | None = None) -> CaseEvent:
    target = guard(case, action)
    source = case.status
    case.status = target
    case.updated_at = utcnow()
    event = CaseEvent(case_id=case.id, action=action, from_status=source, to_status=target, actor=actor, note=note)
    db.session.add(event)
    emit_case_event(case, f"case.{action}", {"from": source, "to": target, **(payload or {})})
    db.session.flush()
    return event


def emit_case_event(case: Case, event_type: str, extra: dict | None = None) -> None:
    """An outbox event about `case` in the current transaction. Every case event carries who and
    what it is about, so consumers (notifications, payments, delivery) need not read the case."""
    outbox.emit(
        event_type,
        aggregate_type="case",
        aggregate_id=case.id,
        payload={
            "case_id": case.id,
            "case_number": case.case_number,
            "account_id": case.account_id,
            "service_code": case.service_code,
            "service_name": case.service_name,
            "department_code": case.department_code,
            **(extra or {}),
        },
    )


# ---------------------------------------------------------------- citizen moves


def submit(case: Case, *, actor: str) -> CaseEvent:
    """draft → submitted (the caller has checked completeness, level and credit)."""
    return _move(case, "submit", actor=actor, payload={"credit_flag": case.credit_flag})


def resubmit(case: Case, *, actor: str) -> CaseEvent:
    """correction_requested → submitted, after the citizen added what was missing."""
    return _move(case, "resubmit", actor=actor)


def await_payment(case: Case, *, actor: str) -> CaseEvent:
    """draft → payment_pending: an item that charges a fee is submitted, the fee is due."""
    return _move(case, "await_payment", actor=actor, payload={"fee_fen": case.fee_fen})


def pay(case: Case, *, actor: str, note: str | None = None, payload: dict | None = None) -> CaseEvent:
    """payment_pending → submitted: the provider confirmed the payment."""
    return _move(case, "pay", actor=actor, note=note, payload=payload)


def withdraw(case: Case, *, actor: str, note: str | None = None) -> CaseEvent:
    """payment_pending / submitted / accepted / correction_requested → withdrawn (until a decision)."""
    return _move(case, "withdraw", actor=actor, note=note)


# ---------------------------------------------------------------- staff moves


def accept(case: Case, *, actor: str, note: str | None = None) -> CaseEvent:
    """submitted → accepted (受理)."""
    return _move(case, "accept", actor=actor, note=note)


def reject(case: Case, *, actor: str, note: str) -> CaseEvent:
    """submitted → rejected (不予受理); the reason is required."""
    _require_note(note)
    return _move(case, "reject", actor=actor, note=note)


def request_correction(case: Case, *, actor: str, note: str) -> CaseEvent:
    """submitted / accepted → correction_requested (补正); says what is missing."""
    _require_note(note)
    event = _move(case, "request_correction", actor=actor, note=note)
    case.correction_note = note
    return event


def instant_approve(case: Case, *, actor: str, note: str, rules: list[str]) -> CaseEvent:
    """submitted → approved by the item's instant-approval rules (秒批); `note` says which."""
    return _move(case, "instant_approve", actor=actor, note=note, payload={"rules": rules})


def revoke(case: Case, *, actor: str, note: str) -> CaseEvent:
    """→ revoked: a commitment was found false (撤销); the reason is required."""
    _require_note(note)
    return _move(case, "revoke", actor=actor, note=note)


def approve(case: Case, *, actor: str, note: str | None = None) -> CaseEvent:
    """accepted → approved."""
    return _move(case, "approve", actor=actor, note=note)


def deny(case: Case, *, actor: str, note: str) -> CaseEvent:
    """accepted → denied (不予许可); the reason is required."""
    _require_note(note)
    return _move(case, "deny", actor=actor, note=note)


def conclude(case: Case, *, actor: str, note: str | None = None) -> CaseEvent:
    """approved / denied → concluded (办结)."""
    return _move(case, "conclude", actor=actor, note=note)


def _require_note(note: str | None) -> None:
    from app.errors import ValidationFailed

    if not note or not note.strip():
        raise ValidationFailed("请填写理由", errors={"note": ["请填写理由"]})


STAFF_MOVES = {
    "accept": accept,
    "reject": reject,
    "request_correction": request_correction,
    "approve": approve,
    "deny": deny,
    "conclude": conclude,
}


def staff_move(case_id: int, action: str, *, actor: str, note: str | None = None) -> Case:
    """Lock the case, make a staff move, commit. For the staff API (next session) and tests."""
    case = lock_case(case_id)
    STAFF_MOVES[action](case, actor=actor, note=note)
    db.session.commit()
    return case
