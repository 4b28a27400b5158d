"""The demo 营业执照 e-licences are held by their enterprise (holder = its uscc_hash, in its name),
not by the person who leads it: the 企业变更登记 walk (青岚云栖茶业, 林晓岚) finds one there."""

from __future__ import annotations

import sqlalchemy as sa

from app import crypto
from app.catalog.models import LicenceType
from app.enterprises import registry
from app.extensions import db
from app.identity import registry as people
from app.licences.demo import seed_licences
from app.licences.models import ELicence
from app.licences.reading import NAME_CONTEXT
from tests.identity.helpers import RESIDENTS

from .helpers import LOGISTICS, TEA


def _yyzz(holder_hash: str) -> list[ELicence]:
    return db.session.scalars(
        sa.select(ELicence)
        .join(LicenceType, LicenceType.id == ELicence.licence_type_id)
        .where(ELicence.holder_hash == holder_hash, LicenceType.code == "L-YYZZ")
    ).all()


def test_business_licences_belong_to_the_enterprise(actx):
    report = seed_licences()
    assert report["missing_residents"] == 0
    for uscc in (TEA, LOGISTICS, "92539921MA7B8C9D1W", "92539921MA6A1B2C34", "92539921MA5F6G7H8N"):
        enterprise = registry.by_uscc(uscc)
        (licence,) = _yyzz(enterprise.uscc_hash)
        assert crypto.decrypt(licence.holder_name_enc, context=NAME_CONTEXT) == enterprise.name
    for person in ("林晓岚", "吴思岚", "马文涛", "欧阳清风", "郑海川"):
        assert _yyzz(people.id_hash(RESIDENTS[person])) == []
