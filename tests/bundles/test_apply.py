"""A bundle application from the answers to one submit: the members that apply, one form, one
checklist met once, every member case created in the submit's transaction, idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from app.bundles.models import BundleApplication
from app.cases.models import Case, CaseMaterial
from app.extensions import db
from tests.bundles.helpers import BUNDLES, HUJI, MEDICAL, PENSION, ready, start, submit, upload, view
from tests.cases.helpers import citizen
from tests.identity.helpers import bearer


def test_answers_decide_the_members_and_a_member_not_applying_is_not_created(api, actx, trio):
    token = citizen(api)
    body = ready(api, token, trio, {"need_medical": False})
    assert [m["service_code"] for m in body["members"]] == [HUJI, PENSION]
    resp = submit(api, token, body["id"])
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert out["status"] == "in_progress"
    assert [m["status"] for m in out["members"]] == ["submitted", "submitted"]
    codes = set(db.session.scalars(sa.select(Case.service_code).where(Case.bundle_application_id == body["id"])))
    assert codes == {HUJI, PENSION}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.service_code == MEDICAL)) == 0


def test_unanswered_questions_are_field_errors(api, trio):
    token = citizen(api)
    resp = start(api, token, trio, {})
    assert resp.status_code == 422
    assert "answers.need_medical" in resp.get_json()["errors"]


def test_a_shared_material_is_met_once_for_every_member_needing_it(api, actx, trio):
    token = citizen(api)
    body = start(api, token, trio, {"need_medical": True}).get_json()
    id_card = next(m for m in body["materials"] if m["material_type_code"] == "M-SFZ")
    assert sorted(id_card["member_codes"]) == sorted([HUJI, PENSION, MEDICAL])
    # 居民身份证 is asked once although all three members need it
    assert [m["material_type_code"] for m in body["materials"]].count("M-SFZ") == 1
    body = ready(api, token, trio, {"need_medical": True})
    uploads = sum(1 for m in body["materials"] if m["required"])
    resp = submit(api, token, body["id"])
    assert resp.status_code == 200, resp.get_json()
    cases = db.session.scalars(sa.select(Case).where(Case.bundle_application_id == body["id"])).all()
    assert len(cases) == 3
    id_materials = [m for c in cases for m in c.materials if m.material_type_code == "M-SFZ"]
    assert len(id_materials) == 3 and all(m.method == "upload" and len(m.files) == 1 for m in id_materials)
    # each member case has its own copy of the one upload
    assert len({m.files[0].storage_key for m in id_materials}) == 3
    assert len({m.files[0].sha256 for m in id_materials}) == 1
    assert uploads < sum(1 for c in cases for m in c.materials if m.required)


def test_every_member_is_routed_to_its_department_with_its_own_number(api, actx, trio):
    token = citizen(api)
    body = ready(api, token, trio, {"need_medical": True})
    out = submit(api, token, body["id"]).get_json()
    departments = {m["service_code"]: m["department_code"] for m in out["members"]}
    assert departments == {HUJI: "YQX-GA", PENSION: "YQX-RS", MEDICAL: "YQX-YB"}
    numbers = [m["case_number"] for m in out["members"]]
    assert len(set(numbers)) == 3 and all(numbers)
    assert [e["action"] for e in out["timeline"] if e["kind"] == "bundle"] == ["submitted"]


def test_a_repeat_with_the_same_key_is_the_same_bundle(api, actx, trio):
    token = citizen(api)
    body = ready(api, token, trio, {"need_medical": False})
    first = submit(api, token, body["id"], key="bundle-key-0001")
    again = submit(api, token, body["id"], key="bundle-key-0001")
    assert first.status_code == again.status_code == 200
    assert [m["case_id"] for m in first.get_json()["members"]] == [m["case_id"] for m in again.get_json()["members"]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 2
    other = submit(api, token, body["id"], key="bundle-key-0002")
    assert other.status_code == 409


def test_an_incomplete_bundle_names_what_is_missing(api, trio):
    token = citizen(api)
    body = start(api, token, trio, {"need_medical": False}).get_json()
    resp = submit(api, token, body["id"])
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert any(k.startswith("materials.") for k in errors), errors
    assert any(k.startswith("form.members") for k in errors), errors


def test_reanswering_keeps_materials_already_met(api, trio):
    token = citizen(api)
    body = start(api, token, trio, {"need_medical": False}).get_json()
    id_card = next(m for m in body["materials"] if m["material_type_code"] == "M-SFZ")
    assert upload(api, token, body["id"], id_card["position"]).status_code == 201
    resp = api.put(f"{BUNDLES}/{body['id']}/answers", json={"answers": {"need_medical": True}}, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert [m["service_code"] for m in out["members"]] == [HUJI, PENSION, MEDICAL]
    id_card = next(m for m in out["materials"] if m["material_type_code"] == "M-SFZ")
    assert id_card["met"] and len(id_card["files"]) == 1
    assert "M-JZZ" in [m["material_type_code"] for m in out["materials"]]
    assert view(api, token, body["id"])["status"] == "draft"


def test_the_application_carries_account_and_no_enterprise(api, actx, trio):
    token = citizen(api)
    body = start(api, token, trio, {"need_medical": False}).get_json()
    row = db.session.get(BundleApplication, body["id"])
    assert row.account_id is not None and row.enterprise_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseMaterial)) == 0
