"""Binding as legal representative, the enterprises I may act for, switching into acting and
back, and what an acting session may not do."""

from __future__ import annotations

import sqlalchemy as sa

from app.credit import service as credit
from app.enterprises import registry
from app.enterprises.models import EnterpriseAudit, EnterpriseBinding
from app.extensions import db
from app.identity.models import AuthSession
from tests.identity.helpers import assert_error, bearer, wechat_login

from .helpers import (
    ABNORMAL,
    API,
    BLACKLISTED,
    ENTERPRISES,
    LOGISTICS,
    TEA,
    acting_token,
    bind,
    citizen,
    citizen_face,
    new_uscc,
    representative,
    seed_enterprise_credit,
)


def test_demo_registry_is_seeded_with_valid_usccs_and_credit(actx, identity_app):
    assert not credit.check(registry.by_uscc(ABNORMAL).uscc_hash).flag  # left out by the test setup
    seed_enterprise_credit(identity_app)
    seed_enterprise_credit(identity_app)  # idempotent
    for number in ENTERPRISES:
        enterprise = registry.by_uscc(number)
        assert enterprise is not None and enterprise.uscc == number
    assert credit.check(registry.by_uscc(ABNORMAL).uscc_hash).flag == "general_bad_credit"
    assert credit.check(registry.by_uscc(BLACKLISTED).uscc_hash).blocked
    assert not credit.check(registry.by_uscc(TEA).uscc_hash).blocked
    assert registry.seed_enterprises()["added"] == 0  # idempotent


def test_representative_binds_once(api, sandbox, actx):
    token = citizen_face(api, sandbox, name="林晓岚")
    first = bind(api, token, uscc=TEA)
    again = bind(api, token, uscc=" 91539900ma2qlyc01p ")  # any spelling the registry accepts
    assert first == again
    assert first["role"] == "legal_representative" and first["name"] == "青岚云栖茶业有限公司"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseBinding)) == 1
    actions = db.session.scalars(sa.select(EnterpriseAudit.action)).all()
    assert actions == ["bound"]


def test_binding_needs_level_four(api):
    token = citizen(api, name="林晓岚")
    resp = api.post(f"{API}/enterprises/bindings", json={"uscc": TEA}, headers=bearer(token))
    assert_error(resp, 403, "STEP_UP_REQUIRED")


def test_not_the_representative_and_unknown_uscc_get_the_same_answer(api, sandbox):
    token = citizen_face(api, sandbox, name="陈云栖")
    not_rep = api.post(f"{API}/enterprises/bindings", json={"uscc": TEA}, headers=bearer(token))
    unknown = api.post(f"{API}/enterprises/bindings", json={"uscc": new_uscc()}, headers=bearer(token))
    a, b = assert_error(not_rep, 403, "BINDING_REFUSED"), assert_error(unknown, 403, "BINDING_REFUSED")
    a.pop("request_id"), b.pop("request_id")
    assert a == b
    bad = api.post(f"{API}/enterprises/bindings", json={"uscc": "91539900MA2QLYC01X"}, headers=bearer(token))
    body = assert_error(bad, 422, "INVALID_USCC")
    assert body["errors"] == {"uscc": ["统一社会信用代码校验位不正确"]}


def test_switch_act_and_leave(api, sandbox, actx):
    token, eid = representative(api, sandbox, uscc=TEA)
    mine = api.get(f"{API}/enterprises", headers=bearer(token)).get_json()["items"]
    assert [(e["id"], e["role"]) for e in mine] == [(eid, "legal_representative")]
    acting = acting_token(api, token, enterprise_id=eid)
    row = db.session.scalar(sa.select(AuthSession).where(AuthSession.enterprise_id == eid))
    assert row.parent_id is not None and row.grant_id is None and row.method == "acting"
    # the acting token works on shared endpoints
    assert api.get(f"{API}/me", headers=bearer(acting)).status_code == 200
    # but not on personal-only ones
    for method, path, body in (
        ("post", f"{API}/enterprises/bindings", {"uscc": TEA}),
        ("post", f"{API}/enterprises/acting", {"enterprise_id": eid}),
        ("post", f"{API}/identity/realname", {"name": "林晓岚", "id_number": "539921199003071204"}),
        ("post", f"{API}/identity/face/start", {"channel": "wechat"}),
        ("get", f"{API}/me/enterprise-grants", None),
    ):
        resp = getattr(api, method)(path, json=body, headers=bearer(acting))
        assert_error(resp, 403, "ACTING_NOT_ALLOWED")
    # leaving ends the acting session only
    resp = api.delete(f"{API}/enterprises/acting", headers=bearer(acting))
    assert resp.status_code == 204
    assert_error(api.get(f"{API}/me", headers=bearer(acting)), 401, "SESSION_REVOKED")
    assert api.get(f"{API}/me", headers=bearer(token)).status_code == 200
    assert_error(api.delete(f"{API}/enterprises/acting", headers=bearer(token)), 409, "NOT_ACTING")
    actions = db.session.scalars(sa.select(EnterpriseAudit.action).order_by(EnterpriseAudit.id)).all()
    assert actions == ["bound", "acting_started", "acting_ended"]


def test_logout_of_the_personal_session_ends_its_acting_sessions(api, sandbox):
    token, eid = representative(api, sandbox, uscc=TEA)
    acting = acting_token(api, token, enterprise_id=eid)
    assert api.post(f"{API}/auth/logout", headers=bearer(token)).status_code == 204
    assert_error(api.get(f"{API}/me", headers=bearer(acting)), 401, "SESSION_REVOKED")


def test_no_switch_into_an_enterprise_not_mine(api, sandbox):
    token, _ = representative(api, sandbox, uscc=TEA)
    _, other = representative(api, sandbox, uscc=LOGISTICS)
    resp = api.post(f"{API}/enterprises/acting", json={"enterprise_id": other}, headers=bearer(token))
    missing = api.post(f"{API}/enterprises/acting", json={"enterprise_id": 999_999}, headers=bearer(token))
    a, b = assert_error(resp, 404, "ENTERPRISE_NOT_FOUND"), assert_error(missing, 404, "ENTERPRISE_NOT_FOUND")
    a.pop("request_id"), b.pop("request_id")
    assert a == b


def test_representative_needs_level_four_to_act(api, sandbox):
    token = citizen_face(api, sandbox, name="林晓岚", user="lin-level")
    eid = bind(api, token, uscc=TEA)["id"]
    level3 = wechat_login(api, user="lin-level")["access_token"]  # same account, no face check
    resp = api.post(f"{API}/enterprises/acting", json={"enterprise_id": eid}, headers=bearer(level3))
    assert_error(resp, 403, "STEP_UP_REQUIRED")
    assert acting_token(api, token, enterprise_id=eid)


def test_a_change_of_legal_representative_ends_acting_on_the_next_request(api, sandbox, actx):
    token, eid = representative(api, sandbox, uscc=TEA)
    acting = acting_token(api, token, enterprise_id=eid)
    enterprise = registry.by_uscc(TEA)
    old = enterprise.legal_rep_hash
    enterprise.legal_rep_hash = "0" * 64
    db.session.commit()
    try:
        body = assert_error(api.get(f"{API}/me", headers=bearer(acting)), 401, "SESSION_REVOKED")
        assert body["details"] == {"acting_ended": True}
        assert api.get(f"{API}/enterprises", headers=bearer(token)).get_json()["items"] == []
    finally:
        enterprise.legal_rep_hash = old
        db.session.commit()
