"""Consultations (咨询) and complaints (投诉), 12345-style.

Routing: about an item → the item's department; about a case → the case's department (only the
caller's own case); about a hall → the department that runs the hall. The answer is due
COMPLAINT_CONSULTATION_DAYS [5] (consultation) or COMPLAINT_ANSWER_DAYS [15] (complaint) working
days after the China date it was received, under the holiday calendar. The department's staff
answer it (complaints: reviewers and heads; consultations: any role), once; the citizen rates the
answer once (1–5, 5 非常满意). Events: `complaint.received`, `complaint.answered`.

Title, content and answer are encrypted at rest (the model's column types). Lists show the
title with numbers masked and neither content nor answer; the citizen's detail and the
officer's (audited) show them in full.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app import crypto, outbox
from app.appointments.models import Hall
from app.cases import access, queue
from app.cases.errors import CaseNotFound
from app.cases.models import Case, utcnow
from app.catalog import service as catalog
from app.catalog.models import Department
from app.complaints import errors
from app.complaints.models import Complaint, ComplaintKind, ComplaintStatus, SubjectType
from app.errors import ValidationFailed
from app.extensions import db
from app.identity.tokens import Principal
from app.staff import service as staff
from app.staff.models import StaffRole
from app.workdays import add_working_days

COMPLAINT_ROLES = (StaffRole.REVIEWER, StaffRole.DEPARTMENT_HEAD)
KIND_LABELS = {ComplaintKind.CONSULTATION: "咨询", ComplaintKind.COMPLAINT: "投诉"}


def answer_days(kind: str) -> int:
    if kind == ComplaintKind.CONSULTATION:
        return int(current_app.config.get("COMPLAINT_CONSULTATION_DAYS", 5))
    return int(current_app.config.get("COMPLAINT_ANSWER_DAYS", 15))


def _department_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(sa.select(Department.code, Department.name).where(Department.code.in_(codes))).all())


def _listed(c: Complaint, *, department_name: str | None = None) -> dict:
    """A list item: the title with numbers masked, no content and no answer (free text that may
    name people; the detail shows them in full)."""
    out = _out(c, department_name=department_name)
    out.update(title=crypto.mask_text(c.title), content=None, answer=None)
    return out


def _out(c: Complaint, *, department_name: str | None = None) -> dict:
    today = queue.today()
    return {
        "id": c.id,
        "kind": c.kind,
        "subject_type": c.subject_type,
        "subject_name": c.subject_name,
        "service_code": c.service_code,
        "case_id": c.case_id,
        "hall_code": c.hall_code,
        "department_code": c.department_code,
        "department_name": department_name or _department_names({c.department_code}).get(c.department_code, ""),
        "title": c.title,
        "content": c.content,
        "status": c.status,
        "due_on": c.due_on.isoformat(),
        "overdue": c.status == ComplaintStatus.OPEN and today > c.due_on,
        "created_at": queue._iso(c.created_at),
        "answer": c.answer,
        "answered_at": queue._iso(c.answered_at),
        "rating": c.rating,
        "rated_at": queue._iso(c.rated_at),
    }


def _payload(c: Complaint, case: Case | None) -> dict:
    out = {
        "complaint_id": c.id,
        "account_id": c.account_id,
        "kind": c.kind,
        "kind_label": KIND_LABELS[ComplaintKind(c.kind)],
        "subject_name": c.subject_name,
        "department_code": c.department_code,
        "due_on": c.due_on.isoformat(),
    }
    if case is not None:
        out.update(case_id=case.id, case_number=case.case_number, service_name=case.service_name)
    elif c.service_code:
        out.update(service_code=c.service_code, service_name=c.subject_name)
    return out


def _route(
    principal: Principal, subject_type: str, *, service_code, case_id, hall_code
) -> tuple[str, str, Case | None]:
    """(department code, subject name, case) of the subject."""
    if subject_type == SubjectType.ITEM:
        guide = catalog.get_service(service_code)
        return guide["department"]["code"], guide["name"], None
    if subject_type == SubjectType.CASE:
        case = db.session.scalar(
            sa.select(Case).where(Case.id == case_id, access.owner_clause(principal), Case.case_number.is_not(None))
        )
        if case is None:
            raise CaseNotFound()
        return case.department_code, f"{case.service_name}（{case.case_number}）", case
    hall = db.session.scalar(sa.select(Hall).where(Hall.code == hall_code))
    if hall is None:
        raise errors.HallNotFound()
    return hall.department_code, hall.name, None


def submit(
    principal: Principal,
    *,
    kind: str,
    subject_type: str,
    title: str,
    content: str,
    service_code: str | None = None,
    case_id: int | None = None,
    hall_code: str | None = None,
) -> dict:
    """Receive a consultation or complaint, route it and set its answer deadline (commits;
    emits `complaint.received`)."""
    if not title.strip() or not content.strip():
        raise ValidationFailed("请填写标题和内容", errors={"content": ["请填写标题和内容"]})
    department, subject_name, case = _route(
        principal, subject_type, service_code=service_code, case_id=case_id, hall_code=hall_code
    )
    complaint = Complaint(
        account_id=principal.account_id,
        kind=kind,
        subject_type=subject_type,
        service_code=case.service_code if case else service_code if subject_type == SubjectType.ITEM else None,
        case_id=case.id if case else None,
        hall_code=hall_code if subject_type == SubjectType.HALL else None,
        subject_name=subject_name[:200],
        department_code=department,
        title=title.strip(),
        content=content.strip(),
        status=ComplaintStatus.OPEN,
        due_on=add_working_days(queue.today(), answer_days(kind), queue.calendar()),
    )
    db.session.add(complaint)
    db.session.flush()
    outbox.emit(
        "complaint.received", aggregate_type="complaint", aggregate_id=complaint.id, payload=_payload(complaint, case)
    )
    out = _out(complaint)
    db.session.commit()
    return out


def _own(principal: Principal, complaint_id: int, *, lock: bool = False) -> Complaint:
    query = sa.select(Complaint).where(Complaint.id == complaint_id, Complaint.account_id == principal.account_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    complaint = db.session.scalar(query)
    if complaint is None:
        raise errors.ComplaintNotFound()
    return complaint


def get_complaint(principal: Principal, complaint_id: int) -> dict:
    """One of the caller's consultations or complaints, with the answer if any."""
    return _out(_own(principal, complaint_id))


def list_complaints(principal: Principal, *, page: int = 1, page_size: int = 20) -> dict:
    """The caller's consultations and complaints, newest first."""
    where = Complaint.account_id == principal.account_id
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(where))
    rows = db.session.scalars(
        sa.select(Complaint).where(where).order_by(Complaint.id.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    names = _department_names({c.department_code for c in rows})
    return {
        "items": [_listed(c, department_name=names.get(c.department_code)) for c in rows],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


def rate_answer(principal: Principal, complaint_id: int, *, rating: int) -> dict:
    """The citizen rates the answer once (commits)."""
    complaint = _own(principal, complaint_id, lock=True)
    if complaint.status != ComplaintStatus.ANSWERED:
        db.session.rollback()
        raise errors.NotAnswered()
    if complaint.rating is not None:
        db.session.rollback()
        raise errors.AnswerAlreadyRated()
    complaint.rating = rating
    complaint.rated_at = utcnow()
    out = _out(complaint)
    db.session.commit()
    return out


# ---------------------------------------------------------------- the department


def department_queue(
    principal: staff.StaffPrincipal,
    department_code: str,
    *,
    status: str | None = None,
    kind: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> dict:
    """The consultations and complaints routed to the department, the earliest deadline first."""
    staff.require_department(principal, department_code)
    where = [Complaint.department_code == department_code]
    if status is not None:
        where.append(Complaint.status == status)
    if kind is not None:
        where.append(Complaint.kind == kind)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(*where))
    rows = db.session.scalars(
        sa.select(Complaint)
        .where(*where)
        .order_by(Complaint.due_on, Complaint.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    name = _department_names({department_code}).get(department_code, "")
    return {
        "items": [_listed(c, department_name=name) for c in rows],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


def department_complaint(principal: staff.StaffPrincipal, complaint_id: int) -> dict:
    """One consultation or complaint of the caller's department in full (audited, commits).
    Another department's is "not found"."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.department_code != principal.department_code:
        raise errors.ComplaintNotFound()
    out = _out(complaint)
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action=f"{complaint.kind}.read",
        target=str(complaint.id),
    )
    db.session.commit()
    return out


def answer(principal: staff.StaffPrincipal, complaint_id: int, *, text: str) -> dict:
    """Answer a consultation or complaint of the caller's department, once (commits, audited;
    emits `complaint.answered`). Another department's is "not found"."""
    complaint = db.session.scalar(
        sa.select(Complaint)
        .where(Complaint.id == complaint_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if complaint is None or complaint.department_code != principal.department_code:
        db.session.rollback()
        raise errors.ComplaintNotFound()
    if complaint.kind == ComplaintKind.COMPLAINT:
        staff.require_role(principal, COMPLAINT_ROLES)
    if not text.strip():
        raise ValidationFailed("请填写答复内容", errors={"answer": ["请填写答复内容"]})
    if complaint.status != ComplaintStatus.OPEN:
        db.session.rollback()
        raise errors.AlreadyAnswered()
    complaint.status = ComplaintStatus.ANSWERED
    complaint.answer = text.strip()
    complaint.answered_at = utcnow()
    complaint.answered_by = f"staff:{principal.staff_id}"
    case = db.session.get(Case, complaint.case_id) if complaint.case_id else None
    outbox.emit(
        "complaint.answered", aggregate_type="complaint", aggregate_id=complaint.id, payload=_payload(complaint, case)
    )
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action=f"{complaint.kind}.answer",
        target=str(complaint.id),
    )
    out = _out(complaint)
    db.session.commit()
    return out
