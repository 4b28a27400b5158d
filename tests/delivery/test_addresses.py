"""Address book and divisions: validation (mobile, codes, levels, parent chain, unknown fields),
masking in lists, encryption at rest, default handling, and the delivery choice rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from delivery.models import Address
from tests.cases.helpers import citizen
from tests.delivery.helpers import ADDRESS, ADDRESSES, add_address, choose, delivery_of, submitted
from tests.identity.helpers import assert_error, bearer

ALLOWANCE = "1153992102507040050000205060001"  # 高龄津贴申领: pickup only


def test_divisions_walk_down_the_chain(api):
    assert api.get("/api/v1/divisions").get_json()["items"] == [
        {"code": "990000", "name": "示范省", "level": "province"}
    ]
    cities = api.get("/api/v1/divisions?parent=990000").get_json()["items"]
    assert [c["name"] for c in cities] == ["白鹭市", "青岚市"]
    counties = api.get("/api/v1/divisions?parent=539900").get_json()["items"]
    assert ("539921", "云栖县") in [(c["code"], c["name"]) for c in counties]
    assert_error(api.get("/api/v1/divisions?parent=123456"), 422, "INVALID_DIVISION")
    assert api.get("/api/v1/divisions?parent=abc").status_code == 422


def test_create_list_get_patch_delete(api, actx):
    token = citizen(api)
    first = add_address(api, token)
    assert first["is_default"] is True and first["region"] == "示范省青岚市云栖县"
    assert first["recipient"] == "林晓岚" and first["mobile"] == "13912345678"
    second = add_address(api, token, recipient="陈云栖", mobile="+86 139-0000-1111", county_code="539902")
    assert second["mobile"] == "13900001111" and second["is_default"] is False

    listed = api.get(ADDRESSES, headers=bearer(token)).get_json()
    assert listed["total"] == 2 and [a["id"] for a in listed["items"]] == [first["id"], second["id"]]
    masked = listed["items"][0]
    assert masked["recipient"] == "**岚" and masked["mobile"] == "139****5678"
    assert masked["detail"] == "栖凤大道********" and "66" not in str(listed)

    # at rest: one ciphertext, no plaintext anywhere in the row
    raw = db.session.execute(sa.select(Address.__table__).where(Address.id == first["id"])).mappings().one()
    assert raw["contact"].startswith("v1.") and "13912345678" not in str(dict(raw)) and "栖凤" not in str(dict(raw))

    resp = api.patch(f"{ADDRESSES}/{second['id']}", json={"is_default": True}, headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["is_default"] is True
    assert api.get(f"{ADDRESSES}/{first['id']}", headers=bearer(token)).get_json()["is_default"] is False
    resp = api.patch(f"{ADDRESSES}/{first['id']}", json={"detail": "文昌路23号"}, headers=bearer(token))
    assert resp.get_json()["detail"] == "文昌路23号" and resp.get_json()["recipient"] == "林晓岚"

    assert api.delete(f"{ADDRESSES}/{second['id']}", headers=bearer(token)).status_code == 204
    assert api.get(f"{ADDRESSES}/{second['id']}", headers=bearer(token)).status_code == 404
    listed = api.get(ADDRESSES, headers=bearer(token)).get_json()
    assert [(a["id"], a["is_default"]) for a in listed["items"]] == [(first["id"], True)]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"mobile": "1234"}, "INVALID_MOBILE", "mobile"),
        ({"mobile": "23912345678"}, "INVALID_MOBILE", "mobile"),
        ({"province_code": "110000"}, "INVALID_DIVISION", "province_code"),
        ({"city_code": "539921"}, "INVALID_DIVISION", "city_code"),  # a county given as the city
        ({"county_code": "539802"}, "INVALID_DIVISION", "county_code"),  # 鹭江区 is not in 青岚市
        ({"city_code": "539800"}, "INVALID_DIVISION", "county_code"),  # 云栖县 is not in 白鹭市
        ({"province_code": "99000"}, "VALIDATION_ERROR", "province_code"),
        ({"detail": "短"}, "VALIDATION_ERROR", "detail"),
        ({"recipient": "   "}, "VALIDATION_ERROR", "recipient"),
        ({"extra": "x"}, "VALIDATION_ERROR", "extra"),
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_stored(api, actx, changes, error, field):
    token = citizen(api)
    resp = api.post(ADDRESSES, json={**ADDRESS, **changes}, headers=bearer(token))
    body = assert_error(resp, 422, error)
    assert field in body["errors"], body
    assert api.get(ADDRESSES, headers=bearer(token)).get_json()["total"] == 0


def test_a_bad_patch_changes_nothing(api):
    token = citizen(api)
    address = add_address(api, token)
    for body in ({"county_code": "539821"}, {"mobile": "no"}, {}, {"is_default": False}):
        assert api.patch(f"{ADDRESSES}/{address['id']}", json=body, headers=bearer(token)).status_code == 422
    assert api.get(f"{ADDRESSES}/{address['id']}", headers=bearer(token)).get_json() == address


def test_choice_rules(api, identity_app):
    token = citizen(api)
    address = add_address(api, token)
    case = submitted(api, token)
    assert_error(choose(api, token, case["id"], "mail"), 422, "VALIDATION_ERROR")  # no address
    resp = api.put(
        f"/api/v1/applications/{case['id']}/delivery",
        json={"method": "pickup", "address_id": address["id"]},
        headers=bearer(token),
    )
    assert resp.status_code == 422
    assert_error(choose(api, token, case["id"], "mail", 999999), 404, "ADDRESS_NOT_FOUND")
    assert choose(api, token, case["id"], "mail", address["id"]).get_json()["method"] == "mail"
    view = choose(api, token, case["id"], "pickup").get_json()
    assert view["method"] == "pickup" and view["address"] is None and view["options"] == ["mail", "pickup"]

    # an item that only offers pickup
    draft = api.post("/api/v1/applications", json={"service_code": ALLOWANCE}, headers=bearer(token)).get_json()
    assert_error(choose(api, token, draft["id"], "mail", address["id"]), 422, "DELIVERY_OPTION_UNAVAILABLE")
    assert delivery_of(api, token, draft["id"])["method"] is None
    assert choose(api, token, draft["id"], "pickup").status_code == 200

    # a withdrawn application can no longer change
    assert api.post(f"/api/v1/applications/{case['id']}/withdraw", headers=bearer(token)).status_code == 200
    assert_error(choose(api, token, case["id"], "mail", address["id"]), 409, "DELIVERY_LOCKED")
