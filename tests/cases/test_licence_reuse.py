"""Materials met by the citizen's own e-licences (授权用证) through the licences core."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.cases.models import CaseMaterial
from app.extensions import db
from app.licences.models import LicenceUse
from tests.cases.helpers import APPS, HUJI, RELIEF, citizen, create_draft, fill_form, person, submit
from tests.identity.helpers import assert_error, bearer
from tests.licences.helpers import issue


def _use(api, token, case_id, position, licence_id):
    return api.put(
        f"{APPS}/{case_id}/materials/{position}",
        json={"method": "licence", "licence_id": licence_id},
        headers=bearer(token),
    )


def test_checklist_offers_the_citizens_valid_licences_of_the_right_type(api, identity_app):
    lin = person("林晓岚")
    valid = issue(identity_app, person=lin)
    issue(identity_app, person=lin, issued_on=date(2000, 1, 1), valid_until=date(2020, 1, 1))  # expired
    issue(identity_app, person=person("陈云栖"))  # someone else's
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    id_card = draft["materials"][0]
    assert id_card["licence_type_code"] == "L-JMSFZ"
    assert [o["id"] for o in id_card["options"]["licences"]] == [valid["id"]]
    assert id_card["options"]["licences"][0]["name"] == "居民身份证"


def test_using_a_licence_meets_the_material_records_the_authorisation_and_submits(api, identity_app, actx):
    lic = issue(identity_app, person=person("林晓岚"))
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    fill_form(api, token, draft)
    resp = _use(api, token, draft["id"], 0, lic["id"])
    body = resp.get_json()
    assert resp.status_code == 200, body
    material = body["materials"][0]
    assert material["method"] == "licence" and material["met"] and material["licence_id"] == lic["id"]
    row = db.session.scalar(sa.select(CaseMaterial).where(CaseMaterial.case_id == draft["id"]))
    use = db.session.get(LicenceUse, row.authorisation_id)
    assert use.licence_id == lic["id"] and str(draft["id"]) in use.purpose
    assert submit(api, token, draft["id"]).status_code == 200


def test_another_persons_expired_or_mismatched_licences_are_refused(api, identity_app, actx):
    theirs = issue(identity_app, person=person("陈云栖"))
    expired = issue(
        identity_app, person=person("林晓岚"), issued_on=date(2000, 1, 1), valid_until=date.today() - timedelta(days=1)
    )
    household = issue(identity_app, person=person("林晓岚"), type_code="L-HKB")
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    assert_error(_use(api, token, draft["id"], 0, theirs["id"]), 404, "LICENCE_NOT_FOUND")
    assert_error(_use(api, token, draft["id"], 0, 999_999), 404, "LICENCE_NOT_FOUND")
    assert_error(_use(api, token, draft["id"], 0, expired["id"]), 409, "LICENCE_NOT_USABLE")
    assert_error(_use(api, token, draft["id"], 0, household["id"]), 422, "LICENCE_TYPE_MISMATCH")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LicenceUse)) == 0
    body = api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()
    assert body["materials"][0]["method"] is None


def test_materials_without_a_licence_type_cannot_use_one(api, identity_app):
    lic = issue(identity_app, person=person("林晓岚"))
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    plain = next(m for m in draft["materials"] if m["licence_type_code"] is None)
    assert_error(_use(api, token, draft["id"], plain["position"], lic["id"]), 422, "METHOD_NOT_ALLOWED_FOR_MATERIAL")


def test_licences_cannot_be_used_on_a_submitted_case_or_someone_elses(api, identity_app):
    lic = issue(identity_app, person=person("林晓岚"))
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    fill_form(api, token, draft)
    _use(api, token, draft["id"], 0, lic["id"])
    submit(api, token, draft["id"])
    assert_error(_use(api, token, draft["id"], 0, lic["id"]), 409, "ILLEGAL_TRANSITION")
    stranger = citizen(api, name="陈云栖")
    assert_error(_use(api, stranger, draft["id"], 0, lic["id"]), 404, "APPLICATION_NOT_FOUND")
