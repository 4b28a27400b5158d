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
from sqlalchemy.orm import selectinload

from app.cases import corrections, queue, results, transitions
from app.cases.errors import CaseNotFound
from app.cases.models import Case, CaseMaterial
from app.cases.presenters import detail as _detail
from app.cases.states import CaseStatus
from app.errors import DomainError
from app.extensions import db
from app.staff import service as staff
from app.staff.models import StaffRole

CLERK_ACTIONS = frozenset({"accept", "reject", "request_correction"})
DECISION_ACTIONS = frozenset({"approve", "deny", "conclude", "revoke"})
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
        **queue.applicant_fields([case])[case.id],
        correction_note=case.correction_note,
        credit_flag=case.credit_flag,
    )
    out.pop("form_errors", None)
    return out


def get_case(principal: staff.StaffPrincipal, case_id: int) -> dict:
    """One submitted case of the caller's department with materials and timeline (audited)."""
    case = db.session.scalar(
        sa.select(Case)
        .where(
            Case.id == case_id,
            Case.department_code == principal.department_code,
            Case.status != CaseStatus.DRAFT,
        )
        # the view reads them all: one query each, not one per material
        .options(selectinload(Case.materials).selectinload(CaseMaterial.files), selectinload(Case.timeline))
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


def move(
    principal: staff.StaffPrincipal,
    case_id: int,
    action: str,
    *,
    note: str | None = None,
    materials: list[int] | None = None,
) -> dict:
    """Make a staff move on a case of the caller's department and audit it (commits). A role
    that may not make the move → StaffRoleRequired; another department's case → not found;
    a move the state machine forbids → IllegalTransition (the refusal is audited too).

    `materials` (positions): for request_correction, what the citizen must provide again; for
    revoke, the commitments found false (default: every commitment of the case)."""
    if action not in ACTIONS:
        raise CaseNotFound()
    actor = _actor(principal)
    try:
        staff.require_role(principal, roles_for(action))
        case = transitions.lock_case(case_id)
        if case.department_code != principal.department_code or case.status == CaseStatus.DRAFT:
            raise CaseNotFound()
        target = case.case_number or str(case.id)
        if action == "request_correction":
            corrections.request(case, actor=actor, note=note, positions=materials or [])
        elif action == "revoke":
            revoked = corrections.revoke_for_false_commitment(case, actor=actor, note=note, positions=materials)
        else:
            transitions.STAFF_MOVES[action](case, actor=actor, note=note)
        staff.record(
            staff_id=principal.staff_id,
            department_code=principal.department_code,
            action=f"case.{action}",
            target=target,
        )
        issued = results.issue_licence(case) if action == "approve" else None
        if action == "approve":
            results.note_result(actor, case, issued)
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
    if action == "approve" and issued is not None:
        staff.record(
            staff_id=principal.staff_id,
            department_code=principal.department_code,
            action="licence.issue",
            target=issued["identifier"][:100],
        )
    if action == "revoke":
        for identifier in revoked:
            staff.record(
                staff_id=principal.staff_id,
                department_code=principal.department_code,
                action="licence.revoke",
                target=identifier[:100],
            )
    db.session.commit()
    return _staff_view(case)
