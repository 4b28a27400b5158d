"""Every demo item with a fee: the draft's fee_fen is what its form is charged, re-picked by the
item's fee rule each time the form is saved (tests/catalog/test_fees.py holds the expectations)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cases.helpers import APPS, citizen, create_draft
from tests.catalog.test_fees import EXPECTED
from tests.enterprises.helpers import LOGISTICS, representative_acting_token
from tests.identity.helpers import bearer

CATALOG = json.loads((Path(__file__).resolve().parents[2] / "app/catalog/seed/catalog.json").read_text("utf-8"))
AUDIENCE = {i["implementation_code"]: i["audience"] for i in CATALOG["items"]}


def test_each_demo_fee_item_charges_what_the_form_picks(api, sandbox):
    person = citizen(api)
    company = representative_acting_token(api, sandbox, uscc=LOGISTICS)  # legal-person items: as a company
    for code, (least, _, cases) in sorted(EXPECTED.items()):
        token = person if "individual" in AUDIENCE[code] else company
        draft = create_draft(api, token, code=code)
        assert draft["fee_fen"] == least, code  # the empty form: the default standard, no extras
        previous: dict = {}
        for form, charged in cases:
            # a null clears what the previous form set
            changes = {**dict.fromkeys(previous), **form}
            resp = api.patch(f"{APPS}/{draft['id']}", json={"form": changes}, headers=bearer(token))
            assert resp.status_code == 200, resp.get_json()
            assert resp.get_json()["fee_fen"] == charged, (code, form)
            previous = form
