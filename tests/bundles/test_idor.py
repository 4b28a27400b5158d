"""Every bundle application path refuses another citizen (not found), both ways; staff of another
department do not see a member case of a bundle."""

from __future__ import annotations

import io

import pytest

from tests.bundles.helpers import BUNDLES, HUJI, officer, ready, start, submit, view
from tests.cases.helpers import citizen, pdf_bytes
from tests.identity.helpers import bearer
from tests.staff.helpers import BASE as STAFF


def _calls(application_id: int):
    base = f"{BUNDLES}/{application_id}"
    return [
        ("get", base, None),
        ("patch", base, {"form": {"x": "y"}}),
        ("put", f"{base}/answers", {"answers": {"need_medical": True}}),
        ("put", f"{base}/materials/1", {"method": "upload"}),
        ("post", f"{base}/submit", None),
        ("post", f"{base}/withdraw", None),
        ("put", f"{base}/delivery-mode", {"mode": "each"}),
        ("post", f"{base}/payment", {"channel": "wechat"}),
        ("put", f"{base}/delivery", {"address_id": 1, "mode": "together"}),
    ]


@pytest.mark.parametrize("direction", ["a_reads_b", "b_reads_a"])
def test_another_citizen_gets_not_found_everywhere(api, trio, direction):
    alice, bob = citizen(api, name="林晓岚"), citizen(api, name="陈云栖")
    owner, intruder = (bob, alice) if direction == "a_reads_b" else (alice, bob)
    body = ready(api, owner, trio, {"need_medical": False})
    for method, url, payload in _calls(body["id"]):
        headers = bearer(intruder)
        headers["Idempotency-Key"] = "idor-key-000001"
        resp = (
            getattr(api, method)(url, json=payload, headers=headers)
            if payload
            else getattr(api, method)(url, headers=headers)
        )
        assert resp.status_code == 404, (method, url, resp.get_json())
        assert resp.get_json()["error"] == "BUNDLE_APPLICATION_NOT_FOUND"
    upload = api.post(
        f"{BUNDLES}/{body['id']}/materials/1/files",
        data={"file": (io.BytesIO(pdf_bytes()), "scan.pdf")},
        headers=bearer(intruder),
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404
    listing = api.get(BUNDLES, headers=bearer(intruder)).get_json()
    assert body["id"] not in [a["id"] for a in listing["items"]]
    # the owner's application is untouched
    assert view(api, owner, body["id"])["status"] == "draft"


def test_staff_of_another_department_do_not_see_a_member_case(api, identity_app, trio):
    token = citizen(api)
    body = submit(api, token, ready(api, token, trio, {"need_medical": False})["id"]).get_json()
    huji = next(m for m in body["members"] if m["service_code"] == HUJI)
    other = officer(api, identity_app, "YQX-RS")
    assert api.get(f"{STAFF}/cases/{huji['case_id']}", headers=other).status_code == 404
    own = officer(api, identity_app, "YQX-GA")
    resp = api.get(f"{STAFF}/cases/{huji['case_id']}", headers=own)
    assert resp.status_code == 200


def test_an_unknown_bundle_is_not_found(api):
    token = citizen(api)
    resp = start(api, token, "no_such_bundle", {})
    assert resp.status_code == 404
