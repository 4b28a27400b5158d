"""The amount charged is the fee standard the item's rule picks from the application's form:
on the draft while it is filled in, on the submitted case and on the provider's order."""

from __future__ import annotations

from tests.cases.helpers import APPS, create_draft, meet_by_upload, submit, valid_form
from tests.identity.helpers import bearer
from tests.payments.helpers import order_of, payer, started

ID_RENEWAL = "1153992101967557720000107020001"
RESALE = "11539921MBF26248940000707020001"  # 不动产转移登记（存量房买卖）: 住宅 80 / 非住宅 550, + 10 per extra book


def _patch(api, token: str, case_id: int, form: dict) -> dict:
    resp = api.patch(f"{APPS}/{case_id}", json={"form": form}, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_damaged_id_card_is_charged_40_yuan_on_the_order(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    draft = create_draft(api, token, code=ID_RENEWAL)
    assert draft["fee_fen"] == 2000  # the default standard while the form is empty
    form = valid_form(draft["form_schema"])
    assert _patch(api, token, draft["id"], {**form, "apply_reason": "证件严重损坏"})["fee_fen"] == 4000
    assert _patch(api, token, draft["id"], {"apply_reason": "有效期满"})["fee_fen"] == 2000
    assert _patch(api, token, draft["id"], {"apply_reason": "证件严重损坏"})["fee_fen"] == 4000
    meet_by_upload(api, token, draft)
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["status"], resp.get_json()["fee_fen"]) == ("payment_pending", 4000)
    order = started(api, token, draft["id"], "wechat")["order"]
    assert order["amount_fen"] == 4000
    assert sandbox.wechatpay_pay(order["out_trade_no"])["notify_status"] == 204
    assert order_of(order["out_trade_no"]).status == "paid"
    assert api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()["status"] == "submitted"


def test_non_residential_resale_with_two_extra_books(api, sandbox, actx):
    token = payer(api, sandbox, channel="alipay", name="吴思岚")
    draft = create_draft(api, token, code=RESALE)
    assert draft["fee_fen"] == 8000
    form = {**valid_form(draft["form_schema"]), "house_use": "非住宅", "extra_certificates": 2, "floor_area": 89.5}
    assert _patch(api, token, draft["id"], form)["fee_fen"] == 57000
    meet_by_upload(api, token, draft)
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["fee_fen"] == 57000
    order = started(api, token, draft["id"], "alipay")["order"]
    assert order["amount_fen"] == 57000
