"""Commitments (告知承诺): the current text accepted with its version and time; refused to
people with a false commitment on record or serious bad credit."""

from __future__ import annotations

import sqlalchemy as sa

from app.cases.models import CaseMaterial
from app.credit import service as credit
from app.extensions import db
from app.identity.registry import id_hash
from tests.cases.helpers import APPS, RELIEF, citizen, create_draft, person
from tests.identity.helpers import assert_error, bearer


def _income(draft: dict) -> dict:
    return next(m for m in draft["materials"] if m["material_type_code"] == "M-SRZM")


def _commit(api, token, draft, material, **overrides):
    body = {"method": "commitment", "accept": True, "text_version": material["options"]["commitment"]["version"]}
    body.update(overrides)
    return api.put(f"{APPS}/{draft['id']}/materials/{material['position']}", json=body, headers=bearer(token))


def test_accepting_the_current_text_meets_the_material_with_version_and_time(api, actx):
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    resp = _commit(api, token, draft, _income(draft))
    body = resp.get_json()
    assert resp.status_code == 200, body
    income = _income(body)
    assert income["method"] == "commitment" and income["met"] is True
    assert income["commitment_version"] == "M-SRZM/v1" and income["commitment_accepted_at"].endswith("Z")
    row = db.session.scalar(
        sa.select(CaseMaterial).where(CaseMaterial.case_id == draft["id"], CaseMaterial.position == income["position"])
    )
    assert row.commitment_version == "M-SRZM/v1" and row.commitment_accepted_at is not None


def test_an_old_text_version_or_no_acceptance_is_refused(api):
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    body = assert_error(
        _commit(api, token, draft, _income(draft), text_version="M-SRZM/v0"), 409, "COMMITMENT_TEXT_CHANGED"
    )
    assert body["details"]["text_version"]["current"] == "M-SRZM/v1"
    assert_error(_commit(api, token, draft, _income(draft), accept=False), 422, "METHOD_NOT_ALLOWED_FOR_MATERIAL")
    resp = api.put(f"{APPS}/{draft['id']}/materials/1", json={"method": "commitment"}, headers=bearer(token))
    assert_error(resp, 422, "VALIDATION_ERROR")


def test_materials_without_commitment_cannot_be_committed(api):
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    other = next(m for m in draft["materials"] if not m["commitment_allowed"])
    resp = api.put(
        f"{APPS}/{draft['id']}/materials/{other['position']}",
        json={"method": "commitment", "accept": True, "text_version": "M-SQS/v1"},
        headers=bearer(token),
    )
    assert_error(resp, 422, "METHOD_NOT_ALLOWED_FOR_MATERIAL")


def test_refused_after_a_false_commitment_or_with_serious_bad_credit(api, identity_app):
    with identity_app.app_context():
        credit.record_false_commitment(resident_hash=id_hash(person("欧阳清风")[1]), reason="不实")
        credit.add_entry(resident_hash=id_hash(person("刘建国")[1]), severity="serious", reason="失信")
        credit.add_entry(resident_hash=id_hash(person("郑海川")[1]), severity="general", reason="一般")
        db.session.commit()
    for name in ("欧阳清风", "刘建国"):
        token = citizen(api, name=name)
        draft = create_draft(api, token, code=RELIEF)
        assert_error(_commit(api, token, draft, _income(draft)), 403, "COMMITMENT_NOT_ALLOWED")
    token = citizen(api, name="郑海川")  # general bad credit only: commitments still allowed
    draft = create_draft(api, token, code=RELIEF)
    assert _commit(api, token, draft, _income(draft)).status_code == 200


def test_switching_to_upload_drops_the_commitment(api):
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    income = _income(draft)
    _commit(api, token, draft, income)
    body = api.put(
        f"{APPS}/{draft['id']}/materials/{income['position']}", json={"method": "upload"}, headers=bearer(token)
    ).get_json()
    assert _income(body)["commitment_version"] is None and _income(body)["met"] is False
