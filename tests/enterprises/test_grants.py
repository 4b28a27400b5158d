"""Agent grants: the representative grants, lists, revokes; the person sees, accepts or declines;
acting as an agent covers the grant's scope; revocation and expiry take effect on the next
request; every step is audited."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.enterprises.models import AgentGrant, EnterpriseAudit
from app.enterprises.service import today
from app.extensions import db
from tests.identity.helpers import RESIDENTS, assert_error, bearer

from .helpers import (
    API,
    CHANGE_REGISTRATION,
    TEA,
    accept,
    acting_token,
    agent_acting,
    citizen,
    grant,
    representative,
)

FOOD_LICENCE = "11539900MBW767867N0000601020001"  # 食品经营许可 (themes business-start, business-ops)
HOUSING_FUND = "12539900013482213M0000511070001"  # 住房公积金单位缴存登记 (themes employer, business-start)


def _grant_body(**overrides) -> dict:
    body = {
        "name": "陈云栖",
        "id_number": RESIDENTS["陈云栖"],
        "scope": "items",
        "codes": [CHANGE_REGISTRATION],
        "valid_until": (today() + timedelta(days=30)).isoformat(),
    }
    body.update(overrides)
    return body


def test_grant_accept_act_and_audit(api, sandbox, actx):
    rep, eid = representative(api, sandbox, uscc=TEA)
    made = grant(api, rep, enterprise_id=eid, agent="陈云栖", scope="items", codes=[CHANGE_REGISTRATION])
    assert made["status"] == "pending" and made["agent_name_masked"] == "**栖"
    assert "539921198511120418" not in str(made) and made["agent_id_masked"].startswith("5399")
    stored = db.session.scalar(sa.select(AgentGrant))
    assert "陈云栖" not in stored.agent_name_enc and RESIDENTS["陈云栖"] not in stored.agent_id_enc

    agent = citizen(api, name="陈云栖")
    mine = api.get(f"{API}/me/enterprise-grants", headers=bearer(agent)).get_json()
    assert [(g["id"], g["status"], g["enterprise_name"]) for g in mine["items"]] == [
        (made["id"], "pending", "青岚云栖茶业有限公司")
    ]
    # not acting yet: a pending grant gives no enterprise
    assert api.get(f"{API}/enterprises", headers=bearer(agent)).get_json()["items"] == []
    assert accept(api, agent, grant_id=made["id"])["status"] == "active"
    assert accept(api, agent, grant_id=made["id"])["status"] == "active"  # idempotent
    listed = api.get(f"{API}/enterprises", headers=bearer(agent)).get_json()["items"]
    assert [(e["id"], e["role"], e["grant_id"], e["scope"]) for e in listed] == [(eid, "agent", made["id"], "items")]

    acting = acting_token(api, agent, enterprise_id=eid)
    assert api.get(f"{API}/me", headers=bearer(acting)).status_code == 200
    # an agent cannot manage the enterprise's grants nor read its audit
    assert_error(api.get(f"{API}/enterprises/{eid}/grants", headers=bearer(acting)), 404, "ENTERPRISE_NOT_FOUND")
    assert_error(api.get(f"{API}/enterprises/{eid}/audit", headers=bearer(agent)), 404, "ENTERPRISE_NOT_FOUND")

    audit = api.get(f"{API}/enterprises/{eid}/audit", headers=bearer(rep)).get_json()
    assert [e["action"] for e in reversed(audit["items"])] == [
        "bound",
        "grant_created",
        "grant_accepted",
        "acting_started",
    ]
    assert audit["items"][0]["actor_masked"] == "**栖" and audit["items"][0]["grant_id"] == made["id"]


def test_acting_principal_covers_the_grant_scope(api, sandbox, identity_app):
    from app.enterprises import acting as acting_mod

    items = agent_acting(api, sandbox, agent="陈云栖", scope="items", codes=[CHANGE_REGISTRATION])
    with identity_app.test_request_context():
        principal = acting_mod.authenticate(items["token"])
        assert principal.acting.role == "agent" and principal.acting.grant_id == items["grant_id"]
        assert principal.acting.covers(CHANGE_REGISTRATION) and not principal.acting.covers(FOOD_LICENCE)
        rep_acting = acting_token(api, items["rep"], enterprise_id=items["enterprise_id"])
        rep = acting_mod.authenticate(rep_acting)
        assert rep.acting.role == "legal_representative" and rep.acting.item_codes is None
        assert rep.acting.covers(FOOD_LICENCE)
        db.session.remove()


def test_theme_grants_expand_to_the_theme_items(api, sandbox, identity_app):
    from app.enterprises import acting as acting_mod

    themes = agent_acting(api, sandbox, agent="孙映雪", scope="themes", codes=["business-ops"])
    with identity_app.test_request_context():
        acting = acting_mod.authenticate(themes["token"]).acting
        assert acting.covers(FOOD_LICENCE) and acting.covers(CHANGE_REGISTRATION)
        assert not acting.covers(HOUSING_FUND)
        db.session.remove()


def test_revocation_takes_effect_on_the_next_request(api, sandbox, actx):
    agent = agent_acting(api, sandbox, agent="陈云栖")
    eid, gid = agent["enterprise_id"], agent["grant_id"]
    assert api.get(f"{API}/me", headers=bearer(agent["token"])).status_code == 200
    assert api.delete(f"{API}/enterprises/{eid}/grants/{gid}", headers=bearer(agent["rep"])).status_code == 204
    assert api.delete(f"{API}/enterprises/{eid}/grants/{gid}", headers=bearer(agent["rep"])).status_code == 204
    body = assert_error(api.get(f"{API}/me", headers=bearer(agent["token"])), 401, "SESSION_REVOKED")
    assert body["details"] == {"acting_ended": True}
    assert api.get(f"{API}/enterprises", headers=bearer(agent["personal"])).get_json()["items"] == []
    resp = api.post(f"{API}/enterprises/acting", json={"enterprise_id": eid}, headers=bearer(agent["personal"]))
    assert_error(resp, 404, "ENTERPRISE_NOT_FOUND")
    assert_error(
        api.post(f"{API}/me/enterprise-grants/{gid}/accept", headers=bearer(agent["personal"])), 409, "GRANT_NOT_LIVE"
    )
    actions = db.session.scalars(sa.select(EnterpriseAudit.action).order_by(EnterpriseAudit.id)).all()
    assert actions[-2:] == ["grant_revoked", "acting_refused"]
    assert actions.count("grant_revoked") == 1


def test_expiry_takes_effect_on_the_next_request(api, sandbox, actx):
    agent = agent_acting(api, sandbox, agent="陈云栖")
    row = db.session.get(AgentGrant, agent["grant_id"])
    row.valid_until = today() - timedelta(days=1)
    db.session.commit()
    assert_error(api.get(f"{API}/me", headers=bearer(agent["token"])), 401, "SESSION_REVOKED")
    listed = api.get(f"{API}/enterprises/{agent['enterprise_id']}/grants", headers=bearer(agent["rep"])).get_json()
    assert listed["items"][0]["status"] == "expired"


def test_decline_and_a_new_grant_after_it(api, sandbox):
    rep, eid = representative(api, sandbox, uscc=TEA)
    first = grant(api, rep, enterprise_id=eid, agent="陈云栖")
    again = api.post(f"{API}/enterprises/{eid}/grants", json=_grant_body(), headers=bearer(rep))
    assert_error(again, 409, "GRANT_EXISTS")
    agent = citizen(api, name="陈云栖")
    resp = api.post(f"{API}/me/enterprise-grants/{first['id']}/decline", headers=bearer(agent))
    assert resp.status_code == 200 and resp.get_json()["status"] == "declined"
    assert_error(
        api.post(f"{API}/me/enterprise-grants/{first['id']}/accept", headers=bearer(agent)), 409, "GRANT_NOT_PENDING"
    )
    assert grant(api, rep, enterprise_id=eid, agent="陈云栖")["status"] == "pending"


def test_bad_grants(api, sandbox):
    rep, eid = representative(api, sandbox, uscc=TEA)
    url, h = f"{API}/enterprises/{eid}/grants", bearer(rep)
    assert_error(
        api.post(url, json=_grant_body(name="林晓岚", id_number=RESIDENTS["林晓岚"]), headers=h), 422, "SELF_GRANT"
    )
    body = assert_error(api.post(url, json=_grant_body(codes=["nope"]), headers=h), 422, "INVALID_GRANT")
    assert body["details"]["unknown"] == ["nope"]
    assert_error(api.post(url, json=_grant_body(codes=[]), headers=h), 422, "INVALID_GRANT")
    assert_error(api.post(url, json=_grant_body(scope="all"), headers=h), 422, "INVALID_GRANT")
    past = _grant_body(valid_until=today().isoformat())
    assert_error(api.post(url, json=past, headers=h), 422, "INVALID_GRANT")
    far = _grant_body(valid_until=(today() + timedelta(days=4 * 366)).isoformat())
    assert_error(api.post(url, json=far, headers=h), 422, "INVALID_GRANT")
    assert_error(api.post(url, json=_grant_body(id_number="539921198511120419"), headers=h), 422, "INVALID_ID_NUMBER")
    # granting needs level 4
    level3 = citizen(api, name="陈云栖")
    assert_error(api.post(url, json=_grant_body(), headers=bearer(level3)), 403, "STEP_UP_REQUIRED")


def test_grant_made_to_someone_else_is_invisible(api, sandbox):
    rep, eid = representative(api, sandbox, uscc=TEA)
    made = grant(api, rep, enterprise_id=eid, agent="陈云栖")
    other = citizen(api, name="王青山")
    assert api.get(f"{API}/me/enterprise-grants", headers=bearer(other)).get_json()["items"] == []
    for action in ("accept", "decline"):
        a = assert_error(
            api.post(f"{API}/me/enterprise-grants/{made['id']}/{action}", headers=bearer(other)), 404, "GRANT_NOT_FOUND"
        )
        b = assert_error(
            api.post(f"{API}/me/enterprise-grants/999999/{action}", headers=bearer(other)), 404, "GRANT_NOT_FOUND"
        )
        assert a["message"] == b["message"]
