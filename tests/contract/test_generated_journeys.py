"""The README's other two journeys walked with the generated client only, with the demo accounts
(`make seed` data): an Alipay citizen (钱桂芳, 82) whose 高龄津贴 is approved on submit (秒批) and
picked up at the hall, then rated; an app citizen (王青山) logged in by SMS who books a hall
appointment and asks a question the department answers."""

from __future__ import annotations

import datetime
import uuid

from app.staff.demo import DEMO_PASSWORD
from tests.contract.generated import models, op
from tests.identity.helpers import RESIDENTS
from tests.jobs import run_jobs

ALLOWANCE = "1153992102507040050000205060001"  # 高龄津贴申领, YQX-MZ: 秒批 for 80+
MARRIAGE = "1153992102507040050000207010001"  # 内地居民结婚登记, YQX-MZ: window B03


def ok(result, cls):
    """The generated call's parsed body, which must be the success model (not an ErrorEnvelope)."""
    assert isinstance(result, cls), result
    return result


def clients(pkg, live_url):
    anonymous = pkg.Client(base_url=live_url, raise_on_unexpected_status=True)

    def as_user(token: str):
        return pkg.AuthenticatedClient(base_url=live_url, token=token, raise_on_unexpected_status=True)

    return anonymous, as_user


def staff(pkg, m, anonymous, as_user, username: str):
    token = op(pkg, "staff", "staffLogin").sync(
        client=anonymous, body=m.StaffLogin(username=username, password=DEMO_PASSWORD)
    )
    return as_user(ok(token, m.StaffToken).access_token)


def test_alipay_citizen_gets_the_allowance_by_instant_approval(client_package, live_url, sandbox_app, demo):
    pkg, m = client_package, models(client_package)
    anonymous, as_user = clients(pkg, live_url)

    token = op(pkg, "auth", "loginWithAlipay").sync(
        client=anonymous, body=m.AlipayLogin(auth_code=f"qian:{uuid.uuid4().hex[:8]}")
    )
    token = op(pkg, "identity", "verifyRealname").sync(
        client=as_user(ok(token, m.Token).access_token),
        body=m.Realname(name="钱桂芳", id_number=RESIDENTS["钱桂芳"]),
    )
    citizen = as_user(ok(token, m.Token).access_token)

    guide = ok(op(pkg, "catalog", "getService").sync(client=anonymous, code=ALLOWANCE), m.ServiceGuide)
    assert guide.instant is True and guide.fees.text == "免费"
    draft = ok(
        op(pkg, "applications", "createApplication").sync(client=citizen, body=m.DraftCreate(service_code=ALLOWANCE)),
        m.Application,
    )
    form = m.FormPatchForm.from_dict(
        {
            "applicant_name": "钱桂芳",
            "birth_date": "1944-05-16",
            "contact_phone": "13712345678",
            "agent_relationship": "本人办理",
            "payment_channel": "社会保障卡金融账户",
        }
    )
    draft = ok(
        op(pkg, "applications", "updateApplicationForm").sync(
            client=citizen, case_id=draft.id, body=m.FormPatch(form=form)
        ),
        m.Application,
    )
    choose = op(pkg, "applications", "chooseMaterial")
    id_card, bank = draft.materials[0], next(x for x in draft.materials if x.position == 2)
    draft = ok(
        choose.sync(
            client=citizen,
            case_id=draft.id,
            position=0,
            body=m.MaterialChoice(method=m.MaterialChoiceMethod.LICENCE, licence_id=id_card.options.licences[0].id),
        ),
        m.Application,
    )
    draft = ok(
        choose.sync(
            client=citizen,
            case_id=draft.id,
            position=2,
            body=m.MaterialChoice(
                method=m.MaterialChoiceMethod.COMMITMENT, accept=True, text_version=bank.options.commitment.version
            ),
        ),
        m.Application,
    )

    case = ok(
        op(pkg, "applications", "submitApplication").sync(
            client=citizen, case_id=draft.id, idempotency_key=f"qian-{uuid.uuid4().hex}"
        ),
        m.Application,
    )
    assert case.status == m.ApplicationStatus.APPROVED  # 秒批, in the same request
    assert case.timeline[-1].action == "instant_approve" and "80" in case.timeline[-1].note
    run_jobs(sandbox_app)  # no delivery choice: pickup at the hall

    delivery = ok(op(pkg, "delivery", "getDelivery").sync(client=citizen, case_id=case.id), m.Delivery)
    assert delivery.status == m.DeliveryStatus.PICKUP_READY and len(delivery.pickup.code) == 6
    clerk = staff(pkg, m, anonymous, as_user, "yqx-mz-clerk")
    ready = ok(
        op(pkg, "staff_delivery", "staffListDeliveries").sync(
            client=clerk, department_code="YQX-MZ", status=m.StaffListDeliveriesStatus.PICKUP_READY
        ),
        m.StaffDeliveryPage,
    )
    [row] = [d for d in ready.items if d.case_number == case.case_number]
    picked = op(pkg, "staff_delivery", "staffMarkPickedUp").sync(
        client=clerk, delivery_id=row.id, body=m.PickupCode(pickup_code=delivery.pickup.code)
    )
    assert ok(picked, m.StaffDelivery).status == m.StaffDeliveryStatus.COLLECTED
    done = ok(op(pkg, "applications", "getApplication").sync(client=citizen, case_id=case.id), m.Application)
    assert done.status == m.ApplicationStatus.CONCLUDED

    awaiting = op(pkg, "evaluations", "listAwaitingEvaluations").sync(client=citizen)
    assert [c.case_id for c in awaiting.items] == [case.id]
    rated = op(pkg, "evaluations", "createEvaluation").sync(
        client=citizen,
        case_id=case.id,
        body=m.EvaluationCreate(
            score=5, answers=m.EvaluationCreateAnswers.from_dict({"efficiency": 5}), comment="不用跑腿，秒批"
        ),
    )
    assert ok(rated, m.CitizenEvaluation).score == 5 and rated.followup is None


def test_app_citizen_by_sms_books_an_appointment_and_asks_a_question(client_package, live_url, sandbox_app, demo):
    pkg, m = client_package, models(client_package)
    anonymous, as_user = clients(pkg, live_url)

    mobile = "13800138000"
    sent = op(pkg, "auth", "sendSmsCode").sync(client=anonymous, body=m.SmsSend(mobile=mobile))
    assert ok(sent, m.SmsSent).expires_in > 0
    printed = sandbox_app.test_cli_runner().invoke(args=["residents", "sms-code", mobile])
    assert printed.exit_code == 0, printed.output
    token = op(pkg, "auth", "loginWithSms").sync(
        client=anonymous, body=m.SmsLogin(mobile=mobile, code=printed.output.strip())
    )
    token = op(pkg, "identity", "verifyRealname").sync(
        client=as_user(ok(token, m.Token).access_token),
        body=m.Realname(name="王青山", id_number=RESIDENTS["王青山"]),
    )
    citizen = as_user(ok(token, m.Token).access_token)
    me = ok(op(pkg, "identity", "getMe").sync(client=citizen), m.Me)
    assert me.channels[0].channel == m.ChannelViewChannel.APP and me.level == m.MeLevel.VALUE_3

    slots = ok(
        op(pkg, "appointments", "listAppointmentSlots").sync(client=anonymous, service_code=MARRIAGE), m.SlotList
    )
    slot = next(s for s in slots.items if s.remaining > 0)
    assert slot.hall_code == "YQX-ZWZX" and isinstance(slot.day, datetime.date)
    booked = op(pkg, "appointments", "bookAppointment").sync(
        client=citizen, body=m.Booking(slot_id=slot.id, service_code=MARRIAGE)
    )
    assert ok(booked, m.Appointment).status == m.AppointmentStatus.BOOKED and len(booked.checkin_code) == 6
    assert booked.cancellable_until.utcoffset() == datetime.timedelta(hours=8)  # Beijing time, stated
    clerk = staff(pkg, m, anonymous, as_user, "yqx-mz-clerk")
    day = op(pkg, "staff_appointments", "staffListAppointments").sync(
        client=clerk, department_code="YQX-MZ", day=slot.day
    )
    assert booked.id in [a.id for a in ok(day, m.StaffAppointmentDay).items]

    asked = op(pkg, "complaints", "createComplaint").sync(
        client=citizen,
        body=m.ComplaintCreate(
            kind=m.ComplaintCreateKind.CONSULTATION,
            subject_type=m.ComplaintCreateSubjectType.ITEM,
            service_code=MARRIAGE,
            title="结婚登记需要带户口簿原件吗",
            content="我们双方户籍都在云栖县，预约当天需要带哪些证件？",
        ),
    )
    assert ok(asked, m.Complaint).status == m.ComplaintStatus.OPEN and asked.department_code == "YQX-MZ"
    answered = op(pkg, "staff_complaints", "staffAnswerComplaint").sync(
        client=clerk, complaint_id=asked.id, body=m.Answer(answer="请双方携带本人居民身份证和户口簿原件。")
    )
    assert ok(answered, m.StaffComplaint).status == m.StaffComplaintStatus.ANSWERED
    seen = ok(op(pkg, "complaints", "getComplaint").sync(client=citizen, complaint_id=asked.id), m.Complaint)
    assert seen.answer and seen.answered_at.tzinfo is not None
    rated = op(pkg, "complaints", "rateComplaint").sync(
        client=citizen, complaint_id=asked.id, body=m.ComplaintRating(rating=5)
    )
    assert ok(rated, m.Complaint).rating == 5
