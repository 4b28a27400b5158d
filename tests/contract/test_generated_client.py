"""A client generated from the app's /openapi.json with openapi-python-client (as a front-end team
would, with the repository's generator config) builds with zero warnings, and walks the README's
WeChat journey end to end against the app served over HTTP: login → real name → face → draft →
form → materials → mail-out address → submit → pay (WeChat Pay callback) → staff accept and
approve → SF order and route pushes → delivered and concluded."""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.staff.models import TABLES as STAFF_TABLES
from tests.cases.helpers import png_bytes
from tests.contract.generated import models, op
from tests.jobs import run_jobs

ID_RENEWAL = "1153992101967557720000107020001"  # 居民身份证换领: 2000 fen, mail or pickup (YQX-GA)
PASSWORD = "Contract-Test-2026"


@pytest.fixture
def staff_of(app):
    """Make staff accounts of a department (removed afterwards with their audit rows)."""
    from app.staff import service as staff

    made = []

    def make(department: str, role: str) -> str:
        username = f"ct-{role[:6]}-{uuid.uuid4().hex[:6]}".replace("_", "-")
        with app.app_context():
            staff.create_staff(username=username, password=PASSWORD, department_code=department, role=role)
            db.session.remove()
        made.append(username)
        return username

    yield make
    with app.app_context():
        for table in STAFF_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


def test_the_generator_prints_no_warning_and_the_package_imports(client_package):
    m = models(client_package)
    for name in ("LicenceSummary", "LicenceSummaryPage", "LicenceDetail", "LicenceCheck", "Application"):
        assert hasattr(m, name), name
    # the PNG and SVG downloads are part of the client (binary responses)
    image = op(client_package, "licences", "getShowCodeImage")
    assert "File" in str(image.sync_detailed.__annotations__["return"])


def test_wechat_citizen_with_a_fee_and_mail_out(client_package, live_url, sandbox, sandbox_app, clean_slate, staff_of):
    pkg, m = client_package, models(client_package)
    anonymous = pkg.Client(base_url=live_url, raise_on_unexpected_status=True)

    def as_user(token: str):
        return pkg.AuthenticatedClient(base_url=live_url, token=token, raise_on_unexpected_status=True)

    # the guide, as the citizen finds the item
    guide = op(pkg, "catalog", "getService").sync(client=anonymous, code=ID_RENEWAL)
    assert isinstance(guide, m.ServiceGuide) and guide.fees.from_fen > 0
    assert m.ServiceGuideDeliveryOptionsItem.MAIL in guide.delivery_options

    # WeChat login (level 2) → real name (level 3) → face check on the phone (level 4)
    token = op(pkg, "auth", "loginWithWechat").sync(
        client=anonymous, body=m.WechatLogin(code=f"linxiaolan:{uuid.uuid4().hex[:8]}")
    )
    assert isinstance(token, m.Token) and token.level == m.TokenLevel.VALUE_2
    token = op(pkg, "identity", "verifyRealname").sync(
        client=as_user(token.access_token), body=m.Realname(name="林晓岚", id_number="539921199003071204")
    )
    assert token.level == m.TokenLevel.VALUE_3
    citizen = as_user(token.access_token)
    started = op(pkg, "identity", "startFaceCheck").sync(
        client=citizen, body=m.FaceStart(channel=m.FaceStartChannel.WECHAT)
    )
    sandbox.face_outcome(started.verify_id, "pass")
    token = op(pkg, "identity", "completeFaceCheck").sync(
        client=citizen, body=m.FaceComplete(verify_id=started.verify_id)
    )
    assert token.level == m.TokenLevel.VALUE_4 and token.face_at is not None
    citizen = as_user(token.access_token)
    me = op(pkg, "identity", "getMe").sync(client=citizen)
    assert me.realname.id_number.endswith("1204") and me.channels[0].channel == m.ChannelViewChannel.WECHAT

    # draft → form → materials by upload
    draft = op(pkg, "applications", "createApplication").sync(
        client=citizen, body=m.DraftCreate(service_code=ID_RENEWAL)
    )
    assert draft.status == m.ApplicationStatus.DRAFT and draft.fee_fen == 2000
    form = m.FormPatchForm.from_dict(
        {
            "applicant_name": "林晓岚",
            "contact_phone": "13800138000",
            "apply_reason": "有效期满",
            "is_nonlocal": False,
            "delivery_method": "邮寄送达",
            "mailing_address": "青岚市云栖县栖凤大道188号3栋2单元501室",
        }
    )
    draft = op(pkg, "applications", "updateApplicationForm").sync(
        client=citizen, case_id=draft.id, body=m.FormPatch(form=form)
    )
    assert draft.form_errors.to_dict() == {}
    upload = op(pkg, "applications", "uploadMaterialFile")
    for material in draft.materials:
        if material.required and not material.met:
            file = pkg.types.File(payload=io.BytesIO(png_bytes()), file_name="scan.png", mime_type="image/png")
            draft = upload.sync(
                client=citizen, case_id=draft.id, position=material.position, body=m.FileUpload(file=file)
            )
    assert all(x.met for x in draft.materials if x.required)

    # an address, and mail as the way the result reaches me
    address = op(pkg, "delivery", "createAddress").sync(
        client=citizen,
        body=m.AddressCreate(
            recipient="林晓岚",
            mobile="13912345678",
            province_code="990000",
            city_code="539900",
            county_code="539921",
            detail="栖凤大道66号翠湖小区3栋2单元501室",
            is_default=True,
        ),
    )
    assert address.mobile == "13912345678"  # mine, in full
    chosen = op(pkg, "delivery", "chooseDelivery").sync(
        client=citizen,
        case_id=draft.id,
        body=m.DeliveryChoice(method=m.DeliveryChoiceMethod.MAIL, address_id=address.id),
    )
    assert chosen.method == m.DeliveryMethod.MAIL and chosen.status == m.DeliveryStatus.CHOSEN

    # submit (repeat-safe) → the fee is due → WeChat Pay on the phone → the callback settles it
    submit = op(pkg, "applications", "submitApplication")
    key = f"contract-{uuid.uuid4().hex}"
    case = submit.sync(client=citizen, case_id=draft.id, idempotency_key=key)
    assert case.status == m.ApplicationStatus.PAYMENT_PENDING and case.case_number
    assert submit.sync(client=citizen, case_id=draft.id, idempotency_key=key).id == case.id
    paying = op(pkg, "payments", "startPayment").sync(
        client=citizen, case_id=case.id, body=m.PaymentStart(channel=m.PaymentStartChannel.WECHAT)
    )
    assert paying.order.amount_fen == 2000 and paying.wechat.package.startswith("prepay_id=")
    sandbox.wechatpay_pay(paying.order.out_trade_no)
    paid = op(pkg, "payments", "getPayment").sync(client=citizen, case_id=case.id)
    assert paid.order.status == m.FeeOrderStatus.PAID and paid.case_status == m.PaymentCaseStatus.SUBMITTED

    # the department: accept and approve (the e-licence is issued, the result goes out by SF)
    staff_login = op(pkg, "staff", "staffLogin")
    act = op(pkg, "staff_cases", "staffActOnCase")
    for role, actions in (("window_clerk", ("accept",)), ("reviewer", ("approve",))):
        username = staff_of("YQX-GA", role)
        staff_token = staff_login.sync(client=anonymous, body=m.StaffLogin(username=username, password=PASSWORD))
        officer = as_user(staff_token.access_token)
        queue = op(pkg, "staff_cases", "staffListCases").sync(client=officer, department_code="YQX-GA")
        assert case.id in [item.id for item in queue.items]
        for action in actions:
            moved = act.sync(
                client=officer,
                case_id=case.id,
                action=m.StaffActOnCaseAction(action),
                body=m.CaseAction(note="材料齐全"),
            )
            assert isinstance(moved, m.StaffCase), moved
    assert moved.status == m.StaffCaseStatus.APPROVED
    assert run_jobs(sandbox_app) >= 2  # result issued → the SF order job

    get_delivery = op(pkg, "delivery", "getDelivery")
    delivery = get_delivery.sync(client=citizen, case_id=case.id)
    assert delivery.status == m.DeliveryStatus.ORDERED and delivery.waybill_no.startswith("SF")
    order_id = next(o["order_id"] for o in sandbox.sf_orders() if o["waybill_no"] == delivery.waybill_no)
    pushed = sandbox.sf_push(order_id, all=True)  # picked up … signed for, over HTTP to the app
    assert all(a["body"]["return_code"] == "0000" for a in pushed["answers"])
    delivery = get_delivery.sync(client=citizen, case_id=case.id)
    assert delivery.status == m.DeliveryStatus.DELIVERED and delivery.routes[0].at.tzinfo is not None

    done = op(pkg, "applications", "getApplication").sync(client=citizen, case_id=case.id)
    assert done.status == m.ApplicationStatus.CONCLUDED
    assert [e.to_status for e in done.timeline][-1] == m.AppTimelineEntryToStatus.CONCLUDED
    wallet = op(pkg, "licences", "listLicences").sync(client=citizen)
    assert isinstance(wallet, m.LicenceSummaryPage) and wallet.total >= 1
    run_jobs(sandbox_app)
    inbox = op(pkg, "notifications", "listMessages").sync(client=citizen)
    assert inbox.total >= 1 and inbox.items[0].created_at.tzinfo is not None
