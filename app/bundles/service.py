"""The bundle application core's public functions (一件事一次办), for the citizen API and the
satellites: start, answer, form, materials, submit (idempotent), withdraw, read one's own; the
member cases of an application (for payments/ and delivery/, which pay and ship them jointly);
a member case's bundle for the staff view. Another person's application is always "not found".
Functions that change something commit; results are plain dicts."""

from __future__ import annotations

import sqlalchemy as sa

from app.bundles import access, presenters, progress
from app.bundles.drafting import answer, choose_delivery, discard_draft, save_form, start  # noqa: F401 - the public surface
from app.bundles.materials import choose_method, upload_file  # noqa: F401
from app.bundles.models import BundleApplication
from app.bundles.submission import submit  # noqa: F401
from app.cases import bundled
from app.cases.public import FINAL, CaseStatus
from app.catalog import service as catalog
from app.catalog.errors import ServiceNotFound
from app.extensions import db
from app.identity.tokens import Principal


def get_application(principal: Principal, application_id: int) -> dict:
    """One of the caller's bundle applications: the view of the whole."""
    return presenters.detail(access.own(principal, application_id))


def list_applications(principal: Principal, *, status: str | None = None, page: int = 1, page_size: int = 20) -> dict:
    """The caller's bundle applications, newest first."""
    where = [BundleApplication.account_id == principal.account_id]
    if status is not None:
        where.append(BundleApplication.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(BundleApplication).where(*where))
    rows = db.session.scalars(
        sa.select(BundleApplication)
        .where(*where)
        .order_by(BundleApplication.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return {"items": [presenters.summary(a) for a in rows], "total": total, "page": page, "page_size": page_size}


def withdraw(principal: Principal, application_id: int) -> dict:
    """Withdraw the bundle: the members not yet decided are withdrawn, decided ones go on."""
    progress.withdraw(principal, application_id)
    db.session.commit()
    return presenters.detail(access.own(principal, application_id))


def member_case_ids(principal: Principal, application_id: int) -> list[int]:
    """The caller's member cases of a submitted application (for one payment, one parcel)."""
    app = access.own(principal, application_id)
    return [m["id"] for m in bundled.bundle_members(app.id)]


def deliverable_case_ids(principal: Principal, application_id: int) -> list[int]:
    """The caller's member cases whose result can still be mailed (open, not denied, an item that
    mails its result); the others' results are collected or electronic."""
    app = access.own(principal, application_id)
    out = []
    for m in bundled.bundle_members(app.id):
        if m["status"] in FINAL or m["status"] == CaseStatus.DENIED:
            continue
        try:
            options = catalog.get_service(m["service_code"]).get("delivery_options") or []
        except ServiceNotFound:
            continue
        if "mail" in options:
            out.append(m["id"])
    return out


def bundle_of_case(case_id: int) -> dict | None:
    """For the staff view of a member case: its bundle and the state of the other members
    (no personal data), or None for a case on its own."""
    application_id = bundled.bundle_of(case_id)
    if application_id is None:
        return None
    app = db.session.get(BundleApplication, application_id)
    members = bundled.bundle_members(app.id)
    return {
        "id": app.id,
        "bundle_code": app.bundle_code,
        "bundle_name": app.bundle_name,
        "status": progress.member_status(app, members),
        "promised_time_limit": app.promised_time_limit,
        "submitted_at": presenters.iso(app.submitted_at),
        "members": [
            {
                "case_id": m["id"],
                "case_number": m["case_number"],
                "service_code": m["service_code"],
                "service_name": m["service_name"],
                "department_name": m["department_name"],
                "status": m["status"],
            }
            for m in members
        ],
    }


def staff_case(principal, case_id: int) -> dict:
    """The staff view of one case of the officer's department (app.cases.staff.get_case, audited)
    with, for a member of a 一件事 bundle, its bundle and the state of the other members."""
    from app.cases import staff as case_staff

    out = case_staff.get_case(principal, case_id)
    out["bundle"] = bundle_of_case(case_id)
    return out


def staff_move(principal, case_id: int, action: str, *, note: str | None = None, materials=None) -> dict:
    """A staff move (app.cases.staff.move, audited, commits), answered with the case's bundle."""
    from app.cases import staff as case_staff

    out = case_staff.move(principal, case_id, action, note=note, materials=materials)
    out["bundle"] = bundle_of_case(case_id)
    return out
