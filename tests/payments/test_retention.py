"""Raw provider notifications are purged after PAYMENT_NOTIFICATION_RETENTION_DAYS (issue 15)."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from payments import retention
from payments.models import RawNotification, utcnow


def _raw(received_at, n: int) -> None:
    for i in range(n):
        db.session.add(
            RawNotification(
                channel="alipay",
                received_at=received_at,
                headers={"x": "y"},
                body=f"buyer_logon_id=138****0000&n={i}",
                outcome="paid",
            )
        )
    db.session.commit()


def test_old_raw_notifications_are_purged_and_counted(actx, identity_app, caplog):
    now = utcnow()
    _raw(now - timedelta(days=181), 3)
    _raw(now - timedelta(days=179), 2)
    with caplog.at_level(logging.INFO, logger="payments.retention"):
        assert retention.purge() == {"notifications": 3}
    assert "retention: payment notifications purged 3" in caplog.text
    assert "138" not in caplog.text
    left = db.session.scalars(sa.select(RawNotification.received_at)).all()
    assert len(left) == 2 and all(at > now - timedelta(days=180) for at in left)
    assert retention.purge() == {"notifications": 0}
    identity_app.config["PAYMENT_NOTIFICATION_RETENTION_DAYS"] = 30
    try:
        assert retention.purge_notifications() == 2
    finally:
        identity_app.config.pop("PAYMENT_NOTIFICATION_RETENTION_DAYS")
