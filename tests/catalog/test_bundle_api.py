"""The citizen 一件事 bundle guide over HTTP: the list, the guide, a situation evaluated. No sign-in."""

from __future__ import annotations

from app.web.openapi_examples import REQUEST_EXAMPLES
from tests.catalog.bundleview import (
    COMPANY,
    COMPANY_REGISTRATION,
    HUKOU,
    NEWBORN,
    RETIREMENT,
    SEAL,
    WORK_ABILITY,
    bundle_doc,
    company_answers,
    newborn_answers,
    retirement_answers,
)
from tests.catalog.seedview import by_code, seed


def test_list_is_the_page_envelope(client):
    resp = client.get("/api/v1/bundles", query_string={"page_size": 2})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["total"], body["page"], body["page_size"]) == (len(seed()["bundles"]), 1, 2)
    assert [b["code"] for b in body["items"]] == [NEWBORN, COMPANY]
    second = client.get("/api/v1/bundles", query_string={"page_size": 2, "page": 2}).get_json()
    assert [b["code"] for b in second["items"]] == [RETIREMENT]
    newborn = body["items"][0]
    assert newborn["name"] == "新生儿出生一件事"
    assert newborn["member_count"] == len(bundle_doc(NEWBORN)["members"])
    assert {"云栖县卫生健康局", "云栖县公安局", "云栖县医疗保障局"} <= set(newborn["departments"])
    assert newborn["fees"] == {"from_fen": 0, "varies": False, "text": "免费", "up_to_fen": 0}


def test_list_by_audience(client):
    body = client.get("/api/v1/bundles", query_string={"audience": "legal_person"}).get_json()
    assert [b["code"] for b in body["items"]] == [COMPANY]
    bad = client.get("/api/v1/bundles", query_string={"audience": "alien"})
    assert bad.status_code == 422


def test_guide(client):
    resp = client.get(f"/api/v1/bundles/{COMPANY}")
    assert resp.status_code == 200
    assert resp.headers.get("ETag")
    guide = resp.get_json()
    assert guide["legal_basis"] == bundle_doc(COMPANY)["legal_basis"]
    assert guide["time_limit"]["promised_days"] == bundle_doc(COMPANY)["promised_time_limit"] == 1
    seal_q = next(q for q in guide["questions"] if q["code"] == "need_seal")
    assert seal_q["text"] == "是否需要刻制公章"
    answers = {a["text"]: a for a in seal_q["answers"]}
    assert answers["是"]["adds"] == [SEAL] and answers["否"]["removes"] == [SEAL]
    members = {m["service_code"]: m for m in guide["members"]}
    assert members[SEAL]["department"]["name"] == "青岚市公安局"
    assert members[SEAL]["prerequisites"] == [COMPANY_REGISTRATION]
    assert members[SEAL]["result"]["name"] == by_code(SEAL)["result"]["name"]
    licence = next(e for e in guide["materials"] if e["key"] == "M-YYZZ")
    assert licence["licence_type"] == {"code": "L-YYZZ", "name": "营业执照"}
    again = client.get(f"/api/v1/bundles/{COMPANY}", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_bundle(client):
    resp = client.get("/api/v1/bundles/no-such")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "BUNDLE_NOT_FOUND"
    post = client.post("/api/v1/bundles/no-such/evaluate", json={"answers": {}})
    assert post.status_code == 404 and post.get_json()["error"] == "BUNDLE_NOT_FOUND"


def test_evaluate_the_documented_example(client):
    resp = client.post(f"/api/v1/bundles/{NEWBORN}/evaluate", json=REQUEST_EXAMPLES["evaluateBundle"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert HUKOU in [m["service_code"] for m in body["members"]]
    assert body["form"]["type"] == "object"
    assert HUKOU in body["form"]["properties"]["members"]["properties"]
    assert body["materials_saved"] > 0


def test_evaluate_situations(client):
    def codes(code, answers):
        resp = client.post(f"/api/v1/bundles/{code}/evaluate", json={"answers": answers})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    out = codes(NEWBORN, newborn_answers(parents_local=False))
    assert HUKOU not in [m["service_code"] for m in out["members"]]
    assert HUKOU in [m["service_code"] for m in out["not_applying"]]
    assert SEAL not in [m["service_code"] for m in codes(COMPANY, company_answers(need_seal=False))["members"]]
    sick = codes(RETIREMENT, retirement_answers(retire_type="因病或非因工致残完全丧失劳动能力"))
    assert WORK_ABILITY in [m["service_code"] for m in sick["members"]]
    assert sick["fees"] == {"from_fen": 30000, "varies": False, "text": "300 元"}


def test_evaluate_refuses_incomplete_answers_with_field_errors(client):
    resp = client.post(f"/api/v1/bundles/{NEWBORN}/evaluate", json={"answers": {"parents_local": "yes", "colour": 1}})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["error"] == "ANSWERS_INVALID"
    assert body["errors"]["answers.parents_local"] == ["父母一方户籍是否在本县：请回答是或否"]
    assert body["errors"]["answers.need_sscard"] == ["是否为孩子申领社会保障卡：请选择"]
    assert body["errors"]["answers.colour"] == ["没有这个问题"]
    missing = client.post(f"/api/v1/bundles/{NEWBORN}/evaluate", json={})
    assert missing.status_code == 422 and missing.get_json()["error"] == "VALIDATION_ERROR"
