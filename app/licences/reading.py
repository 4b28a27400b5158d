"""Reading a licence as its holder's: today's China date, the status as of a date, the holder's
own licence by id, the sealed essentials. Shared by service.py and showcodes.py (which both
import it; neither imports the other's internals)."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import crypto
from app.enterprises import public as enterprises
from app.extensions import db
from app.identity.models import VerifiedIdentity
from app.licences import errors
from app.licences.models import ELicence, LicenceStatus

CHINA = ZoneInfo("Asia/Shanghai")

NAME_CONTEXT = "licence.holder_name"
NUMBER_CONTEXT = "licence.number"
ESSENTIALS_CONTEXT = "licence.essentials"


def today() -> date:
    """Today in China: validity dates are China dates."""
    return datetime.now(CHINA).date()


def effective_status(licence: ELicence, *, on: date | None = None) -> str:
    """The status as of `on` (today): a valid licence past its valid_until reads expired even
    before `expire_due` has written it."""
    if licence.status == LicenceStatus.VALID and licence.valid_until is not None:
        if licence.valid_until < (on or today()):
            return LicenceStatus.EXPIRED
    return licence.status


def holder_hash(account_id: int, enterprise_id: int | None = None) -> str | None:
    """The holder key of the wallet the caller sees: the ID hash of the person verified on the
    account (None without real name), or, acting for an enterprise, the enterprise's USCC hash."""
    if enterprise_id is not None:
        facts = enterprises.enterprise_facts(enterprise_id)
        return facts["uscc_hash"] if facts else None
    return db.session.scalar(sa.select(VerifiedIdentity.id_hash).where(VerifiedIdentity.account_id == account_id))


def essentials_of(licence: ELicence) -> dict:
    return json.loads(crypto.decrypt(licence.essentials_enc, context=ESSENTIALS_CONTEXT))


def owned(account_id: int, licence_id: int, *, lock: bool = False, enterprise_id: int | None = None) -> ELicence:
    """The licence `licence_id` if it is the account's person's — or the enterprise's, with
    `enterprise_id` (locked with `lock`); LicenceNotFound for a licence that does not exist or
    belongs to someone else."""
    holder = holder_hash(account_id, enterprise_id)
    if holder is None:
        raise errors.LicenceNotFound()
    query = sa.select(ELicence).where(ELicence.id == licence_id, ELicence.holder_hash == holder)
    if lock:
        query = query.with_for_update()
    licence = db.session.scalar(query)
    if licence is None:
        # Another person's licence is indistinguishable from a missing one.
        raise errors.LicenceNotFound()
    return licence
