"""The enterprise wallet: acting for a company, the wallet, a licence's detail and its show code
are the company's (licences held by its USCC hash); the personal wallet stays the person's; a
licence of another company is not found; an agent whose grant ended cannot re-fetch a code."""

from __future__ import annotations

from app.extensions import db
from app.licences import service as licences
from tests.cases.enterprise_helpers import face_agent_acting
from tests.enterprises.helpers import LOGISTICS, TEA, acting_token, enterprise_id, representative
from tests.identity.helpers import LIN, assert_error, bearer

from .helpers import issue

API = "/api/v1"


def _company_licence(app, *, uscc: str, name: str) -> dict:
    from app.enterprises import public as enterprises

    with app.app_context():
        facts = enterprises.facts_by_uscc(uscc)
        out = licences.issue_to_enterprise(
            uscc_hash=facts["uscc_hash"],
            holder_name=facts["name"],
            licence_type_code="L-YYZZ",
            issuer_department_code="QLS-XZSP",
            essentials={"licence_number": uscc, "business_name": name},
        )
        db.session.remove()
        return out


def _ids(api, token: str) -> set[int]:
    resp = api.get(f"{API}/licences?page_size=100", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return {lic["id"] for lic in resp.get_json()["items"]}


def test_acting_sees_the_company_wallet_and_not_another(api, identity_app, sandbox):
    tea = _company_licence(identity_app, uscc=TEA, name="青岚云栖茶业有限公司")
    logistics = _company_licence(identity_app, uscc=LOGISTICS, name="青岚海川物流有限公司")
    own = issue(identity_app, person=LIN)
    personal, eid = representative(api, sandbox, uscc=TEA)
    act = acting_token(api, personal, enterprise_id=eid)

    assert _ids(api, act) == {tea["id"]}
    assert _ids(api, personal) == {own["id"]}
    detail = api.get(f"{API}/licences/{tea['id']}", headers=bearer(act)).get_json()
    assert detail["number_masked"] != TEA and detail["holder_masked"]
    for token, foreign in ((act, logistics["id"]), (act, own["id"]), (personal, tea["id"])):
        assert_error(api.get(f"{API}/licences/{foreign}", headers=bearer(token)), 404, "LICENCE_NOT_FOUND")
        assert_error(api.post(f"{API}/licences/{foreign}/show-code", headers=bearer(token)), 404, "LICENCE_NOT_FOUND")
    shown = api.post(f"{API}/licences/{tea['id']}/show-code", headers=bearer(act))
    assert shown.status_code == 200, shown.get_json()
    checked = api.get(f"{API}/licence-checks/{shown.get_json()['code']}").get_json()
    assert checked["valid"] is True and checked["licence_type"]["code"] == "L-YYZZ"


def test_an_agent_loses_the_company_wallet_with_the_grant(api, identity_app, sandbox):
    tea = _company_licence(identity_app, uscc=TEA, name="青岚云栖茶业有限公司")
    agent = face_agent_acting(api, sandbox, uscc=TEA, agent="陈云栖")
    assert _ids(api, agent["token"]) == {tea["id"]}
    shown = api.post(f"{API}/licences/{tea['id']}/show-code", headers=bearer(agent["token"]))
    assert shown.status_code == 200, shown.get_json()
    code = shown.get_json()["code"]
    eid = enterprise_id(identity_app, uscc=TEA)
    assert (
        api.delete(f"{API}/enterprises/{eid}/grants/{agent['grant_id']}", headers=bearer(agent["rep"])).status_code
        == 204
    )
    personal = agent["personal"]
    assert tea["id"] not in _ids(api, personal)
    png = api.get(f"{API}/licences/{tea['id']}/show-code/{code}.png", headers=bearer(personal))
    assert_error(png, 400, "LICENCE_CODE_INVALID")
