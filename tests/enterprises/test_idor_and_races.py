"""Every new path refuses another citizen, another company's representative and an agent of
another company, both ways; concurrent binds and grants on PostgreSQL make no duplicates."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.enterprises.models import AgentGrant, EnterpriseBinding
from app.enterprises.service import today
from app.extensions import db
from tests.dialect import on_postgres
from tests.identity.helpers import RESIDENTS, assert_error, bearer

from .helpers import API, LOGISTICS, TEA, agent_acting, citizen, citizen_face, representative


def _paths(eid: int, gid: int) -> list[tuple[str, str, dict | None]]:
    body = {
        "name": "王青山",
        "id_number": RESIDENTS["王青山"],
        "scope": "all",
        "codes": [],
        "valid_until": (today() + timedelta(days=10)).isoformat(),
    }
    return [
        ("get", f"{API}/enterprises/{eid}/grants", None),
        ("post", f"{API}/enterprises/{eid}/grants", body),
        ("delete", f"{API}/enterprises/{eid}/grants/{gid}", None),
        ("get", f"{API}/enterprises/{eid}/audit", None),
    ]


def _not_found(resp) -> None:
    if resp.status_code == 403:  # granting needs level 4: a level-3 agent is stopped before the lookup
        assert_error(resp, 403, "STEP_UP_REQUIRED")
    else:
        assert_error(resp, 404, "ENTERPRISE_NOT_FOUND")


def _refused(api, token: str, eid: int, gid: int) -> None:
    for method, path, body in _paths(eid, gid):
        _not_found(getattr(api, method)(path, json=body, headers=bearer(token)))
    resp = api.post(f"{API}/enterprises/acting", json={"enterprise_id": eid}, headers=bearer(token))
    assert resp.status_code in (403, 404), resp.get_json()  # 403 ACTING_NOT_ALLOWED for an acting token


def test_other_people_cannot_touch_an_enterprise(api, sandbox, actx):
    tea = agent_acting(api, sandbox, uscc=TEA, agent="陈云栖")
    logistics = agent_acting(api, sandbox, uscc=LOGISTICS, agent="孙映雪")
    stranger = citizen_face(api, sandbox, name="王青山")
    for eid, gid, own_people, others in (
        (tea["enterprise_id"], tea["grant_id"], tea, logistics),
        (logistics["enterprise_id"], logistics["grant_id"], logistics, tea),
    ):
        # another citizen; the other company's representative; its agent (personal and acting)
        for token in (stranger, others["rep"], others["personal"], others["token"]):
            _refused(api, token, eid, gid)
        # the company's own agent is no representative either
        for token in (own_people["personal"], own_people["token"]):
            for method, path, body in _paths(eid, gid):
                _not_found(getattr(api, method)(path, json=body, headers=bearer(token)))
        # a grant id of this company through the other company's path
        resp = api.delete(f"{API}/enterprises/{others['enterprise_id']}/grants/{gid}", headers=bearer(others["rep"]))
        assert_error(resp, 404, "GRANT_NOT_FOUND")
        # the lists show only one's own
        for token in (stranger, others["rep"], others["personal"]):
            listed = api.get(f"{API}/enterprises", headers=bearer(token)).get_json()["items"]
            assert eid not in [e["id"] for e in listed]
            grants = api.get(f"{API}/me/enterprise-grants", headers=bearer(token)).get_json()["items"]
            assert gid not in [g["id"] for g in grants]
    # nothing was changed by all that: both grants still live, no third grant
    assert {g.status for g in db.session.scalars(sa.select(AgentGrant))} == {"active"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgentGrant)) == 2


def _race(app, n: int, call) -> list[int]:
    barrier = threading.Barrier(n)
    results: list[int] = []
    lock = threading.Lock()

    def worker():
        client = app.test_client()
        barrier.wait()
        resp = call(client)
        with lock:
            results.append(resp.status_code)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_binds_make_one_binding(api, sandbox, identity_app):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; races are tested on PostgreSQL")
    token = citizen_face(api, sandbox, name="林晓岚")
    results = _race(
        identity_app, 6, lambda c: c.post(f"{API}/enterprises/bindings", json={"uscc": TEA}, headers=bearer(token))
    )
    assert results == [200] * 6
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseBinding)) == 1
        db.session.remove()


def test_concurrent_grants_make_one_grant(api, sandbox, identity_app):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; races are tested on PostgreSQL")
    rep, eid = representative(api, sandbox, uscc=TEA)
    body = {
        "name": "陈云栖",
        "id_number": RESIDENTS["陈云栖"],
        "scope": "all",
        "codes": [],
        "valid_until": (today() + timedelta(days=10)).isoformat(),
    }
    results = _race(
        identity_app, 6, lambda c: c.post(f"{API}/enterprises/{eid}/grants", json=body, headers=bearer(rep))
    )
    assert sorted(results) == [201] + [409] * 5, results
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AgentGrant)) == 1
        db.session.remove()
    # and after it, the one grant works as usual
    agent = citizen(api, name="陈云栖")
    grants = api.get(f"{API}/me/enterprise-grants", headers=bearer(agent)).get_json()["items"]
    assert len(grants) == 1 and grants[0]["status"] == "pending"
