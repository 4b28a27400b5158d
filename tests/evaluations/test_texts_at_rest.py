"""Rating texts: encrypted at rest, left out of lists, read in full by the citizen and (audited)
by the department's officers only (complaint texts: tests/complaints)."""

from __future__ import annotations

from app.staff.models import StaffRole
from tests.engagement import audited, concluded_case, raw
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import BASE, other_department, staff_token

DEPT = "YQX-GA"
CONTENT = "我叫赵明远，电话13700001234，身份证号码请回电时核对"


def test_rating_comment_and_reply_are_ciphertexts_listed_without_them_read_in_full(api, identity_app):
    token, case = concluded_case(api, identity_app)
    resp = api.post(
        f"/api/v1/applications/{case['id']}/evaluation", json={"score": 1, "comment": CONTENT}, headers=bearer(token)
    )
    assert resp.status_code == 201, resp.get_json()
    ev_id = resp.get_json()["id"]
    reviewer = staff_token(api, identity_app, department=DEPT, role=StaffRole.REVIEWER)
    resp = api.post(f"{BASE}/evaluations/{ev_id}/reply", json={"reply": "已回电13700001234"}, headers=reviewer)
    assert resp.status_code == 200 and resp.get_json()["comment"] == CONTENT

    [(comment, reply)] = raw(identity_app, "SELECT comment, reply FROM evaluations")
    assert comment.startswith("v1.") and reply.startswith("v1.") and "13700001234" not in comment + reply

    [item] = api.get(f"{BASE}/departments/{DEPT}/evaluations", headers=reviewer).get_json()["items"]
    assert item["comment"] is None and item["followup"]["reply"] is None and item["score"] == 1
    full = api.get(f"{BASE}/evaluations/{ev_id}", headers=reviewer).get_json()
    assert full["comment"] == CONTENT and full["followup"]["reply"] == "已回电13700001234"
    assert audited(identity_app, "evaluation.read") == [str(ev_id)]
    mine = api.get(f"/api/v1/applications/{case['id']}/evaluation", headers=bearer(token)).get_json()
    assert mine["comment"] == CONTENT
    outsider = staff_token(api, identity_app, department=other_department(identity_app, DEPT), role=StaffRole.REVIEWER)
    assert_error(api.get(f"{BASE}/evaluations/{ev_id}", headers=outsider), 404, "EVALUATION_NOT_FOUND")
