"""The enterprise audit trail: who bound, granted, accepted, declined, revoked, switched into
acting (a use of a grant) and left — never personal data, only ids and codes."""

from __future__ import annotations

import sqlalchemy as sa

from app.enterprises.models import EnterpriseAudit
from app.extensions import db

BOUND = "bound"
GRANTED = "grant_created"
ACCEPTED = "grant_accepted"
DECLINED = "grant_declined"
REVOKED = "grant_revoked"
ACTED = "acting_started"
LEFT = "acting_ended"
ACTING_REFUSED = "acting_refused"
ACTIONS = (BOUND, GRANTED, ACCEPTED, DECLINED, REVOKED, ACTED, LEFT, ACTING_REFUSED)


def record(*, enterprise_id: int, account_id: int | None, action: str, grant_id: int | None = None, ref=None) -> None:
    """Add an audit row in the caller's transaction (flushed with it)."""
    db.session.add(
        EnterpriseAudit(
            enterprise_id=enterprise_id,
            account_id=account_id,
            grant_id=grant_id,
            action=action,
            ref=None if ref is None else str(ref)[:64],
        )
    )


def page(enterprise_id: int, *, page: int, page_size: int) -> tuple[list[EnterpriseAudit], int]:
    query = sa.select(EnterpriseAudit).where(EnterpriseAudit.enterprise_id == enterprise_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(EnterpriseAudit.id.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return list(rows), total
