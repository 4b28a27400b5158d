"""One progress message per meaningful step of the bundle instead of one per member, through
notifications/ (consent rules unchanged: without a subscription the WeChat copy is skipped)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from notifications.models import Message
from tests.bundles.helpers import HUJI, decide, ready, submit
from tests.cases.helpers import citizen
from tests.jobs import run_jobs


def _inbox():
    """The inbox messages about progress (a pickup code of delivery/ is its own business)."""
    rows = db.session.scalars(sa.select(Message).where(Message.channel == "inbox").order_by(Message.id)).all()
    return [(m.event_type, m.title) for m in rows if m.event_type.split(".")[0] in ("bundle", "case")]


def test_a_submitted_bundle_is_one_message_not_one_per_member(api, actx, identity_app, trio):
    token = citizen(api)
    body = submit(api, token, ready(api, token, trio, {"need_medical": True})["id"]).get_json()
    assert len(body["members"]) == 3
    run_jobs(identity_app)
    assert _inbox() == [("bundle.submitted", "一件事已提交")]
    message = db.session.scalar(sa.select(Message).where(Message.channel == "inbox"))
    assert "测试一件事" in message.body and "3个事项" in message.body
    assert message.page == f"pages/bundles/detail?id={body['id']}"
    # the citizen gave no consent for subscribe messages: the WeChat copy is skipped, not sent
    wechat = db.session.scalars(sa.select(Message).where(Message.channel == "wechat")).all()
    assert all(m.status == "skipped" and m.error_code == "NO_CONSENT" for m in wechat)


def test_member_decisions_are_one_message_when_all_are_done(api, actx, identity_app, trio):
    token = citizen(api)
    body = submit(api, token, ready(api, token, trio, {"need_medical": False})["id"]).get_json()
    for member in body["members"]:
        decide(api, identity_app, member)
    run_jobs(identity_app)
    assert [e for e, _ in _inbox()] == ["bundle.submitted", "bundle.results_ready"]


def test_a_denial_names_the_member(api, actx, identity_app, trio):
    token = citizen(api)
    body = submit(api, token, ready(api, token, trio, {"need_medical": False})["id"]).get_json()
    huji = next(m for m in body["members"] if m["service_code"] == HUJI)
    decide(api, identity_app, huji, action="deny", note="材料不符")
    run_jobs(identity_app)
    assert [e for e, _ in _inbox()] == ["bundle.submitted", "bundle.member_denied"]
    denied = db.session.scalar(sa.select(Message).where(Message.event_type == "bundle.member_denied"))
    assert huji["service_name"] in denied.body and "-" not in denied.body
