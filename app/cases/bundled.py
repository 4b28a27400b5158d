"""Member cases of a 一件事 bundle application (app/bundles), made and submitted by the cases
core's own functions: `open_member` is a draft of the item (`service.new_case`) with the form the
bundle split for it and its materials met the way the citizen met the bundle's merged material;
`submit_members` runs every member through the submit checks (`submission.check`) before any of
them moves (`submission.move`), all in the caller's transaction — one refusal and none is
submitted. The bundle holds the Idempotency-Key; no copy of the submit rules lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.cases import files, service, submission, transitions
from app.cases.errors import NotReady
from app.cases.models import Case, CaseEvent
from app.cases.states import TRANSITIONS, CaseStatus
from app.extensions import db
from app.identity.tokens import Principal

WITHDRAWABLE = TRANSITIONS["withdraw"][0]


@dataclass(frozen=True)
class Meeting:
    """How one material (by standard material type) was met for the whole bundle."""

    method: str  # "licence" | "commitment" | "upload"
    licence_id: int | None = None
    authorisation_id: int | None = None
    commitment_version: str | None = None
    commitment_accepted_at: datetime | None = None
    uploads: list[tuple[bytes, str]] = field(default_factory=list)  # (data, content type), checked


def open_member(
    principal: Principal,
    guide: dict,
    *,
    form_data: dict,
    bundle_application_id: int,
    enterprise_id: int | None,
    met: dict[int, Meeting],
    bundle_time_limit: int | None = None,
) -> Case:
    """A draft member case (added and flushed, not committed), its materials met per `met`
    (the position of the item's material -> Meeting)."""
    case = service.new_case(principal.account_id, guide)
    case.form_data = dict(form_data)
    case.bundle_application_id = bundle_application_id
    case.bundle_time_limit = bundle_time_limit
    case.enterprise_id = enterprise_id
    db.session.add(case)
    db.session.flush()
    for material in case.materials:
        meeting = met.get(material.position)
        if meeting is None:
            continue
        material.method = meeting.method
        if meeting.method == "licence":
            material.licence_id = meeting.licence_id
            material.authorisation_id = meeting.authorisation_id
        elif meeting.method == "commitment":
            if not material.commitment_allowed:
                material.method = None
                continue
            material.commitment_version = meeting.commitment_version
            material.commitment_accepted_at = meeting.commitment_accepted_at
        else:
            for data, content_type in meeting.uploads:
                files.add_checked(material, data, content_type)
    return case


def submit_members(principal: Principal, cases: list[Case]) -> None:
    """Submit every member case in the caller's transaction: all checked first (a refusal names
    the member: `members.<service code>.form.<field>` …), then each moved and routed to its
    department (its own case number, fee and 秒批 as for any case)."""
    for case in cases:
        try:
            submission.check(principal, case, "submit")
        except NotReady as exc:
            raise NotReady(errors={"members": {case.service_code: exc.errors}}) from None
    for case in cases:
        submission.move(principal, case, "submit")


def bundle_members(bundle_application_id: int) -> list[dict]:
    """The member cases of a bundle application, in creation (= the bundle's) order: id, number,
    item, department, status, dates, and from the timeline how many corrections were requested
    and whether an officer approved or denied it."""
    rows = db.session.scalars(
        sa.select(Case).where(Case.bundle_application_id == bundle_application_id).order_by(Case.id)
    ).all()
    if not rows:
        return []
    actions: dict[int, list[str]] = {c.id: [] for c in rows}
    for case_id, action in db.session.execute(
        sa.select(CaseEvent.case_id, CaseEvent.action)
        .where(CaseEvent.case_id.in_(list(actions)))
        .order_by(CaseEvent.id)
    ):
        actions[case_id].append(action)
    return [
        {
            "id": c.id,
            "case_number": c.case_number,
            "service_code": c.service_code,
            "service_name": c.service_name,
            "department_code": c.department_code,
            "department_name": c.department_name,
            "status": c.status,
            "fee_fen": c.fee_fen,
            "submitted_at": c.submitted_at,
            "updated_at": c.updated_at,
            "correction_note": c.correction_note if c.status == CaseStatus.CORRECTION_REQUESTED else None,
            "corrections": actions[c.id].count("request_correction"),
            "denied": "deny" in actions[c.id],
            "approved": "approve" in actions[c.id] or "instant_approve" in actions[c.id],
        }
        for c in rows
    ]


def bundle_timeline(bundle_application_id: int) -> list[dict]:
    """Every timeline entry of the bundle's member cases, oldest first, naming the member."""
    rows = db.session.execute(
        sa.select(CaseEvent, Case.service_code, Case.service_name)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.bundle_application_id == bundle_application_id)
        .order_by(CaseEvent.created_at, CaseEvent.id)
    )
    return [
        {
            "case_id": e.case_id,
            "service_code": code,
            "service_name": name,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor,
            "note": e.note,
            "at": e.created_at,
        }
        for e, code, name in rows
    ]


def bundle_of(case_id: int) -> int | None:
    """The bundle application a case is a member of, if any."""
    return db.session.scalar(sa.select(Case.bundle_application_id).where(Case.id == case_id))


def withdraw_member(case_id: int, *, actor: str, note: str | None = None) -> bool:
    """Withdraw a member case when it is not yet decided (the case's own `withdraw` move, in the
    caller's transaction); False, and nothing changed, in any other state."""
    case = transitions.lock_case(case_id)
    if case.status not in WITHDRAWABLE:
        return False
    transitions.withdraw(case, actor=actor, note=note)
    return True
