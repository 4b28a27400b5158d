"""Delivered parcels' recipients and deleted addresses are purged after their periods (issue 15)."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from delivery import retention
from delivery.models import Address, Delivery, utcnow
from tests.cases.helpers import citizen
from tests.delivery.helpers import ADDRESSES, add_address, delivery_of, mail_case
from tests.identity.helpers import bearer


def _deliver(case_id: int, days_ago: int) -> None:
    """The parcel of `case_id` as issued and delivered `days_ago` days ago (its address copied)."""
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.case_id == case_id))
    address = db.session.get(Address, delivery.address_id)
    delivery.contact = address.contact
    delivery.status = "delivered"
    delivery.issued_at = delivery.delivered_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def test_delivered_recipients_and_deleted_addresses_are_purged(api, actx, caplog):
    token, old_case, old_address = mail_case(api)
    _, recent_case, _ = mail_case(api, token=token)
    _deliver(old_case["id"], days_ago=91)
    _deliver(recent_case["id"], days_ago=10)
    # the citizen deleted the address of the old parcel long ago, and another one nobody uses
    unused = add_address(api, token, detail="青岚路8号")
    for address_id in (old_address["id"], unused["id"]):
        assert api.delete(f"{ADDRESSES}/{address_id}", headers=bearer(token)).status_code == 204
    long_ago = utcnow() - timedelta(days=31)
    db.session.execute(sa.update(Address).where(Address.deleted_at.is_not(None)).values(deleted_at=long_ago))
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="delivery.retention"):
        assert retention.purge() == {"delivered_addresses": 1, "deleted_addresses": 2}
    assert "delivered parcel addresses purged 1, deleted addresses purged 2" in caplog.text
    db.session.expire_all()
    old = db.session.scalar(sa.select(Delivery).where(Delivery.case_id == old_case["id"]))
    recent = db.session.scalar(sa.select(Delivery).where(Delivery.case_id == recent_case["id"]))
    assert old.contact is None and old.address_id is None and old.status == "delivered"
    assert recent.contact is not None and recent.address_id is not None
    assert db.session.get(Address, old_address["id"]) is None and db.session.get(Address, unused["id"]) is None
    # the owner still sees the parcel, without a recipient
    assert delivery_of(api, token, old_case["id"])["address"] is None
    assert retention.purge() == {"delivered_addresses": 0, "deleted_addresses": 0}


def test_a_deleted_address_a_parcel_still_needs_is_kept(api, actx):
    token = citizen(api)
    _, case, address = mail_case(api, token=token)  # chosen, not yet issued
    assert api.delete(f"{ADDRESSES}/{address['id']}", headers=bearer(token)).status_code == 204
    db.session.execute(sa.update(Address).values(deleted_at=utcnow() - timedelta(days=365)))
    db.session.commit()
    assert retention.purge_deleted_addresses() == 0
    assert db.session.get(Address, address["id"]) is not None
    assert delivery_of(api, token, case["id"])["method"] == "mail"
