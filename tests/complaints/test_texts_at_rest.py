"""Complaint and consultation texts: encrypted at rest, left out of lists, read in full by the
citizen and (audited) by the department's officers only (rating texts: tests/evaluations)."""

from __future__ import annotations

from app.staff.models import StaffRole
from tests.cases.helpers import HUJI, citizen
from tests.engagement import audited, raw
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import BASE, other_department, staff_token

DEPT = "YQX-GA"
CONTENT = "我叫赵明远，电话13700001234，身份证号码请回电时核对"


def test_complaint_texts_are_ciphertexts_listed_without_content_read_in_full(api, identity_app):
    token = citizen(api)
    body = {
        "kind": "consultation",
        "subject_type": "item",
        "service_code": HUJI,
        "title": "回电13700001234",
        "content": CONTENT,
    }
    resp = api.post("/api/v1/complaints", json=body, headers=bearer(token))
    assert resp.status_code == 201 and resp.get_json()["content"] == CONTENT
    complaint_id = resp.get_json()["id"]
    officer = staff_token(api, identity_app, department=DEPT, role=StaffRole.WINDOW_CLERK)
    assert (
        api.post(
            f"{BASE}/complaints/{complaint_id}/answer", json={"answer": "赵明远您好，已回电"}, headers=officer
        ).status_code
        == 200
    )

    [(title, content, answer)] = raw(identity_app, "SELECT title, content, answer FROM complaints")
    assert all(v.startswith("v1.") for v in (title, content, answer))
    assert "赵明远" not in content + answer and "13700001234" not in title + content

    for page in (
        api.get("/api/v1/complaints", headers=bearer(token)).get_json(),
        api.get(f"{BASE}/departments/{DEPT}/complaints", headers=officer).get_json(),
    ):
        [item] = page["items"]
        assert item["content"] is None and item["answer"] is None and item["title"] == "回电137****1234"

    assert api.get(f"/api/v1/complaints/{complaint_id}", headers=bearer(token)).get_json()["content"] == CONTENT
    full = api.get(f"{BASE}/complaints/{complaint_id}", headers=officer).get_json()
    assert full["content"] == CONTENT and full["answer"] == "赵明远您好，已回电" and full["title"] == "回电13700001234"
    assert audited(identity_app, "consultation.read") == [str(complaint_id)]
    outsider = staff_token(api, identity_app, department=other_department(identity_app, DEPT), role=StaffRole.REVIEWER)
    assert_error(api.get(f"{BASE}/complaints/{complaint_id}", headers=outsider), 404, "COMPLAINT_NOT_FOUND")
    assert_error(api.get(f"{BASE}/complaints/999999", headers=officer), 404, "COMPLAINT_NOT_FOUND")
    assert audited(identity_app, "consultation.read") == [str(complaint_id)]
