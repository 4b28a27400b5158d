"""The one material checklist of a bundle application: each merged material is met once — by an
e-licence (授权用证), a commitment (告知承诺) or upload — for every member that needs it; on
submit each member case's own material is recorded the same way (app/cases/bundled.py).

The rules are the cases core's: a licence must be of the material's type and valid (the licences
core records the authorisation), a commitment needs the current text and a credit record that
allows commitments, an upload is judged by content with the same limits."""

from __future__ import annotations

import hashlib
import logging
import secrets

from app.bundles import access, presenters
from app.bundles.errors import BundleMaterialNotFound
from app.bundles.models import BundleApplication, BundleFile, BundleMaterial, BundleStatus, utcnow
from app.cases import files as case_files
from app.cases import material_methods
from app.cases.errors import (
    TooManyFiles,
)
from app.extensions import db
from app.identity.tokens import Principal
from app.storage import discard_quietly, get_storage

log = logging.getLogger(__name__)
_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def material_of(app: BundleApplication, position: int) -> BundleMaterial:
    for material in app.materials:
        if material.position == position:
            return material
    raise BundleMaterialNotFound()


@access.releasing
def choose_method(principal: Principal, application_id: int, position: int, choice: dict) -> dict:
    """How one merged material is met, for all members needing it: {"method": "licence",
    "licence_id"}, {"method": "commitment", "accept": true, "text_version"} or {"method": "upload"}."""
    granted = None
    if choice["method"] == "licence":
        # the licences core commits its authorisation: asked before the application is locked
        granted = _authorise(principal, application_id, position, choice["licence_id"])
    app = access.locked_draft(principal, application_id)
    material_methods.apply(principal, material_of(app, position), choice, granted)
    app.updated_at = utcnow()
    db.session.commit()
    return presenters.detail(app)


def _authorise(principal: Principal, application_id: int, position: int, licence_id: int) -> dict:
    app = access.own(principal, application_id)
    if app.status != BundleStatus.DRAFT:
        access.locked_draft(principal, application_id)  # raises BundleNotEditable
    return material_methods.authorise_licence(
        principal,
        material_of(app, position),
        licence_id=licence_id,
        purpose=f"{app.bundle_name}（一件事申请{app.id}，材料{position}）",
        enterprise_id=app.enterprise_id,
    )


@access.releasing
def upload_file(principal: Principal, application_id: int, position: int, stream) -> dict:
    """Store one file (PDF, JPEG or PNG by content, the cases limits) for a merged material; it is
    then met by upload unless the citizen chose another way."""
    app = access.locked_draft(principal, application_id)
    material = material_of(app, position)
    max_bytes, max_files = case_files.limits()
    if len(material.files) >= max_files:
        raise TooManyFiles(f"每项材料最多上传{max_files}个文件")
    data = case_files.read_limited(stream, max_bytes)
    content_type = case_files.sniff(data)
    key = f"bundles/{app.id}/{position}/{secrets.token_urlsafe(12)}.{_EXTENSIONS[content_type]}"
    get_storage().put(key, data, content_type=content_type)
    material.files.append(
        BundleFile(storage_key=key, content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    )
    if material.method is None:
        material.method = "upload"
    app.updated_at = utcnow()
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        discard_quietly([key])
        raise
    return presenters.detail(app)


def met(material: BundleMaterial) -> bool:
    if material.method == "licence":
        return material.authorisation_id is not None
    if material.method == "commitment":
        return material.commitment_version is not None
    if material.method == "upload":
        return bool(material.files)
    return False


def stored_files(material: BundleMaterial) -> list[tuple[bytes, str]]:
    """The material's files (data, content type), read back for the member cases' copies."""
    storage = get_storage()
    return [(storage.get(f.storage_key), f.content_type) for f in material.files]
