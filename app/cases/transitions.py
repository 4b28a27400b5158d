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


_CASES = Case.__table__
_INSERT_CASE_EVENT = sa.insert(CaseEvent.__table__)
# The case columns every case event carries (see emit_case_event), and the instant rules.
_MOVE_RETURNING = (
    _CASES.c.id.label("case_id"),
    _CASES.c.case_number,
    _CASES.c.account_id,
    _CASES.c.service_code,
    _CASES.c.service_name,
    _CASES.c.department_code,
    _CASES.c.instant_rules,
)
_MOVE_BY_ID: dict[str, sa.Update] = {}


def move_by_id(
    case_id: int, action: str, *, actor: str, note: str | None = None, payload: dict | None = None
) -> dict | None:
    """`_move` for hot paths (payments' callbacks), for actions with one source state: a
    conditional UPDATE — the guard and the row lock in one statement — then the timeline entry
    and the outbox event as Core inserts, all in the caller's transaction. None, and nothing
    written, when the case is not in the action's source state. Returns the case's event
    columns and `instant_rules`. A Case object the session holds is expired, so it re-reads."""
    sources, target = TRANSITIONS[action]
    (source,) = sources  # several sources would need the old status back from the UPDATE
    statement = _MOVE_BY_ID.get(action)
    if statement is None:  # built once per action: compiled-cache hits afterwards
        statement = _MOVE_BY_ID[action] = (
            sa.update(_CASES)
            .where(_CASES.c.id == sa.bindparam("case_id"), _CASES.c.status == source.value)
            .values(status=target.value, updated_at=sa.bindparam("now"))
            .returning(*_MOVE_RETURNING)
        )
    now = utcnow()
    row = db.session.execute(statement, {"case_id": case_id, "now": now}).mappings().first()
    held = db.session.identity_map.get(db.session.identity_key(Case, case_id))
    if held is not None:
        db.session.expire(held)
    if row is None:
        return None
    db.session.execute(
        _INSERT_CASE_EVENT,
        {
            "case_id": case_id,
            "action": action,
            "from_status": source.value,
            "to_status": target.value,
            "actor": actor,
            "note": note,
            "created_at": now,
        },
    )
    facts = dict(row)
    outbox.emit_now(
        f"case.{action}",
        aggregate_type="case",
        aggregate_id=case_id,
        payload={
            **{key: facts[key] for key in _EVENT_FACTS},
            "from": source.value,
            "to": target.value,
            **(payload or {}),
        },
    )
    return facts


_EVENT_FACTS = ("case_id", "case_number", "account_id", "service_code", "service_name", "department_code")


def move_ctes(
    action: str, case_ids: sa.Select, *, payload: dict[str, sa.ColumnElement], without_instant_rules: bool
) -> tuple[sa.CTE, sa.CTE, sa.CTE]:
    """PostgreSQL only: `_move` as data-modifying CTEs, for a caller that settles its own rows and
    the case's move in one statement (payments' callbacks). Returns (moved, timeline, event):
    `moved` updates the cases whose id `case_ids` selects and that are in the action's one
    source state (the row lock and the guard in one), `timeline` and `event` write the timeline
    entry and the outbox event — with the same payload as `emit_case_event` plus from/to and
    `payload` — for each moved case. With `without_instant_rules`, a case whose item has
    instant-approval rules is not moved (the caller then goes the ORM way, which evaluates
    them). Bind parameters: `mv_now` (the time), `mv_actor`."""
    sources, target = TRANSITIONS[action]
    (source,) = sources
    conditions = [_CASES.c.id.in_(case_ids), _CASES.c.status == source.value]
    if without_instant_rules:
        # JSON column: SQL NULL, JSON null or an empty list mean "no rules"
        rules = sa.func.coalesce(sa.cast(_CASES.c.instant_rules, sa.Text), "null")
        conditions.append(sa.or_(rules == "null", rules == "[]"))
    now = sa.bindparam("mv_now", type_=sa.DateTime)
    moved = (
        sa.update(_CASES)
        .where(*conditions)
        .values(status=target.value, updated_at=now)
        .returning(*_MOVE_RETURNING)
        .cte("moved")
    )
    events = CaseEvent.__table__
    timeline = (
        sa.insert(events)
        .from_select(
            ["case_id", "action", "from_status", "to_status", "actor", "note", "created_at"],
            sa.select(
                moved.c.case_id,
                sa.literal(action),
                sa.literal(source.value),
                sa.literal(target.value),
                sa.bindparam("mv_actor", type_=sa.String),
                sa.null(),
                now,
            ),
        )
        .cte("timeline")
    )
    fields = {key: moved.c[key] for key in _EVENT_FACTS} | {
        "from": sa.literal(source.value),
        "to": sa.literal(target.value),
        **payload,
    }
    outbox_table = outbox.OutboxEvent.__table__
    event = (
        sa.insert(outbox_table)
        .from_select(
            ["event_type", "aggregate_type", "aggregate_id", "payload", "created_at"],
            sa.select(
                sa.literal(f"case.{action}"),
                sa.literal("case"),
                sa.cast(moved.c.case_id, sa.String),
                sa.func.json_build_object(*(part for key, value in fields.items() for part in (key, value))),
                now,
            ),
        )
        .returning(outbox_table.c.id)
        .cte("event")
    )
    return moved, timeline, event


def emit_case_event(case: Case, event_type: str, extra: dict | None = None) -> None:
    """An outbox event about `case` in the current transaction. Every case event carries who and
    what it is about, so consumers (notifications, payments, delivery) need not read the case."""
    outbox.emit(
        event_type,
        aggregate_type="case",
        aggregate_id=case.id,
        payload={  # the same keys as _EVENT_FACTS
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
