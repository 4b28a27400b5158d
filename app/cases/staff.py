"""The cases core's public functions for department staff: one case of their department, and
the staff moves (受理, 不予受理, 补正, 许可, 不予许可, 办结) with the audit row written in the
same transaction as the move. A case of another department is "not found".

On approval of an item whose result carries an e-licence type, the licence is issued to the
applicant in the same request and written on the timeline.

Roles: a window clerk may accept, reject and ask for a correction; reviewers and department
heads may do that and approve, deny and conclude.
"""

from __future__ import annotations

import sqlalchemy as sa

from app import outbox
from app.cases import queue, transitions
from app.cases.errors import CaseNotFound
from app.cases.models import Case, CaseEvent
from app.cases.presenters import detail as _detail
from app.cases.states import CaseStatus
from app.catalog.models import LicenceType, ServiceItem
from app.errors import DomainError
from app.extensions import db
from app.identity.models import VerifiedIdentity
from app.licences import service as licences
from app.staff import service as staff
from app.staff.models import StaffRole

CLERK_ACTIONS = frozenset({"accept", "reject", "request_correction"})
DECISION_ACTIONS = frozenset({"approve", "deny", "conclude"})
ACTIONS = CLERK_ACTIONS | DECISION_ACTIONS
ALL_ROLES = (StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.DEPARTMENT_HEAD)
DECIDERS = (StaffRole.REVIEWER, StaffRole.DEPARTMENT_HEAD)


def roles_for(action: str) -> tuple[str, ...]:
    """The roles allowed to make `action`."""
    return ALL_ROLES if action in CLERK_ACTIONS else DECIDERS


def _actor(principal: staff.StaffPrincipal) -> str:
    return f"staff:{principal.staff_id}"


def _staff_view(case: Case) -> dict:
    out = _detail(case)
    for material in out["materials"]:
        material.pop("options", None)  # the citizen's choices, not the officer's business
    out["timeline"] = [
        {
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor,
            "note": e.note,
            "at": queue._iso(e.created_at),
        }
        for e in case.timeline
    ]
    limit = queue.promised_limits({case.service_code}).get(case.service_code)
    out.update(
        queue.supervision(case, limit, cal=queue.calendar(), on=queue.today(), yellow=queue.yellow_days()),
        promised_time_limit=limit,
        applicant_masked=queue.masked_applicants({case.account_id}).get(case.account_id, ""),
        correction_note=case.correction_note,
        credit_flag=case.credit_flag,
    )
    out.pop("form_errors", None)
    return out


def get_case(principal: staff.StaffPrincipal, case_id: int) -> dict:
    """One submitted case of the caller's department with materials and timeline (audited)."""
    case = db.session.scalar(
        sa.select(Case).where(
            Case.id == case_id,
            Case.department_code == principal.department_code,
            Case.status != CaseStatus.DRAFT,
        )
    )
    if case is None:
        raise CaseNotFound()
    out = _staff_view(case)
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="case.read",
        target=case.case_number or str(case.id),
    )
    db.session.commit()
    return out


def move(principal: staff.StaffPrincipal, case_id: int, action: str, *, note: str | None = None) -> dict:
    """Make a staff move on a case of the caller's department and audit it (commits). A role
    that may not make the move → StaffRoleRequired; another department's case → not found;
    a move the state machine forbids → IllegalTransition (the refusal is audited too)."""
    if action not in ACTIONS:
        raise CaseNotFound()
    try:
        staff.require_role(principal, roles_for(action))
        case = transitions.lock_case(case_id)
        if case.department_code != principal.department_code or case.status == CaseStatus.DRAFT:
            raise CaseNotFound()
        target = case.case_number or str(case.id)
        transitions.STAFF_MOVES[action](case, actor=_actor(principal), note=note)
        staff.record(
            staff_id=principal.staff_id,
            department_code=principal.department_code,
            action=f"case.{action}",
            target=target,
        )
        issued = _issue_result(case) if action == "approve" else None
    except DomainError as exc:
        db.session.rollback()
        staff.record(
            staff_id=principal.staff_id,
            department_code=principal.department_code,
            action=f"case.{action}",
            target=str(case_id),
            outcome=exc.error.lower()[:24],
        )
        db.session.commit()
        raise
    if action == "approve":
        _note_result(_actor(principal), case, issued)
        if issued is not None:
            staff.record(
                staff_id=principal.staff_id,
                department_code=principal.department_code,
                action="licence.issue",
                target=issued["identifier"][:100],
            )
    db.session.commit()
    return _staff_view(case)


def _issue_result(case: Case) -> dict | None:
    """On approval of an item whose result is an e-licence, issue it to the applicant, issued by
    the item's department. The licences core commits: the approval, its audit row and the
    licence are committed together, and a failure to issue leaves the case accepted."""
    licence_type = db.session.scalar(
        sa.select(LicenceType.code)
        .join(ServiceItem, ServiceItem.result_licence_type_id == LicenceType.id)
        .where(ServiceItem.implementation_code == case.service_code)
    )
    if licence_type is None:
        return None
    resident_id = db.session.scalar(
        sa.select(VerifiedIdentity.resident_id).where(VerifiedIdentity.account_id == case.account_id)
    )
    if resident_id is None:
        return None  # a verified name without a registry entry: the window issues on paper
    return licences.issue(
        resident_id=resident_id,
        licence_type_code=licence_type,
        issuer_department_code=case.department_code,
        essentials={"service_name": case.service_name, "case_number": case.case_number},
        source_ref=case.case_number,
    )


def _note_result(actor: str, case: Case, issued: dict | None) -> None:
    """The result is issued: the e-licence (if any) on the timeline, and `case.result_issued` in
    the outbox — delivery/ mails the paper result, notifications/ tells the citizen (the caller
    commits)."""
    licence = None
    if issued is not None:
        name = issued["licence_type"]["name"]
        db.session.add(
            CaseEvent(
                case_id=case.id,
                action="issue_licence",
                from_status=CaseStatus.APPROVED,
                to_status=CaseStatus.APPROVED,
                actor=actor,
                note=f"已签发电子证照：{name}（{issued['identifier']}）",
            )
        )
        licence = {"id": issued["id"], "licence_type_code": issued["licence_type"]["code"], "name": name}
    outbox.emit(
        "case.result_issued",
        aggregate_type="case",
        aggregate_id=case.id,
        payload={
            "case_id": case.id,
            "case_number": case.case_number,
            "account_id": case.account_id,
            "service_code": case.service_code,
            "department_code": case.department_code,
            "licence": licence,
        },
    )
    db.session.flush()
    db.session.refresh(case, ["timeline"])
