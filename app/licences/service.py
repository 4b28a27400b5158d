"""The e-licence core's public functions: the wallet, authorised use (授权用证), issue and
revocation. The citizen API and app.cases call these; results are plain dicts.

Status is an explicit state machine: valid → revoked (`revoke`), valid → expired
(`expire_due`, or read as expired as soon as valid_until has passed). Only `_set_status`
writes the column.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date

import sqlalchemy as sa

from app import crypto
from app.catalog.models import Department, LicenceType
from app.extensions import db
from app.identity import registry
from app.identity.models import Resident
from app.licences import errors, identifiers, showcodes
from app.licences.masking import mask_essentials, mask_holder_name, mask_number
from app.licences.models import ELicence, LicenceStatus, LicenceUse, utcnow
from app.licences.reading import (  # noqa: F401 - part of this module's interface (today, effective_status)
    ESSENTIALS_CONTEXT,
    NAME_CONTEXT,
    NUMBER_CONTEXT,
    effective_status,
    essentials_of,
    holder_hash,
    owned,
    today,
)

log = logging.getLogger(__name__)

# Licences whose number is the holder's resident ID number.
ID_NUMBERED_TYPES = frozenset({"L-JMSFZ", "L-JSZ", "L-SBK"})

__all__ = [
    "authorise_use",
    "check_show_code",
    "create_show_code",
    "expire_due",
    "get_for_account",
    "issue",
    "issue_to_enterprise",
    "revoke",
    "show_code_png",
    "today",
    "wallet_for_account",
    "wallet_page_for_account",
]


# ---------------------------------------------------------------- reading


def _summary(licence: ELicence) -> dict:
    return {
        "id": licence.id,
        "identifier": licence.identifier,
        "licence_type": {"code": licence.licence_type.code, "name": licence.licence_type.name},
        "status": str(effective_status(licence)),
        "holder_masked": mask_holder_name(crypto.decrypt(licence.holder_name_enc, context=NAME_CONTEXT)),
        "number_masked": mask_number(crypto.decrypt(licence.number_enc, context=NUMBER_CONTEXT)),
        "issued_on": licence.issued_on,
        "valid_until": licence.valid_until,
        "issuer": {"code": licence.issuer.code, "name": licence.issuer.name},
    }


def wallet_for_account(account_id: int, *, enterprise_id: int | None = None) -> list[dict]:
    """The licences of the person verified on this account (newest first); [] without real name.
    With `enterprise_id` (the caller acts for it), the enterprise's licences instead.

    Each: {"id", "identifier", "licence_type": {"code", "name"}, "status", "holder_masked",
    "number_masked", "issued_on", "valid_until", "issuer": {"code", "name"}}."""
    holder = holder_hash(account_id, enterprise_id)
    if holder is None:
        return []
    rows = db.session.scalars(
        sa.select(ELicence)
        .where(ELicence.holder_hash == holder)
        .order_by(ELicence.issued_on.desc(), ELicence.id.desc())
    )
    return [_summary(row) for row in rows]


def wallet_page_for_account(account_id: int, *, page: int, page_size: int, enterprise_id: int | None = None) -> dict:
    """The wallet as one page: {"items", "total", "page", "page_size"}."""
    items = wallet_for_account(account_id, enterprise_id=enterprise_id)
    start = (page - 1) * page_size
    return {"items": items[start : start + page_size], "total": len(items), "page": page, "page_size": page_size}


def get_for_account(account_id: int, licence_id: int, *, enterprise_id: int | None = None) -> dict:
    """One licence of the account's person (or of the enterprise it acts for), with its
    essentials masked; LicenceNotFound for a licence that does not exist or belongs to someone else."""
    licence = owned(account_id, licence_id, enterprise_id=enterprise_id)
    out = _summary(licence)
    out["essentials"] = mask_essentials(essentials_of(licence))
    return out


def owned_licence_id(account_id: int, licence_id: int) -> int:
    """`licence_id` if it is this account's person's licence, else LicenceNotFound."""
    return owned(account_id, licence_id).id


# ---------------------------------------------------------------- use


def authorise_use(*, account_id: int, licence_id: int, purpose: str, enterprise_id: int | None = None) -> dict:
    """The holder authorises using this licence for `purpose` (e.g. a case reference); recorded
    in licence_uses (commits) with the account that did it. With `enterprise_id`, a licence of
    the enterprise the account acts for. LicenceNotFound for another person's licence, LicenceNotUsable
    when it is expired or revoked.

    Returns {"licence_id", "licence_type_code", "authorisation_id"}."""
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 200:
        raise errors.InvalidPurpose()
    licence = owned(account_id, licence_id, lock=True, enterprise_id=enterprise_id)
    if effective_status(licence) != LicenceStatus.VALID:
        db.session.rollback()
        raise errors.LicenceNotUsable()
    use = LicenceUse(licence_id=licence.id, account_id=account_id, purpose=purpose)
    db.session.add(use)
    db.session.flush()
    out = {"licence_id": licence.id, "licence_type_code": licence.licence_type.code, "authorisation_id": use.id}
    db.session.commit()
    log.info("licence use authorised", extra={"licence_id": licence.id, "authorisation_id": use.id})
    return out


# ---------------------------------------------------------------- issue and state


def _check_essentials(essentials: dict) -> dict:
    if not isinstance(essentials, dict):
        raise errors.InvalidEssentials()
    for key, value in essentials.items():
        if not isinstance(key, str) or not isinstance(value, str | int | float | bool | type(None)):
            raise errors.InvalidEssentials("证照信息只能是简单的键值")
    return dict(essentials)


def issue(
    *,
    resident_id: int,
    licence_type_code: str,
    issuer_department_code: str,
    essentials: dict,
    valid_until: date | None = None,
    source_ref: str | None = None,
    issued_on: date | None = None,
    commit: bool = True,
) -> dict:
    """Issue a licence to a resident (commits, unless `commit=False`: then the caller's
    transaction carries it — the cases core issues results with the move that decides them);
    returns its wallet summary.

    `essentials` is the licence's face (登记事项) as flat key/value pairs; a "licence_number"
    key, if given, is taken out as the licence number. Without it, ID-numbered licences
    (居民身份证, 机动车驾驶证, 社会保障卡) carry the holder's ID number and others the number
    the platform assigns (division code + year + serial). `valid_until` None means long-term."""
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        raise errors.ResidentNotFound()
    return _issue(
        holder_hash=resident.id_hash,
        holder_name=crypto.decrypt(resident.name_enc, context=registry.NAME_CONTEXT),
        id_number=lambda: crypto.decrypt(resident.id_enc, context=registry.ID_CONTEXT),
        licence_type_code=licence_type_code,
        issuer_department_code=issuer_department_code,
        essentials=essentials,
        valid_until=valid_until,
        source_ref=source_ref,
        issued_on=issued_on,
        commit=commit,
    )


def issue_to_enterprise(
    *,
    uscc_hash: str,
    holder_name: str,
    licence_type_code: str,
    issuer_department_code: str,
    essentials: dict,
    valid_until: date | None = None,
    source_ref: str | None = None,
    issued_on: date | None = None,
    commit: bool = True,
) -> dict:
    """Issue a licence to an enterprise (营业执照, 食品经营许可证 …): held by its `uscc_hash`
    (app.enterprises.public.enterprise_facts) in the enterprise's name; as `issue` otherwise.
    An enterprise has no ID number: without a "licence_number" the platform assigns one."""
    return _issue(
        holder_hash=uscc_hash,
        holder_name=holder_name,
        id_number=None,
        licence_type_code=licence_type_code,
        issuer_department_code=issuer_department_code,
        essentials=essentials,
        valid_until=valid_until,
        source_ref=source_ref,
        issued_on=issued_on,
        commit=commit,
    )


def _type_and_issuer(licence_type_code: str, issuer_department_code: str) -> tuple[LicenceType, Department]:
    """The licence type and the issuing department, read together (one round trip per issue);
    UnknownLicenceType or UnknownIssuer (a department without a USCC cannot issue)."""
    row = db.session.execute(
        sa.select(LicenceType, Department)
        .join(Department, sa.true())  # two one-row lookups side by side
        .where(LicenceType.code == licence_type_code, Department.code == issuer_department_code)
    ).first()
    if row is None:  # which one is missing
        if db.session.scalar(sa.select(LicenceType.id).where(LicenceType.code == licence_type_code)) is None:
            raise errors.UnknownLicenceType()
        raise errors.UnknownIssuer()
    licence_type, issuer = row
    if not issuer.uscc:
        raise errors.UnknownIssuer()
    return licence_type, issuer


def _issue(
    *,
    holder_hash: str,
    holder_name: str,
    id_number,
    licence_type_code: str,
    issuer_department_code: str,
    essentials: dict,
    valid_until: date | None,
    source_ref: str | None,
    issued_on: date | None,
    commit: bool,
) -> dict:
    essentials = _check_essentials(essentials)
    licence_type, issuer = _type_and_issuer(licence_type_code, issuer_department_code)
    issued_on = issued_on or today()
    if valid_until is not None and valid_until < issued_on:
        raise errors.InvalidEssentials("有效期截止日期不能早于发证日期", error="INVALID_VALIDITY")

    number = str(essentials.pop("licence_number", "") or "").strip()
    licence = ELicence(
        # A unique placeholder until the row number (the serial) is known.
        identifier=f"pending:{uuid.uuid4().hex}",
        holder_hash=holder_hash,
        licence_type_id=licence_type.id,
        issuer_id=issuer.id,
        holder_name_enc=crypto.encrypt(holder_name, context=NAME_CONTEXT),
        number_enc="",
        essentials_enc=crypto.encrypt(json.dumps(essentials, ensure_ascii=False), context=ESSENTIALS_CONTEXT),
        issued_on=issued_on,
        valid_until=valid_until,
        status=LicenceStatus.VALID,
        source_ref=source_ref,
    )
    db.session.add(licence)
    db.session.flush()
    if not number:
        if licence_type.code in ID_NUMBERED_TYPES and id_number is not None:
            number = id_number()
        else:
            number = f"{issuer.division_code}{issued_on.year}{licence.id:08d}"
    licence.number_enc = crypto.encrypt(number, context=NUMBER_CONTEXT)
    licence.identifier = identifiers.build(type_code=licence_type.code, issuer_uscc=issuer.uscc, serial=licence.id)
    db.session.flush()
    out = _summary(licence)
    if commit:
        db.session.commit()
    log.info("licence issued", extra={"licence_id": out["id"], "licence_type": licence_type.code})
    return out


def _set_status(licence: ELicence, status: LicenceStatus, *, reason: str | None = None) -> None:
    licence.status = status
    if status == LicenceStatus.REVOKED:
        licence.revoked_at = utcnow()
        licence.revoke_reason = reason
    log.info("licence status %s", status.value, extra={"licence_id": licence.id})


def revoke_issued_for(source_ref: str, reason: str) -> list[str]:
    """Revoke the valid licences issued as the result of a case (source_ref = its case number)
    in the caller's transaction (no commit); their identifiers."""
    rows = db.session.scalars(
        sa.select(ELicence)
        .where(ELicence.source_ref == source_ref, ELicence.status != LicenceStatus.REVOKED)
        .with_for_update()
    ).all()
    for licence in rows:
        _set_status(licence, LicenceStatus.REVOKED, reason=(reason or "")[:200])
    db.session.flush()
    return [licence.identifier for licence in rows]


def revoke(licence_id: int, reason: str) -> None:
    """Revoke (注销) a licence (commits); LicenceAlreadyRevoked if it already is. An expired
    licence can still be revoked (e.g. a dissolved marriage recorded late)."""
    licence = db.session.scalar(sa.select(ELicence).where(ELicence.id == licence_id).with_for_update())
    if licence is None:
        raise errors.LicenceNotFound()
    if licence.status == LicenceStatus.REVOKED:
        db.session.rollback()
        raise errors.LicenceAlreadyRevoked()
    _set_status(licence, LicenceStatus.REVOKED, reason=(reason or "")[:200])
    db.session.commit()


def expire_due(*, on: date | None = None) -> int:
    """Write `expired` on every valid licence past its valid_until (a daily job; commits).
    Returns how many changed."""
    on = on or today()
    rows = db.session.scalars(
        sa.select(ELicence).where(ELicence.status == LicenceStatus.VALID, ELicence.valid_until < on).with_for_update()
    ).all()
    for licence in rows:
        _set_status(licence, LicenceStatus.EXPIRED)
    db.session.commit()
    return len(rows)


# ---------------------------------------------------------------- show codes (亮证)


def create_show_code(*, account_id: int, licence_id: int, enterprise_id: int | None = None) -> dict:
    """A short-lived single-use code (and its QR PNG, base64) showing one of the account's
    person's (or the enterprise's it acts for) valid licences. See app.licences.showcodes."""
    return showcodes.create(account_id=account_id, licence_id=licence_id, enterprise_id=enterprise_id)


def show_code_png(*, account_id: int, licence_id: int, code: str, enterprise_id: int | None = None) -> bytes:
    """The QR PNG of a live show code the account created for this licence."""
    return showcodes.png_for_account(
        account_id=account_id, licence_id=licence_id, code=code, enterprise_id=enterprise_id
    )


def check_show_code(code: str, *, ip: str | None) -> dict:
    """A verifier's check of a show code: masked essentials and whether the licence is valid now."""
    return showcodes.check(code, ip=ip)
