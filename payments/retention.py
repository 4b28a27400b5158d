"""Retention of payments/ data: raw provider notifications (bodies and headers as received, with
the payer's ids) are deleted PAYMENT_NOTIFICATION_RETENTION_DAYS after they arrived. Orders,
refunds and alarms keep what accounting needs; alarms keep their own detail.

`purge` is a periodic job (cron_config.py, "retention-payments"), safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from payments.models import RawNotification, utcnow

log = logging.getLogger(__name__)


def purge_notifications(now=None) -> int:
    """Delete the raw notifications older than the retention period; returns how many."""
    days = int(current_app.config.get("PAYMENT_NOTIFICATION_RETENTION_DAYS", 180))
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        sa.delete(RawNotification).where(RawNotification.received_at < cutoff),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount or 0


def purge() -> dict:
    """The periodic job. Logs counts only."""
    purged = purge_notifications()
    log.info("retention: payment notifications purged %s", purged)
    return {"notifications": purged}
