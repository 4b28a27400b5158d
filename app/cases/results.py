"""Issuing a case's result when it is approved — by an officer or by the instant-approval rules:
the e-licence (when the item's result carries a licence type) goes into the applicant's wallet,
the timeline says so, and `case.result_issued` goes into the outbox (delivery/ mails the paper
result, notifications/ tells the citizen). Everything happens in the caller's transaction, so
the approval and its result are committed together or not at all.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.cases import transitions
from app.cases.models import Case
from app.catalog.models import LicenceType, ServiceItem
from app.enterprises import public as enterprises
from app.extensions import db
from app.identity import service as identity
from app.licences import service as licences

# Result licences whose number is the holder enterprise's USCC.
USCC_NUMBERED_TYPES = frozenset({"L-YYZZ"})


def issue_licence(case: Case) -> dict | None:
    """Issue the item's e-licence to the applicant — the person, or the enterprise the case was
    applied for (its wallet) — issued by the item's department (no commit).
    None when the item's result carries no licence type, or the applicant has no registry entry
    (the window then issues on paper)."""
    licence_type = db.session.scalar(
        sa.select(LicenceType.code)
        .join(ServiceItem, ServiceItem.result_licence_type_id == LicenceType.id)
        .where(ServiceItem.implementation_code == case.service_code)
    )
    if licence_type is None:
        return None
    if case.enterprise_id is not None:
        # an enterprise's case: the licence goes to the enterprise's wallet, in its name; its
        # 营业执照 carries its USCC
        facts = enterprises.enterprise_facts(case.enterprise_id)
        if facts is None:
            return None
        essentials = {"service_name": case.service_name, "case_number": case.case_number}
        if licence_type in USCC_NUMBERED_TYPES:
            essentials["licence_number"] = facts["uscc"]
        return licences.issue_to_enterprise(
            uscc_hash=facts["uscc_hash"],
            holder_name=facts["name"],
            essentials=essentials,
            issuer_department_code=case.department_code,
            source_ref=case.case_number,
            commit=False,
            licence_type_code=licence_type,
        )
    # the registry entry read with the account's identity: licences.issue finds it in the session
    resident = identity.registry_entry_of(case.account_id)
    if resident is None:
        return None
    return licences.issue(
        resident_id=resident.id,
        licence_type_code=licence_type,
        issuer_department_code=case.department_code,
        essentials={"service_name": case.service_name, "case_number": case.case_number},
        source_ref=case.case_number,
        commit=False,
    )


def note_result(actor: str, case: Case, issued: dict | None) -> None:
    """The issued licence (if any) on the timeline and `case.result_issued` in the outbox."""
    licence = None
    if issued is not None:
        name = issued["licence_type"]["name"]
        transitions.record_step(
            case, "issue_licence", actor=actor, note=f"已签发电子证照：{name}（{issued['identifier']}）"
        )
        licence = {"id": issued["id"], "licence_type_code": issued["licence_type"]["code"], "name": name}
    transitions.emit_case_event(case, "case.result_issued", {"licence": licence})
    db.session.flush()
    db.session.expire(case, ["timeline"])  # re-read (with the new entries) when next shown
