"""Pending WeChat messages for the benchmark, made the way production makes them: citizens through
the identity core, a long-term consent each, one outbox event per message handled by
notifications.fanout.handle_event (the event job's own function)."""

from __future__ import annotations

from flask import current_app

from app import outbox
from app.extensions import db
from app.identity.accounts import Identifier, resolve
from app.identity.models import KIND_WECHAT_OPENID
from notifications import fanout, service, templating
from sandbox import users

CITIZENS = 50


def prepare_messages(count: int, *, tag: str) -> list[int]:
    """`count` pending WeChat messages (ids), spread over CITIZENS citizens."""
    appid = current_app.config["WECHAT_APPID"]
    template = templating.load()["wechat_templates"]["feedback"]["template_id"]
    accounts = []
    for n in range(CITIZENS):
        user = f"bench-{tag}-{n}"
        account, _ = resolve([Identifier("wechat", KIND_WECHAT_OPENID, appid, users.wechat_openid(appid, user))])
        db.session.commit()
        service.record_subscriptions(account.id, channel="wechat", kind="long_term", results={template: "accept"})
        accounts.append(account.id)
    events = []
    for n in range(count):
        number = f"TS{tag}{n:08d}"
        events.append(
            outbox.emit(
                "complaint.received",
                aggregate_type="complaint",
                aggregate_id=n,
                payload={"account_id": accounts[n % CITIZENS], "complaint_id": n, "complaint_number": number},
            )
        )
    db.session.commit()
    ids: list[int] = []
    for event in events:
        ids += fanout.handle_event(event.id)
    if len(ids) != count:
        raise RuntimeError(f"prepared {len(ids)} messages for {count} events")
    return ids
