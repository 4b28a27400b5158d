"""Drafts through the citizen API: checklist, form saving, listing, and nobody else's cases."""

from __future__ import annotations

from tests.cases.helpers import APPS, HUJI, ID_RENEWAL, RELIEF, citizen, create_draft, fill_form, upload
from tests.identity.helpers import assert_error, bearer, wechat_login


def test_draft_has_form_schema_and_a_checklist_with_ways_to_meet_each_material(api):
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    assert draft["status"] == "draft" and draft["case_number"] is None
    assert draft["service_name"] == "临时救助" and draft["required_level"] == 3
    assert draft["form_schema"]["type"] == "object"
    assert draft["form_data"] == {} and "applicant_name" in draft["form_errors"]
    by_code = {m["material_type_code"]: m for m in draft["materials"]}
    income = by_code["M-SRZM"]
    assert income["required"] and income["commitment_allowed"] and not income["met"]
    assert income["options"]["upload"] is True
    assert income["options"]["commitment"]["version"] == "M-SRZM/v1"
    assert "信用记录" in income["options"]["commitment"]["text"]
    assert by_code["M-SFZ"]["licence_type_code"] == "L-JMSFZ"
    assert by_code["M-SFZ"]["options"]["commitment"] is None
    assert draft["timeline"] == []


def test_items_with_a_licence_result_or_a_fee_need_level_four(api):
    token = citizen(api)
    assert create_draft(api, token, code=ID_RENEWAL)["required_level"] == 4
    assert create_draft(api, token, code=HUJI)["required_level"] == 3


def test_drafts_need_real_name_and_a_known_item(api):
    level2 = wechat_login(api, user="nobody")["access_token"]
    assert_error(api.post(APPS, json={"service_code": HUJI}, headers=bearer(level2)), 403, "STEP_UP_REQUIRED")
    token = citizen(api)
    assert_error(api.post(APPS, json={"service_code": "nope"}, headers=bearer(token)), 404, "SERVICE_NOT_FOUND")
    assert_error(api.post(APPS, json={"service_code": HUJI, "x": 1}, headers=bearer(token)), 422, "VALIDATION_ERROR")
    assert_error(api.post(APPS, json={"service_code": HUJI}), 401, "TOKEN_MISSING")


def test_partial_form_is_saved_with_its_errors_and_null_clears_a_field(api):
    token = citizen(api)
    draft = create_draft(api, token)
    resp = api.patch(
        f"{APPS}/{draft['id']}",
        json={"form": {"applicant_name": "林晓岚", "contact_phone": "123"}},
        headers=bearer(token),
    )
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert body["form_data"] == {"applicant_name": "林晓岚", "contact_phone": "123"}
    assert body["form_errors"]["contact_phone"] == ["联系电话：格式不正确"]
    assert "purpose" in body["form_errors"] and "applicant_name" not in body["form_errors"]
    body = api.patch(f"{APPS}/{draft['id']}", json={"form": {"contact_phone": None}}, headers=bearer(token)).get_json()
    assert body["form_data"] == {"applicant_name": "林晓岚"}
    body = fill_form(api, token, draft)
    assert body["form_errors"] == {}
    assert api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()["form_errors"] == {}


def test_form_must_be_an_object(api):
    token = citizen(api)
    draft = create_draft(api, token)
    assert_error(api.patch(f"{APPS}/{draft['id']}", json={"form": [1]}, headers=bearer(token)), 422, "VALIDATION_ERROR")


def test_list_is_mine_paginated_and_filtered_by_status(api):
    token = citizen(api)
    ids = [create_draft(api, token)["id"] for _ in range(3)]
    other = citizen(api, name="陈云栖")
    create_draft(api, other)
    body = api.get(f"{APPS}?page_size=2", headers=bearer(token)).get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["page_size"] == 2
    assert [i["id"] for i in body["items"]] == ids[::-1][:2]
    assert api.get(f"{APPS}?page=2&page_size=2", headers=bearer(token)).get_json()["items"][0]["id"] == ids[0]
    assert api.get(f"{APPS}?status=draft", headers=bearer(token)).get_json()["total"] == 3
    assert api.get(f"{APPS}?status=submitted", headers=bearer(token)).get_json()["total"] == 0
    assert_error(api.get(f"{APPS}?status=bogus", headers=bearer(token)), 422, "VALIDATION_ERROR")


def test_another_citizens_draft_is_not_found_for_every_endpoint(api):
    owner = citizen(api)
    stranger = citizen(api, name="陈云栖")
    draft = create_draft(api, owner)
    case = f"{APPS}/{draft['id']}"
    h = bearer(stranger)
    assert_error(api.get(case, headers=h), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.patch(case, json={"form": {"purpose": "x"}}, headers=h), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.put(f"{case}/materials/0", json={"method": "upload"}, headers=h), 404, "APPLICATION_NOT_FOUND")
    assert_error(upload(api, stranger, draft["id"], 0), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.post(f"{case}/submit", headers={**h, "Idempotency-Key": "k" * 16}), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.post(f"{case}/withdraw", headers=h), 404, "APPLICATION_NOT_FOUND")
    assert api.get(APPS, headers=h).get_json()["total"] == 0
    # and the owner still sees it, unchanged
    body = api.get(case, headers=bearer(owner)).get_json()
    assert body["form_data"] == {} and all(m["method"] is None for m in body["materials"])


def test_another_citizens_submitted_case_is_not_found_either(api):
    from tests.cases.helpers import ready_draft, submit

    owner = citizen(api)
    stranger = citizen(api, name="陈云栖")
    case = submit(api, owner, ready_draft(api, owner)["id"], key="owner-submit-1").get_json()
    path, h = f"{APPS}/{case['id']}", bearer(stranger)
    assert_error(api.get(path, headers=h), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.post(f"{path}/withdraw", headers=h), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.post(f"{path}/submit", headers={**h, "Idempotency-Key": "k" * 16}), 404, "APPLICATION_NOT_FOUND")
    assert api.get(f"{APPS}?status=submitted", headers=h).get_json()["total"] == 0
    assert case["case_number"] not in api.get(APPS, headers=h).get_data(as_text=True)
    assert api.get(path, headers=bearer(owner)).get_json()["status"] == "submitted"


def test_unknown_case_and_material(api):
    token = citizen(api)
    draft = create_draft(api, token)
    assert_error(api.get(f"{APPS}/999999", headers=bearer(token)), 404, "APPLICATION_NOT_FOUND")
    assert_error(
        api.put(f"{APPS}/{draft['id']}/materials/99", json={"method": "upload"}, headers=bearer(token)),
        404,
        "MATERIAL_NOT_FOUND",
    )
