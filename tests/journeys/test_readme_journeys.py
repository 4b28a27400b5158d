"""The README's three journeys (## Three journeys with the demo accounts), step by step over the
HTTP API with the demo residents and the demo staff accounts, the simulators driven through
their control endpoints exactly as the README's curl lines do. When this test needs a step the
README does not show, the README is wrong."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app.extensions import db
from app.staff.demo import DEMO_PASSWORD
from tests.identity.helpers import RESIDENTS
from tests.jobs import run_jobs as _jobs

API = "/api/v1"
STAFF = "/staff/api/v1"
ID_RENEWAL = "1153992101967557720000107020001"  # 居民身份证换领, YQX-GA: 20 元, mail or pickup
ALLOWANCE = "1153992102507040050000205060001"  # 高龄津贴申领, YQX-MZ: 秒批 for 80+
MARRIAGE = "1153992102507040050000207010001"  # 内地居民结婚登记, YQX-MZ: window B03


def _ok(resp, status: int = 200) -> dict:
    body = resp.get_json()
    assert resp.status_code == status, body
    return body


def _auth(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


def _code(user: str) -> str:
    # the README's `alice:1`; login codes are single-use for the whole test session
    return f"{user}:{uuid.uuid4().hex[:12]}"


def _staff(api, username: str) -> dict:
    body = _ok(api.post(f"{STAFF}/auth/login", json={"username": username, "password": DEMO_PASSWORD}))
    return _auth(body["access_token"])


def _fill(api, token: str, case_id: int, form: dict) -> dict:
    body = _ok(api.patch(f"{API}/applications/{case_id}", json={"form": form}, headers=_auth(token)))
    assert body["form_errors"] == {}, body["form_errors"]
    return body


def _licence_for(draft: dict, position: int) -> int:
    material = next(m for m in draft["materials"] if m["position"] == position)
    return material["options"]["licences"][0]["id"]


def _submit(api, token: str, case_id: int) -> dict:
    headers = _auth(token, **{"Idempotency-Key": f"submit-{case_id}-{uuid.uuid4().hex[:8]}"})
    return _ok(api.post(f"{API}/applications/{case_id}/submit", headers=headers))


def test_wechat_citizen_pays_the_fee_and_gets_the_id_card_by_mail(api, identity_app, sandbox):
    # 1. log in with WeChat, real name, face → level 4 (a new token pair at every step)
    t = _ok(api.post(f"{API}/auth/wechat", json={"code": _code("alice")}))["access_token"]
    body = _ok(
        api.post(
            f"{API}/identity/realname",
            json={"name": "林晓岚", "id_number": RESIDENTS["林晓岚"]},
            headers=_auth(t),
        )
    )
    t = body["access_token"]
    verify_id = _ok(api.post(f"{API}/identity/face/start", json={"channel": "wechat"}, headers=_auth(t)))["verify_id"]
    sandbox.face_outcome(verify_id, "pass")  # POST $WX/sandbox/face/$VERIFY_ID {"outcome": "pass"}
    t = _ok(api.post(f"{API}/identity/face/complete", json={"verify_id": verify_id}, headers=_auth(t)))["access_token"]
    assert _ok(api.get(f"{API}/me", headers=_auth(t)))["level"] == 4

    # 2. the guide shows the fee as alternatives; the draft charges what the form picks
    guide = _ok(api.get(f"{API}/services/{ID_RENEWAL}"))
    assert guide["fees"]["text"] == "20 元起" and guide["department"]["code"] == "YQX-GA"
    draft = _ok(api.post(f"{API}/applications", json={"service_code": ID_RENEWAL}, headers=_auth(t)), 201)
    form = {
        "applicant_name": "林晓岚",
        "contact_phone": "13912345678",
        "apply_reason": "有效期满",
        "is_nonlocal": False,
        "delivery_method": "邮寄送达",
        "mailing_address": "栖凤大道66号3栋502室",
    }
    assert _fill(api, t, draft["id"], form)["fee_fen"] == 2000
    # 原居民身份证 by her ID-card e-licence (授权用证)
    _ok(
        api.put(
            f"{API}/applications/{draft['id']}/materials/0",
            json={"method": "licence", "licence_id": _licence_for(draft, 0)},
            headers=_auth(t),
        )
    )

    # 3. an address, mail chosen, submitted → waiting for the fee
    address = _ok(
        api.post(
            f"{API}/addresses",
            json={
                "recipient": "林晓岚",
                "mobile": "13912345678",
                "province_code": "990000",
                "city_code": "539900",
                "county_code": "539921",
                "detail": "栖凤大道66号3栋502室",
            },
            headers=_auth(t),
        ),
        201,
    )
    _ok(
        api.put(
            f"{API}/applications/{draft['id']}/delivery",
            json={"method": "mail", "address_id": address["id"]},
            headers=_auth(t),
        )
    )
    case = _submit(api, t, draft["id"])
    assert (case["status"], case["fee_fen"]) == ("payment_pending", 2000)
    assert case["case_number"].startswith("YQX-")

    # 4. pay with WeChat Pay; "pay" on the simulated phone → the signed callback marks it paid
    paying = _ok(api.post(f"{API}/applications/{case['id']}/payment", json={"channel": "wechat"}, headers=_auth(t)))
    assert paying["order"]["amount_fen"] == 2000 and paying["wechat"]["signType"] == "RSA"
    assert sandbox.wechatpay_pay(paying["order"]["out_trade_no"])["notify_status"] == 204
    assert _ok(api.get(f"{API}/applications/{case['id']}", headers=_auth(t)))["status"] == "submitted"

    # 5. the department: the demo clerk accepts, the demo reviewer approves (e-licence issued)
    clerk, reviewer = _staff(api, "yqx-ga-clerk"), _staff(api, "yqx-ga-reviewer")
    queue = _ok(api.get(f"{STAFF}/departments/YQX-GA/cases?status=submitted", headers=clerk))
    assert case["id"] in [c["id"] for c in queue["items"]]
    _ok(api.post(f"{STAFF}/cases/{case['id']}/accept", json={"note": "材料齐全，予以受理"}, headers=clerk))
    _ok(api.post(f"{STAFF}/cases/{case['id']}/approve", json={"note": "准予换领"}, headers=reviewer))
    _jobs(identity_app)  # the worker: result issued → SF order placed

    # 6. the parcel: the citizen's delivery view shows the SF order id the push control takes
    delivery = _ok(api.get(f"{API}/applications/{case['id']}/delivery", headers=_auth(t)))
    assert delivery["status"] == "ordered" and delivery["waybill_no"].startswith("SF")
    assert delivery["order_id"].startswith("ZSB")
    pushed = sandbox.sf_push(delivery["order_id"], all=True)  # POST :9104/sandbox/sf/push {"order_id", "all": true}
    assert all(a["body"]["return_code"] == "0000" for a in pushed["answers"])
    delivery = _ok(api.get(f"{API}/applications/{case['id']}/delivery", headers=_auth(t)))
    assert (delivery["status"], delivery["status_text"]) == ("delivered", "已签收")
    detail = _ok(api.get(f"{API}/applications/{case['id']}", headers=_auth(t)))
    assert detail["status"] == "concluded"
    wallet = _ok(api.get(f"{API}/licences", headers=_auth(t)))
    assert sum(1 for lic in wallet["items"] if lic["licence_type"]["code"] == "L-JMSFZ") >= 1


def test_alipay_citizen_gets_the_elderly_allowance_by_instant_approval(api, identity_app, sandbox):
    # 1. 钱桂芳 (82) logs in with Alipay and gives her real name → level 3 (enough for this item)
    t = _ok(api.post(f"{API}/auth/alipay", json={"auth_code": _code("qian")}))["access_token"]
    t = _ok(
        api.post(
            f"{API}/identity/realname",
            json={"name": "钱桂芳", "id_number": RESIDENTS["钱桂芳"]},
            headers=_auth(t),
        )
    )["access_token"]

    # 2. the draft: her ID card e-licence, a commitment for the bank account, the form
    guide = _ok(api.get(f"{API}/services/{ALLOWANCE}"))
    assert guide["instant"] is True and guide["fees"]["text"] == "免费"
    draft = _ok(api.post(f"{API}/applications", json={"service_code": ALLOWANCE}, headers=_auth(t)), 201)
    _fill(
        api,
        t,
        draft["id"],
        {
            "applicant_name": "钱桂芳",
            "birth_date": "1944-05-16",
            "contact_phone": "13712345678",
            "agent_relationship": "本人办理",
            "payment_channel": "社会保障卡金融账户",
        },
    )
    _ok(
        api.put(
            f"{API}/applications/{draft['id']}/materials/0",
            json={"method": "licence", "licence_id": _licence_for(draft, 0)},
            headers=_auth(t),
        )
    )
    bank = next(m for m in draft["materials"] if m["position"] == 2)
    _ok(
        api.put(
            f"{API}/applications/{draft['id']}/materials/2",
            json={"method": "commitment", "accept": True, "text_version": bank["options"]["commitment"]["version"]},
            headers=_auth(t),
        )
    )

    # 3. submit → approved in the same request (秒批), the rules named on the timeline
    case = _submit(api, t, draft["id"])
    assert case["status"] == "approved", case["timeline"]
    assert case["timeline"][-1]["action"] == "instant_approve" and "80" in case["timeline"][-1]["note"]
    _jobs(identity_app)  # no delivery choice: pickup at the hall, with a code

    # 4. pickup at the 民政 window with the code; then rate the service (好差评)
    delivery = _ok(api.get(f"{API}/applications/{case['id']}/delivery", headers=_auth(t)))
    assert delivery["status"] == "pickup_ready" and len(delivery["pickup"]["code"]) == 6
    clerk = _staff(api, "yqx-mz-clerk")
    ready = _ok(api.get(f"{STAFF}/departments/YQX-MZ/deliveries?status=pickup_ready", headers=clerk))
    [row] = [d for d in ready["items"] if d["case_number"] == case["case_number"]]
    _ok(
        api.post(
            f"{STAFF}/deliveries/{row['id']}/picked-up",
            json={"pickup_code": delivery["pickup"]["code"]},
            headers=clerk,
        )
    )
    assert _ok(api.get(f"{API}/applications/{case['id']}", headers=_auth(t)))["status"] == "concluded"
    awaiting = _ok(api.get(f"{API}/evaluations/awaiting", headers=_auth(t)))
    assert [c["case_id"] for c in awaiting["items"]] == [case["id"]]
    _ok(
        api.post(
            f"{API}/applications/{case['id']}/evaluation",
            json={"score": 5, "answers": {"efficiency": 5}, "comment": "不用跑腿，秒批"},
            headers=_auth(t),
        ),
        201,
    )


def test_app_citizen_by_sms_books_an_appointment_and_asks_a_question(api, identity_app):
    # 1. the mobile app: SMS code (printed by `flask residents sms-code`), then real name → level 3
    mobile = "13800138000"
    _ok(api.post(f"{API}/auth/sms/send", json={"mobile": mobile}))
    printed = identity_app.test_cli_runner().invoke(args=["residents", "sms-code", mobile])
    assert printed.exit_code == 0, printed.output
    t = _ok(api.post(f"{API}/auth/sms", json={"mobile": mobile, "code": printed.output.strip()}))["access_token"]
    t = _ok(
        api.post(
            f"{API}/identity/realname",
            json={"name": "王青山", "id_number": RESIDENTS["王青山"]},
            headers=_auth(t),
        )
    )["access_token"]

    # 2. the demo halls' slots for 内地居民结婚登记 (`flask appointments seed`), book the first free one
    seeded = identity_app.test_cli_runner().invoke(args=["appointments", "seed"])
    assert seeded.exit_code == 0, seeded.output
    slots = _ok(api.get(f"{API}/appointment-slots", query_string={"service_code": MARRIAGE}))["items"]
    slot = next(s for s in slots if s["remaining"] > 0)
    assert slot["hall_code"] == "YQX-ZWZX" and slot["window_number"] == "B03"
    booked = _ok(
        api.post(f"{API}/appointments", json={"slot_id": slot["id"], "service_code": MARRIAGE}, headers=_auth(t)),
        201,
    )
    assert booked["status"] == "booked" and len(booked["checkin_code"]) == 6
    # the window's list of that day (masked names) for the demo 民政 clerk
    clerk = _staff(api, "yqx-mz-clerk")
    day = _ok(api.get(f"{STAFF}/departments/YQX-MZ/appointments", query_string={"day": slot["day"]}, headers=clerk))
    assert booked["id"] in [a["id"] for a in day["items"]]

    # 3. a consultation about the item, answered by the department, rated by the citizen
    asked = _ok(
        api.post(
            f"{API}/complaints",
            json={
                "kind": "consultation",
                "subject_type": "item",
                "service_code": MARRIAGE,
                "title": "结婚登记需要带户口簿原件吗",
                "content": "我们双方户籍都在云栖县，预约当天需要带哪些证件？",
            },
            headers=_auth(t),
        ),
        201,
    )
    assert asked["department_code"] == "YQX-MZ" and asked["status"] == "open"
    _ok(
        api.post(
            f"{STAFF}/complaints/{asked['id']}/answer",
            json={"answer": "请双方携带本人居民身份证和户口簿原件。"},
            headers=clerk,
        )
    )
    answered = _ok(api.get(f"{API}/complaints/{asked['id']}", headers=_auth(t)))
    assert answered["status"] == "answered" and answered["answer"]
    _ok(api.post(f"{API}/complaints/{asked['id']}/rating", json={"rating": 5}, headers=_auth(t)))

    # the demo data has a clerk, a reviewer and a head in every department
    with identity_app.app_context():
        from app.catalog.models import Department
        from app.staff.models import StaffUser

        departments = set(db.session.scalars(sa.select(Department.code)))
        staffed = {
            (code, role) for code, role in db.session.execute(sa.select(StaffUser.department_code, StaffUser.role))
        }
        db.session.remove()
    roles = ("window_clerk", "reviewer", "department_head")
    assert {(code, role) for code in departments for role in roles} <= staffed
