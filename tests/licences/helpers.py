"""Keyword-only helpers for licence tests."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.identity import registry
from app.identity.models import Resident
from app.licences import service
from tests.identity.helpers import bearer, face_pass, realname, wechat_login


def resident_id(*, id_number: str) -> int:
    digest = registry.id_hash(id_number)
    return db.session.scalar(sa.select(Resident.id).where(Resident.id_hash == digest))


def issue(
    app,
    *,
    person,
    type_code: str = "L-JMSFZ",
    issuer: str = "YQX-GA",
    essentials: dict | None = None,
    valid_until: date | None = None,
    issued_on: date | None = None,
) -> dict:
    with app.app_context():
        out = service.issue(
            resident_id=resident_id(id_number=person[1]),
            licence_type_code=type_code,
            issuer_department_code=issuer,
            essentials=essentials
            if essentials is not None
            else {"gender": "女", "address": "示范省青岚市云栖县栖凤大道66号"},
            valid_until=valid_until,
            issued_on=issued_on,
        )
        db.session.remove()
        return out


def level3(api, *, person, user: str) -> dict:
    """A WeChat login of `user` with the real name of `person` (level 3): the token body."""
    return realname(api, wechat_login(api, user=user)["access_token"], person=person)


def level4(api, sandbox, *, person, user: str) -> dict:
    """Level 3, then a passed face check (a fresh level-4 session)."""
    body = level3(api, person=person, user=user)
    return face_pass(api, sandbox, body["access_token"], channel="wechat")


__all__ = ["bearer", "issue", "level3", "level4", "resident_id"]
