"""One submit for the whole bundle (Idempotency-Key): every applicable member becomes a case in
the same transaction, with its part of the form and its materials met as the merged checklist
says, each checked by the cases core's own submit rules and routed to its department.

The application row is locked first: a concurrent duplicate waits, then finds the application
submitted with its key and answers the same view — one case per member. The key is unique per
account (a key already used for another application is refused)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.bundles import access, definitions, drafting, materials, presenters, progress
from app.bundles.errors import BundleIncomplete, BundleKeyReused, BundleNotAnswered, BundleNotEditable
from app.bundles.models import BundleApplication, BundleStatus, utcnow
from app.cases import bundled
from app.cases import submission as case_submission
from app.catalog import service as catalog
from app.extensions import db
from app.identity.tokens import Principal


def missing(app: BundleApplication) -> dict:
    """What submit still needs: field errors of the form (per member) and unmet materials."""
    errors: dict = {}
    if app.answers is None:
        errors["answers"] = ["请先回答情形引导问题"]
        return errors
    form = drafting.member_form_errors(app)
    if form:
        errors["form"] = form
    unmet = {str(m.position): [f"{m.name}：尚未提供"] for m in app.materials if m.required and not materials.met(m)}
    if unmet:
        errors["materials"] = unmet
    return errors


@access.releasing
def submit(principal: Principal, application_id: int, *, idempotency_key: str | None) -> dict:
    """Submit the bundle: one case per applicable member, in one transaction. A repeat with the
    same key answers the same application; the same key on another application is refused."""
    key = case_submission.require_key(idempotency_key)
    app = access.lock(application_id, account_id=principal.account_id)
    if app.status != BundleStatus.DRAFT:
        if app.submit_key == key:
            db.session.rollback()  # release the lock: nothing to change
            return presenters.detail(access.own(principal, application_id))
        raise BundleNotEditable(errors={"status": {"current": app.status}})
    if _key_taken(principal.account_id, key):
        raise BundleKeyReused()
    if app.answers is None:
        raise BundleNotAnswered()
    errors = missing(app)
    if errors:
        raise BundleIncomplete(errors=errors)
    doc = definitions.bundle(app.bundle_code)
    views = definitions.members_by_code(doc, app.member_codes)
    parts = definitions.split(doc, views, app.form_data or {})
    sources = {item["key"]: item["sources"] for item in definitions.checklist(doc, views)}
    met: dict[str, dict[int, bundled.Meeting]] = {}
    for material in app.materials:
        if not materials.met(material):
            continue
        meeting = _meeting(material)
        for service_code, position in sources.get(material.material_key, []):
            met.setdefault(service_code, {})[position] = meeting
    guides = {v["service_code"]: catalog.get_service(v["service_code"]) for v in views}
    cases = [
        bundled.open_member(
            principal,
            guides[code],
            form_data=parts.get(code, {}),
            bundle_application_id=app.id,
            enterprise_id=app.enterprise_id,
            met=met.get(code, {}),
            bundle_time_limit=app.promised_time_limit,
        )
        for code in app.member_codes
    ]
    bundled.submit_members(principal, cases)
    now = utcnow()
    app.status = BundleStatus.IN_PROGRESS
    app.submit_key = key
    app.submitted_at = now
    app.updated_at = now
    progress.record_step(app, "submitted", "submitted", actor=access.actor(principal))
    progress.refresh(app, actor=access.actor(principal))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if _key_taken(principal.account_id, key):
            raise BundleKeyReused() from None
        raise
    return presenters.detail(app)


def _key_taken(account_id: int, key: str) -> bool:
    return (
        db.session.scalar(
            sa.select(BundleApplication.id).where(
                BundleApplication.account_id == account_id, BundleApplication.submit_key == key
            )
        )
        is not None
    )


def _meeting(material) -> bundled.Meeting:
    if material.method == "licence":
        return bundled.Meeting("licence", licence_id=material.licence_id, authorisation_id=material.authorisation_id)
    if material.method == "commitment":
        return bundled.Meeting(
            "commitment",
            commitment_version=material.commitment_version,
            commitment_accepted_at=material.commitment_accepted_at,
        )
    return bundled.Meeting("upload", uploads=materials.stored_files(material))
