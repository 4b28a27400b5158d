"""The cases core's public functions for the citizen side: drafts, form, materials, uploads,
submit (idempotent), withdraw, and reading one's own cases. Another person's case is always
"not found". Every function that changes something commits; results are plain dicts.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.cases import (
    access,
    applicant,
    corrections,
    files,
    form_limits,
    material_methods,
    payment_settlement,
    transitions,
)
from app.cases.commitments import commitment_for
from app.cases.errors import (
    CaseNotFound,
    MaterialNotFound,
    NotEditable,
)
from app.cases.models import Case, CaseMaterial, utcnow
from app.cases.presenters import detail as _detail
from app.cases.presenters import summary as _summary
from app.cases.states import EDITABLE, CaseStatus
from app.cases.submission import submit, withdraw  # noqa: F401 - the citizen API calls them through this module
from app.catalog import fees as fee_rules
from app.catalog import service as catalog
from app.extensions import db
from app.identity.tokens import Principal
from app.licences import service as licences


def required_level_for(guide: dict) -> int:
    """Items whose result is a 证照 or that charge fees need a fresh face check (level 4);
    the others need real name (level 3)."""
    if guide["result"].get("type") == "证照" or not guide["fees"]["free"]:
        return access.LEVEL_FACE
    return access.LEVEL_REALNAME


def fee_due_for(guide: dict, form: dict | None = None) -> int:
    """The fee an application of this item with this form is charged, in fen (0: free): the
    standard the item's fee rule picks from the form (app/catalog/fees.py — the default one
    while the form is empty) plus the lines charged on every application."""
    return fee_rules.charged_fen(guide["fees"], form or {})


def _material(case: Case, position: int) -> CaseMaterial:
    for material in case.materials:
        if material.position == position:
            return material
    raise MaterialNotFound()


# ---------------------------------------------------------------- reading


def _wallet(case: Case) -> list[dict] | None:
    """The applicant's e-licences (the enterprise's for its case), when the checklist can still
    offer them."""
    if case.status not in EDITABLE or not any(m.licence_type_code for m in case.materials):
        return None
    return licences.wallet_for_account(case.account_id, enterprise_id=case.enterprise_id)


def get_application(principal: Principal, case_id: int) -> dict:
    """One of the caller's drafts or cases, with its checklist and timeline."""
    case = access.own_case(principal, case_id)
    return _detail(case, wallet=_wallet(case))


def list_applications(principal: Principal, *, status: str | None = None, page: int = 1, page_size: int = 20) -> dict:
    """The caller's drafts and cases, newest first, optionally of one status (acting for an
    enterprise: the enterprise's, as far as the caller's authorisation reaches)."""
    where = [access.owner_clause(principal)]
    if status is not None:
        where.append(Case.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where))
    rows = db.session.scalars(
        sa.select(Case).where(*where).order_by(Case.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return {"items": [_summary(c) for c in rows], "total": total, "page": page, "page_size": page_size}


# ---------------------------------------------------------------- drafts


def new_case(account_id: int, guide: dict, *, enterprise_id: int | None = None) -> Case:
    """A draft Case of the item `guide` describes (app.catalog.service.get_service): its form
    schema, fee, level, rules and materials checklist copied from the guide; `enterprise_id` the
    enterprise it is applied for (the account its handler). Not added."""
    return Case(
        account_id=account_id,
        enterprise_id=enterprise_id,
        service_code=guide["code"],
        service_name=guide["name"],
        department_code=guide["department"]["code"],
        department_name=guide["department"]["name"],
        status=CaseStatus.DRAFT,
        required_level=required_level_for(guide),
        fee_fen=fee_due_for(guide),
        instant_rules=guide.get("instant_rules") or [],
        form_schema=guide["form_schema"],
        form_data={},
        materials=[
            CaseMaterial(
                position=m["position"],
                name=m["name"],
                material_type_code=m["material_type"]["code"],
                licence_type_code=(m["licence_type"] or {}).get("code"),
                required=m["required"],
                commitment_allowed=m["commitment_allowed"],
            )
            for m in guide["materials"]
        ],
    )


def create_draft(principal: Principal, service_code: str) -> dict:
    """A new draft for an active item: its form schema and its materials checklist. The item's
    audience must take the caller's context; acting for an enterprise, the draft is the
    enterprise's (which must be in business) and the caller its handler."""
    guide = catalog.get_service(service_code)
    applicant.check_audience(principal, guide["audience"])
    applicant.check_scope(principal, guide["code"])
    who = applicant.applicant_of(principal)
    form_limits.check_draft_quota(principal.account_id)
    case = new_case(principal.account_id, guide, enterprise_id=who.enterprise_id)
    db.session.add(case)
    db.session.commit()
    return _detail(case, wallet=_wallet(case))


def save_form(principal: Principal, case_id: int, changes: dict) -> dict:
    """Merge `changes` into the form (a null value clears a field). Saving an incomplete form is
    allowed; the detail lists its field errors, and submit refuses until there are none."""
    case = access.locked_editable(principal, case_id)
    data = dict(case.form_data or {})
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    form_limits.check_form_save(case.form_schema, changes, data)
    case.form_data = data
    if case.status == CaseStatus.DRAFT:
        access.refresh_fee(case)
    case.updated_at = utcnow()
    db.session.commit()
    return _detail(case, wallet=_wallet(case))


def choose_method(principal: Principal, case_id: int, position: int, choice: dict) -> dict:
    """Say how one material is met: {"method": "licence", "licence_id"} authorises use of one of
    the caller's e-licences for this case; {"method": "commitment", "accept": true,
    "text_version"} accepts the current commitment text; {"method": "upload"} means files."""
    granted = None
    if choice["method"] == "licence":
        # The licences core records the authorisation in its own transaction (it commits), so
        # it is asked before the case row is locked; the case is re-checked under the lock.
        granted = _authorise_licence(principal, case_id, position, choice["licence_id"])
    case = access.locked_editable(principal, case_id)
    material = _material(case, position)
    material_methods.apply(principal, material, choice, granted)
    corrections.clear_mark(material)
    case.updated_at = utcnow()
    db.session.commit()
    return _detail(case, wallet=_wallet(case))


def _authorise_licence(principal: Principal, case_id: int, position: int, licence_id: int) -> dict:
    case = access.own_case(principal, case_id)
    if case.status not in EDITABLE:
        raise NotEditable(errors={"status": {"current": case.status}})
    return material_methods.authorise_licence(
        principal,
        _material(case, position),
        licence_id=licence_id,
        purpose=f"{case.service_name}（申请{case.id}，材料{position}）",
        enterprise_id=case.enterprise_id,
    )


def upload_file(principal: Principal, case_id: int, position: int, stream) -> dict:
    """Store one file (PDF, JPEG or PNG by content) for a material; the material is then met by
    upload unless the citizen chose another way."""
    case = access.locked_editable(principal, case_id)
    material = _material(case, position)
    record = files.add_file(material, stream)
    if material.method is None:
        material.method = "upload"
    with files.discard_on_error(record):
        corrections.clear_mark(material)
        case.updated_at = utcnow()
        db.session.commit()
    return _detail(case, wallet=_wallet(case))


def mark_paid(case_id: int, *, actor: str, payload: dict | None = None) -> bool:
    """The fee of a case is confirmed paid: the same settlement as payments' own
    (`app.cases.payment_settlement.settle_payment`, the `pay` move of the one writer), in the
    caller's transaction (the caller commits). False, and nothing changed, when the case is no
    longer awaiting payment (already paid, withdrawn …)."""
    facts = payload or {}
    settled = payment_settlement.settle_payment(
        case_id,
        channel=facts.get("channel"),
        out_trade_no=facts.get("out_trade_no"),
        amount_fen=facts.get("amount_fen"),
        actor=actor,
    )
    return settled.moved


def record_step(
    case_id: int,
    action: str,
    *,
    actor: str,
    note: str,
    event_type: str | None = None,
    payload: dict | None = None,
) -> None:
    """For payments/ and delivery/: a step that does not change the case's status (a refund, a
    parcel handed to the courier …) on the case's timeline, and optionally an outbox event, in
    the caller's transaction (the caller commits). Written by `transitions.record_step`."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise CaseNotFound()
    transitions.record_step(case, action, actor=actor, note=note, event_type=event_type, payload=payload)
    db.session.flush()


def case_facts(case_id: int) -> dict:
    """For payments/, delivery/ and notifications/: the essentials of a case (no personal data)."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise CaseNotFound()
    return {
        "id": case.id,
        "account_id": case.account_id,
        "status": case.status,
        "case_number": case.case_number,
        "service_code": case.service_code,
        "service_name": case.service_name,
        "department_code": case.department_code,
        "department_name": case.department_name,
        "fee_fen": case.fee_fen,
        "enterprise_id": case.enterprise_id,
        "bundle_application_id": case.bundle_application_id,
    }


def case_facts_for(principal: Principal, case_id: int) -> dict:
    """For delivery/ and payments/: `case_facts` of a case the caller may see (their own, or
    the enterprise's they act for, in scope); CaseNotFound otherwise."""
    return case_facts(access.own_case_id(principal, case_id))


def conclude_on_delivery(case_id: int, *, actor: str, note: str) -> bool:
    """For delivery/: the result reached the citizen (signed for, or collected at the hall).
    Locks the case and concludes it (办结) when it is approved, in the caller's transaction (the
    caller commits). False, and nothing changed, in any other state."""
    case = transitions.lock_case(case_id)
    if case.status != CaseStatus.APPROVED:
        return False
    transitions.conclude(case, actor=actor, note=note)
    return True


def commitment_text(material_type_code: str, material_name: str) -> dict:
    """{"version", "text"} of the commitment (告知承诺书) a citizen accepts for a material."""
    return commitment_for(material_type_code, material_name)
