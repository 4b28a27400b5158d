"""The end of a draft (issue 15, retention): discarded by its citizen with DELETE, or expired after
DRAFT_EXPIRY_DAYS idle with a notice DRAFT_EXPIRY_NOTICE_DAYS before; files go with it."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from app.cases import retention
from app.cases.models import Case, CaseFile, CaseMaterial, utcnow
from app.extensions import db
from app.outbox import events_for
from app.worker import drain
from delivery.models import Delivery
from notifications.models import Message
from tests.cases.helpers import APPS, citizen, create_draft, fill_form, ready_draft, submit, upload
from tests.delivery.helpers import add_address, choose
from tests.identity.helpers import assert_error, bearer


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Case, CaseMaterial, CaseFile))


def test_a_citizen_discards_a_draft_with_its_files(api, actx, storage_dir):
    token = citizen(api)
    draft = create_draft(api, token)
    fill_form(api, token, draft)
    upload(api, token, draft["id"], 0)
    upload(api, token, draft["id"], 1)
    keep = create_draft(api, token)  # another draft of the same citizen stays
    assert len(list(storage_dir.rglob("*.pdf"))) == 2
    resp = api.delete(f"{APPS}/{draft['id']}", headers=bearer(token))
    assert resp.status_code == 204 and resp.data == b""
    assert list(storage_dir.rglob("*.pdf")) == []
    assert counts() == (1, len(keep["materials"]), 0)
    assert_error(api.get(f"{APPS}/{draft['id']}", headers=bearer(token)), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.delete(f"{APPS}/{draft['id']}", headers=bearer(token)), 404, "APPLICATION_NOT_FOUND")


def test_only_own_drafts_can_be_discarded(api, actx):
    owner = citizen(api)
    draft = create_draft(api, owner)
    other = citizen(api, name="陈云栖")
    assert_error(api.delete(f"{APPS}/{draft['id']}", headers=bearer(other)), 404, "APPLICATION_NOT_FOUND")
    case = ready_draft(api, owner)
    assert submit(api, owner, case["id"]).status_code == 200
    body = assert_error(api.delete(f"{APPS}/{case['id']}", headers=bearer(owner)), 409, "NOT_A_DRAFT")
    assert body["details"]["status"]["current"] == "submitted"
    assert counts()[0] == 2


def test_a_draft_with_a_chosen_delivery_is_discarded_with_it(api, actx):
    token = citizen(api)
    draft = create_draft(api, token)
    address = add_address(api, token)
    assert choose(api, token, draft["id"], "mail", address["id"]).status_code == 200
    assert api.delete(f"{APPS}/{draft['id']}", headers=bearer(token)).status_code == 204
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    assert counts()[0] == 0


def test_idle_drafts_are_announced_then_expire_with_their_files(api, actx, storage_dir, caplog):
    token = citizen(api)
    idle = create_draft(api, token)
    upload(api, token, idle["id"], 0)
    [idle_file] = db.session.scalars(sa.select(CaseFile.storage_key)).all()
    fresh = create_draft(api, token)
    submitted = ready_draft(api, token)
    assert submit(api, token, submitted["id"]).status_code == 200
    now = utcnow()

    # day 22: nothing yet (30 days, notice 7 days before)
    assert retention.warn_expiring(now + timedelta(days=22)) == 0
    # day 24: one notice for each idle draft (submitted cases are not drafts), once
    day24 = now + timedelta(days=24)
    assert retention.warn_expiring(day24) == 2
    assert retention.warn_expiring(day24 + timedelta(hours=1)) == 0
    [event] = [e for e in events_for("case", idle["id"]) if e.event_type == "case.draft_expiring"]
    assert event.payload["account_id"] and event.payload["expires_on"] == (day24 + timedelta(days=7)).date().isoformat()
    # the notice does not count as a change of the draft
    db.session.expire_all()
    assert db.session.get(Case, idle["id"]).updated_at < now

    # the citizen goes on with `fresh` after the notice: it is no longer due
    db.session.execute(sa.update(Case).where(Case.id == fresh["id"]).values(updated_at=day24 + timedelta(hours=2)))
    db.session.commit()
    # day 30 but the notice is only 6 days old: nothing goes yet
    assert retention.expire_idle(day24 + timedelta(days=6)) == 0
    assert retention.expire_idle(day24 + timedelta(days=7)) == 1
    db.session.expire_all()
    assert db.session.get(Case, idle["id"]) is None and db.session.get(Case, fresh["id"]) is not None
    assert not (storage_dir / idle_file).exists()
    assert db.session.get(Case, submitted["id"]).status == "submitted"

    # the job, at the real time: a draft idle for 24 days gets its notice; counts in the log line
    late = create_draft(api, token)
    db.session.execute(sa.update(Case).where(Case.id == late["id"]).values(updated_at=now - timedelta(days=24)))
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="app.cases.retention"):
        assert retention.expire_drafts() == {"warned": 1, "expired": 0}
    assert "retention: drafts warned 1, drafts expired 0" in caplog.text


def test_the_notice_reaches_the_citizens_inbox(api, actx):
    db.session.execute(sa.delete(Message))
    db.session.commit()
    token = citizen(api)
    draft = create_draft(api, token)
    assert retention.warn_expiring(utcnow() + timedelta(days=25)) == 1
    drain()
    db.session.expire_all()
    [message] = db.session.scalars(
        sa.select(Message).where(Message.case_id == draft["id"], Message.channel == "inbox")
    ).all()
    assert message.event_type == "case.draft_expiring"
    assert message.title == "草稿即将删除" and "户籍证明开具" in message.body and "自动删除" in message.body
