"""Events → rows: `handle_event(event_id)`, the outbox subscriber's work (notifications.jobs).

Renders the event's texts, looks up where the citizen can be reached
(app.identity.service.notification_contacts) and inserts one row per channel — the inbox copy
is born `sent`; a WeChat / Alipay row consumes one consent or is `skipped` (NO_CONSENT). Rows
and consent consumption are one transaction, guarded by the unique key (event_id, channel,
recipient): a second run of the same event inserts nothing and consumes nothing.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.cases import service as cases
from app.cases.public import CaseNotFound
from app.enterprises import public as enterprises
from app.extensions import db
from app.identity import service as identity
from app.outbox import OutboxEvent
from notifications import settings, templating
from notifications.models import Channel, Message, MessageStatus, Subscription, SubscriptionKind, utcnow

log = logging.getLogger(__name__)

PROVIDER_CHANNELS = (Channel.WECHAT, Channel.ALIPAY)
# A member case of a 一件事 bundle: these steps reach the citizen as one bundle message
# (bundle.* events, app/bundles/progress.py), not one per member.
HELD_FOR_BUNDLE = frozenset(
    {
        "case.submit",
        "case.await_payment",
        "case.pay",
        "case.resubmit",
        "case.withdraw",
        "case.accept",
        "case.request_correction",
        "case.instant_approve",
        "case.approve",
        "case.deny",
        "case.conclude",
        "case.result_issued",
    }
)


def _facts(case_id) -> dict | None:
    if not isinstance(case_id, int):
        return None
    try:
        return cases.case_facts(case_id)
    except CaseNotFound:
        return None


def _enterprise_of(payload: dict, facts: dict | None) -> int | None:
    """The enterprise the event's case was applied for (null: a person's own matter)."""
    value = payload.get("enterprise_id", (facts or {}).get("enterprise_id"))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _representatives(enterprise_id: int | None, holder: int) -> list[int]:
    if enterprise_id is None:
        return []
    return [a for a in enterprises.representative_account_ids(enterprise_id) if a != holder]


def _consume(account_id: int, channel: str, template_id: str) -> bool:
    """Take one authorisation of the citizen's consent for `template_id`; False when none is left."""
    sub = db.session.scalar(
        sa.select(Subscription).where(
            Subscription.account_id == account_id,
            Subscription.channel == channel,
            Subscription.template_id == template_id,
        )
    )
    if sub is None:
        return False
    if sub.kind == SubscriptionKind.LONG_TERM:
        return sub.active
    taken = db.session.execute(
        sa.update(Subscription)
        .where(Subscription.id == sub.id, Subscription.remaining > 0)
        .values(remaining=Subscription.remaining - 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def handle_event(event_id: int) -> list[int]:
    """Create the messages of one outbox event (commits). Returns the ids of the provider messages
    to send now; [] when the event has no citizen message or was handled before."""
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        return []
    if db.session.scalar(sa.select(Message.id).where(Message.event_id == event_id).limit(1)) is not None:
        db.session.rollback()
        return []  # handled before; stranded sends are the sweep's
    config = templating.load()
    if templating.event_entry(config, event.event_type) is None:
        db.session.rollback()
        return []
    payload = dict(event.payload or {})
    account_id = payload.get("account_id")
    if not isinstance(account_id, int) or isinstance(account_id, bool):
        log.warning("event %s (%s) carries no account_id: no message", event.id, event.event_type)
        db.session.rollback()
        return []
    case_id = payload.get("case_id")
    facts = _facts(case_id)
    if facts and facts.get("bundle_application_id") and event.event_type in HELD_FOR_BUNDLE:
        db.session.rollback()
        return []
    rendered = templating.render(event.event_type, payload, facts, config=config)
    if rendered is None:  # pragma: no cover - event_entry said there is one
        return []
    cfg = current_app.config
    contacts = identity.notification_contacts(
        account_id, wechat_appid=cfg.get("WECHAT_APPID", ""), alipay_app_id=cfg.get("ALIPAY_APP_ID", "")
    )
    holder = contacts["account_id"]
    enterprise_id = _enterprise_of(payload, facts)
    now = utcnow()
    common = {
        "event_id": event.id,
        "event_type": event.event_type,
        "account_id": holder,
        "enterprise_id": enterprise_id,
        "case_id": case_id if isinstance(case_id, int) else None,
        "case_number": rendered.context.get("case_number"),
        "department_code": rendered.context.get("department_code") or (facts or {}).get("department_code"),
        "title": rendered.title[:64],
        "body": rendered.body,
        "page": rendered.page,
        "created_at": now,
    }
    rows = [
        Message(channel=Channel.INBOX, recipient=f"account:{holder}", status=MessageStatus.SENT, sent_at=now, **common)
    ]
    # an enterprise's matter also reaches its legal representative's inbox (in the enterprise's context)
    for rep in _representatives(enterprise_id, holder):
        rows.append(
            Message(
                channel=Channel.INBOX,
                recipient=f"account:{rep}",
                status=MessageStatus.SENT,
                sent_at=now,
                **{**common, "account_id": rep},
            )
        )
    targets = []
    if contacts["wechat_openid"] and cfg.get("WECHAT_APPID"):
        targets.append((Channel.WECHAT, contacts["wechat_openid"]))
    alipay_recipient = contacts["alipay_user_id"] or contacts["alipay_open_id"]
    if alipay_recipient and cfg.get("ALIPAY_APP_ID"):
        targets.append((Channel.ALIPAY, alipay_recipient))
    if settings.get("NOTIFICATIONS_SMS_ENABLED") and contacts["has_phone"]:
        targets.append((Channel.SMS, f"account:{holder}"))
    for channel, recipient in targets:
        template = rendered.channel_template(config, channel)
        if template is None:
            continue
        template_id, data = template
        rows.append(
            Message(
                channel=channel,
                recipient=recipient,
                template_id=template_id,
                data=data,
                status=MessageStatus.PENDING,
                next_attempt_at=now,
                **common,
            )
        )
    db.session.add_all(rows)
    try:
        db.session.flush()
    except IntegrityError:  # another run of this event got there first: it owns the sends
        db.session.rollback()
        return []
    for row in rows:
        if row.channel in PROVIDER_CHANNELS and not _consume(holder, row.channel, row.template_id):
            row.status = MessageStatus.SKIPPED
            row.error_code = "NO_CONSENT"
            row.next_attempt_at = None
    db.session.commit()
    return [row.id for row in rows if row.status == MessageStatus.PENDING]
