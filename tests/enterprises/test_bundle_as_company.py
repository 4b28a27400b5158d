"""A bundle applied for a company follows the same material rules as a company's own case: a
commitment (告知承诺) counts the company's credit record, not the person's (app/cases/material_methods.py)."""

from __future__ import annotations

from tests.bundles.helpers import BUNDLES, start
from tests.catalog.bundleview import COMPANY, company_answers
from tests.identity.helpers import assert_error, bearer

from .helpers import BLACKLISTED, acting_token, representative, seed_enterprise_credit


def _commitment_material(body: dict) -> dict:
    return next(m for m in body["materials"] if m["commitment_allowed"])


def _commit(api, token: str, body: dict):
    material = _commitment_material(body)
    choice = {"method": "commitment", "accept": True, "text_version": material["options"]["commitment"]["version"]}
    return api.put(f"{BUNDLES}/{body['id']}/materials/{material['position']}", json=choice, headers=bearer(token))


def test_a_bundle_commitment_counts_the_company_credit_record(api, sandbox, identity_app, actx):
    seed_enterprise_credit(identity_app)  # the company is on the 严重违法失信名单; its representative is clean
    personal, enterprise_id = representative(api, sandbox, uscc=BLACKLISTED)
    acting = acting_token(api, personal, enterprise_id=enterprise_id)

    as_company = start(api, acting, COMPANY, company_answers())
    assert as_company.status_code == 201, as_company.get_json()
    assert_error(_commit(api, acting, as_company.get_json()), 403, "COMMITMENT_NOT_ALLOWED")
    after = api.get(f"{BUNDLES}/{as_company.get_json()['id']}", headers=bearer(acting)).get_json()
    assert _commitment_material(after)["method"] != "commitment"  # nothing changed

    as_person = start(api, personal, COMPANY, company_answers())
    assert as_person.status_code == 201, as_person.get_json()
    accepted = _commit(api, personal, as_person.get_json())
    assert accepted.status_code == 200, accepted.get_json()
    assert _commitment_material(accepted.get_json())["method"] == "commitment"
