"""The one writer of a case's status, its timeline entry and its outbox event.

A move is defined once — `Move`, from the transition table (`states.TRANSITIONS`): which
states it starts from, where it leads, what its timeline entry and its `case.<action>` event
carry. Three executions of the same definition, all in the caller's transaction:

- `_move`: the ORM way, on a case the caller locked (`lock_case`) — every move has one
  function below that checks its guard and hands over to it;
- `move_by_id`: a conditional UPDATE (guard and row lock in one statement) then Core inserts,
  for hot paths (a paid notification);
- `move_ctes`: PostgreSQL data-modifying CTEs, for a statement that settles a payment in one
  round trip (app/cases/payment_settlement.py composes it).

Steps that do not change the status (a refund, a parcel, an issued licence) are written by
`record_step`. Satellites never import this module: they call app/cases/payment_settlement.py
and app.cases.service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app import outbox
from app.cases.errors import CaseNotFound, IllegalTransition
from app.cases.models import Case, CaseEvent, utcnow
from app.cases.states import TRANSITIONS, CaseStatus
from app.errors import ValidationFailed
from app.extensions import db

# The case columns every case event carries (see `case_facts_of`), in payload order.
EVENT_FACTS = (
    "case_id",
    "case_number",
    "account_id",
    "service_code",
    "service_name",
    "department_code",
    "enterprise_id",  # the applicant enterprise (null: the person's own case)
)
TIMELINE_COLUMNS = ("case_id", "action", "from_status", "to_status", "actor", "note", "created_at")


@dataclass(frozen=True)
class Move:
    """One action of the state machine and the rows it writes. The values handed in may be
    Python values or SQL expressions: the same definition feeds the ORM, the Core and the CTE
    writers."""

    action: str
    sources: frozenset[CaseStatus]
    target: CaseStatus

    @property
    def event_type(self) -> str:
        return f"case.{self.action}"

    @property
    def single_source(self) -> CaseStatus:
        """The one state the action starts from (the one-statement writers need it)."""
        (source,) = self.sources
        return source

    def timeline(self, *, case_id: Any, source: Any, actor: Any, note: Any, at: Any) -> dict[str, Any]:
        """The timeline entry (case_events row) of this move, by column."""
        return {
            "case_id": case_id,
            "action": self.action,
            "from_status": source,
            "to_status": self.target.value,
            "actor": actor,
            "note": note,
            "created_at": at,
        }

    def event_payload(self, facts: Mapping[str, Any], *, source: Any, extra: Mapping[str, Any] | None) -> dict:
        """The payload of the move's outbox event: the case's facts, from/to, then `extra`."""
        return {
            **{key: facts[key] for key in EVENT_FACTS},
            "from": source,
            "to": self.target.value,
            **(extra or {}),
        }


MOVES: dict[str, Move] = {action: Move(action, sources, target) for action, (sources, target) in TRANSITIONS.items()}


def case_facts_of(case: Case) -> dict[str, Any]:
    """The facts every case event carries, so consumers need not read the case."""
    return {
        "case_id": case.id,
        "case_number": case.case_number,
        "account_id": case.account_id,
        "service_code": case.service_code,
        "service_name": case.service_name,
        "department_code": case.department_code,
        "enterprise_id": case.enterprise_id,
    }


def lock_case(case_id: int, *, account_id: int | None = None, owner=None, options=()) -> Case:
    """The case row, locked for update (SELECT … FOR UPDATE on PostgreSQL). With `account_id`
    (or `owner`, a clause from app.cases.access.owner_clause), another's case is reported as not found. The row is re-read even when the session
    already holds the case, so the guard sees the status another transaction committed."""
    query = sa.select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
    if options:  # loader options (relationships loaded with the row)
        query = query.options(*options)
    if account_id is not None:
        query = query.where(Case.account_id == account_id)
    if owner is not None:
        query = query.where(owner)
    case = db.session.scalar(query)
    if case is None:
        raise CaseNotFound()
    return case


def guard(case: Case, action: str) -> CaseStatus:
    """The state `action` leads to from the case's state, or IllegalTransition."""
    move = MOVES[action]
    if case.status not in move.sources:
        raise IllegalTransition(errors={"status": {"current": case.status, "action": action}})
    return move.target


def _move(case: Case, action: str, *, actor: str, note: str | None = None, payload: dict | None = None) -> CaseEvent:
    guard(case, action)
    move = MOVES[action]
    source = str(case.status)
    now = utcnow()
    case.status = move.target
    case.updated_at = now
    event = CaseEvent(**move.timeline(case_id=case.id, source=source, actor=actor, note=note, at=now))
    db.session.add(event)
    outbox.emit(
        move.event_type,
        aggregate_type="case",
        aggregate_id=case.id,
        payload=move.event_payload(case_facts_of(case), source=source, extra=payload),
    )
    db.session.flush()
    return event


_CASES = Case.__table__
_INSERT_CASE_EVENT = sa.insert(CaseEvent.__table__)
_MOVE_RETURNING = (
    _CASES.c.id.label("case_id"),
    *(_CASES.c[key] for key in EVENT_FACTS[1:]),
    _CASES.c.instant_rules,
)
_MOVE_BY_ID: dict[str, sa.Update] = {}


def move_by_id(
    case_id: int, action: str, *, actor: str, note: str | None = None, payload: dict | None = None
) -> dict | None:
    """`_move` for hot paths, for actions with one source state: a conditional UPDATE — the
    guard and the row lock in one statement — then the timeline entry and the outbox event as
    Core inserts. None, and nothing written, when the case is not in the action's source state.
    Returns the case's event facts and `instant_rules`. A Case object the session holds is
    expired, so it re-reads."""
    move = MOVES[action]
    source = move.single_source.value
    statement = _MOVE_BY_ID.get(action)
    if statement is None:  # built once per action: compiled-cache hits afterwards
        statement = _MOVE_BY_ID[action] = (
            sa.update(_CASES)
            .where(_CASES.c.id == sa.bindparam("case_id"), _CASES.c.status == source)
            .values(status=move.target.value, updated_at=sa.bindparam("now"))
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
        _INSERT_CASE_EVENT, move.timeline(case_id=case_id, source=source, actor=actor, note=note, at=now)
    )
    facts = dict(row)
    outbox.emit_now(
        move.event_type,
        aggregate_type="case",
        aggregate_id=case_id,
        payload=move.event_payload(facts, source=source, extra=payload),
    )
    return facts


def _sql(value: Any) -> sa.ColumnElement:
    if isinstance(value, sa.ColumnElement):
        return value
    return sa.null() if value is None else sa.literal(value)


def move_ctes(
    action: str,
    case_ids: sa.Select,
    *,
    payload: Mapping[str, sa.ColumnElement],
    without_instant_rules: bool,
    now: sa.ColumnElement,
    actor: sa.ColumnElement,
) -> tuple[sa.CTE, sa.CTE, sa.CTE]:
    """PostgreSQL only: `_move` as data-modifying CTEs. Returns (moved, timeline, event):
    `moved` updates the cases whose id `case_ids` selects and that are in the action's one
    source state (the row lock and the guard in one), `timeline` and `event` write the move's
    timeline entry and outbox event (`Move.timeline`, `Move.event_payload`) for each moved
    case. With `without_instant_rules`, a case whose item has instant-approval rules is not
    moved (the caller then goes the ORM way, which evaluates them)."""
    move = MOVES[action]
    source = move.single_source.value
    conditions = [_CASES.c.id.in_(case_ids), _CASES.c.status == source]
    if without_instant_rules:
        # JSON column: SQL NULL, JSON null or an empty list mean "no rules"
        rules = sa.func.coalesce(sa.cast(_CASES.c.instant_rules, sa.Text), "null")
        conditions.append(sa.or_(rules == "null", rules == "[]"))
    moved = (
        sa.update(_CASES)
        .where(*conditions)
        .values(status=move.target.value, updated_at=now)
        .returning(*_MOVE_RETURNING)
        .cte("moved")
    )
    entry = move.timeline(case_id=moved.c.case_id, source=source, actor=actor, note=None, at=now)
    timeline = (
        sa.insert(CaseEvent.__table__)
        .from_select(list(TIMELINE_COLUMNS), sa.select(*(_sql(entry[column]) for column in TIMELINE_COLUMNS)))
        .cte("timeline")
    )
    fields = move.event_payload({key: moved.c[key] for key in EVENT_FACTS}, source=source, extra=payload)
    outbox_table = outbox.OutboxEvent.__table__
    event = (
        sa.insert(outbox_table)
        .from_select(
            ["event_type", "aggregate_type", "aggregate_id", "payload", "created_at"],
            sa.select(
                sa.literal(move.event_type),
                sa.literal("case"),
                sa.cast(moved.c.case_id, sa.String),
                sa.func.json_build_object(*(part for key, value in fields.items() for part in (key, _sql(value)))),
                now,
            ),
        )
        .returning(outbox_table.c.id)
        .cte("event")
    )
    return moved, timeline, event


def emit_case_event(case: Case, event_type: str, extra: dict | None = None) -> None:
    """An outbox event about `case` that is not a move (a result issued, a draft expiring …),
    in the current transaction, with the facts every case event carries."""
    outbox.emit(
        event_type, aggregate_type="case", aggregate_id=case.id, payload={**case_facts_of(case), **(extra or {})}
    )


def record_step(
    case: Case,
    action: str,
    *,
    actor: str,
    note: str,
    event_type: str | None = None,
    payload: dict | None = None,
) -> CaseEvent:
    """A step that does not change the case's status (a refund, a parcel, an issued licence) on
    its timeline, and optionally an outbox event, in the caller's transaction."""
    event = CaseEvent(
        case_id=case.id,
        action=action,
        from_status=case.status,
        to_status=case.status,
        actor=actor,
        note=note,
    )
    db.session.add(event)
    if event_type is not None:
        emit_case_event(case, event_type, payload)
    return event


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
