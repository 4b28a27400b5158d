"""网上预约: slots, booking within capacity (also under concurrency on PostgreSQL), cancel
cut-off, check-in code for the day, no-shows and the booking ban, the day-before reminder."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.appointments import jobs, periodic
from app.appointments.models import Appointment, Slot
from app.extensions import db
from app.staff.models import StaffAction, StaffRole
from tests.cases.helpers import citizen
from tests.dialect import on_postgres
from tests.engagement import (
    ID_FIRST,
    MARRIAGE,
    account_of,
    china_now,
    make_slot,
    payloads,
    read,
)
from tests.identity.helpers import RESIDENTS, assert_error, bearer
from tests.staff_api.helpers import BASE, staff_token

APPTS = "/api/v1/appointments"


def book(api, token, slot_id, code=ID_FIRST, **extra):
    return api.post(APPTS, json={"slot_id": slot_id, "service_code": code, **extra}, headers=bearer(token))


def slot_row(app, slot_id) -> tuple[int, int]:
    return read(
        app, lambda: tuple(db.session.execute(sa.select(Slot.booked, Slot.capacity).where(Slot.id == slot_id)).one())
    )


def in_days(days: int, hour: int = 10):
    return (china_now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_book_see_and_cancel(api, identity_app):
    slot_id = make_slot(identity_app, at=in_days(3), capacity=2)
    listed = api.get(f"/api/v1/appointment-slots?service_code={ID_FIRST}").get_json()["items"]
    assert [s["id"] for s in listed] == [slot_id] and listed[0]["remaining"] == 2
    assert api.get(f"/api/v1/appointment-slots?service_code={MARRIAGE}").get_json()["items"] == []

    token = citizen(api)
    resp = book(api, token, slot_id)
    assert resp.status_code == 201, resp.get_json()
    appt = resp.get_json()
    assert appt["status"] == "booked" and len(appt["checkin_code"]) == 6 and appt["checkin_code"].isdigit()
    assert appt["service_name"] == "居民身份证首次申领" and appt["slot"]["hall_name"] == "测试政务服务大厅"
    assert slot_row(identity_app, slot_id) == (1, 2)
    [booked] = payloads(identity_app, "appointment.booked")
    assert booked["account_id"] == account_of(identity_app, token) and booked["appointment_id"] == appt["id"]
    assert api.get(f"/api/v1/appointment-slots?service_code={ID_FIRST}").get_json()["items"][0]["remaining"] == 1

    assert_error(book(api, token, slot_id), 409, "ALREADY_BOOKED")
    assert api.get(f"{APPTS}/{appt['id']}", headers=bearer(token)).get_json()["id"] == appt["id"]
    assert api.get(APPTS, headers=bearer(token)).get_json()["total"] == 1

    stranger = citizen(api, name="陈云栖")
    assert_error(api.get(f"{APPTS}/{appt['id']}", headers=bearer(stranger)), 404, "APPOINTMENT_NOT_FOUND")
    assert_error(api.delete(f"{APPTS}/{appt['id']}", headers=bearer(stranger)), 404, "APPOINTMENT_NOT_FOUND")
    assert api.get(APPTS, headers=bearer(stranger)).get_json()["total"] == 0

    resp = api.delete(f"{APPTS}/{appt['id']}", headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
    assert slot_row(identity_app, slot_id) == (0, 2)
    assert len(payloads(identity_app, "appointment.cancelled")) == 1
    assert_error(api.delete(f"{APPTS}/{appt['id']}", headers=bearer(token)), 409, "NOT_CANCELLABLE")
    assert book(api, token, slot_id).status_code == 201  # the place came back; may book again


def test_full_slot_wrong_item_and_bad_input(api, identity_app):
    slot_id = make_slot(identity_app, at=in_days(2), capacity=1)
    first, second = citizen(api), citizen(api, name="陈云栖")
    assert_error(book(api, first, slot_id, code=MARRIAGE), 422, "ITEM_NOT_SERVED")
    assert book(api, first, slot_id).status_code == 201
    assert_error(book(api, second, slot_id), 409, "SLOT_FULL")
    assert_error(book(api, second, 999_999), 404, "SLOT_NOT_FOUND")
    assert_error(book(api, second, slot_id, extra="x"), 422, "VALIDATION_ERROR")
    assert slot_row(identity_app, slot_id) == (1, 1)
    past = make_slot(identity_app, at=china_now() - timedelta(hours=2), capacity=5)
    assert_error(book(api, second, past), 409, "SLOT_CLOSED")
    assert read(identity_app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Appointment))) == 1


def test_cancel_cut_off(api, identity_app, monkeypatch):
    slot_id = make_slot(identity_app, at=china_now() + timedelta(minutes=90), capacity=3)
    token = citizen(api)
    appt = book(api, token, slot_id).get_json()
    # default cut-off: 120 minutes before the start; 90 minutes left
    body = assert_error(api.delete(f"{APPTS}/{appt['id']}", headers=bearer(token)), 409, "CANCEL_CUTOFF_PASSED")
    assert body["details"]["cancellable_until"] == appt["cancellable_until"]
    assert slot_row(identity_app, slot_id) == (1, 3)
    monkeypatch.setitem(identity_app.config, "APPOINTMENT_CANCEL_CUTOFF_MINUTES", 60)
    assert api.delete(f"{APPTS}/{appt['id']}", headers=bearer(token)).status_code == 200
    assert slot_row(identity_app, slot_id) == (0, 3)


def test_concurrent_bookings_never_exceed_capacity(api, identity_app):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    slot_id = make_slot(identity_app, at=in_days(4), capacity=3)
    tokens = [citizen(api, name=name) for name in list(RESIDENTS)[:8]]
    results: list[tuple[int, str | None]] = []
    barrier = threading.Barrier(len(tokens))

    def worker(tok):
        client = identity_app.test_client()
        barrier.wait()
        resp = book(client, tok, slot_id)
        results.append((resp.status_code, resp.get_json().get("error")))

    threads = [threading.Thread(target=worker, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=lambda r: r[0]) == [(201, None)] * 3 + [(409, "SLOT_FULL")] * 5, results
    assert slot_row(identity_app, slot_id) == (3, 3)
    count = read(identity_app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)))
    assert count == 3 and len(payloads(identity_app, "appointment.booked")) == 3


def _past_appointment(app, account_id: int, *, days_ago: int, status: str = "booked") -> int:
    slot_id = make_slot(app, at=in_days(-days_ago), capacity=5)

    def insert():
        slot = db.session.get(Slot, slot_id)
        appt = Appointment(
            slot_id=slot_id,
            hall_id=slot.window.hall_id,
            day=slot.day,
            account_id=account_id,
            service_code=ID_FIRST,
            service_name="居民身份证首次申领",
            status=status,
            checkin_code=f"{days_ago:06d}",
        )
        db.session.add(appt)
        db.session.execute(sa.update(Slot).where(Slot.id == slot_id).values(booked=1))
        db.session.commit()
        return appt.id

    return read(app, insert)


def test_no_shows_are_marked_and_ban_booking(api, identity_app, monkeypatch):
    token = citizen(api)
    account = account_of(identity_app, token)
    for days_ago in (5, 12, 40):
        _past_appointment(identity_app, account, days_ago=days_ago)
    kept = _past_appointment(identity_app, account, days_ago=8, status="checked_in")
    # a coming appointment is not a no-show
    later = make_slot(identity_app, at=in_days(3), capacity=2)
    assert book(api, token, later).status_code == 201

    assert read(identity_app, lambda: periodic.mark_no_shows()) == 3
    assert read(identity_app, lambda: jobs.mark_no_shows()) == 0  # the cron job: nothing left, safe twice
    statuses = read(identity_app, lambda: dict(db.session.execute(sa.select(Appointment.id, Appointment.status)).all()))
    assert statuses[kept] == "checked_in" and sorted(statuses.values()).count("no_show") == 3

    slot_id = make_slot(identity_app, at=in_days(2), capacity=2)
    body = assert_error(book(api, token, slot_id), 403, "BOOKING_BANNED")
    assert body["details"]["banned_until"] == (in_days(-5).date() + timedelta(days=30)).isoformat()
    assert book(api, citizen(api, name="陈云栖"), slot_id).status_code == 201  # others are not banned
    # the ban is configurable: a higher limit lets this citizen book again
    monkeypatch.setitem(identity_app.config, "APPOINTMENT_NO_SHOW_LIMIT", 4)
    assert book(api, token, slot_id).status_code == 201


def test_ban_lapses_after_the_ban_days(api, identity_app, monkeypatch):
    token = citizen(api)
    account = account_of(identity_app, token)
    for days_ago in (31, 35, 50):
        _past_appointment(identity_app, account, days_ago=days_ago, status="no_show")
    slot_id = make_slot(identity_app, at=in_days(2), capacity=2)
    assert book(api, token, slot_id).status_code == 201  # last no-show 31 days ago; ban of 30 days is over
    monkeypatch.setitem(identity_app.config, "APPOINTMENT_BAN_DAYS", 31)
    other = make_slot(identity_app, at=in_days(3), capacity=2)
    assert_error(book(api, token, other), 403, "BOOKING_BANNED")


def test_reminder_the_day_before_once(api, identity_app):
    tomorrow = make_slot(identity_app, at=in_days(1, hour=9), capacity=3)
    later = make_slot(identity_app, at=in_days(2), capacity=3)
    token, other = citizen(api), citizen(api, name="陈云栖")
    mine = book(api, token, tomorrow).get_json()
    cancelled = book(api, other, tomorrow).get_json()
    assert api.delete(f"{APPTS}/{cancelled['id']}", headers=bearer(other)).status_code == 200
    book(api, other, later)
    morning = china_now().replace(hour=8, minute=0)
    assert read(identity_app, lambda: periodic.send_reminders(now=morning)) == 0  # before the reminder hour
    ten = china_now().replace(hour=10, minute=0)
    assert read(identity_app, lambda: periodic.send_reminders(now=ten)) == 1
    assert read(identity_app, lambda: periodic.send_reminders(now=ten)) == 0
    [reminder] = payloads(identity_app, "appointment.reminder")
    assert reminder["appointment_id"] == mine["id"] and reminder["account_id"] == account_of(identity_app, token)
    assert reminder["day"] == in_days(1).date().isoformat() and reminder["service_name"] == "居民身份证首次申领"


def test_check_in_with_todays_code_in_my_department(api, identity_app):
    token = citizen(api)
    account = account_of(identity_app, token)
    today_slot = make_slot(identity_app, at=china_now().replace(hour=0, minute=5), capacity=2)

    def insert(slot_id, code):
        def run():
            slot = db.session.get(Slot, slot_id)
            appt = Appointment(
                slot_id=slot_id,
                hall_id=slot.window.hall_id,
                day=slot.day,
                account_id=account,
                service_code=ID_FIRST,
                service_name="居民身份证首次申领",
                checkin_code=code,
            )
            db.session.add(appt)
            db.session.commit()
            return appt.id

        return read(identity_app, run)

    appt_id = insert(today_slot, "123456")
    insert(make_slot(identity_app, at=in_days(-1), capacity=2), "654321")  # yesterday's
    url = f"{BASE}/departments/YQX-GA/appointments/check-in"
    mz = staff_token(api, identity_app, department="YQX-MZ", role=StaffRole.WINDOW_CLERK)
    assert_error(api.post(url, json={"code": "123456"}, headers=mz), 403, "DEPARTMENT_SCOPE")
    other_url = f"{BASE}/departments/YQX-MZ/appointments/check-in"
    assert_error(api.post(other_url, json={"code": "123456"}, headers=mz), 404, "CHECKIN_CODE_NOT_FOUND")
    clerk = staff_token(api, identity_app, department="YQX-GA", role=StaffRole.WINDOW_CLERK)
    assert_error(api.post(url, json={"code": "654321"}, headers=clerk), 404, "CHECKIN_CODE_NOT_FOUND")
    assert_error(api.post(url, json={"code": "12ab56"}, headers=clerk), 422, "VALIDATION_ERROR")
    resp = api.post(url, json={"code": "123456"}, headers=clerk)
    assert resp.status_code == 200 and resp.get_json()["status"] == "checked_in", resp.get_json()
    assert_error(api.post(url, json={"code": "123456"}, headers=clerk), 409, "ALREADY_CHECKED_IN")
    assert read(identity_app, lambda: db.session.get(Appointment, appt_id).status) == "checked_in"
    day = api.get(f"{BASE}/departments/YQX-GA/appointments", headers=clerk).get_json()
    assert [(i["id"], i["status"], i["applicant_masked"]) for i in day["items"]] == [(appt_id, "checked_in", "**岚")]
    assert "checkin_code" not in day["items"][0]
    assert api.get(f"{BASE}/departments/YQX-MZ/appointments", headers=mz).get_json()["items"] == []
    assert_error(api.get(f"{BASE}/departments/YQX-GA/appointments", headers=mz), 403, "DEPARTMENT_SCOPE")
    audited = read(
        identity_app,
        lambda: db.session.scalar(
            sa.select(sa.func.count()).select_from(StaffAction).where(StaffAction.action == "appointment.check_in")
        ),
    )
    assert audited == 1


def test_the_cron_job_runs_on_a_worker(api, identity_app, monkeypatch):
    from rq import Queue

    from app.extensions import redis_ext
    from app.queues import Queues
    from app.worker import clear_queues, drain

    monkeypatch.setitem(identity_app.config, "APPOINTMENT_REMINDER_HOUR", 0)
    slot_id = make_slot(identity_app, at=in_days(1, hour=15), capacity=2)
    appt = book(api, citizen(api), slot_id).get_json()
    with identity_app.app_context():
        clear_queues()
        Queue(Queues.LOW, connection=redis_ext.client).enqueue(jobs.send_reminders)
        Queue(Queues.LOW, connection=redis_ext.client).enqueue(jobs.send_reminders)
        assert drain([Queues.LOW]) == 2
        db.session.remove()
    assert [p["appointment_id"] for p in payloads(identity_app, "appointment.reminder")] == [appt["id"]]


def test_a_check_in_code_is_unique_per_hall_and_day(api, identity_app):
    from sqlalchemy.exc import IntegrityError

    first = make_slot(identity_app, at=in_days(2, hour=9), capacity=2)
    second = make_slot(identity_app, at=in_days(2, hour=10), capacity=2, window="B01")
    account = account_of(identity_app, citizen(api))

    def insert_twice():
        for slot_id in (first, second):
            slot = db.session.get(Slot, slot_id)
            db.session.add(
                Appointment(
                    slot_id=slot_id,
                    hall_id=slot.window.hall_id,
                    day=slot.day,
                    account_id=account,
                    service_code=ID_FIRST,
                    service_name="居民身份证首次申领",
                    checkin_code="777777",
                )
            )
            db.session.flush()

    with pytest.raises(IntegrityError):
        read(identity_app, insert_twice)


def test_booking_for_an_application(api, identity_app):
    from tests.cases.helpers import create_draft

    slot_id = make_slot(identity_app, at=in_days(2), capacity=3)
    token = citizen(api)
    own = create_draft(api, token, code=ID_FIRST)
    other_item = create_draft(api, token)  # 户籍证明开具: not served at this window
    stranger = citizen(api, name="陈云栖")
    assert_error(book(api, stranger, slot_id, case_id=own["id"]), 404, "APPLICATION_NOT_FOUND")
    assert_error(book(api, token, slot_id, case_id=other_item["id"]), 422, "ITEM_NOT_SERVED")
    resp = book(api, token, slot_id, case_id=own["id"])
    assert resp.status_code == 201 and resp.get_json()["case_id"] == own["id"]
    [booked] = payloads(identity_app, "appointment.booked")
    assert booked["case_id"] == own["id"] and "case_number" in booked
