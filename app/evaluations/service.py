"""好差评 — the rating of a matter by its applicant, and the follow-up of a bad rating.

Rules (国办发〔2019〕51号 “一事一评”, as this platform applies them):
- the applicant rates a case once it has a final outcome from the department: concluded (办结,
  approved or denied) or rejected at intake (不予受理). A withdrawn case (the citizen stopped) or
  a revoked one (a false commitment) is not rated. Another person's case is "not found".
- five levels: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意; optional per-question
  scores (QUESTIONS) and a comment. One rating per case (unique in the database), never changed.
- 不满意 / 非常不满意 open a follow-up for the case's department, due EVALUATION_FOLLOWUP_DAYS
  (default 15) working days after the China date of the rating, under the holiday calendar;
  the department replies (`evaluation.replied`), the citizen says whether that resolved it.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import outbox
from app.cases import access, queue
from app.cases.models import Case, utcnow
from app.cases.states import CaseStatus
from app.errors import ValidationFailed
from app.evaluations.errors import (
    AlreadyRated,
    EvaluationNotFound,
    FollowupNotOpen,
    FollowupNotReplied,
    NotRateable,
)
from app.evaluations.models import Evaluation, FollowupStatus
from app.extensions import db
from app.identity.tokens import Principal
from app.staff import service as staff
from app.staff.models import StaffRole
from app.workdays import add_working_days

LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD = frozenset({1, 2})
GOOD = frozenset({3, 4, 5})
QUESTIONS = {
    "attitude": "服务态度",
    "efficiency": "办理效率",
    "convenience": "办事便利程度",
    "guidance": "办事指南准确清楚",
    "integrity": "廉洁规范",
}
RATEABLE = frozenset({CaseStatus.CONCLUDED, CaseStatus.REJECTED})
REPLY_ROLES = (StaffRole.REVIEWER, StaffRole.DEPARTMENT_HEAD)


def followup_days() -> int:
    return int(current_app.config.get("EVALUATION_FOLLOWUP_DAYS", 15))


def followup_due(rated_on: date) -> date:
    """The follow-up deadline of a bad rating made on `rated_on` (a China date)."""
    return add_working_days(rated_on, followup_days(), queue.calendar())


def _iso(value) -> str | None:
    return queue._iso(value)


def _present(ev: Evaluation, case: Case, *, on: date) -> dict:
    followup = None
    if ev.followup_status is not None:
        followup = {
            "status": ev.followup_status,
            "due_on": ev.followup_due.isoformat(),
            "overdue": ev.replied_at is None and on > ev.followup_due,
            "reply": ev.reply,
            "replied_at": _iso(ev.replied_at),
            "resolved": ev.resolved,
            "resolved_at": _iso(ev.resolved_at),
        }
    return {
        "id": ev.id,
        "case_id": case.id,
        "case_number": case.case_number,
        "service_code": case.service_code,
        "service_name": case.service_name,
        "department_code": ev.department_code,
        "score": ev.score,
        "label": LABELS[ev.score],
        "answers": ev.answers or {},
        "comment": ev.comment,
        "created_at": _iso(ev.created_at),
        "followup": followup,
    }


def _payload(ev: Evaluation, case: Case) -> dict:
    return {
        "evaluation_id": ev.id,
        "account_id": case.account_id,
        "case_id": case.id,
        "case_number": case.case_number,
        "service_code": case.service_code,
        "service_name": case.service_name,
        "department_code": case.department_code,
        "score": ev.score,
        "followup_due": ev.followup_due.isoformat() if ev.followup_due else None,
    }


# ---------------------------------------------------------------- the citizen


def rate(
    principal: Principal, case_id: int, *, score: int, answers: dict | None = None, comment: str | None = None
) -> dict:
    """Rate one of the caller's concluded cases (commits). A bad rating opens a follow-up for
    the department and emits `evaluation.followup_opened`."""
    case = access.locked_own(principal, case_id)
    if case.status not in RATEABLE:
        raise NotRateable(errors={"status": {"current": case.status}})
    if db.session.scalar(sa.select(Evaluation.id).where(Evaluation.case_id == case.id)) is not None:
        raise AlreadyRated()
    ev = Evaluation(
        case_id=case.id,
        account_id=case.account_id,
        department_code=case.department_code,
        service_code=case.service_code,
        score=score,
        answers=answers or {},
        comment=(comment or "").strip() or None,
    )
    if score in BAD:
        ev.followup_status = FollowupStatus.OPEN
        ev.followup_due = followup_due(queue.today())
    db.session.add(ev)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRated() from None
    if score in BAD:
        outbox.emit(
            "evaluation.followup_opened", aggregate_type="evaluation", aggregate_id=ev.id, payload=_payload(ev, case)
        )
    out = _present(ev, case, on=queue.today())
    db.session.commit()
    return out


def awaiting(principal: Principal, *, page: int = 1, page_size: int = 20) -> dict:
    """The caller's cases that may be rated and are not yet (待评价), the latest first."""
    where = [
        access.owner_clause(principal),
        Case.status.in_(list(RATEABLE)),
        ~sa.exists().where(Evaluation.case_id == Case.id),
    ]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where))
    rows = db.session.scalars(
        sa.select(Case)
        .where(*where)
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = [
        {
            "case_id": c.id,
            "case_number": c.case_number,
            "service_name": c.service_name,
            "department_name": c.department_name,
            "status": c.status,
        }
        for c in rows
    ]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _own(principal: Principal, case_id: int, *, lock: bool = False) -> tuple[Evaluation, Case]:
    query = (
        sa.select(Evaluation, Case)
        .join(Case, Case.id == Evaluation.case_id)
        .where(Evaluation.case_id == case_id, access.owner_clause(principal))
    )
    if lock:
        query = query.with_for_update(of=Evaluation).execution_options(populate_existing=True)
    row = db.session.execute(query).first()
    if row is None:
        raise EvaluationNotFound()
    return row[0], row[1]


def get_for_case(principal: Principal, case_id: int) -> dict:
    """The caller's rating of one of their cases, with the department's reply if any."""
    ev, case = _own(principal, case_id)
    return _present(ev, case, on=queue.today())


def confirm(principal: Principal, case_id: int, *, resolved: bool) -> dict:
    """After the department replied, the citizen says whether it resolved the matter (commits)."""
    ev, case = _own(principal, case_id, lock=True)
    if ev.followup_status != FollowupStatus.REPLIED:
        raise FollowupNotReplied(errors={"followup": {"status": ev.followup_status}})
    ev.followup_status = FollowupStatus.CLOSED
    ev.resolved = resolved
    ev.resolved_at = utcnow()
    out = _present(ev, case, on=queue.today())
    db.session.commit()
    return out


# ---------------------------------------------------------------- the department


def department_evaluations(
    principal: staff.StaffPrincipal,
    department_code: str,
    *,
    followup: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> dict:
    """The ratings of the department's cases, newest first; `followup` keeps one follow-up status."""
    staff.require_department(principal, department_code)
    where = [Evaluation.department_code == department_code]
    if followup is not None:
        where.append(Evaluation.followup_status == followup)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation).where(*where))
    rows = db.session.execute(
        sa.select(Evaluation, Case)
        .join(Case, Case.id == Evaluation.case_id)
        .where(*where)
        .order_by(Evaluation.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    on = queue.today()
    return {"items": [_listed(e, c, on=on) for e, c in rows], "total": total, "page": page, "page_size": page_size}


def _listed(ev: Evaluation, case: Case, *, on: date) -> dict:
    """A list item: no comment and no reply (free text, encrypted at rest; the detail shows them)."""
    out = _present(ev, case, on=on)
    out["comment"] = None
    if out["followup"] is not None:
        out["followup"]["reply"] = None
    return out


def department_evaluation(principal: staff.StaffPrincipal, evaluation_id: int) -> dict:
    """One rating of the caller's department in full, comment and reply (audited, commits).
    Another department's is "not found"."""
    ev = db.session.get(Evaluation, evaluation_id)
    if ev is None or ev.department_code != principal.department_code:
        raise EvaluationNotFound()
    out = _present(ev, db.session.get(Case, ev.case_id), on=queue.today())
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="evaluation.read",
        target=str(ev.id),
    )
    db.session.commit()
    return out


def reply(principal: staff.StaffPrincipal, evaluation_id: int, *, text: str) -> dict:
    """The department's reply to a bad rating (reviewers and heads; commits, audited). Another
    department's rating is "not found"; a second reply is refused."""
    staff.require_role(principal, REPLY_ROLES)
    if not text.strip():
        raise ValidationFailed("请填写回复内容", errors={"reply": ["请填写回复内容"]})
    row = db.session.execute(
        sa.select(Evaluation, Case)
        .join(Case, Case.id == Evaluation.case_id)
        .where(Evaluation.id == evaluation_id)
        .with_for_update(of=Evaluation)
        .execution_options(populate_existing=True)
    ).first()
    if row is None or row[0].department_code != principal.department_code:
        db.session.rollback()
        raise EvaluationNotFound()
    ev, case = row
    if ev.followup_status != FollowupStatus.OPEN:
        db.session.rollback()
        raise FollowupNotOpen(errors={"followup": {"status": ev.followup_status}})
    ev.followup_status = FollowupStatus.REPLIED
    ev.reply = text.strip()
    ev.replied_at = utcnow()
    ev.replied_by = f"staff:{principal.staff_id}"
    outbox.emit("evaluation.replied", aggregate_type="evaluation", aggregate_id=ev.id, payload=_payload(ev, case))
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="evaluation.reply",
        target=case.case_number or str(case.id),
    )
    out = _present(ev, case, on=queue.today())
    db.session.commit()
    return out
