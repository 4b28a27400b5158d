"""Idle bundle drafts expire like case drafts (app/bundles/retention.py on the rule of
app/cases/retention.py): a notice DRAFT_EXPIRY_NOTICE_DAYS before, then the draft goes with its
uploaded files after DRAFT_EXPIRY_DAYS idle; a submitted bundle and a case draft are another matter."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from app.bundles import retention
from app.bundles.models import BundleApplication, BundleFile, BundleStep
from app.cases import retention as case_retention
from app.cases.models import Case, utcnow
from app.extensions import db
from app.outbox import events_for
from app.storage import get_storage
from app.worker import drain
from notifications.models import Message
from tests.bundles.helpers import BUNDLES, ready, start, submit, upload
from tests.cases.helpers import citizen, create_draft
from tests.identity.helpers import assert_error, bearer


def _age(application_id: int, when) -> None:
    db.session.execute(
        sa.update(BundleApplication).where(BundleApplication.id == application_id).values(updated_at=when)
    )
    db.session.commit()


def test_an_idle_bundle_draft_is_announced_then_expires_with_its_files(api, actx, trio):
    token = citizen(api)
    idle = start(api, token, trio, {"need_medical": False}).get_json()
    assert upload(api, token, idle["id"], idle["materials"][0]["position"]).status_code == 201
    [key] = db.session.scalars(sa.select(BundleFile.storage_key)).all()
    fresh = start(api, token, trio, {"need_medical": False}).get_json()
    sent = ready(api, token, trio, {"need_medical": False})
    assert submit(api, token, sent["id"]).status_code == 200
    case_draft = create_draft(api, token)  # a case draft is not a bundle draft
    now = utcnow()

    assert retention.DRAFTS.model is BundleApplication
    assert case_retention.warn_expiring(now + timedelta(days=22), kind=retention.DRAFTS) == 0
    day24 = now + timedelta(days=24)
    assert case_retention.warn_expiring(day24, kind=retention.DRAFTS) == 2  # idle and fresh, not the submitted one
    assert case_retention.warn_expiring(day24 + timedelta(hours=1), kind=retention.DRAFTS) == 0
    [event] = [e for e in events_for("bundle_application", idle["id"]) if e.event_type == "bundle.draft_expiring"]
    assert event.payload["account_id"] and event.payload["expires_on"] == (day24 + timedelta(days=7)).date().isoformat()
    steps = db.session.scalars(sa.select(BundleStep.action).where(BundleStep.application_id == idle["id"])).all()
    assert steps == ["draft_expiring"]
    db.session.expire_all()
    assert db.session.get(BundleApplication, idle["id"]).updated_at < now  # the notice is not a change

    # the citizen goes on with `fresh` after its notice: it is no longer due
    _age(fresh["id"], day24 + timedelta(hours=2))
    assert case_retention.expire_idle(day24 + timedelta(days=6), kind=retention.DRAFTS) == 0
    assert case_retention.expire_idle(day24 + timedelta(days=7), kind=retention.DRAFTS) == 1
    db.session.expire_all()
    assert db.session.get(BundleApplication, idle["id"]) is None
    assert db.session.get(BundleApplication, fresh["id"]) is not None
    assert db.session.get(BundleApplication, sent["id"]).status == "in_progress"
    assert db.session.get(Case, case_draft["id"]) is not None
    assert not get_storage().exists(key)
    assert_error(api.get(f"{BUNDLES}/{idle['id']}", headers=bearer(token)), 404, "BUNDLE_APPLICATION_NOT_FOUND")


def test_the_job_tells_the_citizen_in_the_inbox(api, actx, trio, caplog):
    token = citizen(api)
    draft = start(api, token, trio, {"need_medical": False}).get_json()
    _age(draft["id"], utcnow() - timedelta(days=24))
    with caplog.at_level(logging.INFO, logger="app.cases.retention"):
        assert retention.expire_drafts() == {"warned": 1, "expired": 0}
    assert "retention: bundle drafts warned 1, bundle drafts expired 0" in caplog.text
    drain()
    db.session.expire_all()
    [message] = db.session.scalars(
        sa.select(Message).where(Message.event_type == "bundle.draft_expiring", Message.channel == "inbox")
    ).all()
    assert message.title == "草稿即将删除" and "测试一件事" in message.body and "自动删除" in message.body
    # the case drafts' job leaves bundle drafts alone, and the other way round
    assert case_retention.expire_drafts() == {"warned": 0, "expired": 0}
