"""Uploaded material files: size and count limits, type decided by content (magic bytes, and
Pillow for images) rather than by the name or the client's content type, then stored (sealed)
through app.storage under a key built from ids and a random token.

Reading a file back (`citizen_file`, `staff_file`) gives its bytes and the type it was judged to be
when stored — only one of the whitelisted types, anything else is application/octet-stream — for
the views to serve as an attachment with `X-Content-Type-Options: nosniff`: an upload is never
handed to a browser as something it would run (text/html, image/svg+xml)."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from PIL import Image

from app.cases import access
from app.cases.errors import CaseNotFound, FileNotFound, PayloadTooLarge, TooManyFiles, UploadRejected
from app.cases.models import Case, CaseFile, CaseMaterial
from app.cases.states import CaseStatus
from app.extensions import db
from app.storage import StorageError, StorageUnavailable, discard_quietly, get_storage

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5
DEFAULT_MAX_PIXELS = 50_000_000

_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def limits() -> tuple[int, int]:
    cfg = current_app.config
    return int(cfg.get("CASE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)), int(
        cfg.get("CASE_UPLOAD_MAX_FILES", DEFAULT_MAX_FILES)
    )


def upload_body_limit() -> int:
    """The request body limit of an upload: one file and its multipart framing."""
    return limits()[0] + 64 * 1024


def sniff(data: bytes) -> str:
    """The content type of `data` (PDF, JPEG or PNG) or UploadRejected."""
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise UploadRejected("PDF文件不完整，请重新上传", errors={"file": ["PDF文件不完整"]})
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        kind = "image/jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "image/png"
    else:
        raise UploadRejected("仅支持PDF、JPG、PNG格式的文件", errors={"file": ["仅支持PDF、JPG、PNG格式"]})
    max_pixels = int(current_app.config.get("CASE_UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    try:
        with Image.open(io.BytesIO(data)) as img:
            # the header's claim, checked before anything is decoded (a decompression bomb)
            if img.width * img.height > max_pixels:
                raise _TooManyPixels()
            img.verify()
    except (_TooManyPixels, Image.DecompressionBombError):
        raise UploadRejected("图片尺寸过大，请压缩后重新上传", errors={"file": ["图片尺寸过大"]}) from None
    except Exception:  # noqa: BLE001 - whatever Pillow makes of a broken file, it is the file's fault
        raise UploadRejected("图片文件已损坏，请重新上传", errors={"file": ["图片文件已损坏"]}) from None
    return kind


class _TooManyPixels(Exception):
    pass


def read_limited(stream, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"单个文件不能超过{max_bytes // (1024 * 1024) or 1}MB", errors={"file": [f"文件超过{max_bytes}字节"]}
        )
    if not data:
        raise UploadRejected("文件为空", errors={"file": ["文件为空"]})
    return data


def add_file(material: CaseMaterial, stream) -> CaseFile:
    """Check and store one file for `material` (the caller holds the case lock and commits)."""
    max_bytes, max_files = limits()
    if len(material.files) >= max_files:
        raise TooManyFiles(f"每项材料最多上传{max_files}个文件")
    data = read_limited(stream, max_bytes)
    content_type = sniff(data)
    key = f"cases/{material.case_id}/{material.position}/{secrets.token_urlsafe(12)}.{_EXTENSIONS[content_type]}"
    get_storage().put(key, data, content_type=content_type)
    record = CaseFile(
        storage_key=key, content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    material.files.append(record)
    return record


def add_checked(material: CaseMaterial, data: bytes, content_type: str) -> CaseFile:
    """Store a file already checked once (by `read_limited` and `sniff`, for a 一件事 material met
    once for several cases) as this material's own copy (the caller has flushed the case)."""
    key = f"cases/{material.case_id}/{material.position}/{secrets.token_urlsafe(12)}.{_EXTENSIONS[content_type]}"
    get_storage().put(key, data, content_type=content_type)
    record = CaseFile(
        storage_key=key, content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    material.files.append(record)
    return record


@contextmanager
def discard_on_error(*records: CaseFile):
    """Around the rest of the upload's transaction, up to its commit: when the database refuses
    it, roll back and delete the objects just stored, so no object is left that no row references
    (the error then goes on to the envelope).

    An object is deleted only once the database confirms no row names it: a commit can fail after
    the server applied it (the connection dropped on the way back), and a row pointing at a
    deleted file is worse than an orphan. When the database cannot be asked, the objects stay.

    What this cannot cover is the process dying between the put and the commit: such an object's
    key (cases/<case id>/<position>/<token>.<ext>) has no case_files row: `flask storage orphans`
    (app/storage_sweep.py) finds and removes it."""
    try:
        yield
    except BaseException:
        keys = [record.storage_key for record in records]
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the session may be unusable now; the answer comes from a fresh connection
            log.warning("rollback after a failed upload failed", exc_info=True)
        try:
            with db.engine.connect() as conn:  # not the session: its state is whatever the failure left
                query = sa.select(CaseFile.storage_key).where(CaseFile.storage_key.in_(keys))
                referenced = set(conn.scalars(query))
        except Exception:  # noqa: BLE001 - the database is down: keep the objects, the sweep decides later
            log.warning("upload failed and the database cannot say which objects it references: %s kept", keys)
        else:
            discard_quietly([key for key in keys if key not in referenced])
        raise


# ---------------------------------------------------------------- reading back

SERVABLE = frozenset(_EXTENSIONS)


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str
    filename: str


def _read(record: CaseFile) -> StoredFile:
    try:
        data = get_storage().get(record.storage_key)
    except StorageError as exc:
        if isinstance(exc, StorageUnavailable):
            raise
        log.warning("case file %s cannot be read: %s", record.id, exc)
        raise FileNotFound() from None
    content_type = record.content_type if record.content_type in SERVABLE else "application/octet-stream"
    extension = _EXTENSIONS.get(content_type, "bin")
    return StoredFile(data=data, content_type=content_type, filename=f"file-{record.id}.{extension}")


def _file_of(case_filter, file_id: int) -> CaseFile:
    record = db.session.scalar(
        sa.select(CaseFile)
        .join(CaseMaterial, CaseMaterial.id == CaseFile.material_id)
        .join(Case, Case.id == CaseMaterial.case_id)
        .where(CaseFile.id == file_id, *case_filter)
    )
    if record is None:
        raise FileNotFound()
    return record


def citizen_file(principal, case_id: int, file_id: int) -> StoredFile:
    """One file uploaded to one of the caller's applications (another's is "not found"; acting
    for an enterprise, the enterprise's applications in the caller's scope)."""
    access.own_case_id(principal, case_id)
    return _read(_file_of((Case.id == case_id, access.owner_clause(principal)), file_id))


def staff_file(principal, case_id: int, file_id: int) -> StoredFile:
    """One file of a submitted case of the officer's department (audited, commits)."""
    from app.staff import service as staff

    where = (Case.id == case_id, Case.department_code == principal.department_code, Case.status != CaseStatus.DRAFT)
    if db.session.scalar(sa.select(Case.id).where(*where)) is None:
        raise CaseNotFound()
    out = _read(_file_of(where, file_id))
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="case.file_read",
        target=f"{case_id}/{file_id}",
    )
    db.session.commit()
    return out
