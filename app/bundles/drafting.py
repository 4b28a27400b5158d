"""Starting a bundle application and filling it in before submit: the answers (情形引导) decide
the members that apply, hence the one combined form and the one merged material checklist; the
form is saved as a whole (a null clears a field) and validated per member, each member's part
(split by the bundle's field map) against that member's own form schema."""

from __future__ import annotations

from app.bundles import access, definitions, limits, presenters, retention
from app.bundles.models import BundleApplication, BundleMaterial, BundleStatus, DeliveryMode, utcnow
from app.cases import form_limits
from app.extensions import db
from app.identity.tokens import Principal
from app.storage import discard_quietly


def start(principal: Principal, bundle_code: str, answers: dict | None = None) -> dict:
    """A new draft bundle application; with `answers`, its members, form and checklist at once."""
    bundle = definitions.bundle(bundle_code)
    limits.check_draft_quota(principal.account_id)  # locks the account row until the commit
    acting = getattr(principal, "acting", None)
    app = BundleApplication(
        account_id=principal.account_id,
        enterprise_id=getattr(acting, "enterprise_id", None),
        bundle_code=bundle["code"],
        bundle_name=bundle["name"],
        promised_time_limit=bundle["promised_time_limit"],
        status=BundleStatus.DRAFT,
        member_codes=[],
        depends_on={},
        form_schema={},
        form_data={},
        delivery_mode=DeliveryMode.TOGETHER,
    )
    if answers is not None:
        _apply_answers(app, bundle, answers)
    db.session.add(app)
    db.session.commit()
    return presenters.detail(app)


@access.releasing
def discard_draft(principal: Principal, application_id: int) -> None:
    """The citizen deletes one of their bundle drafts with its answers, form and uploaded files
    (freeing its place among the open drafts). Another person's is not found; a submitted one
    is BundleNotEditable (it is withdrawn, not deleted)."""
    keys = retention.delete_draft(access.locked_draft(principal, application_id))
    db.session.commit()
    discard_quietly(keys)


@access.releasing
def answer(principal: Principal, application_id: int, answers: dict) -> dict:
    """(Re)answer the questions: the members that apply, their combined form and checklist. A
    material already met keeps how it was met when it is still asked for."""
    app = access.locked_draft(principal, application_id)
    _apply_answers(app, definitions.bundle(app.bundle_code), answers)
    app.updated_at = utcnow()
    db.session.commit()
    return presenters.detail(app)


def _apply_answers(app: BundleApplication, bundle: dict, answers: dict) -> None:
    members = definitions.members(bundle, answers)  # ValidationFailed with answers.<code>
    app.answers = dict(answers)
    app.member_codes = [m["service_code"] for m in members]
    applying = set(app.member_codes)
    app.depends_on = {
        m["service_code"]: [d for d in (m.get("depends_on") or []) if d in applying]
        for m in members
        if any(d in applying for d in (m.get("depends_on") or []))
    }
    app.form_schema = definitions.combined_form(bundle, members)
    kept = {m.material_key: m for m in app.materials}
    fresh: list[BundleMaterial] = []
    for position, item in enumerate(definitions.checklist(bundle, members), start=1):
        old = kept.pop(item["key"], None)
        material = old or BundleMaterial(material_key=item["key"])
        material.position = position
        material.material_type_code = item["material_type_code"]
        material.name = item["name"]
        material.licence_type_code = item.get("licence_type_code")
        material.required = item["required"]
        material.commitment_allowed = item["commitment_allowed"]
        material.member_codes = list(item["member_codes"])
        if material.method == "commitment" and not material.commitment_allowed:
            material.method = None
            material.commitment_version = None
            material.commitment_accepted_at = None
        fresh.append(material)
    # positions are unique per application: the dropped rows go before the kept ones move
    for dropped in kept.values():
        app.materials.remove(dropped)
    if kept and app.id is not None:
        db.session.flush()
    for material in fresh:
        if material.id is not None:
            material.position = -material.position  # out of the way of the new order
    if app.id is not None:
        db.session.flush()
    for material in fresh:
        material.position = abs(material.position)
    app.materials = fresh


@access.releasing
def save_form(principal: Principal, application_id: int, changes: dict) -> dict:
    """Merge `changes` into the combined form (a null value clears a field). An incomplete form is
    saved; the detail lists its errors per member, and submit refuses until there are none."""
    app = access.locked_draft(principal, application_id)
    data = dict(app.form_data or {})
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    form_limits.check_form_save(app.form_schema or {}, changes, data)
    app.form_data = data
    app.updated_at = utcnow()
    db.session.commit()
    return presenters.detail(app)


def member_form_errors(app: BundleApplication) -> dict[str, list[str]]:
    """Field errors of the combined form, each member's part checked against its own form."""
    if not app.member_codes:
        return {}
    doc = definitions.bundle(app.bundle_code)
    views = definitions.members_by_code(doc, app.member_codes)
    return definitions.form_errors(doc, views, app.form_data or {})


@access.releasing
def choose_delivery(principal: Principal, application_id: int, mode: str) -> dict:
    """One delivery choice for all results: together (one parcel when all are ready) or each as it comes."""
    app = access.lock(application_id, account_id=principal.account_id)
    if app.status in (BundleStatus.CONCLUDED, BundleStatus.WITHDRAWN):
        from app.bundles.errors import BundleNotEditable

        raise BundleNotEditable(errors={"status": {"current": app.status}})
    app.delivery_mode = mode
    app.updated_at = utcnow()
    db.session.commit()
    return presenters.detail(app)
