"""Nobody sees anyone else's addresses or deliveries — in both directions — and the citizen's
delivery view never carries the full address."""

from __future__ import annotations

from tests.cases.helpers import APPS, citizen
from tests.delivery.helpers import ADDRESSES, add_address, approve, choose, delivery_of, mail_case, reviewer, run_jobs
from tests.identity.helpers import assert_error, bearer


def test_addresses_and_deliveries_are_owner_only_both_ways(api, identity_app):
    alice, alice_case, alice_address = mail_case(api, token=citizen(api, name="林晓岚"))
    bob = citizen(api, name="陈云栖")
    bob_address = add_address(api, bob, recipient="陈云栖", mobile="13700001111")
    bob_case = api.post(APPS, json={"service_code": alice_case["service_code"]}, headers=bearer(bob)).get_json()
    assert choose(api, bob, bob_case["id"], "mail", bob_address["id"]).status_code == 200

    for me, mine, theirs, their_case, their_address in (
        (alice, alice_address, bob_address, bob_case, bob_address),
        (bob, bob_address, alice_address, alice_case, alice_address),
    ):
        listed = api.get(ADDRESSES, headers=bearer(me)).get_json()
        assert [a["id"] for a in listed["items"]] == [mine["id"]]
        assert_error(api.get(f"{ADDRESSES}/{theirs['id']}", headers=bearer(me)), 404, "ADDRESS_NOT_FOUND")
        resp = api.patch(f"{ADDRESSES}/{theirs['id']}", json={"detail": "改到我家去吧"}, headers=bearer(me))
        assert_error(resp, 404, "ADDRESS_NOT_FOUND")
        assert_error(api.delete(f"{ADDRESSES}/{theirs['id']}", headers=bearer(me)), 404, "ADDRESS_NOT_FOUND")
        assert_error(api.get(f"{APPS}/{their_case['id']}/delivery", headers=bearer(me)), 404, "APPLICATION_NOT_FOUND")
        resp = choose(api, me, their_case["id"], "pickup")
        assert_error(resp, 404, "APPLICATION_NOT_FOUND")
        # my own case cannot be mailed to their address
        my_case = alice_case if me == alice else bob_case
        assert_error(choose(api, me, my_case["id"], "mail", their_address["id"]), 404, "ADDRESS_NOT_FOUND")

    # nothing of theirs changed
    assert api.get(f"{ADDRESSES}/{bob_address['id']}", headers=bearer(bob)).get_json() == bob_address
    assert delivery_of(api, bob, bob_case["id"])["method"] == "mail"
    assert delivery_of(api, alice, alice_case["id"])["address"]["address_id"] == alice_address["id"]

    # after the order: the citizen's view is masked, the waybill shown only to the owner
    approve(api, reviewer(api, identity_app), alice_case["id"])
    run_jobs(identity_app)
    view = delivery_of(api, alice, alice_case["id"])
    assert view["waybill_no"] and "13912345678" not in str(view) and "66号" not in str(view)
    assert api.get(f"{APPS}/{alice_case['id']}/delivery", headers=bearer(bob)).status_code == 404
    assert api.get(f"{APPS}/{alice_case['id']}/delivery").status_code == 401
    assert api.get(ADDRESSES).status_code == 401
