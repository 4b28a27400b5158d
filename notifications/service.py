"""The public functions of notifications: consents, the citizen's inbox, staff's failure list.

Callers (miniprogram_api, the staff views) pass the account id / staff department they
authenticated; every query is scoped by it, so nobody reads another person's messages.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from notifications import templating
from notifications.errors import MessageNotFound, UnknownTemplate
from notifications.models import Channel, Message, MessageStatus, Subscription, SubscriptionKind, utcnow

ACCEPT = "accept"
# WeChat answers per template: accept | reject | ban | filter; Alipay's result lists are mapped
# by the mini-program to the same words.
DECISIONS = ("accept", "reject", "ban", "filter")


def _subscription_view(sub: Subscription) -> dict:
    return {
        "channel": sub.channel,
        "template_id": sub.template_id,
        "kind": sub.kind,
        "remaining": sub.remaining if sub.kind == SubscriptionKind.ONE_TIME else None,
        "active": sub.active if sub.kind == SubscriptionKind.LONG_TERM else sub.remaining > 0,
        "updated_at": sub.updated_at,
    }


def record_subscriptions(account_id: int, *, channel: str, kind: str, results: dict[str, str]) -> dict:
    """Record the outcome of one wx.requestSubscribeMessage / my.requestSubscribeMessage (commits).

    One-time: each "accept" adds one authorisation for that template (one message each). Long-term:
    "accept" turns the consent on until refused. "reject" / "ban" turn it off. Unknown template
    ids are refused and nothing is recorded."""
    known = templating.template_ids(templating.load(), channel)
    unknown = sorted(t for t in results if t not in known)
    if unknown:
        raise UnknownTemplate(errors={"json": {"results": {t: ["未知的模板"] for t in unknown}}})
    for template_id, decision in sorted(results.items()):
        if decision == "filter":  # hidden by WeChat's background filter: nothing was asked
            continue
        sub = db.session.scalar(
            sa.select(Subscription)
            .where(
                Subscription.account_id == account_id,
                Subscription.channel == channel,
                Subscription.template_id == template_id,
            )
            .with_for_update()
        )
        if sub is None:
            sub = Subscription(account_id=account_id, channel=channel, template_id=template_id, kind=kind, remaining=0)
            db.session.add(sub)
        accepted = decision == ACCEPT
        sub.kind = kind
        sub.updated_at = utcnow()
        if kind == SubscriptionKind.LONG_TERM:
            sub.active = accepted
        elif accepted:
            sub.remaining = (sub.remaining or 0) + 1
        else:
            sub.remaining = 0
    db.session.commit()
    return list_subscriptions(account_id, channel=channel)


def list_subscriptions(account_id: int, *, channel: str | None = None) -> dict:
    query = sa.select(Subscription).where(Subscription.account_id == account_id)
    if channel:
        query = query.where(Subscription.channel == channel)
    items = [_subscription_view(s) for s in db.session.scalars(query.order_by(Subscription.id))]
    return {"items": items}


# ---------------------------------------------------------------- inbox


def _inbox_view(m: Message) -> dict:
    return {
        "id": m.id,
        "event_type": m.event_type,
        "title": m.title,
        "body": m.body,
        "page": m.page,
        "case_id": m.case_id,
        "case_number": m.case_number,
        "created_at": m.created_at,
        "read": m.read_at is not None,
        "read_at": m.read_at,
    }


def _inbox(account_id: int, enterprise_id: int | None = None):
    """The account's inbox in one context: the person's own messages, or — acting for an
    enterprise — the messages about that enterprise's matters sent to this account."""
    scope = Message.enterprise_id.is_(None) if enterprise_id is None else Message.enterprise_id == enterprise_id
    return sa.and_(Message.account_id == account_id, Message.channel == Channel.INBOX, scope)


def unread_count(account_id: int, *, enterprise_id: int | None = None) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(_inbox(account_id, enterprise_id), Message.read_at.is_(None))
        )
        or 0
    )


def inbox_page(
    account_id: int,
    *,
    page: int = 1,
    page_size: int = 20,
    unread_only: bool = False,
    enterprise_id: int | None = None,
) -> dict:
    """The citizen's messages, newest first, with the unread count (acting for an enterprise:
    those about the enterprise's matters)."""
    where = [_inbox(account_id, enterprise_id)]
    if unread_only:
        where.append(Message.read_at.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(*where)) or 0
    rows = db.session.scalars(
        sa.select(Message).where(*where).order_by(Message.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return {
        "items": [_inbox_view(m) for m in rows],
        "total": total,
        "page": page,
        "page_size": page_size,
        "unread": unread_count(account_id, enterprise_id=enterprise_id),
    }


def mark_read(account_id: int, message_id: int, *, enterprise_id: int | None = None) -> dict:
    """Mark one of the citizen's messages read (commits; reading twice keeps the first time)."""
    message = db.session.scalar(
        sa.select(Message).where(_inbox(account_id, enterprise_id), Message.id == message_id).with_for_update()
    )
    if message is None:
        raise MessageNotFound()
    if message.read_at is None:
        message.read_at = utcnow()
    db.session.commit()
    return _inbox_view(message)


def mark_all_read(account_id: int, *, enterprise_id: int | None = None) -> dict:
    """Mark every unread message of the citizen read (commits), in the current context."""
    updated = db.session.execute(
        sa.update(Message)
        .where(_inbox(account_id, enterprise_id), Message.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return {"updated": updated, "unread": 0}


# ---------------------------------------------------------------- staff


def failures_page(department_code: str, *, page: int = 1, page_size: int = 20, channel: str | None = None) -> dict:
    """Messages about the department's cases that ended failed (refused or out of retries),
    newest first. No recipient identifiers: the case number says whom to call."""
    where = [Message.status == MessageStatus.FAILED, Message.department_code == department_code]
    if channel:
        where.append(Message.channel == channel)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(*where)) or 0
    rows = db.session.scalars(
        sa.select(Message).where(*where).order_by(Message.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    items = [
        {
            "id": m.id,
            "event_type": m.event_type,
            "channel": m.channel,
            "case_id": m.case_id,
            "case_number": m.case_number,
            "error_code": m.error_code,
            "error": m.error,
            "attempts": m.attempts,
            "created_at": m.created_at,
            "failed_at": m.failed_at,
        }
        for m in rows
    ]
    return {"items": items, "total": total, "page": page, "page_size": page_size}
